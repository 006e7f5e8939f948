/**
 * The context explorer: runs activations (entry sequences such as kcov_remote_start() …
 * kcov_remote_stop()) in one context and inserts a second activation on the same CPU at every
 * point where the preemption table allows it, checking invariant 1 (per-CPU state written by an
 * activation and read back by it is not overwritten in between; per-CPU data is not touched while
 * the activation can migrate). Every result carries its proof as numbered steps.
 */
import type { ConfigView } from '../source/types';
import type { ConfigName } from './configs';
import { CONTEXTS, LOCK_BLOCKS, entryState, mayPreempt, type ContextName, type PreemptRow } from './contexts';
import { activation, type Step } from './activation';
import { unreliable } from './reliability';
import { applyEffect, describeState, pinned, type AbstractState } from './state';

/** Entry sequences: functions an outside caller runs in order in one activation, and the contexts it may run them in. */
export interface EntrySequence { name: string; functions: readonly string[]; contexts: readonly ContextName[] }

export const ENTRY_SEQUENCES: readonly EntrySequence[] = [
  { name: 'remote coverage section', functions: ['kcov_remote_start', 'kcov_remote_stop'], contexts: ['task', 'softirq', 'hardirq', 'nmi'] },
  { name: 'remote coverage section (common handle)', functions: ['kcov_remote_start_common', 'kcov_remote_stop'], contexts: ['task', 'softirq', 'hardirq', 'nmi'] },
  { name: 'coverage callback', functions: ['__sanitizer_cov_trace_pc'], contexts: ['task', 'softirq', 'hardirq', 'nmi'] },
  { name: 'ioctl', functions: ['kcov_ioctl'], contexts: ['task'] },
];

export interface ProofStep { line: number; fn: string; context: string; config: ConfigName; text: string; row: string }

/** One run of an entry sequence: the steps of one path through each function, with the state after each step. */
export interface Run { seq: EntrySequence; context: ContextName; config: ConfigName; steps: Step[]; after: AbstractState[]; entry: AbstractState; entryCite: string; truncated: boolean }

const MAX_RUNS = 4096;

function statesOf(entry: AbstractState, steps: readonly Step[]): AbstractState[] {
  const out: AbstractState[] = [];
  let s = entry;
  for (const st of steps) {
    if (st.op === 'prim') s = applyEffect(s, st.effect, st.lockId, st);
    out.push(s);
  }
  return out;
}

/** Every run of a sequence in a context (cross product of the functions' paths, bounded). */
export function runsOf(view: ConfigView, seq: EntrySequence, context: ContextName): Run[] {
  if (!seq.functions.every((f) => view.functions.has(f) && !unreliable(view, f))) return [];
  const config = view.config.name;
  const acts = seq.functions.map((f) => activation(view, f, context));
  let truncated = acts.some((a) => a.truncated);
  let combos: Step[][] = [[]];
  for (const a of acts) {
    // A path that returns early from the first function still runs the rest (the caller calls stop regardless).
    combos = combos.flatMap((c) => a.paths.map((p) => [...c, ...p.filter((s) => s.op !== 'return')]));
    if (combos.length > MAX_RUNS) { combos = combos.slice(0, MAX_RUNS); truncated = true; }
  }
  const e = entryState(context, config);
  return combos.map((steps) => ({ seq, context, config, steps, after: statesOf(e.state, steps), entry: e.state, entryCite: `${e.note} (${e.cite})`, truncated }));
}

/** A per-CPU cell written by the second activation before it blocks on a lock the first holds. */
interface Clobber { run: Run; upto: number; write: number }

function clobbersOf(runs: readonly Run[], cell: string, held: AbstractState['locks']): Clobber | null {
  for (const run of runs) {
    for (let k = 0; k < run.steps.length; k++) {
      const s = run.steps[k];
      if (s.op === 'prim' && s.effect.lock?.op === 'acquire' && held.some((h) => h.id === s.lockId)) break;
      if (s.op === 'percpu' && s.access === 'write' && s.cell === cell) return { run, upto: k, write: k };
    }
  }
  return null;
}

export interface ClobberFinding { kind: 'clobber'; cell: string; victim: Run; write: number; point: number; read: number; by: Clobber; row: PreemptRow; proof: ProofStep[] }
export interface ExcludedScenario { cell: string; victim: ContextName; by: ContextName; row: string; why: string }
export interface UnpinnedFinding { kind: 'unpinned'; cell: string; run: Run; at: number; proof: ProofStep[] }

export interface ExploreResult {
  clobbers: ClobberFinding[];
  unpinned: UnpinnedFinding[];
  /** Scenarios (cell, preempted context, preempting context) proven impossible, with the row that excludes them. */
  excluded: ExcludedScenario[];
  /** Per-CPU cells some activation writes and later reads back (empty: nothing to clobber). */
  windows: string[];
  /** Task fields the activations touch (where the state lives instead). */
  taskCells: string[];
  truncated: boolean;
}

const step = (s: Step, context: string, config: ConfigName, text: string, row: string): ProofStep => ({ line: s.line, fn: s.fn, context, config, text, row });

function clobberProof(f: Omit<ClobberFinding, 'proof'>): ProofStep[] {
  const { victim: v, by, cell } = f;
  const c = v.config;
  const w = v.steps[f.write];
  const p = v.steps[f.point];
  const r = v.steps[f.read];
  const bw = by.run.steps[by.write];
  const rows: ProofStep[] = [
    step(v.steps[0] ?? w, v.context, c, `${v.seq.functions[0]}() runs in ${v.context} context: ${v.entryCite}`, 'context entry'),
    step(w, v.context, c, `writes per-CPU ${cell}: ${w.text}`, w.op === 'percpu' ? 'per-CPU access' : ''),
    step(p, v.context, c, `state here: ${describeState(v.after[f.point])}`, p.op === 'prim' ? `${p.row.names[0]}: ${p.row.cite}` : 'state'),
    step(p, by.run.context, c, `a ${by.run.context} activation on the same CPU runs ${by.run.seq.functions.join('() … ')}(): ${f.row.text}`, `${f.row.id}: ${f.row.cite}`),
    step(bw, by.run.context, c, `overwrites per-CPU ${cell}: ${bw.text}`, `${LOCK_BLOCKS.id} does not stop it: the lock is not held by the preempted activation here`),
    step(r, v.context, c, cell.endsWith('[]') ? `still uses the per-CPU buffer ${cell} until here, now also written by the other activation: ${r.text}` : `reads back ${cell}, now the other activation's value: ${r.text}`, 'per-CPU access'),
  ];
  return rows;
}

/** Points (indices; the activation is preempted after that step) between a write and its read-back. */
function windows(run: Run): { cell: string; write: number; read: number }[] {
  const out: { cell: string; write: number; read: number }[] = [];
  run.steps.forEach((s, i) => {
    if (s.op !== 'percpu' || s.access !== 'write') return;
    // A per-CPU buffer (`v.f[]`) stays in use until the section ends (stop moves its contents out).
    if (s.cell.endsWith('[]')) { if (i < run.steps.length - 1) out.push({ cell: s.cell, write: i, read: run.steps.length - 1 }); return; }
    for (let j = i + 1; j < run.steps.length; j++) {
      const t = run.steps[j];
      if (t.op !== 'percpu' || t.cell !== s.cell) continue;
      if (t.access === 'write') return;
      if (t.access === 'read') { out.push({ cell: s.cell, write: i, read: j }); return; }
    }
  });
  return out;
}

const CTXS: readonly ContextName[] = CONTEXTS;

/** Invariant 1 on one view (one image, one configuration). */
export function explore(view: ConfigView, sequences: readonly EntrySequence[] = ENTRY_SEQUENCES): ExploreResult {
  const config = view.config.name;
  const runsBy = new Map<string, Run[]>();
  const runs = (seq: EntrySequence, ctx: ContextName): Run[] => {
    const key = `${seq.name}\u0000${ctx}`;
    let r = runsBy.get(key);
    if (!r) { r = runsOf(view, seq, ctx); runsBy.set(key, r); }
    return r;
  };
  const clobbers = new Map<string, ClobberFinding>();
  const scenarios = new Map<string, ExcludedScenario & { allowed: boolean }>();
  const unpinned = new Map<string, UnpinnedFinding>();
  let truncated = false;
  const windowCells = new Set<string>();
  const taskCells = new Set<string>();
  for (const seq of sequences) {
    for (const ctx of seq.contexts) {
      for (const run of runs(seq, ctx)) {
        truncated ||= run.truncated;
        for (const st of run.steps) if (st.op === 'task') taskCells.add(st.cell);
        run.steps.forEach((s, i) => {
          if (s.op !== 'percpu') return;
          const before = i === 0 ? run.entry : run.after[i - 1];
          const key = `${s.fn}\u0000${s.line}\u0000${s.cell}`;
          if (!pinned(before) && !unpinned.has(key)) {
            unpinned.set(key, { kind: 'unpinned', cell: s.cell, run, at: i, proof: [
              step(run.steps[0] ?? s, ctx, config, `${seq.functions[0]}() runs in ${ctx} context: ${run.entryCite}`, 'context entry'),
              step(s, ctx, config, `touches per-CPU ${s.cell} with preemption and migration enabled (${describeState(before)}): the task may move to another CPU between computing the address and using it`, 'Documentation/core-api/this_cpu_ops.rst; Documentation/locking/preempt-locking.rst'),
            ] });
          }
        });
        for (const win of windows(run)) {
          windowCells.add(win.cell);
          if (clobbers.has(win.cell)) continue;
          for (let p = win.write; p < win.read && !clobbers.has(win.cell); p++) {
            for (const by of CTXS) {
              const m = mayPreempt(config, ctx, by, run.after[p]);
              const sk = `${win.cell}\u0000${ctx}\u0000${by}`;
              const sc = scenarios.get(sk) ?? { cell: win.cell, victim: ctx, by, row: m.row?.id ?? 'none', why: m.why, allowed: false };
              scenarios.set(sk, sc);
              if (!m.allowed || !m.row) continue;
              const other = sequences.flatMap((sq) => (sq.contexts.includes(by) ? runs(sq, by) : []));
              const hit = clobbersOf(other, win.cell, run.after[p].locks);
              if (!hit) {
                if (!sc.allowed) Object.assign(sc, { allowed: true, row: m.row.id, why: `${m.row.text}, but no ${by} activation writes ${win.cell} before blocking on a lock held here (${LOCK_BLOCKS.id}) or at all` });
                continue;
              }
              const base = { kind: 'clobber' as const, cell: win.cell, victim: run, write: win.write, point: p, read: win.read, by: hit, row: m.row };
              clobbers.set(win.cell, { ...base, proof: clobberProof(base) });
              break;
            }
          }
        }
      }
    }
  }
  const excluded = [...scenarios.values()].filter((s) => !clobbers.has(s.cell)).map(({ allowed: _a, ...rest }) => rest);
  return { clobbers: [...clobbers.values()], unpinned: [...unpinned.values()], excluded, windows: [...windowCells].sort(), taskCells: [...taskCells].sort(), truncated };
}
