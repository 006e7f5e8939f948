/**
 * Execution contexts on one CPU and, per configuration, which context may preempt or interrupt
 * which at a point of another activation: data rows with the document each rests on.
 */
import type { ConfigName } from './configs';
import type { AbstractState, HeldLock } from './state';

export type ContextName = 'task' | 'softirq' | 'hardirq' | 'nmi';
export const CONTEXTS: readonly ContextName[] = ['task', 'softirq', 'hardirq', 'nmi'];

const SOFTIRQ_C = 'kernel/softirq.c';
const BH_H = 'include/linux/bottom_half.h';
const LOCKTYPES = 'Documentation/locking/locktypes.rst';
const PREEMPT = 'Documentation/locking/preempt-locking.rst';
const RTDIFF = 'Documentation/core-api/real-time/differences.rst';
const HARDIRQ_H = 'include/linux/hardirq.h __nmi_enter() (NMI_OFFSET + HARDIRQ_OFFSET); include/linux/preempt.h in_nmi()';

/** The per-CPU BH lock of PREEMPT_RT (kernel/softirq.c softirq_ctrl.lock). */
export const BH_LOCK = 'softirq_ctrl.lock';

/** Values of the context predicates of include/linux/preempt.h (and kcov's in_softirq_really()) in a context; absent = unknown. */
export const PREDICATES: Readonly<Record<ContextName, Readonly<Record<string, boolean>>>> = {
  task: { in_task: true, in_softirq: false, in_serving_softirq: false, in_softirq_really: false, in_hardirq: false, in_irq: false, in_nmi: false, in_interrupt: false },
  softirq: { in_task: false, in_softirq: true, in_serving_softirq: true, in_softirq_really: true, in_hardirq: false, in_irq: false, in_nmi: false, in_interrupt: true },
  // A hard IRQ may interrupt a softirq: in_serving_softirq() is then unknown, in_softirq_really() false.
  hardirq: { in_task: false, in_softirq_really: false, in_hardirq: true, in_irq: true, in_nmi: false, in_interrupt: true },
  // __nmi_enter() adds NMI_OFFSET and HARDIRQ_OFFSET: in_hardirq() is true in an NMI too.
  nmi: { in_task: false, in_softirq_really: false, in_hardirq: true, in_irq: true, in_nmi: true, in_interrupt: true },
};

export interface ContextEntry { context: ContextName; config: ConfigName | 'all'; state: AbstractState; note: string; cite: string }

const bhLock: HeldLock = { id: BH_LOCK, kind: 'bh', line: -1, fn: '(softirq entry)' };

/** The state an activation starts in, per context and configuration. */
export const CONTEXT_ENTRY: readonly ContextEntry[] = [
  { context: 'task', config: 'all', state: { preempt: 0, migrate: 0, hardirq: 0, bh: 0, rcu: 0, locks: [] }, note: 'task context: preemptible and migratable', cite: PREEMPT },
  { context: 'hardirq', config: 'all', state: { preempt: 0, migrate: 0, hardirq: 1, bh: 0, rcu: 0, locks: [] }, note: 'hard interrupt: interrupts off, never preempted', cite: PREEMPT },
  { context: 'nmi', config: 'all', state: { preempt: 0, migrate: 0, hardirq: 1, bh: 0, rcu: 0, locks: [] }, note: 'NMI: arrives even with interrupts off, runs with interrupts off, never preempted', cite: HARDIRQ_H },
  { context: 'softirq', config: '!RT', state: { preempt: 0, migrate: 0, hardirq: 0, bh: 1, rcu: 0, locks: [] }, note: 'softirq on !RT runs with the softirq count raised, not preemptible, on irq exit or local_bh_enable()', cite: `${SOFTIRQ_C} handle_softirqs(), __local_bh_disable_ip()` },
  { context: 'softirq', config: 'RT+BHlock', state: { preempt: 0, migrate: 1, hardirq: 0, bh: 1, rcu: 1, locks: [bhLock] }, note: 'softirq on RT runs in a task (ksoftirqd, or the task that re-enabled BH: a borrowed task_struct), preemptible, migration off, RCU read side, holding the per-CPU BH lock', cite: `${SOFTIRQ_C} __local_bh_disable_ip() (PREEMPT_RT, softirq_ctrl.lock); ${RTDIFF}` },
  { context: 'softirq', config: 'RT', state: { preempt: 0, migrate: 1, hardirq: 0, bh: 0, rcu: 1, locks: [] }, note: 'softirq on RT without the BH lock: preemptible, migration off, RCU read side; nothing excludes another BH section on this CPU', cite: `${BH_H}; ${SOFTIRQ_C} (CONFIG_PREEMPT_RT_NEEDS_BH_LOCK=n)` },
];

export function entryState(context: ContextName, config: ConfigName): ContextEntry {
  const row = CONTEXT_ENTRY.find((r) => r.context === context && r.config === config) ?? CONTEXT_ENTRY.find((r) => r.context === context && r.config === 'all');
  if (!row) throw new Error(`no entry state for ${context}`);
  return row;
}

/** What the preempted activation's state must satisfy for the row to allow the step. */
export interface PreemptCondition { zero: readonly ('preempt' | 'hardirq' | 'bh')[]; notHolding: readonly string[] }

export interface PreemptRow {
  id: string;
  configs: readonly ConfigName[];
  /** The context of the running (preempted) activation. */
  victim: ContextName;
  /** The context of the activation that runs in between. */
  by: ContextName;
  /** null: never allowed. */
  when: PreemptCondition | null;
  text: string;
  cite: string;
}

const ALL: readonly ConfigName[] = ['!RT', 'RT+BHlock', 'RT'];
const RTS: readonly ConfigName[] = ['RT+BHlock', 'RT'];

export const PREEMPT_TABLE: readonly PreemptRow[] = [
  ...(['task', 'softirq'] as const).map((victim): PreemptRow => ({ id: `hardirq-interrupts-${victim}`, configs: ALL, victim, by: 'hardirq', when: { zero: ['hardirq'], notHolding: [] }, text: 'a hard interrupt arrives whenever interrupts are on', cite: PREEMPT })),
  ...(['task', 'softirq', 'hardirq'] as const).map((victim): PreemptRow => ({ id: `nmi-interrupts-${victim}`, configs: ALL, victim, by: 'nmi', when: { zero: [], notHolding: [] }, text: 'an NMI may arrive at any point, even with interrupts, preemption and BH off', cite: HARDIRQ_H })),
  ...(['task', 'softirq', 'hardirq', 'nmi'] as const).map((by): PreemptRow => ({ id: `nmi-not-interrupted-by-${by}`, configs: ALL, victim: 'nmi', by, when: null, text: 'nothing else runs on the CPU inside an NMI handler (NMIs do not nest)', cite: HARDIRQ_H })),
  { id: 'hardirq-not-nested', configs: ALL, victim: 'hardirq', by: 'hardirq', when: null, text: 'hard interrupt handlers run with interrupts off', cite: PREEMPT },
  { id: '!RT-softirq-on-irq-exit', configs: ['!RT'], victim: 'task', by: 'softirq', when: { zero: ['hardirq', 'bh'], notHolding: [] }, text: 'on !RT a softirq runs on irq exit (or local_bh_enable()) unless interrupts or BH are off', cite: `${SOFTIRQ_C} irq_exit_rcu() -> invoke_softirq()` },
  { id: '!RT-softirq-serialized', configs: ['!RT'], victim: 'softirq', by: 'softirq', when: null, text: 'on !RT softirqs of one CPU never nest: the softirq count is raised while one runs', cite: `${SOFTIRQ_C} handle_softirqs()` },
  { id: '!RT-softirq-not-preempted', configs: ['!RT'], victim: 'softirq', by: 'task', when: null, text: 'on !RT a softirq is not preemptible', cite: `${PREEMPT}; ${SOFTIRQ_C}` },
  { id: '!RT-task-preempts-task', configs: ['!RT'], victim: 'task', by: 'task', when: { zero: ['preempt', 'hardirq', 'bh'], notHolding: [] }, text: 'on !RT a task is preempted by another task unless preemption, interrupts or BH are off', cite: PREEMPT },
  ...(['task', 'softirq'] as const).map((victim): PreemptRow => ({ id: `RT-task-preempts-${victim}`, configs: RTS, victim, by: 'task', when: { zero: ['preempt', 'hardirq'], notHolding: [] }, text: 'on PREEMPT_RT tasks and threaded softirqs are preemptible; local_lock and spinlock_t only disable migration', cite: `${LOCKTYPES} "local_lock on PREEMPT_RT", "spinlock_t and PREEMPT_RT"; ${RTDIFF}` })),
  ...(['task', 'softirq'] as const).map((victim): PreemptRow => ({ id: `RT+BHlock-softirq-preempts-${victim}`, configs: ['RT+BHlock'], victim, by: 'softirq', when: { zero: ['preempt', 'hardirq'], notHolding: [BH_LOCK] }, text: 'on RT+BHlock another task\'s BH section on this CPU may run unless this activation holds the per-CPU BH lock (softirq_ctrl.lock): BH sections on one CPU never overlap', cite: `${SOFTIRQ_C} __local_bh_disable_ip() (CONFIG_PREEMPT_RT_NEEDS_BH_LOCK=y); ${BH_H}` })),
  ...(['task', 'softirq'] as const).map((victim): PreemptRow => ({ id: `RT-softirq-preempts-${victim}`, configs: ['RT'], victim, by: 'softirq', when: { zero: ['preempt', 'hardirq'], notHolding: [] }, text: 'on RT without the BH lock local_bh_disable() only disables migration: another task\'s BH section on this CPU may preempt this one', cite: `${BH_H}; ${SOFTIRQ_C} (CONFIG_PREEMPT_RT_NEEDS_BH_LOCK=n)` })),
];

/** The row deciding whether `by` may run inside `victim` under `config`. */
export function preemptRow(config: ConfigName, victim: ContextName, by: ContextName): PreemptRow | null {
  return PREEMPT_TABLE.find((r) => r.configs.includes(config) && r.victim === victim && r.by === by) ?? null;
}

/** Is the step allowed at this state? Returns the row either way (for the proof), or null when no row covers the pair. */
export function mayPreempt(config: ConfigName, victim: ContextName, by: ContextName, s: AbstractState): { allowed: boolean; row: PreemptRow | null; why: string } {
  const row = preemptRow(config, victim, by);
  if (!row) return { allowed: false, row: null, why: 'no row allows it' };
  if (!row.when) return { allowed: false, row, why: row.text };
  const nonzero = row.when.zero.find((k) => s[k] > 0);
  if (nonzero) return { allowed: false, row, why: `${nonzero} is off here` };
  const held = row.when.notHolding.find((id) => s.locks.some((l) => l.id === id));
  if (held) return { allowed: false, row, why: `${held} is held` };
  return { allowed: true, row, why: row.text };
}

/** A lock a second activation on the same CPU blocks on when the first holds it (a per-CPU sleeping lock on RT, any lock). */
export const LOCK_BLOCKS = { id: 'held-lock-blocks', text: 'a second activation that takes a lock the preempted one holds blocks there until it is released', cite: `${LOCKTYPES} "local_lock on PREEMPT_RT" (a per-CPU spinlock_t)` } as const;

/**
 * Whose `current` an activation runs in, and whether an activation that runs inside another one
 * (per the preemption table) runs in the same task_struct. A softirq has no task of its own: on
 * !RT it runs on irq exit or local_bh_enable() in the interrupted task's context; on PREEMPT_RT
 * (with or without the BH lock) it runs in the task that re-enabled BH, a borrowed task_struct (or
 * ksoftirqd), and one BH section preempting another is a switch to another task.
 */
export interface CurrentRow { id: string; configs: readonly ConfigName[]; victim: ContextName | 'any'; by: ContextName; sameTask: boolean; text: string; cite: string }

export const CURRENT_TABLE: readonly CurrentRow[] = [
  { id: 'nmi-borrows-interrupted-task', configs: ALL, victim: 'any', by: 'nmi', sameTask: true, text: 'an NMI runs in the interrupted context: current is the task it interrupted', cite: HARDIRQ_H },
  { id: 'hardirq-borrows-interrupted-task', configs: ALL, victim: 'any', by: 'hardirq', sameTask: true, text: 'a hard interrupt runs in the interrupted task\'s context: current is the task it interrupted', cite: `${PREEMPT}; ${SOFTIRQ_C} irq_exit_rcu()` },
  { id: '!RT-softirq-in-interrupted-task', configs: ['!RT'], victim: 'any', by: 'softirq', sameTask: true, text: 'on !RT a softirq runs on irq exit or local_bh_enable() in the interrupted task\'s context: current is that task', cite: `${SOFTIRQ_C} irq_exit_rcu() -> invoke_softirq(), __local_bh_enable_ip()` },
  { id: 'RT-softirq-in-borrowed-task', configs: RTS, victim: 'any', by: 'softirq', sameTask: false, text: 'on PREEMPT_RT a softirq runs in the task that re-enabled BH (a borrowed task_struct) or ksoftirqd; a BH section that preempts another activation runs in another task', cite: `${RTDIFF}; ${SOFTIRQ_C} __local_bh_enable_ip(), run_ksoftirqd() (PREEMPT_RT)` },
  { id: 'task-switch-is-another-task', configs: ALL, victim: 'any', by: 'task', sameTask: false, text: 'a task that preempts an activation is another task: a context switch changes current', cite: PREEMPT },
];

/** The row saying whether `by`, running inside `victim` under `config`, runs in the same task. */
export function currentRow(config: ConfigName, victim: ContextName, by: ContextName): CurrentRow {
  const row = CURRENT_TABLE.find((r) => r.configs.includes(config) && (r.victim === victim || r.victim === 'any') && r.by === by);
  if (!row) throw new Error(`no current row for ${victim}/${by} on ${config}`);
  return row;
}

/** Whose current a context's activation itself runs in (the row for it running inside a task). */
export function ownCurrent(config: ConfigName, context: ContextName): string {
  if (context === 'task') return 'its own task';
  return currentRow(config, 'task', context).text;
}
