/**
 * Rule `lock-balance` (invariant 2): every lock a function takes is released on every path out of
 * it, and never taken twice (docs/rules/lock-balance.md). Paths are the model's (callees inlined,
 * macros expanded, gotos followed); lock kinds per configuration come from the primitive table.
 */
import { activation, lockKeyInRoot, type Step } from '../model/activation';
import type { ProofStep } from '../model/explorer';
import type { ConfigView } from '../source/types';
import { unreliable } from '../model/roots';
import { readAnnotation } from '../model/semantics';
import { findingsByCone } from './byCone';
import { toTrace } from './trace';
import type { Rule, RuleFinding, RuleInput } from './types';

export const LOCK_BALANCE = 'lock-balance';

/**
 * A function's lock contract from its sparse annotations (include/linux/compiler_types.h):
 * `__acquires(x)` returns with x held, `__releases(x)` is entered with x held and returns without it,
 * `__must_hold(x)` is entered and returns with x held. `__cond_lock` hands a lock over only on some
 * outcomes, which the model does not follow: such functions are not checked.
 */
interface Contract { heldAtEntry: ContractLock[]; heldAtExit: ContractLock[] }
/** A lock of the contract as the annotation writes it, and as the key its steps' `lockKey`s have. */
interface ContractLock { text: string; key: string }

function contractOf(fn: string, annotations: readonly string[]): Contract | null {
  const contract: Contract = { heldAtEntry: [], heldAtExit: [] };
  for (const text of annotations) {
    const a = readAnnotation(text);
    if (!a) continue;
    if (a.role === 'conditional') return null;
    const lock = { text: a.arg, key: lockKeyInRoot(fn, a.arg) };
    if (a.role === 'acquires') contract.heldAtExit.push(lock);
    if (a.role === 'releases') contract.heldAtEntry.push(lock);
    if (a.role === 'requires') { contract.heldAtEntry.push(lock); contract.heldAtExit.push(lock); }
  }
  return contract;
}

type Prim = Extract<Step, { op: 'prim' }>;

/** Where a function's paths end when they hold no step: its closing line. */
function functionEnd(fn: string, view: ConfigView): Step | undefined {
  const info = view.functions.get(fn);
  return info ? { op: 'return', fn, line: info.endLine, text: '}' } : undefined;
}

// Locks are compared by `lockKey`, one key however a lock is spelled (`k->lock` with `k = kcov`, a
// callee's `kc->lock` for the caller's `kcov`: `kcov->lock`); findings name them by `lockId`, as written.

function checkPath(fn: string, path: readonly Step[], view: ConfigView, out: Map<string, RuleFinding>, contract: Contract): void {
  const config = view.config.name;
  const held: Prim[] = [];
  const fromCaller = new Set(contract.heldAtEntry.map((lock) => lock.key));
  const proof = (steps: ProofStep[]): RuleFinding['trace'] => toTrace(view.image.path, steps);
  const ps = (s: Step, text: string, row: string): ProofStep => ({ line: s.line, fn: s.fn, context: 'task', config, text, row });
  for (const s of path) {
    if (s.op === 'requires') {
      // Calls inside context_unsafe(...) are not checked (include/linux/compiler-context-analysis.h).
      if (s.fn !== fn || s.unsafe) continue;
      for (const lock of s.locks) {
        const role = `must-hold:${lock.text}@${s.callee}`;
        if (held.some((h) => h.lockKey === lock.key) || fromCaller.has(lock.key) || out.has(role)) continue;
        out.set(role, { rule: LOCK_BALANCE, severity: 'error', config, function: fn, role, line: s.line, span: [s.line, s.line], message: `${s.callee}() is annotated __must_hold(${lock.text}) but is called without it held (${config})`, trace: proof([ps(s, `calls ${s.callee}() holding ${held.map((h) => h.lockId).join(', ') || 'no lock'}; its annotation requires ${lock.text} (here: ${lock.key})`, 'include/linux/compiler_types.h __must_hold()')]), fix: null });
      }
      continue;
    }
    if (s.op !== 'prim' || !s.effect.lock) continue;
    const cite = `${s.row.names[0]}: ${s.row.cite}`;
    if (s.effect.lock.op === 'acquire') {
      const again = held.find((h) => h.lockKey === s.lockKey);
      // Reported in this function when it took the lock either time (a callee that takes it twice
      // itself is reported there).
      if (again && (again.fn === fn || s.fn === fn)) {
        const role = `twice:${s.lockId}`;
        if (!out.has(role)) out.set(role, { rule: LOCK_BALANCE, severity: 'error', config, function: fn, role, line: s.line, span: [again.line, s.line], message: `${s.lockId} taken twice on one path (${config})`, trace: proof([ps(again, `takes ${s.lockId}: ${again.text}`, cite), ps(s, `takes it again while held: ${s.text}`, cite)]), fix: null });
      }
      held.push(s);
      continue;
    }
    const i = held.map((h) => h.lockKey).lastIndexOf(s.lockKey);
    // A release with no acquire on the path hands back a lock the caller held (here or in a callee).
    if (i >= 0) held.splice(i, 1);
    else fromCaller.delete(s.lockKey);
  }
  // A path with no step of the model (no lock, no call it follows) still leaves the function at its end.
  const end: Step | undefined = path[path.length - 1] ?? functionEnd(fn, view);
  if (end) checkContract(fn, contract, held, fromCaller, end, config, out, proof, ps);
  for (const h of held) {
    if (h.fn !== fn || !end || contract.heldAtExit.some((lock) => lock.key === h.lockKey)) continue;
    const role = `unreleased:${h.lockId}`;
    if (out.has(role)) continue;
    out.set(role, {
      rule: LOCK_BALANCE, severity: 'error', config, function: fn, role, line: h.line, span: [h.line, end.line],
      message: `${h.lockId} taken here is still held when ${fn}() returns on some path (${config})`,
      trace: proof([ps(h, `takes ${h.lockId} (${h.effect.lock?.kind} lock): ${h.text}`, `${h.row.names[0]}: ${h.row.cite}`), ps(end, `leaves ${fn}() with ${h.lockId} still held`, 'path end')]),
      fix: null,
    });
  }
}

/** At a path's end: every lock the contract hands back is held, every lock it releases is released. */
function checkContract(
  fn: string, contract: Contract, held: readonly Prim[], fromCaller: ReadonlySet<string>, end: Step, config: RuleFinding['config'],
  out: Map<string, RuleFinding>, proof: (steps: ProofStep[]) => RuleFinding['trace'], ps: (s: Step, text: string, row: string) => ProofStep,
): void {
  const cite = 'include/linux/compiler_types.h (__acquires/__releases/__must_hold)';
  for (const { text: lock, key } of contract.heldAtExit) {
    if (held.some((h) => h.lockKey === key) || fromCaller.has(key)) continue;
    const role = `contract-exit:${lock}`;
    if (!out.has(role)) out.set(role, { rule: LOCK_BALANCE, severity: 'error', config, function: fn, role, line: end.line, span: [end.line, end.line], message: `${fn}() is annotated to return with ${lock} held, but returns without it on some path (${config})`, trace: proof([ps(end, `leaves ${fn}() without ${lock}`, cite)]), fix: null });
  }
  for (const { text: lock, key } of contract.heldAtEntry) {
    if (contract.heldAtExit.some((exit) => exit.text === lock) || !fromCaller.has(key)) continue;
    const role = `contract-release:${lock}`;
    if (!out.has(role)) out.set(role, { rule: LOCK_BALANCE, severity: 'error', config, function: fn, role, line: end.line, span: [end.line, end.line], message: `${fn}() is annotated __releases(${lock}) but returns with it still held on some path (${config})`, trace: proof([ps(end, `leaves ${fn}() without releasing ${lock}`, cite)]), fix: null });
  }
}

function run(input: RuleInput): RuleFinding[] {
  const { view } = input;
  const findings: RuleFinding[] = [];
  for (const fn of view.functions.values()) {
    const contract = contractOf(fn.name, fn.annotations);
    if (!contract || unreliable(view, fn.name)) continue;
    findings.push(...findingsByCone(view, LOCK_BALANCE, [fn.name], () => {
      const out = new Map<string, RuleFinding>();
      for (const path of activation(view, fn.name, 'task').paths) checkPath(fn.name, path, view, out, contract);
      return [...out.values()];
    }));
  }
  return findings;
}

export const lockBalanceRule: Rule = { id: LOCK_BALANCE, title: 'lock not released on every path, or taken twice', run };
