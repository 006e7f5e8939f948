import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS } from '../../server/src/model/configs';
import { clearConeFindings, findingsByCone } from '../../server/src/rules/byCone';
import { forgetSharedModel } from '../support/sharedModel';
import { mightSleepRule } from '../../server/src/rules/mightSleep';
import { percpuClobberRule } from '../../server/src/rules/percpuClobber';
import type { RuleFinding } from '../../server/src/rules/types';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import type { ConfigView } from '../../server/src/source/types';
import { summarizeView } from '../../server/src/model/summary';
import { RULES } from '../../server/src/review/analyze';
import { readKcov, readKcov61 } from '../support/kernel';
import { random } from '../support/random';
import { seed000Base } from '../support/seedBase';

/** kcov.c with a function that allocates with GFP_KERNEL under a spinlock taken with IRQs off. */
const SLEEPER = `
static void cone_test_sleeper(struct kcov *kcov)
{
\tunsigned long flags;

\tspin_lock_irqsave(&kcov->lock, flags);
\tkcov_get(kcov);
\tkzalloc(64, GFP_KERNEL);
\tspin_unlock_irqrestore(&kcov->lock, flags);
}
`;
/** A function no other calls, four lines long: put first, it moves every other function down by four. */
const UNRELATED = 'static int cone_test_unrelated(int x)\n{\n\treturn x + 1;\n}\n';

const view = (text: string, config = CONFIGS[0]): ConfigView => buildView(sourceImage('kernel/kcov.c', text), config);
const lines = (fs: readonly RuleFinding[]): number[] => fs.flatMap((f) => [f.line, ...f.trace.map((t) => t.line)]);

describe('findings reused between views whose cones have one shape', () => {
  beforeAll(async () => { await initParser(); });

  it('a function added outside the cones: the rules\' findings are those of a fresh run, moved by its lines', () => {
    const base = `${readKcov()}${SLEEPER}`;
    const moved = `${UNRELATED}${base}`;
    for (const config of CONFIGS) {
      forgetSharedModel();
      const env = {};
      for (const rule of [mightSleepRule, percpuClobberRule]) {
        const before = rule.run({ view: view(base, config), summaries: new Map(), env });
        const reused = rule.run({ view: view(moved, config), summaries: new Map(), env });
        forgetSharedModel();
        const fresh = rule.run({ view: view(moved, config), summaries: new Map(), env });
        expect(reused).toEqual(fresh);
        expect(lines(reused)).toEqual(lines(before).map((l) => l + 4));
        if (rule === mightSleepRule) expect(before.some((f) => f.function === 'cone_test_sleeper' && /kzalloc/.test(f.message))).toBe(true);
      }
    }
  });

  it('computes once per shape: again when a function of the cone changes, not when one outside it does', () => {
    clearConeFindings();
    const base = `${readKcov()}${SLEEPER}`;
    let runs = 0;
    const compute = (): RuleFinding[] => { runs++; return []; };
    findingsByCone(view(base), 'test', ['cone_test_sleeper'], compute);
    expect(runs).toBe(1);
    findingsByCone(view(`${UNRELATED}${base}`), 'test', ['cone_test_sleeper'], compute);
    expect(runs).toBe(1);
    // kcov_get() is in the cone: a statement the model sees added to it changes the shape; a barrier does not.
    const kcovGet = /(static void kcov_get\(struct kcov \*kcov\)\n\{\n)/;
    const barrierAdded = base.replace(kcovGet, '$1\tbarrier();\n');
    expect(barrierAdded).not.toBe(base);
    findingsByCone(view(barrierAdded), 'test', ['cone_test_sleeper'], compute);
    expect(runs).toBe(1);
    findingsByCone(view(base.replace(kcovGet, '$1\tpreempt_disable();\n\tpreempt_enable();\n')), 'test', ['cone_test_sleeper'], compute);
    expect(runs).toBe(2);
    // Another configuration or rule part is another key.
    findingsByCone(view(base, CONFIGS[2]), 'test', ['cone_test_sleeper'], compute);
    findingsByCone(view(base), 'other', ['cone_test_sleeper'], compute);
    expect(runs).toBe(4);
  });

  it('a finding with a line outside the cone is never reused, not even at the same lines: the rule runs again', () => {
    clearConeFindings();
    const base = `${readKcov()}${SLEEPER}`;
    const outside: RuleFinding = { rule: 'test', severity: 'error', config: '!RT', function: 'cone_test_sleeper', role: 'r', line: 0, span: [0, 0], message: 'm', trace: [], fix: null };
    const sleeperLine = view(base).functions.get('cone_test_sleeper')?.startLine ?? -1;
    const inside: RuleFinding = { ...outside, line: sleeperLine, span: [sleeperLine, sleeperLine] };
    let runs = 0;
    let found = [outside];
    const compute = (): RuleFinding[] => { runs++; return found; };
    expect(findingsByCone(view(base), 'test', ['cone_test_sleeper'], compute)).toEqual([outside]);
    expect(findingsByCone(view(base), 'test', ['cone_test_sleeper'], compute)).toEqual([outside]);
    expect(runs).toBe(2);
    found = [inside];
    findingsByCone(view(base), 'test', ['cone_test_sleeper'], compute);
    expect(findingsByCone(view(`${UNRELATED}${base}`), 'test', ['cone_test_sleeper'], compute)).toEqual([{ ...inside, line: sleeperLine + 4, span: [sleeperLine + 4, sleeperLine + 4] }]);
    expect(runs).toBe(3);
  });
});

/** A series like the benchmark's: each image adds a statement after a random statement of a function,
 *  a compiler barrier (no step of the model) or a preemption-off section (two), and every third
 *  rewords one added before into a full barrier. */
function statementSeries(text: string, seed: number, count: number): string[] {
  const next = random(seed);
  const lines = text.split('\n');
  const out: string[] = [];
  const added: number[] = [];
  for (let k = 0; k < count; k++) {
    if (k % 3 === 2 && added.length > 0) {
      const at = added[Math.floor(next() * added.length)];
      lines[at] = `\tsmp_mb(); /* byCone.test ${seed}.${k} */`;
    } else {
      const bodies = [...view(lines.join('\n')).functions.values()];
      const inBody = (i: number): boolean => bodies.some((f) => i > f.startLine && i < f.endLine);
      const candidates = lines.flatMap((l, i) => (inBody(i) && /^\t+[a-z_].*;$/.test(l) && !/^\t+(?:return|goto|break|continue)\b/.test(l) ? [i] : []));
      const at = candidates[Math.floor(next() * candidates.length)] + 1;
      lines.splice(at, 0, k % 3 === 0 ? '\tbarrier();' : '\tpreempt_disable(); preempt_enable();');
      for (let j = 0; j < added.length; j++) if (added[j] >= at) added[j]++;
      added.push(at);
    }
    out.push(lines.join('\n'));
  }
  return out;
}

describe('activations and callee paths of a moved image', () => {
  beforeAll(async () => { await initParser(); });

  it('a statement in the cones and every function moved: the rules\' findings are those of a fresh run', () => {
    const base = `${seed000Base()}${SLEEPER}`;
    // After the structs: a guarded member's declaration is part of every shape, with its line.
    const changed = base.replace('static void *kcov_remote_area_get(', `${UNRELATED}static void *kcov_remote_area_get(`)
      .replace(/(\nvoid kcov_remote_stop\(void\)\n\{\n(?:\t[^\n]*\n)*?\tunsigned int size;\n)/, '$1\tbarrier();\n')
      .replace(/(static void kcov_get\(struct kcov \*kcov\)\n\{\n)/, '$1\tbarrier();\n');
    expect(changed.split('\n').length).toBe(base.split('\n').length + 6);
    const all = (text: string, config: (typeof CONFIGS)[number]): RuleFinding[] => { const v = view(text, config); return RULES.flatMap((rule) => rule.run({ view: v, summaries: summarizeView(v), env: {} })); };
    for (const config of CONFIGS) {
      forgetSharedModel();
      const before = all(base, config);
      const shared = all(changed, config);
      forgetSharedModel();
      expect(shared).toEqual(all(changed, config));
      if (config.name === 'RT') expect(shared.some((f) => f.rule === 'percpu-clobber' && before.some((b) => b.role === f.role && b.line + 4 <= f.line))).toBe(true);
    }
  });
});

describe('a statement series: every image\'s findings are those of a fresh run', () => {
  beforeAll(async () => { await initParser(); });

  // The real files have no findings of the model's rules; seed 000's pre-image (per-CPU state clobbered
  // on RT) and the planted sleeper have some, in functions that move.
  for (const [name, read, seed] of [['6.12', readKcov, 7], ['6.1', readKcov61, 11], ['seed 000\'s base', seed000Base, 13]] as const) {
    it(`kcov.c ${name} with a sleeper, seed ${seed}`, () => {
      const base = `${read()}${SLEEPER}`;
      const images = [base, ...statementSeries(base, seed, 6)];
      for (const config of CONFIGS) {
        forgetSharedModel();
        const shared = images.map((text) => { const v = view(text, config); return RULES.flatMap((rule) => rule.run({ view: v, summaries: summarizeView(v), env: {} })); });
        const fresh = images.map((text) => { forgetSharedModel(); const v = view(text, config); return RULES.flatMap((rule) => rule.run({ view: v, summaries: summarizeView(v), env: {} })); });
        expect(shared).toEqual(fresh);
        const modelFindings = fresh.flat().filter((f) => f.rule !== 'publish-barrier' && f.rule !== 'publish-reader');
        expect(modelFindings.length).toBeGreaterThan(0);
        expect(new Set(modelFindings.map((f) => f.line)).size).toBeGreaterThan(1);
      }
    });
  }
});
