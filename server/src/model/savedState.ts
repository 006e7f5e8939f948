/**
 * Invariant 4: task-field state that an activation saves (kcov's softirq saving the interrupted
 * task's `t->kcov_*` on start) and restores (on stop) must be restored into the task it was saved
 * from. Saved in current's own task_struct, it is: current does not change within an activation,
 * whichever task the softirq borrowed. Saved per CPU, another activation on the same CPU that runs
 * in a different task (CURRENT_TABLE) may read it back into its own task in between.
 */
import type { ConfigView } from '../source/types';
import type { ConfigName } from './configs';
import { CONTEXTS, LOCK_BLOCKS, currentRow, mayPreempt, ownCurrent, type ContextName, type CurrentRow, type PreemptRow } from './contexts';
import { ENTRY_SEQUENCES, runCatalog, chainSteps, findChain, nestingDepth, type Clobber, type ExploreOptions, type ProofStep, type Run } from './explorer';
import type { Step } from './activation';
import { describeState } from './state';
import { kept } from '../memo';

/** Which cells hold saved task state: kcov's names for them, as data. */
export const SAVED_STATE = {
  field: /^(?:kcov_)?saved_/,
  text: 'the softirq\'s copy of the interrupted task\'s coverage state (saved_* per CPU before the move to task_struct, t->kcov_saved_* after)',
  cite: 'kernel/kcov.c kcov_remote_softirq_start(), kcov_remote_softirq_stop()',
} as const;

const fieldOf = (cell: string): string => cell.replace(/\[\]$/, '').split('.').pop() ?? '';
export const isSavedCell = (cell: string): boolean => SAVED_STATE.field.test(fieldOf(cell));

type CellStep = Extract<Step, { op: 'percpu' | 'task' }>;
const cellStep = (s: Step): s is CellStep => s.op === 'percpu' || s.op === 'task';

/** A save (first write of a saved cell) and its restore (the last read of it after the write) in one run. */
interface SaveWindow { cell: string; where: 'percpu' | 'task'; save: number; restore: number }

function saveWindows(run: Run): SaveWindow[] {
  const out = new Map<string, SaveWindow>();
  run.steps.forEach((s, i) => {
    if (!cellStep(s) || s.access !== 'write' || !isSavedCell(s.cell) || out.has(s.cell)) return;
    let restore = -1;
    for (let j = i + 1; j < run.steps.length; j++) { const t = run.steps[j]; if (cellStep(t) && t.cell === s.cell && t.access === 'read') restore = j; }
    if (restore >= 0) out.set(s.cell, { cell: s.cell, where: s.op, save: i, restore });
  });
  return [...out.values()];
}

/** A chain target: a read of the saved cell before the activation saves into it itself. */
const restores = (cell: string) => (s: Step): 'hit' | 'stop' | 'go' => {
  if (!cellStep(s) || s.cell !== cell) return 'go';
  return s.access === 'read' ? 'hit' : s.access === 'write' ? 'stop' : 'go';
};

export interface ForeignRestore { cell: string; victim: Run; save: number; point: number; restore: number; by: Clobber; row: PreemptRow; current: CurrentRow; proof: ProofStep[] }
/** Saved cells proven safe, with why. */
export interface KeptState { cell: string; context: ContextName; why: string; row: string }
export interface SavedStateResult { foreign: ForeignRestore[]; kept: KeptState[]; truncated: boolean }

const CTXS: readonly ContextName[] = CONTEXTS;
const ps = (s: Step, context: string, config: ConfigName, text: string, row: string): ProofStep => ({ line: s.line, fn: s.fn, context, config, text, row });

function foreignProof(f: Omit<ForeignRestore, 'proof'>): ProofStep[] {
  const v = f.victim;
  const c = v.config;
  const save = v.steps[f.save];
  const p = v.steps[f.point];
  return [
    ps(v.steps[0] ?? save, v.context, c, `${v.seq.functions[0]}() runs in ${v.context} context (${ownCurrent(c, v.context)}): ${v.entryCite}`, v.context === 'task' ? 'context entry' : `${currentRow(c, 'task', v.context).id}: ${currentRow(c, 'task', v.context).cite}`),
    ps(save, v.context, c, `saves its task's state into per-CPU ${f.cell}: ${save.text}`, `saved state: ${SAVED_STATE.cite}`),
    ps(p, v.context, c, `state here: ${describeState(v.after[f.point])}`, p.op === 'prim' ? `${p.row.names[0]}: ${p.row.cite}` : 'state'),
    ...chainSteps(f.by, f.row, p, c, `reads ${f.cell}, saved from the other task, to restore into its own current`, `${LOCK_BLOCKS.id} does not stop it: the lock is not held by the preempted activation here`, { text: f.current.text, row: `${f.current.id}: ${f.current.cite}` }),
    ps(v.steps[f.restore], v.context, c, `restores from ${f.cell} here, in the task it saved from; the other task may have taken or overwritten that state: ${v.steps[f.restore].text}`, 'per-CPU access'),
  ];
}

/** Invariant 4 on one view (one image, one configuration). */
export function exploreSavedState(view: ConfigView, options: ExploreOptions = {}): SavedStateResult {
  const config = view.config.name;
  const sequences = options.sequences ?? ENTRY_SEQUENCES;
  const depth = nestingDepth(options.depth);
  const memos = new Map<string, Map<string, Clobber | null>>();
  const { runs, runsIn } = runCatalog(view, sequences);

  const foreign = new Map<string, ForeignRestore>();
  const keptByKey = new Map<string, KeptState>();
  let truncated = false;
  for (const seq of sequences) {
    for (const ctx of seq.contexts) {
      for (const run of runs(seq, ctx)) {
        truncated ||= run.truncated;
        for (const win of saveWindows(run)) {
          const kk = `${win.cell}\u0000${ctx}`;
          if (win.where === 'task') {
            if (!keptByKey.has(kk)) keptByKey.set(kk, { cell: win.cell, context: ctx, row: ctx === 'task' ? 'context entry' : currentRow(config, 'task', ctx).id, why: `saved in current's task_struct and restored from it: current is one task for the whole activation (${ownCurrent(config, ctx)}), so the state goes back to the task it came from` });
            continue;
          }
          if (foreign.has(win.cell)) continue;
          const reasons: string[] = [];
          for (let d = 0; d <= depth - 2 && !foreign.has(win.cell); d++) for (let p = win.save; p < win.restore && !foreign.has(win.cell); p++) {
            for (const by of CTXS) {
              const m = mayPreempt(config, ctx, by, run.after[p]);
              if (!m.allowed || !m.row) { reasons.push(`${m.row?.id ?? 'none'}: ${m.why}`); continue; }
              const cur = currentRow(config, ctx, by);
              if (cur.sameTask) { reasons.push(`${cur.id}: ${cur.text}`); continue; }
              const memo = kept(memos, win.cell, () => new Map<string, Clobber | null>());
              const hit = findChain(config, by, run.after[p].locks, d, runsIn, restores(win.cell), memo);
              if (!hit) { reasons.push(`${m.row.id}: no ${by} activation reads ${win.cell} before saving into it or blocking on a lock held here`); continue; }
              const base = { cell: win.cell, victim: run, save: win.save, point: p, restore: win.restore, by: hit, row: m.row, current: cur };
              foreign.set(win.cell, { ...base, proof: foreignProof(base) });
              break;
            }
          }
          if (!foreign.has(win.cell) && !keptByKey.has(kk)) {
            const uniq = [...new Set(reasons)];
            keptByKey.set(kk, { cell: win.cell, context: ctx, row: uniq.map((u) => u.split(':')[0]).join(', '), why: `saved per CPU, but no activation in another task can restore it in between: ${uniq.join('; ')}` });
          }
        }
      }
    }
  }
  for (const cell of foreign.keys()) for (const k of [...keptByKey.keys()]) if (k.startsWith(`${cell}\u0000`)) keptByKey.delete(k);
  return { foreign: [...foreign.values()], kept: [...keptByKey.values()], truncated };
}
