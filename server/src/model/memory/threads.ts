/**
 * Per-process semantics: runs one process's statements and produces its events (herd7's
 * "instruction semantics" step). Every value a load returns is a choice among the values that can
 * be stored to that location; `enumerateTraces` explores all choices depth-first, so one call
 * yields every control-flow path and every combination of read values.
 *
 * Dependencies are syntactic, through registers (explanation.txt, "DEPENDENCY RELATIONS"):
 * addr (the address of an access depends on a read), data (the stored value does), ctrl (the
 * access lies in an arm of an `if` whose condition does).
 */
import type { Expr, Process, Stmt } from './litmus';
import { lookupPrimitive, primitiveArity, type FenceTag, type Primitive, type RmwOrder } from './primitives';

/** A runtime value: an integer or the address of a shared location (its name). */
export type Val = number | string;

export type AccessTag = 'once' | 'acquire' | 'release' | 'noreturn' | 'plain';
/** lock.cat's lock events. */
export type LockTag = 'LKR' | 'LKW' | 'UL' | 'LF' | 'RL' | 'RU';
export type EventTag = AccessTag | LockTag | FenceTag | 'init';

export interface ThreadEvent {
  dir: 'R' | 'W' | 'F';
  tag: EventTag;
  /** Location name; '' for fences. */
  loc: string;
  value: Val;
  /** For the write of an RMW pair (incl. spin_lock's LKW): index of its read in the thread; else -1. */
  rmwRead: number;
  /** Member of herd's RMW set (R* and W* in herd-representation.txt, failed cmpxchg included). */
  inRmw: boolean;
  /** Thread-local indices of the reads this event depends on. */
  addr: readonly number[];
  data: readonly number[];
  ctrl: readonly number[];
}

export interface ThreadTrace {
  events: ThreadEvent[];
  regs: ReadonlyMap<string, Val>;
}

/** A construct outside what the executor models; becomes an `Unsupported` verdict. */
export class UnsupportedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnsupportedError';
  }
}

interface Tracked {
  v: Val;
  deps: readonly number[];
}

export interface ThreadEnv {
  /** Values a load from `loc` may return. */
  domain(loc: string): readonly Val[];
  /** Initial register values from the init block (`0:r0=1`). */
  initRegs: ReadonlyMap<string, Val>;
}

type Choose = (n: number) => number;

interface Run {
  readonly env: ThreadEnv;
  readonly params: ReadonlySet<string>;
  readonly choose: Choose;
  readonly events: ThreadEvent[];
  readonly regs: Map<string, Tracked>;
  ctrl: readonly number[];
}

function unionDeps(...lists: ReadonlyArray<readonly number[]>): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

function truthy(v: Val): boolean {
  return typeof v === 'string' || v !== 0;
}

function asInt(v: Val, what: string): number {
  if (typeof v !== 'number') throw new UnsupportedError(`arithmetic on the pointer &${v} (${what}) is not modelled`);
  return v;
}

function valEq(a: Val, b: Val): boolean {
  return a === b;
}

function emit(run: Run, ev: Omit<ThreadEvent, 'ctrl'>): number {
  run.events.push({ ...ev, ctrl: run.ctrl });
  return run.events.length - 1;
}

function chooseValue(run: Run, loc: string): Val {
  const dom = run.env.domain(loc);
  return dom.length === 1 ? dom[0] : dom[run.choose(dom.length)];
}

function emitFence(run: Run, fence: FenceTag): void {
  emit(run, { dir: 'F', tag: fence, loc: '', value: 0, rmwRead: -1, inRmw: false, addr: [], data: [] });
}

/** Evaluates a pointer expression to the location it designates. */
function evalAddress(run: Run, e: Expr): { loc: string; deps: readonly number[] } {
  const t = evalExpr(run, e);
  if (typeof t.v !== 'string') throw new UnsupportedError(`dereference of the non-pointer value ${t.v}`);
  return { loc: t.v, deps: t.deps };
}

/** The location argument of a macro: `*p` for lvalue forms (READ_ONCE), `p` for pointer forms. */
function macroLocation(run: Run, name: string, arg: Expr, form: 'lvalue' | 'pointer'): { loc: string; deps: readonly number[] } {
  if (form === 'pointer') return evalAddress(run, arg);
  if (arg.kind !== 'deref') throw new UnsupportedError(`${name}() expects a dereferenced pointer such as *x`);
  return evalAddress(run, arg.addr);
}

function readReg(run: Run, name: string): Tracked {
  const r = run.regs.get(name);
  if (r) return r;
  if (run.params.has(name)) return { v: name, deps: [] };
  if (name === 'NULL') return { v: 0, deps: [] };
  throw new UnsupportedError(`unknown identifier '${name}'`);
}

function binary(op: string, a: Val, b: Val): Val {
  switch (op) {
    case '==':
      return valEq(a, b) ? 1 : 0;
    case '!=':
      return valEq(a, b) ? 0 : 1;
    case '&&':
      return truthy(a) && truthy(b) ? 1 : 0;
    case '||':
      return truthy(a) || truthy(b) ? 1 : 0;
  }
  const x = asInt(a, op);
  const y = asInt(b, op);
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/':
    case '%':
      if (y === 0) throw new UnsupportedError('division by zero');
      return op === '/' ? Math.trunc(x / y) : x % y;
    case '&': return x & y;
    case '|': return x | y;
    case '^': return x ^ y;
    case '<<': return x << y;
    case '>>': return x >> y;
    case '<': return x < y ? 1 : 0;
    case '>': return x > y ? 1 : 0;
    case '<=': return x <= y ? 1 : 0;
    case '>=': return x >= y ? 1 : 0;
  }
  throw new UnsupportedError(`operator ${op}`);
}

function evalExpr(run: Run, e: Expr): Tracked {
  switch (e.kind) {
    case 'int':
      return { v: e.value, deps: [] };
    case 'var':
      return readReg(run, e.name);
    case 'addrof':
      throw new UnsupportedError(`address-of (&${e.name}) inside a process is not modelled`);
    case 'deref': {
      // A plain load: R with no annotation (bell: Plain = M \ Marked).
      const a = evalAddress(run, e.addr);
      const v = chooseValue(run, a.loc);
      const idx = emit(run, { dir: 'R', tag: 'plain', loc: a.loc, value: v, rmwRead: -1, inRmw: false, addr: a.deps, data: [] });
      return { v, deps: [idx] };
    }
    case 'unary': {
      const a = evalExpr(run, e.arg);
      if (e.op === '!') return { v: truthy(a.v) ? 0 : 1, deps: a.deps };
      const x = asInt(a.v, e.op);
      return { v: e.op === '-' ? -x : ~x, deps: a.deps };
    }
    case 'binary': {
      const left = evalExpr(run, e.left);
      // C short-circuit: the right operand's loads happen only when needed.
      if (e.op === '&&' && !truthy(left.v)) return { v: 0, deps: left.deps };
      if (e.op === '||' && truthy(left.v)) return { v: 1, deps: left.deps };
      const right = evalExpr(run, e.right);
      return { v: binary(e.op, left.v, right.v), deps: unionDeps(left.deps, right.deps) };
    }
    case 'call':
      return evalCall(run, e.name, e.args);
  }
}

/** Read/write annotations of an RMW per herd-representation.txt ('mb' adds fences around once accesses). */
function rmwTags(order: RmwOrder | 'noreturn'): { r: AccessTag; w: AccessTag } {
  switch (order) {
    case 'acquire':
      return { r: 'acquire', w: 'once' };
    case 'release':
      return { r: 'once', w: 'release' };
    case 'noreturn':
      return { r: 'noreturn', w: 'once' };
    default:
      return { r: 'once', w: 'once' };
  }
}

/** Emits a successful RMW: [F mb] R* ->rmw W* [F mb]. Returns the read's index. */
function emitRmw(run: Run, order: RmwOrder | 'noreturn', loc: string, addrDeps: readonly number[], old: Val, value: Val, dataDeps: readonly number[]): number {
  const tags = rmwTags(order);
  if (order === 'mb') emitFence(run, 'mb');
  const r = emit(run, { dir: 'R', tag: tags.r, loc, value: old, rmwRead: -1, inRmw: true, addr: addrDeps, data: [] });
  emit(run, { dir: 'W', tag: tags.w, loc, value, rmwRead: r, inRmw: true, addr: addrDeps, data: dataDeps });
  if (order === 'mb') emitFence(run, 'mb');
  return r;
}

/** A conditional RMW that failed: a lone R*[once] (herd-representation.txt). */
function emitFailedRmw(run: Run, loc: string, addrDeps: readonly number[], old: Val): number {
  return emit(run, { dir: 'R', tag: 'once', loc, value: old, rmwRead: -1, inRmw: true, addr: addrDeps, data: [] });
}

function emitLock(run: Run, loc: string, deps: readonly number[]): void {
  const r = emit(run, { dir: 'R', tag: 'LKR', loc, value: 0, rmwRead: -1, inRmw: false, addr: deps, data: [] });
  emit(run, { dir: 'W', tag: 'LKW', loc, value: 1, rmwRead: r, inRmw: false, addr: deps, data: [] });
}

function evalCall(run: Run, name: string, args: readonly Expr[]): Tracked {
  const prim = lookupPrimitive(name);
  if (!prim) throw new UnsupportedError(`unknown primitive ${name}()`);
  if (prim.op === 'unsupported') throw new UnsupportedError(prim.reason);
  const arity = primitiveArity(prim);
  if (args.length !== arity) throw new UnsupportedError(`${name}() takes ${arity} argument(s), got ${args.length}`);
  return applyPrimitive(run, name, prim, args);
}

function applyPrimitive(run: Run, name: string, prim: Primitive, args: readonly Expr[]): Tracked {
  const none: Tracked = { v: 0, deps: [] };
  switch (prim.op) {
    case 'fence':
      emitFence(run, prim.fence);
      return none;
    case 'load': {
      const a = macroLocation(run, name, args[0], prim.form);
      const v = chooseValue(run, a.loc);
      const idx = emit(run, { dir: 'R', tag: prim.tag, loc: a.loc, value: v, rmwRead: -1, inRmw: false, addr: a.deps, data: [] });
      return { v, deps: [idx] };
    }
    case 'store': {
      const a = macroLocation(run, name, args[0], prim.form);
      const val = evalExpr(run, args[1]);
      emit(run, { dir: 'W', tag: prim.tag, loc: a.loc, value: val.v, rmwRead: -1, inRmw: false, addr: a.deps, data: val.deps });
      if (prim.mbAfter) emitFence(run, 'mb');
      return none;
    }
    case 'xchg': {
      const a = evalAddress(run, args[0]);
      const val = evalExpr(run, args[1]);
      const old = chooseValue(run, a.loc);
      const r = emitRmw(run, prim.order, a.loc, a.deps, old, val.v, val.deps);
      return { v: old, deps: [r] };
    }
    case 'cmpxchg': {
      const a = evalAddress(run, args[0]);
      const expected = evalExpr(run, args[1]);
      const val = evalExpr(run, args[2]);
      const old = chooseValue(run, a.loc);
      const r = valEq(old, expected.v)
        ? emitRmw(run, prim.order, a.loc, a.deps, old, val.v, val.deps)
        : emitFailedRmw(run, a.loc, a.deps, old);
      return { v: old, deps: [r] };
    }
    case 'arith': {
      const operand = prim.operand === 'arg' ? evalExpr(run, args[0]) : { v: 1, deps: [] };
      const a = evalAddress(run, args[prim.operand === 'arg' ? 1 : 0]);
      const old = chooseValue(run, a.loc);
      const next = asInt(old, name) + prim.sign * asInt(operand.v, name);
      const r = emitRmw(run, prim.order, a.loc, a.deps, old, next, operand.deps);
      const results: Record<typeof prim.result, Val> = {
        none: 0,
        new: next,
        old,
        'is-zero': next === 0 ? 1 : 0,
        'is-negative': next < 0 ? 1 : 0,
      };
      return prim.result === 'none' ? none : { v: results[prim.result], deps: [r] };
    }
    case 'add_unless': {
      // atomic_add_unless(v, a, u): adds a unless *v == u; fully ordered on success only.
      const a = evalAddress(run, args[0]);
      const inc = evalExpr(run, args[1]);
      const unless = evalExpr(run, args[2]);
      const old = chooseValue(run, a.loc);
      if (valEq(old, unless.v)) return { v: 0, deps: [emitFailedRmw(run, a.loc, a.deps, old)] };
      const r = emitRmw(run, 'mb', a.loc, a.deps, old, asInt(old, name) + asInt(inc.v, name), inc.deps);
      return { v: 1, deps: [r] };
    }
    case 'lock': {
      const a = evalAddress(run, args[0]);
      emitLock(run, a.loc, a.deps);
      return none;
    }
    case 'unlock': {
      const a = evalAddress(run, args[0]);
      emit(run, { dir: 'W', tag: 'UL', loc: a.loc, value: 0, rmwRead: -1, inRmw: false, addr: a.deps, data: [] });
      return none;
    }
    case 'trylock': {
      const a = evalAddress(run, args[0]);
      if (run.choose(2) === 0) {
        emitLock(run, a.loc, a.deps);
        return { v: 1, deps: [run.events.length - 2] };
      }
      const idx = emit(run, { dir: 'R', tag: 'LF', loc: a.loc, value: 1, rmwRead: -1, inRmw: false, addr: a.deps, data: [] });
      return { v: 0, deps: [idx] };
    }
    case 'islocked': {
      const a = evalAddress(run, args[0]);
      const locked = run.choose(2) === 0;
      const idx = emit(run, { dir: 'R', tag: locked ? 'RL' : 'RU', loc: a.loc, value: locked ? 1 : 0, rmwRead: -1, inRmw: false, addr: a.deps, data: [] });
      return { v: locked ? 1 : 0, deps: [idx] };
    }
    case 'unsupported':
      throw new UnsupportedError(prim.reason);
  }
}

function execStmts(run: Run, body: readonly Stmt[]): void {
  for (const s of body) execStmt(run, s);
}

function execStmt(run: Run, s: Stmt): void {
  switch (s.kind) {
    case 'decl':
      run.regs.set(s.name, s.init ? evalExpr(run, s.init) : { v: run.env.initRegs.get(s.name) ?? 0, deps: [] });
      return;
    case 'assign':
      if (run.params.has(s.reg) && !run.regs.has(s.reg)) throw new UnsupportedError(`assignment to the parameter ${s.reg}`);
      run.regs.set(s.reg, evalExpr(run, s.value));
      return;
    case 'store': {
      const a = evalAddress(run, s.addr);
      const val = evalExpr(run, s.value);
      emit(run, { dir: 'W', tag: 'plain', loc: a.loc, value: val.v, rmwRead: -1, inRmw: false, addr: a.deps, data: val.deps });
      return;
    }
    case 'expr':
      evalExpr(run, s.expr);
      return;
    case 'block':
      execStmts(run, s.body);
      return;
    case 'if': {
      const c = evalExpr(run, s.cond);
      const saved = run.ctrl;
      // ctrl: events "syntactically within an arm" depend on the condition (explanation.txt).
      run.ctrl = unionDeps(saved, c.deps);
      execStmts(run, truthy(c.v) ? s.then : (s.else ?? []));
      run.ctrl = saved;
      return;
    }
    case 'while':
      throw new UnsupportedError('loops (while) are not modelled; unroll them');
  }
}

/** Runs a process once with the given choice oracle. */
function runProcess(proc: Process, env: ThreadEnv, choose: Choose): ThreadTrace {
  const run: Run = { env, params: new Set(proc.params.map((p) => p.name)), choose, events: [], regs: new Map(), ctrl: [] };
  for (const [reg, v] of env.initRegs) run.regs.set(reg, { v, deps: [] });
  execStmts(run, proc.body);
  const regs = new Map<string, Val>();
  for (const [k, t] of run.regs) regs.set(k, t.v);
  return { events: run.events, regs };
}

/**
 * Every trace of a process: depth-first over the choice points (read values, trylock and
 * spin_is_locked outcomes). Throws UnsupportedError past `limit` traces.
 */
export function enumerateTraces(proc: Process, env: ThreadEnv, limit: number): ThreadTrace[] {
  const out: ThreadTrace[] = [];
  const pending: number[][] = [[]];
  while (pending.length > 0) {
    const prefix = pending.pop() as number[];
    const taken: number[] = [];
    const arity: number[] = [];
    const trace = runProcess(proc, env, (n) => {
      const depth = taken.length;
      const pick = depth < prefix.length ? prefix[depth] : 0;
      taken.push(pick);
      arity.push(n);
      return pick;
    });
    for (let d = taken.length - 1; d >= prefix.length; d--) {
      for (let i = arity[d] - 1; i >= 1; i--) pending.push([...taken.slice(0, d), i]);
    }
    out.push(trace);
    if (out.length > limit) throw new UnsupportedError(`P${proc.id} has more than ${limit} paths/read-value combinations`);
  }
  return out;
}
