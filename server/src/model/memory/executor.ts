/**
 * Decides a litmus test the way herd7 does with linux-kernel.cfg, axiomatically:
 *
 *  1. per process, every trace (control-flow path × values returned by its loads), where a load
 *     may return any value some store to that location can write (a bounded fixpoint);
 *  2. per combination of traces, every candidate execution: an rf source for each read (same
 *     location, same value), a co order per location, and for spinlocks the order of critical
 *     sections (lock.cat: LKR reads from the co-previous UL or IW);
 *  3. each candidate is checked against linux-kernel.cat (lkmm.ts); the consistent ones are
 *     classified by the final condition.
 *
 * The Observation is herd7's: Never if no execution satisfies the condition's proposition,
 * Always if all do, Sometimes otherwise, whatever the quantifier (herd's top_herd.ml counts
 * pos/neg "w.r.t. proposition"). The quantifier only decides `ok` (herd's Ok/No line).
 */
import { lowerC11 } from './c11';
import { buildStaticGraph, checkCandidate, type GraphEvent } from './lkmm';
import { stateRefText, type Expr, type LitValue, type LitmusTest, type Prop, type StateRef, type Stmt } from './litmus';
import { lookupPrimitive } from './primitives';
import { Rel } from './relation';
import { enumerateTraces, UnsupportedError, type ThreadTrace, type Val } from './threads';

export type Observation = 'Sometimes' | 'Never' | 'Always';

export type LitmusVerdict =
  | {
      name: string;
      result: Observation;
      /** herd7's Ok/No: the quantified condition holds (exists: pos > 0; ~exists: pos = 0; forall: neg = 0). */
      ok: boolean;
      /** Consistent executions satisfying / not satisfying the condition's proposition. */
      positive: number;
      negative: number;
      /** Distinct final states over the condition's and `locations` entries. */
      states: number;
      /** herd7 flags raised by some consistent execution ('data-race', 'mixed-accesses'). */
      flags: string[];
      /** Candidate executions checked. */
      candidates: number;
    }
  | { name: string; result: 'Unsupported'; reason: string };

export interface RunOptions {
  /** Give up (Unsupported) beyond this many candidate executions. */
  maxCandidates?: number;
  /** Give up beyond this many traces of one process. */
  maxTracesPerProcess?: number;
}

const DEFAULT_MAX_CANDIDATES = 500_000;
const DEFAULT_MAX_TRACES = 4096;
/** Largest value set a location may need before we give up. */
const MAX_DOMAIN = 64;

const LOCK_TAGS = new Set(['LKR', 'LKW', 'UL', 'LF', 'RL', 'RU']);

function litToVal(v: LitValue): Val {
  return v.kind === 'int' ? v.value : v.name;
}

function valText(v: Val): string {
  return typeof v === 'number' ? String(v) : v;
}

// ---------------------------------------------------------------------------------------------
// Static checks

function exprCalls(e: Expr): Array<{ name: string; expr: Expr }> {
  switch (e.kind) {
    case 'deref':
      return exprCalls(e.addr);
    case 'unary':
      return exprCalls(e.arg);
    case 'binary':
      return [...exprCalls(e.left), ...exprCalls(e.right)];
    case 'call':
      return [{ name: e.name, expr: e }, ...e.args.flatMap(exprCalls)];
    default:
      return [];
  }
}

function stmtExprs(s: Stmt): Expr[] {
  switch (s.kind) {
    case 'decl':
      return s.init ? [s.init] : [];
    case 'assign':
      return [s.value];
    case 'store':
      return [s.addr, s.value];
    case 'expr':
      return [s.expr];
    case 'if':
      return [s.cond, ...s.then.flatMap(stmtExprs), ...(s.else ?? []).flatMap(stmtExprs)];
    case 'while':
      return [s.cond, ...s.body.flatMap(stmtExprs)];
    case 'block':
      return s.body.flatMap(stmtExprs);
  }
}

function hasLoop(body: readonly Stmt[]): boolean {
  return body.some((s) =>
    s.kind === 'while' || (s.kind === 'if' && (hasLoop(s.then) || hasLoop(s.else ?? []))) || (s.kind === 'block' && hasLoop(s.body)));
}

/** A reason the test is outside the modelled fragment, found without running it; or undefined. */
export function unsupportedReason(test: LitmusTest): string | undefined {
  for (const p of test.processes) {
    if (hasLoop(p.body)) return `P${p.id}: loops (while) are not modelled; unroll them`;
    for (const { name } of p.body.flatMap(stmtExprs).flatMap(exprCalls)) {
      const prim = lookupPrimitive(name);
      if (prim?.op === 'unsupported') return `P${p.id}: ${name}(): ${prim.reason}`;
      if (!prim && name.startsWith('__atomic')) {
        return `P${p.id}: ${name}() with this memory order is not modelled (supported: __atomic_load_n RELAXED/CONSUME/ACQUIRE/SEQ_CST, __atomic_store_n RELAXED/RELEASE/SEQ_CST)`;
      }
      if (!prim) return `P${p.id}: unknown primitive ${name}()`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Locations and value domains

interface TestContext {
  test: LitmusTest;
  /** Initial value of every location. */
  init: Map<string, Val>;
  initRegs: Map<number, Map<string, Val>>;
}

function propRefs(p: Prop | undefined): StateRef[] {
  if (!p) return [];
  switch (p.kind) {
    case 'eq':
      return p.value.kind === 'addr' ? [p.target, { kind: 'loc', name: p.value.name }] : [p.target];
    case 'not':
      return propRefs(p.arg);
    case 'and':
    case 'or':
      return [...propRefs(p.left), ...propRefs(p.right)];
    default:
      return [];
  }
}

/** The condition's targets then the `locations` entries, without duplicates (herd's displayed locations). */
function displayedRefs(test: LitmusTest): StateRef[] {
  const targets = (p: Prop): StateRef[] => {
    switch (p.kind) {
      case 'eq':
        return [p.target];
      case 'not':
        return targets(p.arg);
      case 'and':
      case 'or':
        return [...targets(p.left), ...targets(p.right)];
      default:
        return [];
    }
  };
  const seen = new Map<string, StateRef>();
  for (const r of [...targets(test.condition.prop), ...test.locations]) seen.set(stateRefText(r), r);
  return [...seen.values()];
}

function buildContext(test: LitmusTest): TestContext {
  const init = new Map<string, Val>();
  const initRegs = new Map<number, Map<string, Val>>();
  const addLoc = (name: string): void => {
    if (!init.has(name)) init.set(name, 0);
  };
  for (const e of test.init) {
    const value = e.value ? litToVal(e.value) : 0;
    if (e.target.kind === 'loc') init.set(e.target.name, value);
    else {
      const regs = initRegs.get(e.target.thread) ?? new Map<string, Val>();
      regs.set(e.target.reg, value);
      initRegs.set(e.target.thread, regs);
    }
    if (e.value?.kind === 'addr') addLoc(e.value.name);
  }
  for (const p of test.processes) for (const param of p.params) addLoc(param.name);
  for (const ref of [...propRefs(test.condition.prop), ...propRefs(test.filter), ...test.locations]) {
    if (ref.kind === 'loc') addLoc(ref.name);
  }
  return { test, init, initRegs };
}

function enumerateAll(ctx: TestContext, domains: ReadonlyMap<string, readonly Val[]>, limit: number): ThreadTrace[][] {
  return ctx.test.processes.map((p) =>
    enumerateTraces(p, { domain: (loc) => domains.get(loc) ?? [0], initRegs: ctx.initRegs.get(p.id) ?? new Map() }, limit));
}

/**
 * Traces of every process, with loads drawing from the values stores can write. Iterates
 * "values written given the values readable" to a fixpoint; a value needing a justification
 * chain longer than the number of stores would be out of thin air, so the iteration stops there.
 */
function tracesWithDomains(ctx: TestContext, limit: number): ThreadTrace[][] {
  const domains = new Map<string, Val[]>();
  for (const [loc, v] of ctx.init) domains.set(loc, [v]);
  let bound = 1;
  for (let round = 1; ; round++) {
    const traces = enumerateAll(ctx, domains, limit);
    let changed = false;
    let writes = 0;
    for (const perThread of traces) {
      writes += Math.max(0, ...perThread.map((t) => t.events.filter((e) => e.dir === 'W').length));
      for (const t of perThread) {
        for (const e of t.events) {
          if (e.dir !== 'W' || LOCK_TAGS.has(e.tag)) continue;
          const dom = domains.get(e.loc) ?? [ctx.init.get(e.loc) ?? 0];
          if (!dom.includes(e.value)) {
            dom.push(e.value);
            domains.set(e.loc, dom);
            changed = true;
            if (dom.length > MAX_DOMAIN) throw new UnsupportedError(`more than ${MAX_DOMAIN} possible values for ${e.loc}`);
          }
        }
      }
    }
    bound = Math.max(bound, writes + 1);
    if (!changed) return traces;
    if (round > bound) return enumerateAll(ctx, domains, limit);
  }
}

// ---------------------------------------------------------------------------------------------
// Candidate executions for one combination of traces

/** One way to resolve a location: its co order, the rf sources of its reads, its final value. */
interface LocChoice {
  rf: ReadonlyArray<readonly [number, number]>;
  co: ReadonlyArray<readonly [number, number]>;
  final: Val;
}

/** A combination of traces with, per location, the rf/co choices that are coherent and atomic there. */
interface Combination {
  events: GraphEvent[];
  traces: readonly ThreadTrace[];
  perLoc: LocChoice[][];
  /** Location of each perLoc entry. */
  locs: string[];
  /** Choices enumerated per location before the coherence filter (counted as candidates). */
  raw: number;
}

function buildEvents(ctx: TestContext, traces: readonly ThreadTrace[]): GraphEvent[] {
  const events: GraphEvent[] = [];
  for (const [loc, v] of ctx.init) {
    events.push({ id: events.length, thread: -1, poIndex: 0, dir: 'W', tag: 'init', loc, value: v, rmwRead: -1, inRmw: false, addr: [], data: [], ctrl: [] });
  }
  traces.forEach((t, thread) => {
    t.events.forEach((e, poIndex) => events.push({ ...e, id: events.length, thread, poIndex }));
  });
  return events;
}

/** Linear extensions of the given writes that keep each thread's program order. */
function linearExtensions(writes: readonly GraphEvent[]): number[][] {
  const out: number[][] = [];
  const used = new Array<boolean>(writes.length).fill(false);
  const prefix: number[] = [];
  const go = (): void => {
    if (prefix.length === writes.length) {
      out.push([...prefix]);
      return;
    }
    for (let i = 0; i < writes.length; i++) {
      if (used[i]) continue;
      // an earlier write of the same thread must come first (coherence: po-loc W->W implies co)
      const blocked = writes.some((w, k) => !used[k] && k !== i && w.thread === writes[i].thread && w.poIndex < writes[i].poIndex);
      if (blocked) continue;
      used[i] = true;
      prefix.push(writes[i].id);
      go();
      prefix.pop();
      used[i] = false;
    }
  };
  go();
  return out;
}

/** lock.cat for one lock location; undefined when lock-nest/nested-is-locked/unmatched-locks exclude every execution. */
function lockDimensions(loc: string, events: readonly GraphEvent[], iw: number): { orders: number[][]; reads: Array<{ read: number; sources: number[] }> } | undefined {
  const mine = events.filter((e) => e.loc === loc && e.thread >= 0);
  const lkws = mine.filter((e) => e.tag === 'LKW');
  const critical = new Map<number, number>();
  const reads: Array<{ read: number; sources: number[] }> = [];
  const threads = [...new Set(mine.map((e) => e.thread))];
  const unmatched: GraphEvent[] = [];
  for (const thread of threads) {
    let held: GraphEvent | undefined;
    let lastUL: GraphEvent | undefined;
    for (const e of mine.filter((x) => x.thread === thread)) {
      if (e.tag === 'LKR' && held) return undefined; // lock-nest: relocking a held lock deadlocks
      if (e.tag === 'LKW') held = e;
      if (e.tag === 'UL') {
        if (!held) throw new UnsupportedError(`spin_unlock(${loc}) without a matching spin_lock() in P${thread}`);
        critical.set(held.id, e.id);
        held = undefined;
        lastUL = e;
      }
      if (e.tag === 'LF' || e.tag === 'RL') {
        // rfi-lf inside the own critical section, else any other thread's LKW (possible-rfe-noncrit-lf)
        const sources = held ? [held.id] : lkws.filter((w) => w.thread !== thread).map((w) => w.id);
        reads.push({ read: e.id, sources });
      }
      if (e.tag === 'RU') {
        if (held) return undefined; // nested-is-locked
        const ext = mine.filter((w) => w.tag === 'UL' && w.thread !== thread).map((w) => w.id);
        reads.push({ read: e.id, sources: [...(lastUL ? [lastUL.id] : []), ...ext, iw] });
      }
    }
    if (held) unmatched.push(held);
  }
  if (unmatched.length > 1) return undefined; // unmatched-locks: a second holder never gets the lock
  // co0: IW first, the unmatched LKW last; ULs are merged right after their LKW (co = (co | critical | critical^-1;co)+).
  const orders = linearExtensions(lkws)
    .filter((order) => unmatched.length === 0 || order[order.length - 1] === unmatched[0].id)
    .map((order) => [iw, ...order.flatMap((l) => (critical.has(l) ? [l, critical.get(l) as number] : [l]))]);
  return { orders, reads };
}

/** The free rf choices and co orders of one location, before filtering. */
interface LocDims {
  loc: string;
  reads: Array<{ read: number; sources: number[] }>;
  orders: number[][];
}

function dataDimensions(loc: string, events: readonly GraphEvent[], iw: number): LocDims {
  const writes = events.filter((e) => e.loc === loc && e.dir === 'W' && e.thread >= 0);
  const reads = events
    .filter((e) => e.loc === loc && e.dir === 'R')
    .map((r) => ({
      read: r.id,
      // same value; never a po-later write of the reader's own thread (coherence would reject it)
      sources: events
        .filter((w) => w.loc === loc && w.dir === 'W' && w.value === r.value && !(w.thread === r.thread && w.poIndex > r.poIndex))
        .map((w) => w.id),
    }));
  return { loc, reads, orders: linearExtensions(writes).map((o) => [iw, ...o]) };
}

/** The accesses of one location, numbered locally for the per-location checks. */
interface LocalAccesses {
  ids: number[];
  local: Map<number, number>;
  /** po-loc successors as bitmasks over local indices. */
  poLoc: number[];
  /** [local read, local write] of each RMW pair. */
  rmw: Array<[number, number]>;
  thread: number[];
}

function localAccesses(events: readonly GraphEvent[], loc: string): LocalAccesses {
  const mine = events.filter((e) => e.loc === loc && e.dir !== 'F');
  const local = new Map(mine.map((e, k) => [e.id, k]));
  const poLoc = mine.map((a) => mine.reduce((mask, b, k) => (a.thread >= 0 && a.thread === b.thread && a.poIndex < b.poIndex ? mask | (1 << k) : mask), 0));
  const rmw: Array<[number, number]> = mine
    .filter((w) => w.rmwRead >= 0)
    .map((w) => [local.get(w.id - w.poIndex + w.rmwRead) as number, local.get(w.id) as number]);
  return { ids: mine.map((e) => e.id), local, poLoc, rmw, thread: mine.map((e) => e.thread) };
}

/** Is the graph given by successor bitmasks acyclic? (Kahn's algorithm.) */
function acyclicMasks(succ: readonly number[]): boolean {
  const k = succ.length;
  const indeg = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (succ[i] & (1 << j)) indeg[j]++;
  const ready: number[] = [];
  for (let i = 0; i < k; i++) if (indeg[i] === 0) ready.push(i);
  let seen = 0;
  while (ready.length > 0) {
    const i = ready.pop() as number;
    seen++;
    for (let j = 0; j < k; j++) if (succ[i] & (1 << j) && --indeg[j] === 0) ready.push(j);
  }
  return seen === k;
}

/**
 * Coherence (acyclic po-loc | rf | co | fr) and atomicity (empty rmw & (fre ; coe)) only relate
 * events of one location, so they are decided per location before combining locations.
 */
function locationConsistent(acc: LocalAccesses, order: readonly number[], rf: ReadonlyArray<readonly [number, number]>): boolean {
  const k = acc.ids.length;
  if (k > 31) throw new UnsupportedError('more than 31 accesses to one location');
  const pos = new Array<number>(k).fill(-1);
  order.forEach((id, p) => (pos[acc.local.get(id) as number] = p));
  const coAfter = (w: number): number => pos.reduce((mask, p, j) => (p > pos[w] && pos[w] >= 0 ? mask | (1 << j) : mask), 0);
  const succ = acc.poLoc.slice();
  const rfSource = new Array<number>(k).fill(-1);
  for (let i = 0; i + 1 < order.length; i++) succ[acc.local.get(order[i]) as number] |= 1 << (acc.local.get(order[i + 1]) as number);
  for (const [w, r] of rf) {
    const lw = acc.local.get(w) as number;
    const lr = acc.local.get(r) as number;
    rfSource[lr] = lw;
    succ[lw] |= 1 << lr;
    succ[lr] |= coAfter(lw); // fr = rf^-1 ; co
  }
  if (!acyclicMasks(succ)) return false;
  // atomic: no write w2 of another thread with r ->fre w2 ->coe w
  for (const [r, w] of acc.rmw) {
    const src = rfSource[r];
    if (src < 0) continue;
    for (let j = 0; j < k; j++) {
      const between = pos[j] > pos[src] && pos[j] < pos[w];
      if (between && acc.thread[j] !== acc.thread[r]) return false;
    }
  }
  return true;
}

/** Every (co order × rf sources) of a location, with lock.cat's LKR rf derived from the order. */
function locationChoices(events: readonly GraphEvent[], dims: LocDims, lkrOf: ReadonlyMap<number, number>): { choices: LocChoice[]; raw: number } {
  const acc = localAccesses(events, dims.loc);
  const choices: LocChoice[] = [];
  let raw = 0;
  for (const order of dims.orders) {
    const co: Array<[number, number]> = [];
    for (let i = 0; i < order.length; i++) for (let j = i + 1; j < order.length; j++) co.push([order[i], order[j]]);
    const derived: Array<[number, number]> = [];
    // lock.cat: rf = rf | ([IW | UL] ; singlestep(co) ; lk-rmw^-1)
    for (let i = 1; i < order.length; i++) {
      const lkr = lkrOf.get(order[i]);
      if (lkr !== undefined) derived.push([order[i - 1], lkr]);
    }
    const final = events[order[order.length - 1]].value;
    forEachProduct(dims.reads.map((r) => r.sources), (sources) => {
      raw++;
      const rf: Array<[number, number]> = [...derived, ...sources.map((src, k): [number, number] => [src, dims.reads[k].read])];
      if (locationConsistent(acc, order, rf)) choices.push({ rf, co, final });
    });
  }
  return { choices, raw };
}

function buildCombination(ctx: TestContext, traces: readonly ThreadTrace[]): Combination | undefined {
  const events = buildEvents(ctx, traces);
  const lockLocs = new Set<string>();
  const dataLocs = new Set<string>();
  for (const e of events) {
    if (e.thread < 0 || e.dir === 'F') continue;
    (LOCK_TAGS.has(e.tag) ? lockLocs : dataLocs).add(e.loc);
  }
  for (const loc of lockLocs) {
    if (dataLocs.has(loc)) throw new UnsupportedError(`${loc} is used both as a spinlock and as data (mixed-lock-accesses)`);
  }
  const lkrOf = new Map<number, number>();
  for (const e of events) if (e.tag === 'LKW') lkrOf.set(e.id, e.id - e.poIndex + e.rmwRead);

  const perLoc: LocChoice[][] = [];
  const locs: string[] = [];
  let raw = 1;
  for (const iw of events.filter((e) => e.tag === 'init')) {
    let dims: LocDims;
    if (lockLocs.has(iw.loc)) {
      const lock = lockDimensions(iw.loc, events, iw.id);
      if (!lock) return undefined;
      dims = { loc: iw.loc, reads: lock.reads, orders: lock.orders };
    } else {
      dims = dataDimensions(iw.loc, events, iw.id);
    }
    const { choices, raw: count } = locationChoices(events, dims, lkrOf);
    if (choices.length === 0) return undefined;
    perLoc.push(choices);
    locs.push(iw.loc);
    raw *= count;
  }
  return { events, traces, perLoc, locs, raw };
}

interface Outcome {
  positive: number;
  negative: number;
  states: Set<string>;
  flags: Set<string>;
  /** Candidate executions (rf × co choices), including those rejected per location. */
  candidates: number;
  /** Candidates that passed the per-location checks and went through the full model. */
  checked: number;
}

function evalProp(p: Prop, lookup: (ref: StateRef) => Val): boolean {
  switch (p.kind) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'eq':
      return lookup(p.target) === litToVal(p.value);
    case 'not':
      return !evalProp(p.arg, lookup);
    case 'and':
      return evalProp(p.left, lookup) && evalProp(p.right, lookup);
    case 'or':
      return evalProp(p.left, lookup) || evalProp(p.right, lookup);
  }
}

/** Checks every product of per-location choices of one combination; accumulates into `out`. */
function runCombination(ctx: TestContext, c: Combination, out: Outcome, maxCandidates: number): void {
  const g = buildStaticGraph(c.events);
  const n = c.events.length;
  const shown = displayedRefs(ctx.test);
  out.candidates += c.raw;
  forEachProduct(c.perLoc, (choices) => {
    out.checked++;
    if (out.checked > maxCandidates) throw new UnsupportedError(`more than ${maxCandidates} coherent candidate executions`);
    const rf = Rel.fromPairs(n, choices.flatMap((ch) => ch.rf));
    const co = Rel.fromPairs(n, choices.flatMap((ch) => ch.co));
    const verdict = checkCandidate(g, rf, co);
    if (!verdict.consistent) return;
    const final = new Map<string, Val>();
    choices.forEach((ch, k) => final.set(c.locs[k], ch.final));
    recordExecution(ctx, c, final, verdict.flags, shown, out);
  });
}

function recordExecution(ctx: TestContext, c: Combination, final: ReadonlyMap<string, Val>, flags: readonly string[], shown: readonly StateRef[], out: Outcome): void {
  const lookup = (ref: StateRef): Val =>
    ref.kind === 'loc' ? (final.get(ref.name) ?? ctx.init.get(ref.name) ?? 0) : (c.traces[ref.thread]?.regs.get(ref.reg) ?? 0);
  if (ctx.test.filter && !evalProp(ctx.test.filter, lookup)) return;
  if (evalProp(ctx.test.condition.prop, lookup)) out.positive++;
  else out.negative++;
  out.states.add(shown.map((r) => `${stateRefText(r)}=${valText(lookup(r))}`).join(';'));
  for (const f of flags) out.flags.add(f);
}

/** Mixed-radix increment; false once every combination has been visited. */
function advance(pick: number[], dims: readonly number[]): boolean {
  for (let k = pick.length - 1; k >= 0; k--) {
    if (++pick[k] < dims[k]) return true;
    pick[k] = 0;
  }
  return false;
}

/** Calls f on every element of the cartesian product of the lists. */
function forEachProduct<T>(lists: readonly (readonly T[])[], f: (combo: T[]) => void): void {
  const dims = lists.map((l) => l.length);
  if (dims.some((d) => d === 0)) return;
  const pick = new Array<number>(lists.length).fill(0);
  do f(pick.map((p, k) => lists[k][p]));
  while (advance(pick, dims));
}

/** A trace with the (location, value) pairs it reads and writes, for a cheap feasibility test. */
interface TraceSummary {
  trace: ThreadTrace;
  reads: string[];
  writes: string[];
}

function accessKey(loc: string, v: Val): string {
  return `${loc}\u0000${typeof v}\u0000${v}`;
}

function summarize(trace: ThreadTrace): TraceSummary {
  const data = trace.events.filter((e) => e.dir !== 'F' && !LOCK_TAGS.has(e.tag));
  return {
    trace,
    reads: data.filter((e) => e.dir === 'R').map((e) => accessKey(e.loc, e.value)),
    writes: data.filter((e) => e.dir === 'W').map((e) => accessKey(e.loc, e.value)),
  };
}

/** Every value read is the initial value or written by some trace of the combination (else no rf exists). */
function valuesAvailable(ctx: TestContext, combo: readonly TraceSummary[]): boolean {
  const written = new Set<string>();
  for (const [loc, v] of ctx.init) written.add(accessKey(loc, v));
  for (const s of combo) for (const w of s.writes) written.add(w);
  return combo.every((s) => s.reads.every((r) => written.has(r)));
}

function observation(positive: number, negative: number): Observation {
  if (positive === 0) return 'Never';
  return negative === 0 ? 'Always' : 'Sometimes';
}

/** Runs a parsed litmus test against the LKMM. */
export function runLitmus(input: LitmusTest, options: RunOptions = {}): LitmusVerdict {
  const test = lowerC11(input);
  const name = test.name;
  const reason = unsupportedReason(test);
  if (reason) return { name, result: 'Unsupported', reason };
  const maxCandidates = options.maxCandidates ?? DEFAULT_MAX_CANDIDATES;
  try {
    const ctx = buildContext(test);
    const traces = tracesWithDomains(ctx, options.maxTracesPerProcess ?? DEFAULT_MAX_TRACES);
    const out: Outcome = { positive: 0, negative: 0, states: new Set(), flags: new Set(), candidates: 0, checked: 0 };
    const summaries = traces.map((perThread) => perThread.map(summarize));
    forEachProduct(summaries, (combo) => {
      if (!valuesAvailable(ctx, combo)) return;
      const c = buildCombination(ctx, combo.map((s) => s.trace));
      if (c) runCombination(ctx, c, out, maxCandidates);
    });
    const q = test.condition.quantifier;
    const ok = q === 'exists' ? out.positive > 0 : q === 'not exists' ? out.positive === 0 : out.negative === 0;
    return {
      name,
      result: observation(out.positive, out.negative),
      ok,
      positive: out.positive,
      negative: out.negative,
      states: out.states.size,
      flags: [...out.flags].sort(),
      candidates: out.candidates,
    };
  } catch (e) {
    if (e instanceof UnsupportedError) return { name, result: 'Unsupported', reason: e.message };
    throw e;
  }
}
