/**
 * The abstract state of one activation on one CPU: counters (preemption, migration, hard IRQs,
 * BH, RCU read side) and the locks held, with their kind. Changed only by rows of the primitive
 * table (semantics.ts); nothing here knows a primitive by name.
 */
import type { Effect, LockKind } from './semantics';

export interface HeldLock { id: string; kind: LockKind; line: number; fn: string }

export interface AbstractState {
  preempt: number;
  migrate: number;
  hardirq: number;
  bh: number;
  rcu: number;
  locks: readonly HeldLock[];
}

export const ZERO_STATE: AbstractState = { preempt: 0, migrate: 0, hardirq: 0, bh: 0, rcu: 0, locks: [] };

/** The state after an effect. A release drops the most recent lock of that id (or, with no id match, nothing). */
export function applyEffect(s: AbstractState, e: Effect, lockId: string, at: { line: number; fn: string }): AbstractState {
  let locks = s.locks;
  if (e.lock?.op === 'acquire') locks = [...locks, { id: lockId, kind: e.lock.kind, line: at.line, fn: at.fn }];
  if (e.lock?.op === 'release') {
    const i = locks.map((l) => l.id).lastIndexOf(lockId);
    if (i >= 0) locks = [...locks.slice(0, i), ...locks.slice(i + 1)];
  }
  return {
    preempt: s.preempt + e.preempt,
    migrate: s.migrate + e.migrate,
    hardirq: s.hardirq + e.hardirq,
    bh: s.bh + e.bh,
    rcu: s.rcu + e.rcu,
    locks,
  };
}

/** On one CPU for the whole stretch: preemption, hard IRQs or BH (non-RT) off, or migration off. */
export function pinned(s: AbstractState): boolean {
  return s.preempt > 0 || s.migrate > 0 || s.hardirq > 0 || s.bh > 0;
}

export function describeState(s: AbstractState): string {
  const parts = (['preempt', 'migrate', 'hardirq', 'bh', 'rcu'] as const).filter((k) => s[k] > 0).map((k) => `${k}=${s[k]}`);
  const locks = s.locks.map((l) => `${l.id} (${l.kind})`);
  return [...parts, ...(locks.length > 0 ? [`holds ${locks.join(', ')}`] : [])].join(', ') || 'preemptible, migratable, nothing held';
}
