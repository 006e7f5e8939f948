/**
 * Rule `task-state-borrowed` (invariant 4): task state a softirq saves and restores must be
 * restored into the task it was saved from, also when on PREEMPT_RT the softirq runs in a borrowed
 * task_struct and another task's BH section can run in between (docs/rules/task-state-borrowed.md).
 */
import { chainHead, cachedPerDepth } from '../model/explorer';
import type { ConfigView } from '../source/types';
import { sequenceFindings } from './byCone';
import { exploreSavedState, type SavedStateResult } from '../model/savedState';
import { toTrace } from './trace';
import type { Rule, RuleFinding, RuleInput } from './types';

export const TASK_STATE_BORROWED = 'task-state-borrowed';

export const savedStateCached = cachedPerDepth((view, depth): SavedStateResult => exploreSavedState(view, { depth }));

function run(input: RuleInput): RuleFinding[] {
  return sequenceFindings(input, TASK_STATE_BORROWED, foreignRestores);
}

function foreignRestores(view: ConfigView, depth: number): RuleFinding[] {
  const config = view.config.name;
  return savedStateCached(view, depth).foreign.map((f): RuleFinding => {
    const s = f.victim.steps[f.save];
    const r = f.victim.steps[f.restore];
    return {
      rule: TASK_STATE_BORROWED, severity: 'error', config, function: s.fn, role: `foreign-restore:${f.cell}`, line: s.line,
      span: [Math.min(s.line, r.line), Math.max(s.line, r.line)],
      message: `task state saved into per-CPU ${f.cell} in ${f.victim.context} context can be restored into another task on ${config}: a ${chainHead(f.by).context} activation in a different task (${f.current.id}) reads it in between (${f.row.id})`,
      trace: toTrace(view.image.path, f.proof), fix: null,
    };
  });
}

export const taskStateBorrowedRule: Rule = { id: TASK_STATE_BORROWED, title: 'saved task state restored into a different (borrowed) task', run };
