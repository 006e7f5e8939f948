/**
 * Activations: the paths of a function as run in one context under one configuration, with calls
 * to other functions of the file inlined (bounded depth), function-like macros of the view expanded
 * first, paths whose context predicates contradict the context dropped, and field accesses
 * classified as per-CPU (`this_cpu_ptr(&v)->f`, `per_cpu_ptr(&v, cpu)->f`) or task
 * (`current->f`, `t->f` with `t = current`) cells.
 */
import type { ConfigView, FunctionInfo, MacroDef } from '../source/types';
import { CONFIG_NAMES, configAtoms, isEnabled, type ConfigName } from './configs';
import { BH_LOCK, PREDICATES, type ContextName } from './contexts';
import { BRANCH_FACTS, factFor, isNonNull } from './facts';
import { structOf, structTable, structVars } from './guards';
import { effectOf, effectOfCall, findPrimitive, percpuPointerPattern, readAnnotation, type Effect, type PercpuPointer, type PrimitiveRow } from './semantics';
import { textHash } from '../hash';
import { kept, Lru } from '../memo';
import { detailedSummaryOf, functionKey, type Guard, type ModelEvent } from './summary';

export type StepOp =
  /** `attempt`: a trylock that succeeded on this path (it never waits for the lock). */
  /** `lockId`/`lockKey` are the lock under this configuration; `lockRef`/`keyRef` the same without the
   *  configuration (the per-CPU BH lock replaces them where the row says the lock is the BH lock). */
  /** `blocking`: the call of a lock that may fail (`mutex_lock_interruptible()`): what it does whatever
   *  it returns (it may sleep), without the lock, which an `attempt` step takes where it succeeded. */
  | { op: 'prim'; name: string; effect: Effect; row: PrimitiveRow; lockId: string; args: string[]; attempt?: boolean; blocking?: boolean; lockKey: string; lockRef: string; keyRef: string }
  /** A member declared `__guarded_by(guard)` read or written; `guard` is the lock it needs, in the same
   *  canonical form as a prim's `lockKey`; `unsafe`: inside `context_unsafe(...)`. */
  | { op: 'guarded'; cell: string; access: 'read' | 'write'; guard: string; guardText: string; unsafe: boolean; declLine: number }
  /** `cpu`: whose copy, as the accessor's row says (`this-cpu`: the CPU the task runs on, valid only
   *  while it stays there; `given-cpu`: the CPU named by `per_cpu_ptr()`'s argument). `preemptSafe`:
   *  one `this_cpu_*()` operation, safe against preemption on its own (its row's `percpuOp`). */
  | { op: 'percpu'; cell: string; access: 'read' | 'write' | 'ptr'; cpu: PercpuPointer; preemptSafe?: true }
  | { op: 'task'; cell: string; access: 'read' | 'write' }
  | { op: 'return' }
  /** Entering an inlined callee that declares `__must_hold(lock)`: the locks it needs, resolved at the call. */
  | { op: 'requires'; callee: string; locks: RequiredLock[]; unsafe: boolean };

/** A lock a callee's annotation requires: as the annotation writes it, and as a key in the caller's
 *  terms (comparable with a prim's `lockKey`). */
export interface RequiredLock { text: string; key: string }

export type Step = StepOp & { fn: string; line: number; text: string };

export interface Activation { root: string; context: ContextName; config: ConfigName; paths: Step[][]; truncated: boolean }

const MAX_DEPTH = 4;
const MAX_PATHS = 512;
/** The per-CPU pointer accessors of the primitive table, whose `&v` argument names the per-CPU
 *  variable a cell belongs to; the patterns below are built from them. */
const ACCESSOR = percpuPointerPattern();
const PERCPU_PTR = new RegExp(`^(${ACCESSOR})\\s*\\(\\s*&\\s*(\\w+)`);

/** Whose copy an accessor of the primitive table points to. */
function accessorCpu(name: string): PercpuPointer {
  return findPrimitive(name)?.percpuPointer ?? 'this-cpu';
}
const IDENTITY_WRAPPERS = /^(?:WARN_ON|WARN_ON_ONCE|unlikely|likely)$/;

// ---- three-valued evaluation of context predicates -------------------------------------------

type Tri = boolean | null;
const not3 = (a: Tri): Tri => (a === null ? null : !a);
const and3 = (a: Tri, b: Tri): Tri => (a === false || b === false ? false : a === null || b === null ? null : true);
const or3 = (a: Tri, b: Tri): Tri => (a === true || b === true ? true : a === null || b === null ? null : false);

function tokens(text: string): string[] {
  return text.match(/&&|\|\||!=|==|[!()]|[^&|!()=]+|[&|=]/g)?.map((t) => t.trim()).filter((t) => t !== '') ?? [];
}

/** Evaluates a C condition under the context's predicate values; anything else is unknown. */
export function evalCondition(text: string, preds: Readonly<Record<string, boolean>>, atoms: ReadonlyMap<string, boolean> = new Map()): Tri {
  const ts = tokens(text);
  let i = 0;
  const atom = (): Tri => {
    const start = i;
    let depth = 0;
    while (i < ts.length) {
      const t = ts[i];
      if (depth === 0 && (t === '&&' || t === '||' || t === ')')) break;
      if (t === '(') depth++;
      if (t === ')') depth--;
      i++;
    }
    const a = ts.slice(start, i).join(' ').trim();
    const known = atoms.get(a.replace(/\s+/g, ''));
    if (known !== undefined) return known;
    const call = /^(\w+)\s*\(\s*(.*)\)$/s.exec(a);
    if (!call) return null;
    if (IDENTITY_WRAPPERS.test(call[1])) return evalCondition(call[2], preds, atoms);
    if (call[2].trim() === '' && call[1] in preds) return preds[call[1]];
    return null;
  };
  const unary = (): Tri => {
    if (ts[i] === '!') { i++; return not3(unary()); }
    if (ts[i] === '(') {
      i++;
      const v = orExpr();
      if (ts[i] === ')') i++;
      if (i < ts.length && ts[i] !== '&&' && ts[i] !== '||' && ts[i] !== ')') { while (i < ts.length && ts[i] !== '&&' && ts[i] !== '||' && ts[i] !== ')') i++; return null; }
      return v;
    }
    return atom();
  };
  const andExpr = (): Tri => { let v = unary(); while (ts[i] === '&&') { i++; v = and3(v, unary()); } return v; };
  const orExpr = (): Tri => { let v = andExpr(); while (ts[i] === '||') { i++; v = or3(v, andExpr()); } return v; };
  const v = orExpr();
  return i >= ts.length ? v : null;
}

/** Whether the context's predicates and the configuration's atoms rule out the side `g` took. */
export const contradicts = (g: Guard, preds: Readonly<Record<string, boolean>>, atoms: ReadonlyMap<string, boolean>): boolean => {
  const v = conditionValue(g.cond, preds, atoms);
  return v !== null && v !== g.taken;
};

/** A condition's value (outer parentheses dropped) under a context's predicates and a configuration's
 *  atoms, kept per (predicates, atoms, text): walks test the same conditions again and again. */
function conditionValue(cond: string, preds: Readonly<Record<string, boolean>>, atoms: ReadonlyMap<string, boolean>): Tri {
  const table = kept(kept(conditionValues, preds, () => new WeakMap<ReadonlyMap<string, boolean>, Lru<string, Tri>>()), atoms, () => new Lru<string, Tri>(4096));
  return kept(table, cond, () => evalCondition(cond.replace(/^\((.*)\)$/s, '$1'), preds, atoms));
}
const conditionValues = new WeakMap<object, WeakMap<ReadonlyMap<string, boolean>, Lru<string, Tri>>>();

// ---- macros --------------------------------------------------------------------------------

function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(' || c === '[' || c === '{') depth++;
    if (c === ')' || c === ']' || c === '}') depth--;
    if (c === ',' && depth === 0) { out.push(cur.trim()); cur = ''; continue; }
    cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** Top-level calls of a function-like macro's replacement, with its parameters substituted. */
export function expandMacro(m: MacroDef, args: readonly string[]): { name: string; args: string[]; text: string }[] {
  if (!m.params) return [];
  let body = m.body;
  m.params.forEach((p, k) => { if (/^\w+$/.test(p)) body = body.replace(new RegExp(`\\b${p}\\b`, 'g'), args[k] ?? ''); });
  const calls: { name: string; args: string[]; text: string }[] = [];
  const re = /\b(\w+)\s*\(/g;
  let mm: RegExpExecArray | null;
  while ((mm = re.exec(body)) !== null) {
    let depth = 1;
    let j = re.lastIndex;
    while (j < body.length && depth > 0) { if (body[j] === '(') depth++; if (body[j] === ')') depth--; j++; }
    if (findPrimitive(mm[1])) calls.push({ name: mm[1], args: splitArgs(body.slice(re.lastIndex, j - 1)), text: body.slice(mm.index, j) });
    re.lastIndex = j;
  }
  return calls;
}

// ---- flattening ----------------------------------------------------------------------------

interface Frame { fn: string; bindings: ReadonlyMap<string, string> }

const norm = (e: string): string => e.replace(/\s+/g, '').replace(/^\((.*)\)$/, '$1');

/** An expression with locals and parameters replaced by what they hold (one level each, bounded). */
function resolve(expr: string, assigns: ReadonlyMap<string, string>, frame: Frame, depth = 0): string {
  const e = norm(expr);
  if (depth > 6 || !/^\w+$/.test(e)) return e;
  const local = assigns.get(e);
  if (local !== undefined) return resolve(local, assigns, frame, depth + 1);
  const bound = frame.bindings.get(e);
  return bound !== undefined ? bound : e;
}

/** `this_cpu_ptr(&v)->` and the like, in a lock expression: written `v.` (canonLock). */
const PERCPU_MEMBER = new RegExp(`^${ACCESSOR}\\(&(\\w+)(?:,[^()]*)?\\)(?:->|\\.)`);

/**
 * A lock expression in the terms of the activation's root: the leading variable replaced by what it
 * holds (locals, then the caller's arguments), per-CPU accessors written as the variable
 * (`this_cpu_ptr(&v)->lock` → `v.lock`). Two expressions naming one lock get one key.
 */
function canonLock(expr: string, assigns: ReadonlyMap<string, string>, frame: Frame, depth = 0): string {
  const e = norm(expr).replace(/^&/, '').replace(PERCPU_MEMBER, '$1.');
  const m = /^(\w+)(.*)$/s.exec(e);
  if (!m || depth > 6) return e;
  const r = resolve(m[1], assigns, frame);
  if (r === m[1]) return e;
  const value = norm(r);
  // `p = &v; p->lock` is `v.lock`.
  if (value.startsWith('&') && m[2].startsWith('->')) return canonLock(`${value.slice(1)}.${m[2].slice(2)}`, assigns, frame, depth + 1);
  return canonLock(`${/^[\w.>-]+$|^\w+\(.*\)$/s.test(value) ? value : `(${value})`}${m[2]}`, assigns, frame, depth + 1);
}


function classifyAccess(object: string, field: string, assigns: ReadonlyMap<string, string>, frame: Frame): StepOp | null {
  const base = resolve(object, assigns, frame);
  const pc = PERCPU_PTR.exec(base);
  if (pc) return { op: 'percpu', cell: `${pc[2]}.${field}`, access: 'read', cpu: accessorCpu(pc[1]) };
  if (base === 'current') return { op: 'task', cell: `task.${field}`, access: 'read' };
  return null;
}

/** Primitives that change the modelled state (context predicates and plain accessors do not). */
function hasEffect(e: Effect): boolean {
  return e.preempt !== 0 || e.migrate !== 0 || e.hardirq !== 0 || e.bh !== 0 || e.rcu !== 0 || e.lock !== null || e.mightSleep || e.assume;
}

const POINTEE = new RegExp(`^(${ACCESSOR})\\(&(\\w+)(?:,[^)]*)?\\)->(\\w+)$`);

/** A store through a pointer held in a per-CPU field (`area = this_cpu_ptr(&v)->irq_area; *area = 0`):
 *  the buffer `v.f[]`, of the copy the accessor names. */
function pointeeCell(target: string, assigns: ReadonlyMap<string, string>, frame: Frame): { cell: string; cpu: PercpuPointer } | null {
  const m = /^\*\s*(?:\([^()]*\*\s*\))?\s*(\w+)$/.exec(target.trim());
  if (!m) return null;
  const p = POINTEE.exec(resolve(m[1], assigns, frame));
  return p ? { cell: `${p[2]}.${p[3]}[]`, cpu: accessorCpu(p[1]) } : null;
}

/** A lock expression as a function's own annotation writes it (`&kcov->lock`), in the form of the
 *  `lockKey` of the steps of that function's activation (canonLock with nothing bound). */
export function lockKeyInRoot(fn: string, expr: string): string {
  return canonLock(expr, new Map(), { fn, bindings: new Map() });
}

/** Locks a callee's annotations require at entry (`__must_hold(x)`, `__releases(x)`), as written. */
export function mustHold(annotations: readonly string[]): string[] {
  return annotations.flatMap((text) => {
    const a = readAnnotation(text);
    return a && (a.role === 'requires' || a.role === 'releases') ? [a.arg] : [];
  });
}

interface Walk { view: ConfigView; config: ConfigName; context: ContextName; preds: Readonly<Record<string, boolean>>; truncated: boolean; stack: string[]; atoms: ReadonlyMap<string, boolean> }

const stepKeys = new WeakMap<Step, string>();
function stepKey(s: Step): string {
  let k = stepKeys.get(s);
  if (k === undefined) { k = `${s.fn}:${s.line}:${s.op}:${'cell' in s ? s.cell + s.access : 'name' in s ? s.name : ''}`; stepKeys.set(s, k); }
  return k;
}

function dedupe(paths: Step[][]): Step[][] {
  const seen = new Set<string>();
  return paths.filter((p) => {
    const key = p.map(stepKey).join('|');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function cap(paths: Step[][], w: Walk): Step[][] {
  const d = dedupe(paths);
  if (d.length <= MAX_PATHS) return d;
  w.truncated = true;
  return d.slice(0, MAX_PATHS);
}

/** A path prefix as an immutable list sharing its tail: extending one is O(steps added), not a copy. */
interface Cons { step: Step; prev: Cons | null }
type Prefix = Cons | null;

function extend(p: Prefix, steps: readonly Step[]): Prefix {
  let q = p;
  for (const s of steps) q = { step: s, prev: q };
  return q;
}

function toArray(p: Prefix): Step[] {
  const out: Step[] = [];
  for (let q = p; q; q = q.prev) out.push(q.step);
  return out.reverse();
}

/** Prefixes bounded in number: past the bound, duplicates are dropped and then the surplus. */
function bounded(prefixes: Prefix[], w: Walk): Prefix[] {
  if (prefixes.length <= MAX_PATHS) return prefixes;
  return cap(prefixes.map(toArray), w).map((a) => extend(null, a));
}

type PrimStep = Extract<Step, { op: 'prim' }>;

/** The lock a prim step names under a configuration: the BH lock where the row says so, else its reference. */
function withConfig(s: PrimStep, effect: Effect): PrimStep {
  const bh = effect.lock?.kind === 'bh';
  return { ...s, effect, lockId: bh ? BH_LOCK : s.lockRef, lockKey: bh ? BH_LOCK : s.keyRef };
}

function primStep(at: { fn: string; line: number; text: string }, name: string, args: string[], row: PrimitiveRow, effect: Effect, assigns: ReadonlyMap<string, string>, frame: Frame): PrimStep {
  const lockRef = args.length === 0 ? name.replace(/_(?:un)?lock.*$/, '') : resolve(args[0].replace(/^&/, ''), assigns, frame).replace(/^&/, '');
  const keyRef = args.length > 0 ? canonLock(args[0], assigns, frame) : lockRef;
  return withConfig({ ...at, op: 'prim', name, effect, row, args, lockId: lockRef, lockKey: keyRef, lockRef, keyRef }, effect);
}

/** A row that changes the modelled state under some configuration: its calls are steps on every
 *  configuration (with no effect where it has none), so one configuration's paths map to another's. */
function modelled(row: PrimitiveRow): boolean {
  return CONFIG_NAMES.some((c) => hasEffect(effectOf(row, c)));
}

/** A call the walk turns into no step on any configuration (callSteps): a primitive whose row changes
 *  no modelled state (memory and compiler barriers, marked accesses), other than a per-CPU accessor
 *  or operation. */
function stepless(ev: ModelEvent): boolean {
  return ev.kind === 'call' && kept(steplessByName, ev.name, () => {
    const row = findPrimitive(ev.name);
    return row !== undefined && !modelled(row) && row.percpuPointer === undefined && row.percpuOp === undefined;
  });
}

/** The cell a per-CPU operation's first argument names (`v` or `v.f`, as written), or null. */
function percpuOpCell(arg: string | undefined): string | null {
  const cell = (arg ?? '').replace(/\s+/g, '');
  return /^\w+(?:\.\w+)*$/.test(cell) ? cell : null;
}
const steplessByName = new Map<string, boolean>();

/** One call event: its steps as alternatives (inlined paths), or null when the event adds nothing. */
function callSteps(ev: Extract<ModelEvent, { kind: 'call' }>, assigns: ReadonlyMap<string, string>, frame: Frame, w: Walk): Step[][] | null {
  if (ev.guards?.some((g) => contradicts(g, w.preds, w.atoms))) return [[]];
  const at = { fn: frame.fn, line: ev.line, text: ev.text.replace(/\s+/g, ' ') };
  const row = findPrimitive(ev.name);
  if (row) {
    const effect = effectOfCall(ev.name, w.config) as Effect;
    const out: Step[] = [];
    const pc = PERCPU_PTR.exec(`${ev.name}(${ev.args[0] ?? ''}`);
    if (pc && row.percpuPointer === 'this-cpu') out.push({ ...at, op: 'percpu', cell: pc[2], access: 'ptr', cpu: 'this-cpu' });
    const opCell = row.percpuOp ? percpuOpCell(ev.args[0]) : null;
    if (row.percpuOp && opCell) out.push({ ...at, op: 'percpu', cell: opCell, access: row.percpuOp.access, cpu: 'this-cpu', ...(row.percpuOp.preemptSafe ? { preemptSafe: true as const } : {}) });
    if (modelled(row)) out.push(primStep(at, ev.name, ev.args, row, effect, assigns, frame));
    return [out];
  }
  const macro = w.view.macros.get(ev.name);
  if (macro && macro.params && !w.view.functions.has(ev.name)) {
    // A trylock inside a macro cannot be tied to the branch that tests it: left out.
    const steps: Step[] = expandMacro(macro, ev.args).filter((c) => effectOfCall(c.name, w.config)?.lock?.op !== 'try').map((c) =>
      primStep({ ...at, text: `${ev.text.trim()} → ${c.text}` }, c.name, c.args, findPrimitive(c.name) as PrimitiveRow, effectOfCall(c.name, w.config) as Effect, assigns, frame));
    return [steps];
  }
  const callee = w.view.functions.get(ev.name);
  if (!callee) return null;
  const params = detailedSummaryOf(w.view, ev.name)?.params ?? [];
  const bindings = new Map(params.map((p, k): [string, string] => [p, resolve(ev.args[k] ?? p, assigns, frame)]));
  const calleeFrame: Frame = { fn: ev.name, bindings };
  const required = mustHold(callee.annotations).map((text): RequiredLock => ({ text, key: canonLock(canonLock(text, new Map(), calleeFrame), assigns, frame) }));
  const unsafe = ev.unsafe === true;
  const requires: Step[] = required.length > 0 ? [{ ...at, op: 'requires', callee: ev.name, locks: required, unsafe }] : [];
  if (w.stack.length >= MAX_DEPTH || w.stack.includes(ev.name)) return requires.length > 0 ? [requires] : null;
  const paths = calleePaths(ev.name, bindings, w);
  return requires.length > 0 ? paths.map((p) => [...requires, ...p]) : paths;
}

/**
 * A callee's paths (returns dropped; paths that differ only in where they returned are one
 * alternative), shared by every activation of the view in this context: they depend on the callee,
 * its arguments, the depth left, and the functions on the stack that matter to it (those it can reach,
 * for the recursion guard, and those a branch fact is stated within).
 */
function calleePaths(callee: string, bindings: ReadonlyMap<string, string>, w: Walk): Step[][] {
  const reach = reachable(w.view, callee);
  const relevant = w.stack.filter((f) => reach.has(f) || FACT_SCOPES.has(f));
  const key = `${w.context}|${MAX_DEPTH - w.stack.length}|${relevant.join('>')}|${callee}|${[...bindings].join(';')}`;
  const memo = kept(calleeMemo, w.view, () => new Map<string, { paths: Step[][]; truncated: boolean }>());
  const hit = memo.get(key) ?? calleeFromOtherView(callee, key, w);
  if (hit) { memo.set(key, hit); if (hit.truncated) w.truncated = true; return hit.paths; }
  const outer = w.truncated;
  w.truncated = false;
  const paths = dedupe(functionPaths(callee, { fn: callee, bindings }, w).map((p) => p.filter((s) => s.op !== 'return')));
  memo.set(key, { paths, truncated: w.truncated });
  calleeByShape.set(calleeShapeKey(callee, key, w), { paths, truncated: w.truncated, spans: coneSpans(w.view, [callee]) });
  w.truncated ||= outer;
  return paths;
}

/**
 * A callee's paths as another view computed them, where the callee's cone has the same shape
 * (activationShape) under the same configuration: the paths of the previous image of a series when the
 * patch changed a function the callee does not reach, moved to this view's lines.
 */
const calleeByShape = new Lru<string, { paths: Step[][]; truncated: boolean; spans: readonly FunctionSpan[] }>(4096);

function calleeShapeKey(callee: string, key: string, w: Walk): string {
  return `${w.config}|${key}|${activationShape(w.view, callee)}`;
}

function calleeFromOtherView(callee: string, key: string, w: Walk): { paths: Step[][]; truncated: boolean } | null {
  const same = calleeByShape.get(calleeShapeKey(callee, key, w));
  if (!same) return null;
  const paths = movedPaths(same.paths, coneMove(same.spans, w.view));
  return paths ? { paths, truncated: same.truncated } : null;
}

/** A function and its lines (0-based, inclusive) in the view something was computed on; `offsets`:
 *  its walk signature's event offsets (walkSignature), which say where each step's line went. */
export interface FunctionSpan { fn: string; start: number; end: number; offsets: readonly number[] }

/** The functions activations of `roots` walk (model: coneOf), with their lines in the view. */
export function coneSpans(view: ConfigView, roots: readonly string[]): FunctionSpan[] {
  return [...new Set(roots.flatMap((r) => coneOf(view, r)))].map((fn) => {
    const info = view.functions.get(fn) as FunctionInfo;
    return { fn, start: info.startLine, end: info.endLine, offsets: walkSignature(view, info).offsets };
  });
}

/** Where a function's lines went: all by one shift, or line by line (a statement the walk does not
 *  see was added or removed inside it). */
export type FunctionMove = number | ReadonlyMap<number, number>;

/** How the lines of a cone moved from the view it was computed on to another view of the same shape
 *  (activationShape): not at all, per function, or not placeable. */
export type ConeMove = { kind: 'same' } | { kind: 'moved'; byFunction: ReadonlyMap<string, FunctionMove> } | { kind: 'unplaceable' };

/**
 * How each function of `spans` moved to the view (by name; one the view lacks did not move). Equal
 * walk signatures have equal event lists, so the i-th event of one sits where the i-th of the other
 * does; the first line goes with the first line. A move line by line must keep distinct lines
 * distinct and in order (the rules compare and dedupe steps by line), else it is not placeable.
 */
export function coneMove(spans: readonly FunctionSpan[], view: ConfigView): ConeMove {
  const byFunction = new Map<string, FunctionMove>();
  let moved = false;
  for (const span of spans) {
    const info = view.functions.get(span.fn);
    const move = info ? functionMove(span, info.startLine, walkSignature(view, info).offsets) : 0;
    if (move === null) return { kind: 'unplaceable' };
    byFunction.set(span.fn, move);
    if (move !== 0) moved = true;
  }
  return moved ? { kind: 'moved', byFunction } : { kind: 'same' };
}

function functionMove(span: FunctionSpan, start: number, offsets: readonly number[]): FunctionMove | null {
  const d = start - span.start;
  if (offsets.length !== span.offsets.length) return null;
  if (offsets === span.offsets || offsets.every((o, i) => o === span.offsets[i])) return d;
  const to = new Map<number, number>([[span.start, start]]);
  for (let i = 0; i < offsets.length; i++) {
    const from = span.start + span.offsets[i];
    const line = start + offsets[i];
    if ((to.get(from) ?? line) !== line) return null;
    to.set(from, line);
  }
  const pairs = [...to].sort((a, b) => a[0] - b[0]);
  return pairs.every(([, line], i) => i === 0 || line > pairs[i - 1][1]) ? to : null;
}

/** A line of function `fn` moved (ConeMove 'moved'), or null when it has no place. */
export function movedLine(byFunction: ReadonlyMap<string, FunctionMove>, fn: string, line: number): number | null {
  const move = byFunction.get(fn) ?? 0;
  return typeof move === 'number' ? line + move : move.get(line) ?? null;
}

/** Paths moved to another view's lines, or null when a step has no place there. */
function movedPaths(paths: Step[][], move: ConeMove): Step[][] | null {
  if (move.kind === 'same') return paths;
  if (move.kind === 'unplaceable') return null;
  const out: Step[][] = [];
  for (const path of paths) {
    const moved: Step[] = [];
    for (const s of path) {
      const line = movedLine(move.byFunction, s.fn, s.line);
      if (line === null) return null;
      moved.push(line === s.line ? s : { ...s, line });
    }
    out.push(moved);
  }
  return out;
}

const calleeMemo = new WeakMap<ConfigView, Map<string, { paths: Step[][]; truncated: boolean }>>();
const FACT_SCOPES: ReadonlySet<string> = new Set(BRANCH_FACTS.map((f) => f.within));
const reachCache = new WeakMap<ConfigView, Map<string, Set<string>>>();

/** Names a function calls, by its key (functionKey): the same text calls the same names wherever it sits. */
const calledByFunction = new Lru<string, string[]>(4096);

function calledNames(view: ConfigView, fn: string): string[] {
  const info = view.functions.get(fn);
  if (!info) return [];
  return kept(calledByFunction, functionKey(view, info), () => {
    const summary = detailedSummaryOf(view, fn);
    return summary ? [...new Set(summary.paths.flatMap((p) => p.events.flatMap((e) => (e.kind === 'call' ? [e.name] : []))))] : [];
  });
}

/** Functions of the view a function calls, directly or through others (itself included when recursive). */
function reachable(view: ConfigView, fn: string): Set<string> {
  return kept(kept(reachCache, view, () => new Map<string, Set<string>>()), fn, () => {
    const direct = (f: string): string[] => calledNames(view, f).filter((n) => view.functions.has(n));
    const out = new Set<string>();
    const todo = direct(fn);
    while (todo.length > 0) {
      const f = todo.pop() as string;
      if (out.has(f)) continue;
      out.add(f);
      todo.push(...direct(f));
    }
    return out;
  });
}

/** A read or write of a member the view declares `__guarded_by(...)`, with the lock it needs. */
function guardedStep(ev: Extract<ModelEvent, { kind: 'access' }>, assigns: ReadonlyMap<string, string>, frame: Frame, w: Walk): Step | null {
  const table = structTable(w.view);
  const candidates = table.guarded.filter((m) => m.field === ev.field);
  if (candidates.length === 0) return null;
  const fn = w.view.functions.get(frame.fn);
  const type = fn ? structOf(ev.object, structVars(fn), table) : null;
  // Type unknown: only a member name no other struct of the file uses is taken to be the guarded one.
  const owners = [...table.members].filter(([, fields]) => fields.has(ev.field)).length;
  const member = candidates.find((m) => m.struct === type) ?? (type === null && candidates.length === 1 && owners === 1 ? candidates[0] : undefined);
  if (!member) return null;
  const guardText = member.memberRelative ? `${ev.object}${ev.arrow ? '->' : '.'}${member.guard}` : member.guard;
  return {
    op: 'guarded', cell: `${member.struct}.${member.field}`, access: ev.op, guard: canonLock(guardText, assigns, frame), guardText,
    unsafe: ev.unsafe, declLine: member.line, fn: frame.fn, line: ev.line, text: ev.text.replace(/\s+/g, ' '),
  };
}

/** A trylock call (`spin_trylock(&l)`, sparse `__cond_lock(l, c)`, `mutex_lock_interruptible(&m)`)
 *  not yet tested by a branch: the lock is held only on the side of the branch where the call's value
 *  is true (0 for `heldWhenZero`). `call`: a step at the call itself when the call may sleep. */
interface PendingTry { call: string; names: string[]; step: PrimStep; heldWhenZero: boolean; callStep: PrimStep | null }

/** A trylock's effect where it succeeded: the row's, with the lock taken (its sleeping, if any, is
 *  the call's: blockingEffect). */
function attemptEffect(effect: Effect): Effect {
  return effect.lock ? { ...effect, lock: { op: 'acquire', kind: effect.lock.kind }, mightSleep: false } : effect;
}

/** What a lock call that may fail does whatever it returns: the row's effect without the lock. */
function blockingEffect(effect: Effect): Effect {
  return { ...effect, lock: null, barrier: 'none' };
}

/** A prim step's effect from its row's under a configuration: the part of a trylock it stands for. */
function stepEffect(s: PrimStep, rowEffect: Effect): Effect {
  return s.attempt ? attemptEffect(rowEffect) : s.blocking ? blockingEffect(rowEffect) : rowEffect;
}

function tryLockOf(ev: Extract<ModelEvent, { kind: 'call' }>, assigns: ReadonlyMap<string, string>, frame: Frame, w: Walk): PendingTry | null {
  const row = findPrimitive(ev.name);
  const effect = row ? effectOfCall(ev.name, w.config) : null;
  if (!row || !effect || effect.lock?.op !== 'try') return null;
  const at = { fn: frame.fn, line: ev.line, text: ev.text.replace(/\s+/g, ' ') };
  const step: PrimStep = { ...primStep(at, ev.name, ev.args, row, attemptEffect(effect), assigns, frame), attempt: true };
  const callStep: PrimStep | null = effect.mightSleep ? { ...primStep(at, ev.name, ev.args, row, blockingEffect(effect), assigns, frame), blocking: true } : null;
  return { call: norm(ev.text), names: [], step, heldWhenZero: effect.lock.heldWhen === 'zero', callStep };
}

/** Whether a branch decides a pending trylock: true (held on this side), false (not held), null (it does not test it). */
function tryOutcome(t: PendingTry, ev: Extract<ModelEvent, { kind: 'branch' }>, w: Walk): boolean | null {
  const cond = ev.cond.replace(/^\((.*)\)$/s, '$1');
  const keys = [t.call, ...t.names];
  if (!keys.some((k) => norm(cond).includes(k))) return null;
  const withValue = (v: boolean): ReadonlyMap<string, boolean> => new Map([...w.atoms, ...keys.map((k): [string, boolean] => [k, v])]);
  const ifTrue = evalCondition(cond, w.preds, withValue(true));
  const ifFalse = evalCondition(cond, w.preds, withValue(false));
  if (ifTrue === ev.taken && ifFalse !== ev.taken) return true;
  if (ifFalse === ev.taken && ifTrue !== ev.taken) return false;
  return null;
}

function functionPaths(name: string, frame: Frame, w: Walk): Step[][] {
  const summary = detailedSummaryOf(w.view, name);
  if (!summary) return [[]];
  w.stack.push(name);
  if (summary.truncated) w.truncated = true;
  let all: Step[][] = [];
  for (const path of summary.paths) {
    let prefixes: Prefix[] = [null];
    const assigns = new Map<string, string>();
    /** The locals that hold a value known not to be NULL (facts.ts NON_NULL_FACTS), as atoms. */
    const nonNull = new Map<string, boolean>();
    const tries: PendingTry[] = [];
    let dead = false;
    for (const ev of path.events) {
      if (ev.kind === 'branch') {
        const fact = factFor(ev.cond, w.stack);
        const atoms = nonNull.size > 0 ? new Map([...w.atoms, ...nonNull]) : w.atoms;
        if ((fact && fact.value !== ev.taken) || contradicts(ev, w.preds, atoms)) { dead = true; break; }
        for (const t of [...tries]) {
          const outcome = tryOutcome(t, ev, w);
          if (outcome === null) continue;
          tries.splice(tries.indexOf(t), 1);
          if (outcome !== t.heldWhenZero) { const taken: Step = { ...t.step, line: ev.line, text: `${t.step.text} (${t.heldWhenZero ? '0' : 'true'} here: ${ev.cond.replace(/\s+/g, ' ')})` }; prefixes = prefixes.map((p) => extend(p, [taken])); }
        }
        continue;
      }
      if (ev.kind === 'assign') {
        const value = resolve(ev.value, assigns, frame);
        assigns.set(ev.name, value);
        if (isNonNull(value)) nonNull.set(ev.name, true);
        else nonNull.delete(ev.name);
        for (const t of tries) if (norm(ev.value) === t.call) t.names.push(ev.name);
        continue;
      }
      if (ev.kind === 'return') { const ret: Step = { op: 'return', fn: name, line: ev.line, text: 'return' }; prefixes = prefixes.map((p) => extend(p, [ret])); continue; }
      if (ev.kind === 'access') {
        const g = guardedStep(ev, assigns, frame, w);
        if (g) prefixes = prefixes.map((p) => extend(p, [g]));
        const c = classifyAccess(ev.object, ev.field, assigns, frame);
        if (c && c.op !== 'return' && c.op !== 'prim') {
          const step = { ...c, access: ev.op, fn: name, line: ev.line, text: ev.text.replace(/\s+/g, ' ') } as Step;
          prefixes = prefixes.map((p) => extend(p, [step]));
        }
        continue;
      }
      if (ev.kind === 'store' && ev.via === 'assign') {
        const pointee = pointeeCell(ev.target, assigns, frame);
        if (pointee) { const write: Step = { op: 'percpu', ...pointee, access: 'write', fn: name, line: ev.line, text: ev.text.replace(/\s+/g, ' ') }; prefixes = prefixes.map((p) => extend(p, [write])); }
        continue;
      }
      if (ev.kind === 'store') {
        // A store primitive on a field (`WRITE_ONCE(t->kcov_mode, m)`) writes that field.
        const f = /^(.*?)\s*(?:->|\.)\s*(\w+)$/s.exec(ev.target.trim());
        const c = f ? classifyAccess(f[1], f[2], assigns, frame) : null;
        if (c && (c.op === 'percpu' || c.op === 'task')) {
          const step = { ...c, access: 'write', fn: name, line: ev.line, text: ev.text.replace(/\s+/g, ' ') } as Step;
          prefixes = prefixes.map((p) => extend(p, [step]));
        }
        continue;
      }
      if (ev.kind !== 'call') continue;
      const attempt = tryLockOf(ev, assigns, frame, w);
      if (attempt) {
        tries.push(attempt);
        const call = attempt.callStep;
        if (call) prefixes = prefixes.map((p) => extend(p, [call]));
        continue;
      }
      const alts = callSteps(ev, assigns, frame, w);
      if (!alts || (alts.length === 1 && alts[0].length === 0)) continue;
      prefixes = alts.length === 1 ? prefixes.map((p) => extend(p, alts[0])) : bounded(prefixes.flatMap((p) => alts.map((a) => extend(p, a))), w);
    }
    if (!dead) for (const p of prefixes) all.push(toArray(p));
    if (all.length > 4 * MAX_PATHS) all = cap(all, w);
  }
  w.stack.pop();
  return cap(all, w);
}

const cache = new WeakMap<ConfigView, Map<string, Activation>>();

/**
 * What an activation's paths depend on: what the walk reads of the root and of every function it
 * can reach (walkSignature: their events but the lines and the calls that make no step; their text
 * where the view has guarded members), the function-like macros those texts name (the walk
 * expands them), the `IS_ENABLED()` values their conditions test, and the guarded struct members
 * (with their lines; with the members of every struct when there are any, which tell a guarded
 * member's owner). Views that agree on those, under another configuration or in the other image of
 * a patch, get the same paths: only the prim steps' effects differ (the table's, per configuration)
 * and the lines move with their events (coneMove). So the paths are computed once and mapped. A
 * macro the patch adds changes only the activations whose functions name it; a barrier it adds
 * changes none.
 */
const viewKeys = new WeakMap<ConfigView, string>();
function viewKey(view: ConfigView): string {
  return kept(viewKeys, view, () => {
    const table = structTable(view);
    const guarded = table.guarded.map((g) => `${g.struct}.${g.field}:${g.guard}@${g.line}`).join(',');
    const members = table.guarded.length === 0 ? '' : [...table.members].map(([struct, fields]) => `${struct}{${[...fields].join(',')}}`).join(';');
    return textHash(`${view.image.path}\u0000${guarded}\u0000${members}`);
  });
}

/** The identifiers a function's text holds and the symbols it tests with `IS_ENABLED()`, by function key. */
interface NamesUsed { identifiers: ReadonlySet<string>; tested: readonly string[] }
const namesByFunction = new Lru<string, NamesUsed>(4096);

function namesUsed(view: ConfigView, info: FunctionInfo): NamesUsed {
  return kept(namesByFunction, functionKey(view, info), () => {
    const text = info.node.text;
    return { identifiers: new Set(text.match(/[A-Za-z_]\w*/g) ?? []), tested: [...text.matchAll(/IS_ENABLED\(\s*(\w+)\s*\)/g)].map((m) => m[1]) };
  });
}

/** The view's function-like macros (the walk expands those a function names): a few, where a
 *  function names a hundred identifiers. */
const functionLikeMacrosByView = new WeakMap<ConfigView, readonly (readonly [string, MacroDef])[]>();
function functionLikeMacros(view: ConfigView): readonly (readonly [string, MacroDef])[] {
  return kept(functionLikeMacrosByView, view, () => [...view.macros].filter(([, m]) => m.params));
}

/** What a function brings to the shape of an activation that reaches it, in a view: its key, the
 *  function-like macros it names and the symbols it tests. */
interface FunctionShape { key: string; macros: readonly string[]; tested: readonly string[] }
const functionShapes = new WeakMap<ConfigView, Map<string, FunctionShape | null>>();

function functionShape(view: ConfigView, fn: string): FunctionShape | null {
  return kept(kept(functionShapes, view, () => new Map<string, FunctionShape | null>()), fn, () => {
    const info = view.functions.get(fn);
    if (!info) return null;
    const names = namesUsed(view, info);
    const macros = functionLikeMacros(view).filter(([name]) => names.identifiers.has(name)).map(([, m]) => `${m.name}(${m.params?.join(',')})=${m.body}`);
    // With guarded members, the walk reads the function's declarations too (structVars): its text decides.
    const key = structTable(view).guarded.length > 0 ? functionKey(view, info) : walkSignature(view, info).key;
    return { key: `${fn}=${key}`, macros, tested: names.tested };
  });
}

/**
 * What a function brings to the walk (functionPaths) but its lines: its name, annotations and
 * parameters, and its detailed summary's events without their lines and without the calls that make
 * no step (stepless: a barrier added to a function leaves its walk as it was). `offsets`: the lines of
 * those events, from the function's first line, in the same order. Kept by functionKey (its text).
 */
interface WalkSignature { key: string; offsets: readonly number[] }
const walkSignatures = new Lru<string, WalkSignature>(4096);
/** Also per function of a view: a file of more functions than the Lru holds would compute them again and again. */
const walkSignatureOf = new WeakMap<FunctionInfo, WalkSignature>();

function walkSignature(view: ConfigView, info: FunctionInfo): WalkSignature {
  return kept(walkSignatureOf, info, () => kept(walkSignatures, functionKey(view, info), () => {
    const summary = detailedSummaryOf(view, info.name);
    if (!summary) return { key: functionKey(view, info), offsets: [] };
    const offsets: number[] = [];
    const paths = summary.paths.map((p) => p.events.filter((e) => !stepless(e)).map((e) => {
      offsets.push(e.line - info.startLine);
      return eventShape(e);
    }).join('\u0002'));
    return { key: textHash(`${info.name}\u0000${info.annotations.join('\u0001')}\u0000${summary.params.join(',')}\u0000${summary.truncated}\u0000${paths.join('\u0003')}`), offsets };
  }));
}

/** Fields an event's shape is made of, per kind: every field but `kind` and `line`. */
type ShapeFields<K extends ModelEvent['kind']> = Exclude<keyof Extract<ModelEvent, { kind: K }>, 'kind' | 'line'>;

/**
 * The fields eventShape writes, per kind. A field added to an event type and not listed here fails
 * to compile (EVERY_FIELD_SHAPED); test/model/activationShape.test.ts checks that eventShape changes
 * with each field listed.
 */
export const SHAPED_FIELDS = {
  call: ['name', 'args', 'text', 'guards', 'unsafe'],
  store: ['target', 'value', 'text', 'via', 'store', 'barrier'],
  assign: ['name', 'value'],
  case: ['label'],
  return: [],
  access: ['object', 'field', 'op', 'text', 'unsafe', 'arrow'],
  branch: ['cond', 'taken'],
} as const satisfies { readonly [K in ModelEvent['kind']]: readonly ShapeFields<K>[] };

type Unshaped = { [K in ModelEvent['kind']]: Exclude<ShapeFields<K>, (typeof SHAPED_FIELDS)[K][number]> }[ModelEvent['kind']];
/** Compiles only while every field of every event kind is listed in SHAPED_FIELDS. */
export const EVERY_FIELD_SHAPED: [Unshaped] extends [never] ? true : never = true;

/** Every field of an event but its line (SHAPED_FIELDS), written by hand: JSON.stringify with a
 *  replacer took ~10x as long. */
export function eventShape(e: ModelEvent): string {
  const u = '\u0001';
  switch (e.kind) {
    case 'call': return `c${e.name}${u}${e.args.length}${u}${e.args.join(u)}${u}${e.text}${u}${e.guards?.length ?? '-'}${u}${e.guards?.map((g) => `${g.cond}${u}${g.taken}`).join(u) ?? ''}${u}${e.unsafe}`;
    case 'store': return `s${e.target}${u}${e.value}${u}${e.text}${u}${e.via}${u}${e.store}${u}${e.barrier}`;
    case 'assign': return `a${e.name}${u}${e.value}`;
    case 'case': return `k${e.label}`;
    case 'return': return 'r';
    case 'access': return `x${e.object}${u}${e.field}${u}${e.op}${u}${e.text}${u}${e.unsafe}${u}${e.arrow}`;
    case 'branch': return `b${e.cond}${u}${e.taken}`;
  }
}

/** The part of an activation's shape that does not depend on its context, once per view and root. */
const activationShapes = new WeakMap<ConfigView, Map<string, string>>();

/**
 * What the paths of `root` depend on in the view, in any context, but their lines and the
 * configuration's effects (see viewKey): equal for two views, the activations of `root` in one
 * context are the same steps, each at its function's own offset.
 */
export function activationShape(view: ConfigView, root: string): string {
  return kept(kept(activationShapes, view, () => new Map<string, string>()), root, () => {
    const fns = [root, ...reachable(view, root)].sort();
    const macros = new Set<string>();
    const tested = new Set<string>();
    const texts = fns.map((f) => {
      const shape = functionShape(view, f);
      if (!shape) return f;
      for (const m of shape.macros) macros.add(m);
      for (const t of shape.tested) tested.add(t);
      return shape.key;
    });
    const atoms = [...tested].sort().map((k) => `${k}=${isEnabled(view.config.symbols[k])}`).join(',');
    return `${viewKey(view)}|${[...macros].sort().join('\u0001')}|${atoms}|${root}|${texts.join(',')}`;
  });
}

/** The functions an activation of `root` walks: itself and those it reaches (those the view has). */
function coneOf(view: ConfigView, root: string): string[] {
  return view.functions.has(root) ? [root, ...reachable(view, root)] : [];
}

function shapeKey(view: ConfigView, root: string, context: ContextName): string {
  return `${context}|${activationShape(view, root)}`;
}

interface Shaped { act: Activation; spans: readonly FunctionSpan[] }
const byShape = new Lru<string, Shaped>(1024);

/** Forget activations and callee paths shared between views (tests compare with a fresh run). */
export function clearSharedActivations(): void {
  byShape.clear();
  calleeByShape.clear();
}

/** An activation computed on another view of the same shape, as this view's: effects of its
 *  configuration, lines of its functions; null when a step's line has no place in the view. */
function mapped(from: Shaped, view: ConfigView): Activation | null {
  const config = view.config.name;
  const move = coneMove(from.spans, view);
  if (from.act.config === config && move.kind === 'same') return from.act;
  const placed = movedPaths(from.act.paths, move);
  if (!placed) return null;
  const paths = placed.map((p) => p.map((moved): Step => {
    if (moved.op !== 'prim' || from.act.config === config) return moved;
    const effect = effectOf(moved.row, config);
    return withConfig(moved, stepEffect(moved, effect));
  }));
  return { ...from.act, config, paths };
}

/** The paths of `root` run in `context` under the view's configuration (cached per view and shared
 *  between configurations of the same shape). */
export function activation(view: ConfigView, root: string, context: ContextName): Activation {
  return kept(kept(cache, view, () => new Map<string, Activation>()), `${root}\u0000${context}`, () => {
    const shape = shapeKey(view, root, context);
    const same = byShape.get(shape);
    const reused = same ? mapped(same, view) : null;
    if (reused) return reused;
    const w: Walk = { view, config: view.config.name, context, preds: PREDICATES[context], truncated: false, stack: [], atoms: configAtoms(view.config) };
    const paths = view.functions.has(root) ? functionPaths(root, { fn: root, bindings: new Map() }, w) : [];
    const act: Activation = { root, context, config: view.config.name, paths, truncated: w.truncated };
    byShape.set(shape, { act, spans: coneSpans(view, [root]) });
    return act;
  });
}
