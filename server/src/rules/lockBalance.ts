/**
 * Rule `lock-balance` (invariant 2): every lock a function takes is released on every path out of
 * it, and never taken twice (docs/rules/lock-balance.md). Paths are the model's (callees inlined,
 * macros expanded, gotos followed); lock kinds per configuration come from the primitive table.
 */
import { activation, type Step } from '../model/activation';
import type { ProofStep } from '../model/explorer';
import type { ConfigView } from '../source/types';
import { unreliable } from '../model/roots';
import { toTrace } from './trace';
import type { Rule, RuleFinding, RuleInput } from './types';

export const LOCK_BALANCE = 'lock-balance';

/** Functions that hand a lock to or from their caller on purpose, by their annotations. */
const HANDS_OVER = /^__(?:acquires|releases|must_hold|cond_lock)\b/;

type Prim = Extract<Step, { op: 'prim' }>;

function checkPath(fn: string, path: readonly Step[], view: ConfigView, out: Map<string, RuleFinding>): void {
  const config = view.config.name;
  const held: Prim[] = [];
  const proof = (steps: ProofStep[]): RuleFinding['trace'] => toTrace(view.image.path, steps);
  const ps = (s: Step, text: string, row: string): ProofStep => ({ line: s.line, fn: s.fn, context: 'task', config, text, row });
  for (const s of path) {
    if (s.op === 'requires') {
      for (const lock of s.locks) {
        const role = `must-hold:${lock}@${s.callee}`;
        if (s.fn !== fn || held.some((h) => h.lockId === lock) || out.has(role)) continue;
        out.set(role, { rule: LOCK_BALANCE, severity: 'error', config, function: fn, role, line: s.line, span: [s.line, s.line], message: `${s.callee}() is annotated __must_hold(${lock}) but is called without it held (${config})`, trace: proof([ps(s, `calls ${s.callee}() holding ${held.map((h) => h.lockId).join(', ') || 'no lock'}; its annotation requires ${lock}`, 'include/linux/compiler_types.h __must_hold()')]), fix: null });
      }
      continue;
    }
    if (s.op !== 'prim' || !s.effect.lock) continue;
    const cite = `${s.row.names[0]}: ${s.row.cite}`;
    if (s.effect.lock.op === 'acquire') {
      const again = held.find((h) => h.lockId === s.lockId);
      if (again && again.fn === fn) {
        const role = `twice:${s.lockId}`;
        if (!out.has(role)) out.set(role, { rule: LOCK_BALANCE, severity: 'error', config, function: fn, role, line: s.line, span: [again.line, s.line], message: `${s.lockId} taken twice on one path (${config})`, trace: proof([ps(again, `takes ${s.lockId}: ${again.text}`, cite), ps(s, `takes it again while held: ${s.text}`, cite)]), fix: null });
      }
      held.push(s);
      continue;
    }
    const i = held.map((h) => h.lockId).lastIndexOf(s.lockId);
    if (i >= 0) held.splice(i, 1);
  }
  const end = path[path.length - 1];
  for (const h of held) {
    if (h.fn !== fn || !end) continue;
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

function run(input: RuleInput): RuleFinding[] {
  const { view } = input;
  const findings: RuleFinding[] = [];
  for (const fn of view.functions.values()) {
    if (fn.annotations.some((a) => HANDS_OVER.test(a)) || unreliable(view, fn.name)) continue;
    const out = new Map<string, RuleFinding>();
    for (const path of activation(view, fn.name, 'task').paths) checkPath(fn.name, path, view, out);
    findings.push(...out.values());
  }
  return findings;
}

export const lockBalanceRule: Rule = { id: LOCK_BALANCE, title: 'lock not released on every path, or taken twice', run };
