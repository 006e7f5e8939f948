/**
 * Rule `percpu-clobber` (invariant 1): per-CPU state written by an activation and read back by it
 * later is not overwritten by a second activation on the same CPU in between (the explorer inserts
 * it wherever the preemption table allows); and per-CPU data is never touched with preemption and
 * migration both enabled (docs/rules/percpu-clobber.md).
 */
import { chainHead, explore, cachedPerDepth, type ExploreResult } from '../model/explorer';
import type { ConfigView } from '../source/types';
import { sequenceFindings } from './byCone';
import { toTrace } from './trace';
import type { Rule, RuleFinding, RuleInput } from './types';

export const PERCPU_CLOBBER = 'percpu-clobber';

export const exploreCached = cachedPerDepth((view, depth): ExploreResult => explore(view, { depth }));

function run(input: RuleInput): RuleFinding[] {
  return sequenceFindings(input, PERCPU_CLOBBER, explored);
}

function explored(view: ConfigView, depth: number): RuleFinding[] {
  const file = view.image.path;
  const config = view.config.name;
  const r = exploreCached(view, depth);
  const clobbers = r.clobbers.map((c): RuleFinding => {
    const w = c.victim.steps[c.write];
    const rd = c.victim.steps[c.read];
    return {
      rule: PERCPU_CLOBBER, severity: 'error', config, function: w.fn, role: `clobber:${c.cell}`, line: w.line,
      span: [Math.min(w.line, rd.line), Math.max(w.line, rd.line)],
      message: `per-CPU ${c.cell} written in ${c.victim.context} context is read back later, but a ${chainHead(c.by).context} activation on the same CPU can overwrite it in between on ${config} (${c.row.id})${c.also.length > 0 ? `; also ${c.also.map((a) => `${a.by} in ${a.victim} (${a.row})`).join(', ')}` : ''}`,
      trace: toTrace(file, c.proof), fix: null,
    };
  });
  const unpinned = r.unpinned.map((u): RuleFinding => {
    const s = u.run.steps[u.at];
    return {
      rule: PERCPU_CLOBBER, severity: 'error', config, function: s.fn, role: `unpinned:${u.cell}`, line: s.line, span: [s.line, s.line],
      message: `per-CPU ${u.cell} touched in ${u.run.context} context with preemption and migration enabled on ${config}: the CPU can change under it`,
      trace: toTrace(file, u.proof), fix: null,
    };
  });
  return [...clobbers, ...unpinned];
}

export const percpuClobberRule: Rule = { id: PERCPU_CLOBBER, title: 'per-CPU state overwritten by a preempting activation, or used while migratable', run };
