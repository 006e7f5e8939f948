/**
 * The abstract state before each source line of a function, per configuration: what a reviewer
 * otherwise reconstructs by hand ("here interrupts are off and the per-CPU lock is held"). Pure and
 * read-only over the model; nothing here knows a primitive by name.
 *
 * - The paths are the model's own: `activation()` of the function in a context. States start from
 *   where the function is entered: an entry function of ENTRY_SEQUENCES in each context it is
 *   called in (`entryState()`, contexts.ts); any other function entered from outside the file (not
 *   static, or never called in it) in task context, as rootsOf() roots it; and a function called in
 *   the file from the state at each of its call sites, computed the same way for the caller, so a
 *   helper that is only called with a lock held shows the lock held.
 * - Which lines a path runs: each activation path is matched, event by event, against the
 *   function's summary paths (summary.ts): their branch, case and return events say which arms the
 *   path takes, and each step's line is the line of the event that produced it (for an inlined
 *   callee, its call). The state before line L on a path is its entry state with the effects
 *   (`applyEffect()`, state.ts) of the steps of events on lines before L; a line that continues a
 *   statement gets the state before the statement.
 * - Paths reaching a line in different states are kept apart per context; `mergeStates()` merges
 *   them conservatively and says where they disagree.
 */
import type { Node } from 'web-tree-sitter';
import { functionAt } from '../source/views';
import type { ConfigView, FunctionInfo } from '../source/types';
import { configAtoms, type ConfigName } from './configs';
import { activation, contradicts, expandMacro, type Step } from './activation';
import { entryState, PREDICATES, type ContextName } from './contexts';
import { ENTRY_SEQUENCES } from './explorer';
import { factFor } from './facts';
import { unreliable } from './reliability';
import { effectOfCall, findPrimitive, type Effect, type LockKind } from './semantics';
import { applyEffect, type AbstractState } from './state';
import { summarizeViewDetailed, type ModelEvent, type ModelPath } from './summary';
import { kept } from '../memo';

/** Where activations of a function start: a context's entry row, or the state at a call site. */
export interface EntryPoint { context: ContextName; state: AbstractState; origins: string[] }

/** One distinct state reaching a line in one context, with how many paths and which entries bring it. */
export interface Reaching { context: ContextName; state: AbstractState; paths: number; origins: string[] }

export interface FunctionStates {
  fn: string;
  config: ConfigName;
  entries: EntryPoint[];
  /** 0-based image line of the body → the states reaching it; a code line that is absent is reached by no modelled path. */
  lines: ReadonlyMap<number, readonly Reaching[]>;
  /** A bound was hit (paths of the activation or the summary, entry states): some states may be missing. */
  truncated: boolean;
  /** Activation paths no summary path explains (their lines are unknown; none is expected). */
  unmatched: number;
}

export type LineStatus =
  /** Reached: `reaching` holds the states. */
  | 'reached'
  /** A line of the function's body no modelled path reaches in any of its entry contexts. */
  | 'unreached'
  /** Not compiled under this configuration (#if). */
  | 'inactive'
  /** Inside a function the model skips (a parse error or a broken #if in it). */
  | 'unmodelled';

export interface LineStates {
  line: number;
  fn: string | null;
  status: LineStatus;
  /** The line whose "before" state is shown: the line itself, or the start of the statement it continues. */
  stateLine: number;
  reaching: readonly Reaching[];
  states: FunctionStates | null;
}

export const COUNTERS = ['preempt', 'migrate', 'hardirq', 'bh', 'rcu'] as const;
export type Counter = (typeof COUNTERS)[number];

export interface MergedLock { id: string; kinds: LockKind[]; held: 'all' | 'some' }

/** States merged conservatively: every value a counter takes, every lock and whether all paths hold it. */
export interface MergedState {
  contexts: ContextName[];
  counters: Record<Counter, number[]>;
  locks: MergedLock[];
  /** True when all merged states are the same. */
  agree: boolean;
}

const MAX_ENTRIES = 32;

// ---- the shape of a body: which arms each line sits in ----------------------------------------

type Constraint =
  | { kind: 'if'; line: number; cond: string; taken: boolean }
  /** Entered at one of these case labels (the case itself, or an earlier one falling through). */
  | { kind: 'case'; lines: number[] }
  | { kind: 'loop'; start: number; end: number };

interface LineShape { stateLine: number; constraints: Constraint[] }
interface GotoShape { line: number; constraints: Constraint[]; labelLine: number | null }
interface Shape { lines: Map<number, LineShape>; gotos: GotoShape[] }

const SIMPLE_STATEMENTS = new Set(['expression_statement', 'declaration', 'return_statement', 'goto_statement', 'break_statement', 'continue_statement']);
const HEAD_STATEMENTS = new Set(['if_statement', 'switch_statement', 'for_statement', 'while_statement', 'do_statement']);
const BLOCKS = new Set(['compound_statement', 'case_statement', 'labeled_statement', 'else_clause']);
const EXITS = new Set(['break_statement', 'return_statement', 'goto_statement', 'continue_statement']);

const same = (a: Node | null, b: Node | null): boolean => a !== null && b !== null && a.equals(b);

/** Case labels that enter a case: itself and the cases before it that fall through into it. */
function caseEntries(c: Node): number[] {
  const lines = [c.startPosition.row];
  const before = (n: Node): Node | null => {
    let p = n.previousNamedSibling;
    while (p && p.type === 'comment') p = p.previousNamedSibling;
    return p;
  };
  let prev = before(c);
  while (prev && prev.type === 'case_statement') {
    const value = prev.childForFieldName('value');
    const body = prev.namedChildren.filter((n) => !same(n, value) && n.type !== 'comment');
    if (body.length > 0 && EXITS.has(body[body.length - 1].type)) break;
    lines.push(prev.startPosition.row);
    prev = before(prev);
  }
  return lines;
}

/** The arms a node sits in, innermost first, up to the function body. */
function constraintsOf(node: Node, body: Node): Constraint[] {
  const out: Constraint[] = [];
  let child: Node = node;
  let parent = node.parent;
  while (parent && !same(child, body)) {
    if (parent.type === 'if_statement') {
      const cond = parent.childForFieldName('condition')?.text ?? '';
      if (same(child, parent.childForFieldName('consequence'))) out.push({ kind: 'if', line: parent.startPosition.row, cond, taken: true });
      if (same(child, parent.childForFieldName('alternative'))) out.push({ kind: 'if', line: parent.startPosition.row, cond, taken: false });
    } else if (parent.type === 'case_statement' && !same(child, parent.childForFieldName('value'))) {
      out.push({ kind: 'case', lines: caseEntries(parent) });
    } else if ((parent.type === 'for_statement' || parent.type === 'while_statement') && same(child, parent.childForFieldName('body'))) {
      out.push({ kind: 'loop', start: child.startPosition.row, end: child.endPosition.row });
    }
    child = parent;
    parent = parent.parent;
  }
  return out;
}

/** The statement a line continues (its start line), or the line itself when it starts one or a block token. */
function stateLineOf(node: Node, body: Node, line: number): number {
  let a: Node | null = node;
  while (a && !same(a, body)) {
    if (SIMPLE_STATEMENTS.has(a.type) || HEAD_STATEMENTS.has(a.type)) return Math.min(a.startPosition.row, line);
    if (BLOCKS.has(a.type)) return line;
    a = a.parent;
  }
  return line;
}

function topLabels(body: Node): Map<string, number> {
  const labels = new Map<string, number>();
  for (const s of body.namedChildren) {
    if (s.type === 'labeled_statement') labels.set(s.childForFieldName('label')?.text ?? s.namedChildren[0]?.text ?? '', s.startPosition.row);
  }
  return labels;
}

function gotosOf(body: Node): GotoShape[] {
  const labels = topLabels(body);
  return body.descendantsOfType('goto_statement').filter((g): g is Node => g !== null).map((g) => ({
    line: g.startPosition.row,
    constraints: constraintsOf(g, body),
    labelLine: labels.get(g.namedChildren[0]?.text ?? '') ?? null,
  })).sort((a, b) => a.line - b.line);
}

const shapeCache = new WeakMap<ConfigView, Map<string, Shape>>();
const parsedLines = new WeakMap<ConfigView, string[]>();

/** The code lines of a function's body (not blank, comment or preprocessor lines), with the arms each sits in. */
function shapeOf(view: ConfigView, fn: FunctionInfo): Shape {
  const perView = kept(shapeCache, view, () => new Map<string, Shape>());
  const hit = perView.get(fn.name);
  if (hit) return hit;
  const text = kept(parsedLines, view, () => view.parsedText.split('\n'));
  const body = fn.body;
  const lines = new Map<number, LineShape>();
  for (let line = body.startPosition.row; line <= body.endPosition.row; line++) {
    if (view.active[line] === false) continue;
    const column = (text[line] ?? '').search(/\S/);
    if (column < 0) continue;
    if (line === body.startPosition.row && column < body.startPosition.column) continue;
    const node = body.descendantForPosition({ row: line, column });
    if (!node || node.type === 'comment' || node.startIndex < body.startIndex) continue;
    lines.set(line, { stateLine: stateLineOf(node, body, line), constraints: constraintsOf(node, body) });
  }
  const shape: Shape = { lines, gotos: gotosOf(body) };
  perView.set(fn.name, shape);
  return shape;
}

// ---- what a summary path says about the lines it runs -----------------------------------------

interface PathFacts {
  path: ModelPath;
  branches: Set<string>;
  cases: Set<number>;
  eventLines: number[];
  /** Lines skipped by a goto the path takes: (from, to) exclusive. */
  skips: [number, number][];
}

const branchKey = (line: number, cond: string, taken: boolean): string => `${line}\u0000${cond}\u0000${taken}`;

function satisfied(f: PathFacts, cs: readonly Constraint[], anyEventIn: (start: number, end: number) => boolean): boolean {
  return cs.every((c) => {
    if (c.kind === 'if') return f.branches.has(branchKey(c.line, c.cond, c.taken));
    if (c.kind === 'case') return c.lines.some((l) => f.cases.has(l));
    // A loop body runs zero or one time: the path ran it if it has events there (or no path has any).
    return f.eventLines.some((l) => l >= c.start && l <= c.end) || !anyEventIn(c.start, c.end);
  });
}

function pathFacts(path: ModelPath, shape: Shape, anyEventIn: (start: number, end: number) => boolean): PathFacts {
  const f: PathFacts = { path, branches: new Set(), cases: new Set(), eventLines: path.events.map((e) => e.line), skips: [] };
  for (const e of path.events) {
    if (e.kind === 'branch') f.branches.add(branchKey(e.line, e.cond, e.taken));
    if (e.kind === 'case') f.cases.add(e.line);
  }
  for (const g of shape.gotos) {
    if (g.line >= path.endLine || g.labelLine === null || g.labelLine <= g.line) continue;
    if (f.skips.some(([a, b]) => g.line > a && g.line < b)) continue;
    if (satisfied(f, g.constraints, anyEventIn)) f.skips.push([g.line, g.labelLine]);
  }
  return f;
}

function covers(f: PathFacts, line: number, ls: LineShape, anyEventIn: (start: number, end: number) => boolean): boolean {
  if (ls.stateLine > f.path.endLine) return false;
  if (f.skips.some(([a, b]) => line > a && line < b)) return false;
  return satisfied(f, ls.constraints, anyEventIn);
}

// ---- matching activation paths to summary paths ----------------------------------------------

interface MatchEnv { view: ConfigView; root: string; config: ConfigName; reach: (fn: string) => ReadonlySet<string> }

/** Primitives that change the modelled state: the activation emits a step for each such call. */
function changesState(e: Effect | null): boolean {
  return e !== null && (e.preempt !== 0 || e.migrate !== 0 || e.hardirq !== 0 || e.bh !== 0 || e.rcu !== 0 || e.lock !== null || e.mightSleep);
}

/** Where the block of steps produced by one event can end, longest first (steps[j..end)). */
function blockEnds(ev: ModelEvent, steps: readonly Step[], j: number, m: MatchEnv): number[] {
  const rootStep = (k: number): Step | undefined => {
    const s = steps[k];
    return s !== undefined && s.fn === m.root && s.line === ev.line ? s : undefined;
  };
  if (ev.kind === 'return') return rootStep(j)?.op === 'return' ? [j + 1] : [];
  if (ev.kind === 'access' || ev.kind === 'store') {
    const s = rootStep(j);
    return s && (s.op === 'percpu' || s.op === 'task') ? [j + 1, j] : [j];
  }
  if (ev.kind !== 'call') return [j];
  const optional = (ev.guards?.length ?? 0) > 0;
  if (findPrimitive(ev.name)) {
    const starts = [j];
    const first = rootStep(j);
    if (first && first.op === 'percpu' && first.access === 'ptr') starts.push(j + 1);
    const out: number[] = [];
    for (const k of starts) {
      const s = rootStep(k);
      if (s && s.op === 'prim' && s.name === ev.name) out.push(k + 1);
    }
    if (optional || !changesState(effectOfCall(ev.name, m.config))) out.push(...starts.reverse());
    return out;
  }
  const macro = m.view.macros.get(ev.name);
  if (macro && macro.params && !m.view.functions.has(ev.name)) {
    const calls = expandMacro(macro, ev.args);
    let k = j;
    for (const c of calls) {
      const s = rootStep(k);
      if (!s || s.op !== 'prim' || s.name !== c.name) return optional ? [j] : [];
      k++;
    }
    return optional && k > j ? [k, j] : [k];
  }
  if (!m.view.functions.has(ev.name)) return [j];
  let k = j;
  const req = rootStep(k);
  if (req && req.op === 'requires' && req.callee === ev.name) k++;
  const reach = m.reach(ev.name);
  const out = [k];
  while (k < steps.length && steps[k].fn !== m.root && reach.has(steps[k].fn)) out.push(++k);
  return out.reverse();
}

/**
 * For each step of the path, the index of the summary event that produced it; null when the summary
 * path cannot produce it. A depth-first search over (event, step) with failed pairs remembered,
 * iterative so that a long function cannot exhaust the call stack.
 */
function matchPath(events: readonly ModelEvent[], steps: readonly Step[], m: MatchEnv): number[] | null {
  const width = steps.length + 1;
  const failed = new Set<number>();
  interface Frame { i: number; j: number; ends: number[]; next: number }
  const frame = (i: number, j: number): Frame => ({ i, j, ends: i < events.length ? blockEnds(events[i], steps, j, m) : [], next: 0 });
  const stack: Frame[] = [frame(0, 0)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i === events.length && top.j === steps.length) {
      const eventOf = new Array<number>(steps.length).fill(-1);
      for (const f of stack.slice(0, -1)) for (let k = f.j; k < f.ends[f.next - 1]; k++) eventOf[k] = f.i;
      return eventOf;
    }
    if (top.next >= top.ends.length) {
      failed.add(top.i * width + top.j);
      stack.pop();
      continue;
    }
    const end = top.ends[top.next++];
    if (!failed.has((top.i + 1) * width + end)) stack.push(frame(top.i + 1, end));
  }
  return null;
}

/** A summary path the activation drops in this context: a branch a fact or the context's predicates contradict. */
function deadIn(path: ModelPath, root: string, context: ContextName, atoms: ReadonlyMap<string, boolean>): boolean {
  return path.events.some((e) => {
    if (e.kind !== 'branch') return false;
    const fact = factFor(e.cond, [root]);
    return (fact !== null && fact.value !== e.taken) || contradicts(e, PREDICATES[context], atoms);
  });
}

/** A call inside a conditional expression whose arm the context rules out. */
function guardedOut(e: ModelEvent, context: ContextName, atoms: ReadonlyMap<string, boolean>): boolean {
  if (e.kind !== 'call' || !e.guards) return false;
  return e.guards.some((g) => contradicts(g, PREDICATES[context], atoms));
}

// ---- states along matched paths --------------------------------------------------------------

interface Matched {
  facts: PathFacts;
  steps: Step[];
  /** Per step: the summary event that produced it (non-decreasing), and that event's line. */
  eventOf: number[];
  stepLines: number[];
  /** The step lines never decrease (no do-while condition or backward goto in between): "before line L" is a prefix. */
  monotone: boolean;
}

function matchedPath(facts: PathFacts, steps: Step[], eventOf: number[]): Matched {
  const stepLines = eventOf.map((e) => facts.path.events[e].line);
  return { facts, steps, eventOf, stepLines, monotone: stepLines.every((l, k) => k === 0 || stepLines[k - 1] <= l) };
}

/** The states along a matched path from an entry state: after k steps, k = 0..n. */
function statesAlong(entry: AbstractState, m: Matched): AbstractState[] {
  const out = [entry];
  let s = entry;
  for (const st of m.steps) {
    if (st.op === 'prim') s = applyEffect(s, st.effect, st.lockId, st);
    out.push(s);
  }
  return out;
}

/** The state before the events at or after `limit` (a line, or an event index when `byIndex`). */
function stateBefore(along: readonly AbstractState[], m: Matched, limit: number, byIndex: boolean): AbstractState {
  const keys = byIndex ? m.eventOf : m.stepLines;
  if (byIndex || m.monotone) {
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid] < limit) lo = mid + 1; else hi = mid;
    }
    return along[lo];
  }
  let s = along[0];
  m.steps.forEach((st, k) => { if (keys[k] < limit && st.op === 'prim') s = applyEffect(s, st.effect, st.lockId, st); });
  return s;
}

export function stateKey(s: AbstractState): string {
  return `${COUNTERS.map((k) => s[k]).join(',')}|${s.locks.map((l) => `${l.id}:${l.kind}`).join(',')}`;
}

function addReaching(list: Map<string, Reaching>, context: ContextName, state: AbstractState, origins: readonly string[]): void {
  const key = `${context}\u0000${stateKey(state)}`;
  const hit = list.get(key);
  if (hit) {
    hit.paths++;
    for (const o of origins) if (!hit.origins.includes(o)) hit.origins.push(o);
  } else list.set(key, { context, state, paths: 1, origins: [...origins] });
}

function isStatic(fn: FunctionInfo): boolean {
  return fn.node.namedChildren.some((c) => c.type === 'storage_class_specifier' && c.text === 'static');
}

interface Analysis { states: FunctionStates | null; callSites: Map<string, EntryPoint[]> }

interface Memo { view: ConfigView; done: Map<string, Analysis>; active: Set<string>; reach: Map<string, Set<string>>; callers: Map<string, string[]> | null }

const memos = new WeakMap<ConfigView, Memo>();

function memoOf(view: ConfigView): Memo {
  let m = memos.get(view);
  if (!m) { m = { view, done: new Map(), active: new Set(), reach: new Map(), callers: null }; memos.set(view, m); }
  return m;
}

function calleesOf(view: ConfigView, fn: string): Set<string> {
  const out = new Set<string>();
  for (const p of summarizeViewDetailed(view).get(fn)?.paths ?? []) for (const e of p.events) if (e.kind === 'call' && e.name !== fn && view.functions.has(e.name)) out.add(e.name);
  return out;
}

function reachOf(memo: Memo, fn: string): ReadonlySet<string> {
  const hit = memo.reach.get(fn);
  if (hit) return hit;
  const seen = new Set<string>([fn]);
  const todo = [fn];
  while (todo.length > 0) for (const c of calleesOf(memo.view, todo.pop() as string)) if (!seen.has(c)) { seen.add(c); todo.push(c); }
  memo.reach.set(fn, seen);
  return seen;
}

function callersOf(memo: Memo, fn: string): string[] {
  if (!memo.callers) {
    memo.callers = new Map();
    for (const g of memo.view.functions.keys()) for (const c of calleesOf(memo.view, g)) memo.callers.set(c, [...(memo.callers.get(c) ?? []), g]);
  }
  return memo.callers.get(fn) ?? [];
}

function addEntry(entries: EntryPoint[], e: EntryPoint): boolean {
  const key = stateKey(e.state);
  const hit = entries.find((x) => x.context === e.context && stateKey(x.state) === key);
  if (hit) { for (const o of e.origins) if (!hit.origins.includes(o)) hit.origins.push(o); return true; }
  if (entries.length >= MAX_ENTRIES) return false;
  entries.push({ ...e, origins: [...e.origins] });
  return true;
}

function entriesOf(memo: Memo, info: FunctionInfo): { entries: EntryPoint[]; truncated: boolean } {
  const config = memo.view.config.name;
  const entries: EntryPoint[] = [];
  let truncated = false;
  const seqs = ENTRY_SEQUENCES.filter((s) => s.functions.includes(info.name));
  const contexts = [...new Set(seqs.flatMap((s) => s.contexts))];
  for (const context of contexts) {
    const row = entryState(context, config);
    addEntry(entries, { context, state: row.state, origins: [`entry point (${seqs.map((s) => s.name).join(', ')}) in ${context} context: ${row.note} (${row.cite})`] });
  }
  const callers = callersOf(memo, info.name).filter((g) => !unreliable(memo.view, g));
  if (contexts.length === 0 && (callers.length === 0 || !isStatic(info))) {
    const row = entryState('task', config);
    const why = callers.length === 0 ? 'not called in this file: entered from outside it' : 'not static: also entered from outside this file';
    addEntry(entries, { context: 'task', state: row.state, origins: [`${why}, in task context: ${row.note} (${row.cite})`] });
  }
  for (const g of callers) {
    if (memo.active.has(g)) continue; // a recursive call: the state at it is not known before the function's own
    for (const e of analyse(memo, g).callSites.get(info.name) ?? []) truncated = !addEntry(entries, e) || truncated;
  }
  return { entries, truncated };
}

function analyse(memo: Memo, fn: string): Analysis {
  const done = memo.done.get(fn);
  if (done) return done;
  const view = memo.view;
  const info = view.functions.get(fn);
  const summary = summarizeViewDetailed(view).get(fn);
  if (!info || !summary || unreliable(view, fn)) {
    const none: Analysis = { states: null, callSites: new Map() };
    memo.done.set(fn, none);
    return none;
  }
  memo.active.add(fn);
  const { entries, truncated: entriesTruncated } = entriesOf(memo, info);
  const shape = shapeOf(view, info);
  const atoms = configAtoms(view.config);
  const env: MatchEnv = { view, root: fn, config: view.config.name, reach: (f) => reachOf(memo, f) };
  const eventsIn = new Map<string, boolean>();
  const anyEventIn = (start: number, end: number): boolean => {
    const key = `${start}:${end}`;
    let hit = eventsIn.get(key);
    if (hit === undefined) { hit = summary.paths.some((p) => p.events.some((e) => e.line >= start && e.line <= end)); eventsIn.set(key, hit); }
    return hit;
  };
  const facts = summary.paths.map((p) => pathFacts(p, shape, anyEventIn));
  let truncated = entriesTruncated || summary.truncated;
  let unmatched = 0;
  const lines = new Map<number, Map<string, Reaching>>();
  const callSites = new Map<string, EntryPoint[]>();
  const matchedIn = new Map<ContextName, Matched[]>();
  for (const entry of entries) {
    let matched = matchedIn.get(entry.context);
    if (!matched) {
      const act = activation(view, fn, entry.context);
      truncated ||= act.truncated;
      const live = facts.filter((f) => !deadIn(f.path, fn, entry.context, atoms));
      matched = [];
      for (const steps of act.paths) {
        let found = 0;
        for (const f of live) {
          const eventOf = matchPath(f.path.events, steps, env);
          if (eventOf) { matched.push(matchedPath(f, steps, eventOf)); found++; }
        }
        if (found === 0) unmatched++;
      }
      matchedIn.set(entry.context, matched);
    }
    for (const m of matched) {
      const along = statesAlong(entry.state, m);
      for (const [line, ls] of shape.lines) {
        if (!covers(m.facts, line, ls, anyEventIn)) continue;
        const list = lines.get(line) ?? new Map<string, Reaching>();
        addReaching(list, entry.context, stateBefore(along, m, ls.stateLine, false), entry.origins);
        lines.set(line, list);
      }
      m.facts.path.events.forEach((e, i) => {
        if (e.kind !== 'call' || e.name === fn || !view.functions.has(e.name) || guardedOut(e, entry.context, atoms)) return;
        const sites = callSites.get(e.name) ?? [];
        truncated = !addEntry(sites, { context: entry.context, state: stateBefore(along, m, i, true), origins: [`called from ${fn}() at line ${e.line + 1} (${entry.context} context)`] }) || truncated;
        callSites.set(e.name, sites);
      });
    }
  }
  memo.active.delete(fn);
  const byLine = new Map([...lines].map(([line, list]): [number, Reaching[]] => [line, [...list.values()]]));
  const result: Analysis = { states: { fn, config: view.config.name, entries, lines: byLine, truncated, unmatched }, callSites };
  memo.done.set(fn, result);
  return result;
}

/** The states before each code line of a function's body under the view's configuration (cached per view); null when the model skips it. */
export function functionStates(view: ConfigView, fn: string): FunctionStates | null {
  return analyse(memoOf(view), fn).states;
}

/** The state before one line of the view's image, or null when the line is not a code line of a function body. */
export function statesAtLine(view: ConfigView, line: number): LineStates | null {
  const info = functionAt(view, line);
  if (view.active[line] === false) return { line, fn: info?.name ?? null, status: 'inactive', stateLine: line, reaching: [], states: null };
  if (!info) return null;
  const ls = shapeOf(view, info).lines.get(line);
  if (!ls) return null;
  const states = functionStates(view, info.name);
  if (!states) return { line, fn: info.name, status: 'unmodelled', stateLine: ls.stateLine, reaching: [], states: null };
  const reaching = states.lines.get(line) ?? [];
  return { line, fn: info.name, status: reaching.length > 0 ? 'reached' : 'unreached', stateLine: ls.stateLine, reaching, states };
}

/** Merges the states reaching a line: each counter's values, each lock with whether every state holds it. */
export function mergeStates(reaching: readonly Reaching[]): MergedState {
  const contexts = [...new Set(reaching.map((r) => r.context))];
  const counters = Object.fromEntries(COUNTERS.map((k) => [k, [...new Set(reaching.map((r) => r.state[k]))].sort((a, b) => a - b)])) as Record<Counter, number[]>;
  const ids = [...new Set(reaching.flatMap((r) => r.state.locks.map((l) => l.id)))];
  const locks = ids.map((id): MergedLock => ({
    id,
    kinds: [...new Set(reaching.flatMap((r) => r.state.locks.filter((l) => l.id === id).map((l) => l.kind)))],
    held: reaching.every((r) => r.state.locks.some((l) => l.id === id)) ? 'all' : 'some',
  }));
  const agree = new Set(reaching.map((r) => stateKey(r.state))).size <= 1;
  return { contexts, counters, locks, agree };
}
