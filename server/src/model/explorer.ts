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
import { kept } from '../memo';

/** Entry sequences: functions an outside caller runs in order in one activation, and the contexts it may run them in. */
export interface EntrySequence { name: string; functions: readonly string[]; contexts: readonly ContextName[] }

export const ENTRY_SEQUENCES: readonly EntrySequence[] = [
  { name: 'remote coverage section', functions: ['kcov_remote_start', 'kcov_remote_stop'], contexts: ['task', 'softirq', 'hardirq', 'nmi'] },
  { name: 'remote coverage section (common handle)', functions: ['kcov_remote_start_common', 'kcov_remote_stop'], contexts: ['task', 'softirq', 'hardirq', 'nmi'] },
  { name: 'coverage callback', functions: ['__sanitizer_cov_trace_pc'], contexts: ['task', 'softirq', 'hardirq', 'nmi'] },
  { name: 'ioctl', functions: ['kcov_ioctl'], contexts: ['task'] },
];

/** The functions the entry sequences run (the roots of the explorers' activations). */
export const SEQUENCE_FUNCTIONS: readonly string[] = [...new Set(ENTRY_SEQUENCES.flatMap((s) => s.functions))];

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

export interface RunCatalog { runs: (seq: EntrySequence, ctx: ContextName) => Run[]; runsIn: (ctx: ContextName) => Run[] }

/** The catalogs made per view and list of sequences: the explorers of invariants 1 and 4 (and each
 *  nesting depth) ask for the same runs of a view. Runs are never changed once made. */
const catalogs = new WeakMap<ConfigView, WeakMap<readonly EntrySequence[], RunCatalog>>();

/** Runs of each sequence per context, computed once per view: `runs(seq, ctx)`, and every run possible in a context. */
export function runCatalog(view: ConfigView, sequences: readonly EntrySequence[]): RunCatalog {
  const perView = kept(catalogs, view, () => new WeakMap<readonly EntrySequence[], RunCatalog>());
  return kept(perView, sequences, () => newRunCatalog(view, sequences));
}

function newRunCatalog(view: ConfigView, sequences: readonly EntrySequence[]): RunCatalog {
  const bySeq = new Map<string, Run[]>();
  const byCtx = new Map<ContextName, Run[]>();
  const runs = (seq: EntrySequence, ctx: ContextName): Run[] => kept(bySeq, `${seq.name}\u0000${ctx}`, () => runsOf(view, seq, ctx));
  const runsIn = (ctx: ContextName): Run[] => kept(byCtx, ctx, () => sequences.flatMap((sq) => (sq.contexts.includes(ctx) ? runs(sq, ctx) : [])));
  return { runs, runsIn };
}

/** How deep the explorer nests activations on one CPU: 2 = one activation preempted or interrupted
 *  by a second; 3 = the second may itself be preempted by a third; and so on. */
export const DEFAULT_NESTING_DEPTH = 2;
export const MAX_NESTING_DEPTH = 4;

export interface ExploreOptions { sequences?: readonly EntrySequence[]; depth?: number }

/** The activations that run between a victim's point and its read-back: the outermost first.
 *  Each link but the last is preempted (after step `point`, by the next link, allowed by `row`);
 *  the last one does the access (`write`). */
export interface ChainLink { run: Run; point: number; row: PreemptRow | null }
export interface Clobber { run: Run; write: number; via: ChainLink[] }

/** Locks held along a chain (a nested activation blocks on any of them). */
type Held = AbstractState['locks'];

/**
 * A run of a `by` activation (or, nested deeper, of an activation preempting it) that does
 * `hits` on the cell before blocking on a lock held by the activations it runs inside.
 * Memoised per (context, held locks, depth left).
 */
export function findChain(
  config: ConfigName, by: ContextName, held: Held, depthLeft: number,
  runsIn: (ctx: ContextName) => readonly Run[], hits: (s: Step) => 'hit' | 'stop' | 'go',
  memo: Map<string, Clobber | null> = new Map(),
): Clobber | null {
  const key = `${by}\u0000${held.map((h) => h.id).sort().join(',')}\u0000${depthLeft}`;
  if (memo.has(key)) return memo.get(key) ?? null;
  memo.set(key, null);
  let found: Clobber | null = null;
  for (const run of runsIn(by)) {
    // Point k: after step k (k = -1: at entry, before the first step).
    for (let k = -1; k < run.steps.length && !found; k++) {
      if (k >= 0) {
        const s = run.steps[k];
        if (s.op === 'prim' && s.effect.lock?.op === 'acquire' && held.some((h) => h.id === s.lockId)) break;
        const h = hits(s);
        if (h === 'hit') { found = { run, write: k, via: [] }; break; }
        if (h === 'stop') break;
      }
      if (depthLeft <= 0) continue;
      const here = k < 0 ? run.entry : run.after[k];
      for (const inner of CONTEXTS) {
        const m = mayPreempt(config, by, inner, here);
        if (!m.allowed || !m.row) continue;
        const around = [...held, ...here.locks];
        // An activation that enters holding a per-CPU lock (a softirq on RT+BHlock takes softirq_ctrl.lock)
        // blocks at once when an activation it runs inside holds it.
        if (entryState(inner, config).state.locks.some((l) => around.some((h) => h.id === l.id))) continue;
        const sub = findChain(config, inner, around, depthLeft - 1, runsIn, hits, memo);
        if (sub) { found = { run: sub.run, write: sub.write, via: [{ run, point: k, row: m.row }, ...sub.via] }; break; }
      }
    }
    if (found) break;
  }
  memo.set(key, found);
  return found;
}

/** `also`: the other (preempted, preempting) context pairs that can clobber the same cell. */
export interface ClobberFinding { kind: 'clobber'; cell: string; victim: Run; write: number; point: number; read: number; by: Clobber; row: PreemptRow; also: { victim: ContextName; by: ContextName; row: string }[]; proof: ProofStep[] }
/** A (cell, preempted context, preempting context) scenario proven impossible, also when another one on the same cell is possible. */
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

/** Proof steps for the nested activations of a chain: each runs inside the one before, the last does the access. */
export function chainSteps(chain: Clobber, first: PreemptRow, at: Step, config: ConfigName, access: string, lockNote: string, also?: { text: string; row: string }): ProofStep[] {
  const links = [...chain.via.map((l) => ({ run: l.run, row: l.row })), { run: chain.run, row: null as PreemptRow | null }];
  const out: ProofStep[] = [];
  let row = first;
  let where = at;
  links.forEach((l, i) => {
    const extra = i === 0 && also ? also : null;
    out.push(step(where, l.run.context, config, `a ${l.run.context} activation on the same CPU runs ${l.run.seq.functions.join('() … ')}()${i > 0 ? ` inside the ${links[i - 1].run.context} activation` : ''}: ${row.text}${extra ? `; ${extra.text}` : ''}`, `${row.id}: ${row.cite}${extra ? `; ${extra.row}` : ''}`));
    const link = chain.via[i];
    if (link && link.row) {
      const p = link.run.steps[Math.max(0, link.point)] ?? where;
      const state = link.point < 0 ? link.run.entry : link.run.after[link.point];
      out.push(step(p, link.run.context, config, `state of the ${link.run.context} activation ${link.point < 0 ? 'as it starts' : 'here'}: ${describeState(state)}`, link.point >= 0 && p.op === 'prim' ? `${p.row.names[0]}: ${p.row.cite}` : link.point < 0 ? 'context entry' : 'state'));
      row = link.row;
      where = p;
    }
  });
  const w = chain.run.steps[chain.write];
  out.push(step(w, chain.run.context, config, `${access}: ${w.text}`, lockNote));
  return out;
}

function clobberProof(f: Omit<ClobberFinding, 'proof'>): ProofStep[] {
  const { victim: v, by, cell } = f;
  const c = v.config;
  const w = v.steps[f.write];
  const p = v.steps[f.point];
  const r = v.steps[f.read];
  return [
    step(v.steps[0] ?? w, v.context, c, `${v.seq.functions[0]}() runs in ${v.context} context: ${v.entryCite}`, 'context entry'),
    step(w, v.context, c, `writes per-CPU ${cell}: ${w.text}`, w.op === 'percpu' ? 'per-CPU access' : ''),
    step(p, v.context, c, `state here: ${describeState(v.after[f.point])}`, p.op === 'prim' ? `${p.row.names[0]}: ${p.row.cite}` : 'state'),
    ...chainSteps(by, f.row, p, c, `overwrites per-CPU ${cell}`, `${LOCK_BLOCKS.id} does not stop it: the lock is not held by the preempted activation${by.via.length > 0 ? 's' : ''} here`),
    step(r, v.context, c, cell.endsWith('[]') ? `still uses the per-CPU buffer ${cell} until here, now also written by the other activation: ${r.text}` : `reads back ${cell}, now the other activation's value: ${r.text}`, 'per-CPU access'),
  ];
}

/** The context of the activation that first runs inside the victim (the head of the chain). */
export const chainHead = (c: Clobber): Run => c.via[0]?.run ?? c.run;

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

/** The depth asked for, within [2, MAX_NESTING_DEPTH]. */
export function nestingDepth(depth: number | undefined): number {
  if (depth === undefined || !Number.isFinite(depth)) return DEFAULT_NESTING_DEPTH;
  return Math.min(MAX_NESTING_DEPTH, Math.max(2, Math.floor(depth)));
}

/** A result computed once per (view, nesting depth): the explorers' results, cached for the rules. */
export function cachedPerDepth<T>(compute: (view: ConfigView, depth: number) => T): (view: ConfigView, depth?: number) => T {
  const cache = new WeakMap<ConfigView, Map<number, T>>();
  return (view, depth) => {
    const d = nestingDepth(depth);
    return kept(kept(cache, view, () => new Map<number, T>()), d, () => compute(view, d));
  };
}

/** A chain target: the first write of a per-CPU cell. */
const writes = (cell: string) => (s: Step): 'hit' | 'go' => (s.op === 'percpu' && s.access === 'write' && s.cell === cell ? 'hit' : 'go');

/** Invariant 1 on one view (one image, one configuration). */
export function explore(view: ConfigView, options: ExploreOptions = {}): ExploreResult {
  const config = view.config.name;
  const sequences = options.sequences ?? ENTRY_SEQUENCES;
  const depth = nestingDepth(options.depth);
  const { runs, runsIn } = runCatalog(view, sequences);
  const memos = new Map<string, Map<string, Clobber | null>>();
  const memoFor = (cell: string): Map<string, Clobber | null> => kept(memos, cell, () => new Map<string, Clobber | null>());
  const possible = new Map<string, ClobberFinding>();
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
          // A given CPU's copy (per_cpu_ptr(&v, cpu)) stays that CPU's wherever the task runs, and one
          // this_cpu_*() operation cannot be split by a migration (Documentation/core-api/this_cpu_ops.rst).
          if (s.op !== 'percpu' || s.cpu === 'given-cpu' || s.preemptSafe) return;
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
          for (const by of CTXS) {
            const sk = `${win.cell}\u0000${ctx}\u0000${by}`;
            if (possible.has(sk)) continue;
            // Shortest chains first: every point with one nested activation, then with two...
            search: for (let d = 0; d <= depth - 2; d++) for (let p = win.write; p < win.read; p++) {
              const m = mayPreempt(config, ctx, by, run.after[p]);
              const sc = scenarios.get(sk) ?? { cell: win.cell, victim: ctx, by, row: m.row?.id ?? 'none', why: m.why, allowed: false };
              scenarios.set(sk, sc);
              if (!m.allowed || !m.row) continue;
              const hit = findChain(config, by, run.after[p].locks, d, runsIn, writes(win.cell), memoFor(win.cell));
              if (!hit) {
                if (!sc.allowed) Object.assign(sc, { allowed: true, row: m.row.id, why: `${m.row.text}, but no ${by} activation writes ${win.cell} before blocking on a lock held here (${LOCK_BLOCKS.id}) or at all${depth > 2 ? `, nor one nested inside it (depth ${depth})` : ''}` });
                continue;
              }
              const base = { kind: 'clobber' as const, cell: win.cell, victim: run, write: win.write, point: p, read: win.read, by: hit, row: m.row, also: [] };
              possible.set(sk, { ...base, proof: clobberProof(base) });
              break search;
            }
          }
        }
      }
    }
  }
  // One finding per cell: the scenario with the shortest chain (then task, softirq, hardirq, NMI order), naming the others.
  const clobbers = new Map<string, ClobberFinding>();
  for (const f of [...possible.values()].sort((a, b) => a.by.via.length - b.by.via.length)) {
    const first = clobbers.get(f.cell);
    if (!first) clobbers.set(f.cell, f);
    else first.also.push({ victim: f.victim.context, by: chainHead(f.by).context, row: f.row.id });
  }
  const excluded = [...scenarios.entries()].filter(([k]) => !possible.has(k)).map(([, { allowed: _a, ...rest }]) => rest);
  return { clobbers: [...clobbers.values()], unpinned: [...unpinned.values()], excluded, windows: [...windowCells].sort(), taskCells: [...taskCells].sort(), truncated };
}
