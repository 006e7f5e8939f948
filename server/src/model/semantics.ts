/**
 * The primitive table: what each kernel primitive does to the abstract state, per configuration,
 * with the document it comes from. Rules and the model read effects from here; hovers are generated
 * from the rows. Adding a primitive is adding a row.
 */
import type { ConfigName } from './configs';

/** Memory-ordering role of a primitive (tools/memory-model/Documentation/explanation.txt). */
export type BarrierKind = 'none' | 'compiler' | 'wmb' | 'rmb' | 'mb' | 'release' | 'acquire';

export type LockKind = 'raw' | 'spinning' | 'sleeping' | 'local' | 'bh' | 'rcu';

/** Effect of one primitive under one configuration. Counters are +1/-1/0 deltas. */
export interface Effect {
  preempt: number;
  migrate: number;
  hardirq: number;
  bh: number;
  rcu: number;
  /** Lock taken (+) or released (-), with its kind under this configuration; `try`: taken only where
   *  the call's value is true (trylock), or where it is 0 with `heldWhen: 'zero'` (a lock call that
   *  fails when interrupted), decided at the branch that tests it. */
  lock: { op: 'acquire' | 'release' | 'try'; kind: LockKind; heldWhen?: 'zero' } | null;
  mightSleep: boolean;
  barrier: BarrierKind;
  /** Whether this primitive is a store and whether it orders earlier stores before it (release). */
  store: 'none' | 'plain' | 'once' | 'release' | 'bulk';
  /** Argument index of the destination for stores (memcpy dst, WRITE_ONCE target). */
  storeArg: number | null;
  /** Context analysis: the lock named by argument 0 counts as held for guarded-member checks from
   *  here to the end of the function (initialising a lock implies exclusive access to its object). */
  assume: boolean;
}

export interface PrimitiveRow {
  /** Names the row applies to (exact names, or a prefix ending in `*`). */
  names: readonly string[];
  summary: string;
  /** Effect per configuration; `all` is used for configurations not listed. */
  effects: Partial<Record<ConfigName | 'all', Partial<Effect>>>;
  /** A per-CPU pointer accessor: its `&v` argument names the per-CPU variable, and the pointer is to
   *  the copy of the CPU it runs on (`this-cpu`: valid only while the task stays there) or of the CPU
   *  passed as its second argument (`given-cpu`). Documentation/core-api/this_cpu_ops.rst. */
  percpuPointer?: PercpuPointer;
  /** A per-CPU operation on the current CPU's copy of the variable its first argument names (`v` or
   *  `v.f`): a read or a write (read-modify-write counts as a write), and whether the operation is
   *  safe against preemption on its own (`this_cpu_*`) or needs preemption or migration off
   *  (`__this_cpu_*`, `raw_cpu_*`). Documentation/core-api/this_cpu_ops.rst. */
  percpuOp?: PercpuOp;
  cite: string;
}

export type PercpuPointer = 'this-cpu' | 'given-cpu';
export interface PercpuOp { access: 'read' | 'write'; preemptSafe: boolean }

const NONE: Effect = { preempt: 0, migrate: 0, hardirq: 0, bh: 0, rcu: 0, lock: null, mightSleep: false, barrier: 'none', store: 'none', storeArg: null, assume: false };

const LOCKTYPES = 'Documentation/locking/locktypes.rst';
const LKMM = 'tools/memory-model/Documentation/explanation.txt';
const BARRIERS = 'Documentation/memory-barriers.txt';
const CONTEXT_ANALYSIS = 'Documentation/dev-tools/context-analysis.rst';

export const PRIMITIVES: readonly PrimitiveRow[] = [
  // Memory ordering (LKMM).
  { names: ['smp_wmb', 'wmb', 'dma_wmb'], summary: 'Write memory barrier: orders earlier stores before later stores (not loads).', effects: { all: { barrier: 'wmb' } }, cite: `${BARRIERS} "Write memory barrier"; ${LKMM} "fence"` },
  { names: ['smp_rmb', 'rmb', 'dma_rmb'], summary: 'Read memory barrier: orders earlier loads before later loads.', effects: { all: { barrier: 'rmb' } }, cite: `${BARRIERS} "Read memory barrier"` },
  { names: ['smp_mb', 'mb', 'smp_mb__before_atomic', 'smp_mb__after_atomic', 'smp_mb__after_spinlock'], summary: 'Full memory barrier: orders all earlier accesses before all later ones (strong fence).', effects: { all: { barrier: 'mb' } }, cite: `${BARRIERS} "General memory barrier"; ${LKMM} "strong-fence"` },
  { names: ['smp_store_release'], summary: 'Store-release: the store is ordered after every earlier access of this CPU.', effects: { all: { barrier: 'release', store: 'release', storeArg: 0 } }, cite: `${LKMM} "po-rel"` },
  { names: ['smp_load_acquire'], summary: 'Load-acquire: every later access of this CPU is ordered after the load.', effects: { all: { barrier: 'acquire' } }, cite: `${LKMM} "acq-po"` },
  { names: ['barrier'], summary: 'Compiler barrier only: no ordering between CPUs (orders against interrupts on this CPU).', effects: { all: { barrier: 'compiler' } }, cite: `${BARRIERS} "Compiler barrier"` },
  { names: ['WRITE_ONCE'], summary: 'Marked store: not torn, fused or invented by the compiler; no ordering against other accesses.', effects: { all: { store: 'once', storeArg: 0 } }, cite: `${LKMM} "marked accesses"; Documentation/memory-barriers.txt "READ_ONCE/WRITE_ONCE"` },
  { names: ['READ_ONCE'], summary: 'Marked load: not torn, fused or invented by the compiler; no ordering against other accesses.', effects: {}, cite: `${LKMM} "marked accesses"` },
  { names: ['memcpy', '__memcpy', 'memmove', 'memset'], summary: 'Bulk plain stores to the destination (argument 1); no ordering, no atomicity.', effects: { all: { store: 'bulk', storeArg: 0 } }, cite: `${LKMM} "plain accesses"` },
  // Preemption, migration, interrupts, bottom halves.
  { names: ['preempt_disable', 'get_cpu'], summary: 'Disables preemption (and so migration) on every configuration.', effects: { all: { preempt: 1, barrier: 'compiler' } }, cite: 'Documentation/locking/preempt-locking.rst' },
  { names: ['preempt_enable', 'put_cpu'], summary: 'Re-enables preemption; may reschedule.', effects: { all: { preempt: -1, barrier: 'compiler' } }, cite: 'Documentation/locking/preempt-locking.rst' },
  { names: ['migrate_disable'], summary: 'Pins the task to this CPU; preemption stays enabled.', effects: { all: { migrate: 1 } }, cite: `${LOCKTYPES} "migrate_disable()"` },
  { names: ['migrate_enable'], summary: 'Lets the task migrate again.', effects: { all: { migrate: -1 } }, cite: `${LOCKTYPES}` },
  { names: ['local_irq_save', 'local_irq_disable'], summary: 'Disables hard interrupts on this CPU (and so preemption), on every configuration.', effects: { all: { hardirq: 1 } }, cite: `${LOCKTYPES} "local_irq_disable()"` },
  { names: ['local_irq_restore', 'local_irq_enable'], summary: 'Restores hard interrupts.', effects: { all: { hardirq: -1 } }, cite: `${LOCKTYPES}` },
  {
    names: ['local_bh_disable'], summary: 'Disables bottom halves on this CPU.',
    effects: {
      '!RT': { bh: 1 },
      'RT+BHlock': { bh: 1, migrate: 1, rcu: 1, lock: { op: 'acquire', kind: 'bh' } },
      RT: { migrate: 1, rcu: 1 },
    },
    cite: 'include/linux/bottom_half.h; kernel/softirq.c (PREEMPT_RT: softirq_ctrl.lock, CONFIG_PREEMPT_RT_NEEDS_BH_LOCK)',
  },
  {
    names: ['local_bh_enable'], summary: 'Re-enables bottom halves; pending softirqs may run here.',
    effects: {
      '!RT': { bh: -1 },
      'RT+BHlock': { bh: -1, migrate: -1, rcu: -1, lock: { op: 'release', kind: 'bh' } },
      RT: { migrate: -1, rcu: -1 },
    },
    cite: 'include/linux/bottom_half.h; kernel/softirq.c',
  },
  // Locks. On PREEMPT_RT local_lock_t is a per-CPU spinlock_t and spinlock_t is an rtmutex: taking one
  // disables migration and enters an RCU read-side section (include/linux/local_lock_internal.h
  // __local_lock(); kernel/locking/spinlock_rt.c rt_spin_lock(): rcu_read_lock(); migrate_disable()),
  // so sleeping inside one is still a bug there; only blocking on another sleeping lock is allowed.
  {
    names: ['local_lock_irqsave', 'local_lock_irq'], summary: 'Per-CPU local lock with interrupts off on !RT; on PREEMPT_RT a per-CPU spinlock_t: migration off, RCU read side, interrupts stay on.',
    effects: {
      '!RT': { hardirq: 1, lock: { op: 'acquire', kind: 'local' } },
      'RT+BHlock': { migrate: 1, rcu: 1, lock: { op: 'acquire', kind: 'sleeping' } },
      RT: { migrate: 1, rcu: 1, lock: { op: 'acquire', kind: 'sleeping' } },
    },
    cite: `${LOCKTYPES} "local_lock" and "local_lock on PREEMPT_RT"; include/linux/local_lock_internal.h __local_lock_irqsave(); kernel/locking/spinlock_rt.c rt_spin_lock()`,
  },
  {
    names: ['local_unlock_irqrestore', 'local_unlock_irq'], summary: 'Releases a local lock taken with local_lock_irqsave().',
    effects: {
      '!RT': { hardirq: -1, lock: { op: 'release', kind: 'local' } },
      'RT+BHlock': { migrate: -1, rcu: -1, lock: { op: 'release', kind: 'sleeping' } },
      RT: { migrate: -1, rcu: -1, lock: { op: 'release', kind: 'sleeping' } },
    },
    cite: `${LOCKTYPES} "local_lock"; include/linux/local_lock_internal.h; kernel/locking/spinlock_rt.c rt_spin_unlock()`,
  },
  {
    names: ['local_lock'], summary: 'Per-CPU local lock: preemption off on !RT; a per-CPU spinlock_t on PREEMPT_RT.',
    effects: { '!RT': { preempt: 1, lock: { op: 'acquire', kind: 'local' } }, 'RT+BHlock': { migrate: 1, rcu: 1, lock: { op: 'acquire', kind: 'sleeping' } }, RT: { migrate: 1, rcu: 1, lock: { op: 'acquire', kind: 'sleeping' } } },
    cite: `${LOCKTYPES} "local_lock"; include/linux/local_lock_internal.h __local_lock()`,
  },
  {
    names: ['local_unlock'], summary: 'Releases a local lock taken with local_lock().',
    effects: { '!RT': { preempt: -1, lock: { op: 'release', kind: 'local' } }, 'RT+BHlock': { migrate: -1, rcu: -1, lock: { op: 'release', kind: 'sleeping' } }, RT: { migrate: -1, rcu: -1, lock: { op: 'release', kind: 'sleeping' } } },
    cite: `${LOCKTYPES} "local_lock"`,
  },
  {
    names: ['local_trylock', 'local_trylock_irqsave'], summary: 'Tries to take a local lock; held only where the call returned true.',
    effects: { '!RT': { hardirq: 1, lock: { op: 'try', kind: 'local' } }, 'RT+BHlock': { migrate: 1, rcu: 1, lock: { op: 'try', kind: 'sleeping' } }, RT: { migrate: 1, rcu: 1, lock: { op: 'try', kind: 'sleeping' } } },
    cite: `${LOCKTYPES} "local_lock"; include/linux/local_lock.h`,
  },
  {
    names: ['spin_lock', 'spin_lock_nested'], summary: 'spinlock_t: a spinning lock with preemption off on !RT; an rtmutex-based sleeping lock on PREEMPT_RT (migration off, RCU read side).',
    effects: { '!RT': { preempt: 1, lock: { op: 'acquire', kind: 'spinning' }, barrier: 'acquire' }, 'RT+BHlock': { migrate: 1, rcu: 1, lock: { op: 'acquire', kind: 'sleeping' }, barrier: 'acquire' }, RT: { migrate: 1, rcu: 1, lock: { op: 'acquire', kind: 'sleeping' }, barrier: 'acquire' } },
    cite: `${LOCKTYPES} "spinlock_t and PREEMPT_RT"; kernel/locking/spinlock_rt.c rt_spin_lock()`,
  },
  {
    names: ['spin_lock_irqsave', 'spin_lock_irq', 'spin_lock_irqsave_nested'], summary: 'spinlock_t with hard interrupts off on !RT; on PREEMPT_RT the _irq/_irqsave suffix does not touch the interrupt state.',
    effects: { '!RT': { preempt: 1, hardirq: 1, lock: { op: 'acquire', kind: 'spinning' }, barrier: 'acquire' }, 'RT+BHlock': { migrate: 1, rcu: 1, lock: { op: 'acquire', kind: 'sleeping' }, barrier: 'acquire' }, RT: { migrate: 1, rcu: 1, lock: { op: 'acquire', kind: 'sleeping' }, barrier: 'acquire' } },
    cite: `${LOCKTYPES} "spinlock_t and PREEMPT_RT" (the hard interrupt related suffixes do not affect the CPU's interrupt disabled state)`,
  },
  {
    names: ['spin_lock_bh'], summary: 'spinlock_t with bottom halves off (local_bh_disable() then spin_lock()).',
    effects: { '!RT': { preempt: 1, bh: 1, lock: { op: 'acquire', kind: 'spinning' }, barrier: 'acquire' }, 'RT+BHlock': { bh: 1, migrate: 2, rcu: 2, lock: { op: 'acquire', kind: 'sleeping' }, barrier: 'acquire' }, RT: { migrate: 2, rcu: 2, lock: { op: 'acquire', kind: 'sleeping' }, barrier: 'acquire' } },
    cite: `${LOCKTYPES} "spinlock_t and PREEMPT_RT" (the _bh suffix still disables softirq handlers); include/linux/bottom_half.h. The per-CPU BH lock it takes on RT+BHlock is not tracked as a held lock`,
  },
  {
    names: ['spin_unlock'], summary: 'Releases a spinlock_t (release ordering).',
    effects: { '!RT': { preempt: -1, lock: { op: 'release', kind: 'spinning' }, barrier: 'release' }, 'RT+BHlock': { migrate: -1, rcu: -1, lock: { op: 'release', kind: 'sleeping' }, barrier: 'release' }, RT: { migrate: -1, rcu: -1, lock: { op: 'release', kind: 'sleeping' }, barrier: 'release' } },
    cite: `${LOCKTYPES} "spinlock_t and PREEMPT_RT"`,
  },
  {
    names: ['spin_unlock_irqrestore', 'spin_unlock_irq'], summary: 'Releases a spinlock_t and restores interrupts on !RT (release ordering).',
    effects: { '!RT': { preempt: -1, hardirq: -1, lock: { op: 'release', kind: 'spinning' }, barrier: 'release' }, 'RT+BHlock': { migrate: -1, rcu: -1, lock: { op: 'release', kind: 'sleeping' }, barrier: 'release' }, RT: { migrate: -1, rcu: -1, lock: { op: 'release', kind: 'sleeping' }, barrier: 'release' } },
    cite: `${LOCKTYPES} "spinlock_t and PREEMPT_RT"`,
  },
  {
    names: ['spin_unlock_bh'], summary: 'Releases a spinlock_t taken with spin_lock_bh() and re-enables bottom halves.',
    effects: { '!RT': { preempt: -1, bh: -1, lock: { op: 'release', kind: 'spinning' }, barrier: 'release' }, 'RT+BHlock': { bh: -1, migrate: -2, rcu: -2, lock: { op: 'release', kind: 'sleeping' }, barrier: 'release' }, RT: { migrate: -2, rcu: -2, lock: { op: 'release', kind: 'sleeping' }, barrier: 'release' } },
    cite: `${LOCKTYPES} "spinlock_t and PREEMPT_RT"; include/linux/bottom_half.h`,
  },
  {
    names: ['spin_trylock', 'spin_trylock_irqsave', 'spin_trylock_irq', 'spin_trylock_bh'], summary: 'Tries to take a spinlock_t without waiting; held only where the call returned true.',
    effects: { '!RT': { preempt: 1, lock: { op: 'try', kind: 'spinning' }, barrier: 'acquire' }, 'RT+BHlock': { migrate: 1, rcu: 1, lock: { op: 'try', kind: 'sleeping' }, barrier: 'acquire' }, RT: { migrate: 1, rcu: 1, lock: { op: 'try', kind: 'sleeping' }, barrier: 'acquire' } },
    cite: `${LOCKTYPES} "spinlock_t and PREEMPT_RT"; include/linux/spinlock.h spin_trylock()`,
  },
  { names: ['raw_spin_lock', 'raw_spin_lock_nested'], summary: 'raw_spinlock_t: a true spinning lock with preemption off on every configuration.', effects: { all: { preempt: 1, lock: { op: 'acquire', kind: 'raw' }, barrier: 'acquire' } }, cite: `${LOCKTYPES} "raw_spinlock_t"` },
  { names: ['raw_spin_lock_irqsave', 'raw_spin_lock_irq'], summary: 'raw_spinlock_t with hard interrupts off, on every configuration.', effects: { all: { preempt: 1, hardirq: 1, lock: { op: 'acquire', kind: 'raw' }, barrier: 'acquire' } }, cite: `${LOCKTYPES} "raw_spinlock_t"` },
  { names: ['raw_spin_unlock'], summary: 'Releases a raw_spinlock_t.', effects: { all: { preempt: -1, lock: { op: 'release', kind: 'raw' }, barrier: 'release' } }, cite: `${LOCKTYPES} "raw_spinlock_t"` },
  { names: ['raw_spin_unlock_irqrestore', 'raw_spin_unlock_irq'], summary: 'Releases a raw_spinlock_t and restores interrupts.', effects: { all: { preempt: -1, hardirq: -1, lock: { op: 'release', kind: 'raw' }, barrier: 'release' } }, cite: `${LOCKTYPES} "raw_spinlock_t"` },
  { names: ['raw_spin_trylock', 'raw_spin_trylock_irqsave'], summary: 'Tries to take a raw_spinlock_t; held only where the call returned true.', effects: { all: { preempt: 1, lock: { op: 'try', kind: 'raw' }, barrier: 'acquire' } }, cite: `${LOCKTYPES} "raw_spinlock_t"; include/linux/spinlock.h` },
  {
    names: ['__cond_lock'], summary: 'Sparse: `__cond_lock(x, c)` is c, with x held where c is true (include/linux/compiler_types.h before 6.19).',
    effects: { all: { lock: { op: 'try', kind: 'spinning' } }, 'RT+BHlock': { lock: { op: 'try', kind: 'sleeping' } }, RT: { lock: { op: 'try', kind: 'sleeping' } } },
    cite: 'include/linux/compiler_types.h __cond_lock() (sparse); Documentation/dev-tools/sparse.rst',
  },
  {
    names: ['spin_lock_init', 'raw_spin_lock_init', 'mutex_init', 'local_lock_init', 'guard(spinlock_init)', 'guard(raw_spinlock_init)', 'guard(mutex_init)', 'guard(local_lock_init)'],
    summary: 'Initialises a lock. For the context analysis the object is still exclusive to this function, so members guarded by the lock may be initialised without holding it (the scoped init guard form says so explicitly).',
    effects: { all: { assume: true } },
    cite: `${CONTEXT_ANALYSIS} (initialisation of guarded members, scoped init guards); include/linux/cleanup.h guard()`,
  },
  { names: ['mutex_trylock'], summary: 'Tries to take a mutex without sleeping; held only where the call returned true.', effects: { all: { lock: { op: 'try', kind: 'sleeping' }, barrier: 'acquire' } }, cite: `${LOCKTYPES} "mutex"; include/linux/mutex.h` },
  { names: ['mutex_lock', 'mutex_lock_nested'], summary: 'Sleeping lock; might sleep (the _nested form differs only in its lockdep class).', effects: { all: { mightSleep: true, lock: { op: 'acquire', kind: 'sleeping' }, barrier: 'acquire' } }, cite: `${LOCKTYPES} "mutex"` },
  { names: ['mutex_lock_interruptible', 'mutex_lock_killable'], summary: 'Sleeping lock that gives up when a signal (a fatal one, for _killable) arrives: held only where it returned 0; might sleep either way.', effects: { all: { mightSleep: true, lock: { op: 'try', kind: 'sleeping', heldWhen: 'zero' }, barrier: 'acquire' } }, cite: `${LOCKTYPES} "mutex"; kernel/locking/mutex.c mutex_lock_interruptible() ("Return: 0 if the lock was successfully acquired or -EINTR if a signal arrived")` },
  { names: ['mutex_unlock'], summary: 'Releases a mutex.', effects: { all: { lock: { op: 'release', kind: 'sleeping' }, barrier: 'release' } }, cite: `${LOCKTYPES} "mutex"` },
  { names: ['rcu_read_lock'], summary: 'Enters an RCU read-side critical section (on !RT non-preemptible with CONFIG_PREEMPT_RCU=n).', effects: { all: { rcu: 1 } }, cite: 'Documentation/RCU/whatisRCU.rst' },
  { names: ['rcu_read_unlock'], summary: 'Leaves an RCU read-side critical section.', effects: { all: { rcu: -1 } }, cite: 'Documentation/RCU/whatisRCU.rst' },
  // Allocation and sleeping.
  { names: ['vmalloc', 'vzalloc', 'vmalloc_user', 'vfree', 'might_sleep', 'msleep', 'schedule', 'kvmalloc', 'kvfree'], summary: 'Might sleep: must not run with preemption or interrupts disabled, under a spinning lock or in atomic context.', effects: { all: { mightSleep: true } }, cite: 'Documentation/core-api/memory-allocation.rst; include/linux/kernel.h might_sleep()' },
  { names: ['kmalloc', 'kzalloc', 'kcalloc', 'kmalloc_array'], summary: 'Slab allocation: might sleep with GFP_KERNEL; GFP_ATOMIC/GFP_NOWAIT do not sleep (but take sleeping locks on PREEMPT_RT).', effects: { all: { mightSleep: true } }, cite: 'Documentation/core-api/memory-allocation.rst' },
  // Per-CPU access and context predicates (no effect on the state; read by the explorer).
  { names: ['this_cpu_ptr', 'raw_cpu_ptr'], summary: 'Pointer to the current CPU\'s copy of a per-CPU variable: needs preemption or migration disabled to stay on one CPU while it is used.', effects: {}, percpuPointer: 'this-cpu', cite: 'Documentation/core-api/this_cpu_ops.rst' },
  { names: ['__this_cpu_read', 'raw_cpu_read'], summary: 'Reads the current CPU\'s copy of a per-CPU variable without preemption protection: needs preemption or migration disabled to stay on one CPU.', effects: {}, percpuOp: { access: 'read', preemptSafe: false }, cite: 'Documentation/core-api/this_cpu_ops.rst' },
  { names: ['__this_cpu_*', 'raw_cpu_*'], summary: 'Writes (or reads and writes) the current CPU\'s copy of a per-CPU variable without preemption protection: needs preemption or migration disabled to stay on one CPU.', effects: {}, percpuOp: { access: 'write', preemptSafe: false }, cite: 'Documentation/core-api/this_cpu_ops.rst' },
  { names: ['this_cpu_read'], summary: 'Reads the current CPU\'s copy of a per-CPU variable in one operation safe against preemption (a sequence of them is not: the task may move between two).', effects: {}, percpuOp: { access: 'read', preemptSafe: true }, cite: 'Documentation/core-api/this_cpu_ops.rst' },
  { names: ['this_cpu_*'], summary: 'Per-CPU operation on the current CPU\'s copy that is itself safe against preemption (a single instruction or irq-protected); a sequence of them is not.', effects: {}, percpuOp: { access: 'write', preemptSafe: true }, cite: 'Documentation/core-api/this_cpu_ops.rst' },
  { names: ['per_cpu_ptr'], summary: 'Pointer to a given CPU\'s copy of a per-CPU variable.', effects: {}, percpuPointer: 'given-cpu', cite: 'Documentation/core-api/this_cpu_ops.rst' },
  { names: ['in_task', 'in_softirq', 'in_serving_softirq', 'in_hardirq', 'in_nmi', 'in_softirq_really'], summary: 'Context predicate (include/linux/preempt.h); on PREEMPT_RT softirqs run in task context, so in_task() is false only while serving one.', effects: {}, cite: 'include/linux/preempt.h; Documentation/core-api/real-time/differences.rst' },
];

/** What a kernel annotation means to the model (include/linux/compiler-context-analysis.h, compiler_types.h). */
export type AnnotationRole =
  | 'guarded-member' | 'unsafe-region' | 'unsafe-function' | 'requires' | 'acquires' | 'releases' | 'conditional' | 'not-modelled';

export interface AnnotationRow { names: readonly string[]; role: AnnotationRole; summary: string; cite: string }

const CA_H = 'include/linux/compiler-context-analysis.h';

/** The lock annotations the model reads; the rules take their meaning from here. */
export const ANNOTATIONS: readonly AnnotationRow[] = [
  { names: ['__guarded_by'], role: 'guarded-member', summary: 'A struct member that may be read or written only with the named lock held (guarded globals are not modelled); `&lock` names the member `lock` of the same object.', cite: `${CONTEXT_ANALYSIS} "__guarded_by"; ${CA_H}` },
  { names: ['__pt_guarded_by'], role: 'not-modelled', summary: 'The data a pointer member points to is guarded by the lock (not modelled: accesses through the pointer are not checked).', cite: `${CA_H}` },
  { names: ['context_unsafe'], role: 'unsafe-region', summary: 'The enclosed expression or statements are not checked by the context analysis (accesses inside are deliberate and commented).', cite: `${CONTEXT_ANALYSIS}; ${CA_H} context_unsafe()` },
  { names: ['__context_unsafe', '__no_context_analysis'], role: 'unsafe-function', summary: 'The whole function is not checked by the context analysis.', cite: `${CA_H}` },
  { names: ['__must_hold', '__must_hold_shared', '__requires_ctx_lock'], role: 'requires', summary: 'The function is entered and left with the lock held.', cite: `${CONTEXT_ANALYSIS}; include/linux/compiler_types.h (sparse)` },
  { names: ['__acquires', '__acquires_shared'], role: 'acquires', summary: 'The function returns with the lock held.', cite: `${CONTEXT_ANALYSIS}; include/linux/compiler_types.h (sparse)` },
  { names: ['__releases', '__releases_shared'], role: 'releases', summary: 'The function is entered with the lock held and returns without it.', cite: `${CONTEXT_ANALYSIS}; include/linux/compiler_types.h (sparse)` },
  { names: ['__cond_acquires', '__cond_acquires_shared', '__cond_lock', '__cond_releases'], role: 'conditional', summary: 'The lock is taken or released only for some return values: the function\'s own contract is not checked (calls to __cond_lock() and trylocks are followed at the branch that tests them).', cite: `${CONTEXT_ANALYSIS}; include/linux/compiler_types.h` },
];

/** The annotation row of a name (`__must_hold`), if the model reads it. */
export function annotationRow(name: string): AnnotationRow | undefined {
  return ANNOTATIONS.find((r) => r.names.includes(name));
}

/** The role and lock argument of an annotation as written (`__must_hold(&kcov->lock)`). */
export function readAnnotation(text: string): { role: AnnotationRole; name: string; arg: string } | null {
  const m = /^(\w+)\s*(?:\((.*)\))?$/s.exec(text.trim());
  const row = m ? annotationRow(m[1]) : undefined;
  return m && row ? { role: row.role, name: m[1], arg: (m[2] ?? '').replace(/\s+/g, '').replace(/^&/, '') } : null;
}

function matches(row: PrimitiveRow, name: string): boolean {
  return row.names.some((n) => (n.endsWith('*') ? name.startsWith(n.slice(0, -1)) : n === name));
}

/** The per-CPU pointer accessors' names (rows with `percpuPointer`, of one kind or of both), exact names only. */
export function percpuPointerNames(kind?: PercpuPointer): string[] {
  return PRIMITIVES.filter((r) => r.percpuPointer !== undefined && (kind === undefined || r.percpuPointer === kind))
    .flatMap((r) => r.names.filter((n) => !n.endsWith('*')));
}

/** A regular-expression alternation of those names, `(?:a|b|c)`, for patterns over expressions as written. */
export function percpuPointerPattern(kind?: PercpuPointer): string {
  return `(?:${percpuPointerNames(kind).join('|')})`;
}

const rowByName = new Map<string, PrimitiveRow | undefined>();

export function findPrimitive(name: string): PrimitiveRow | undefined {
  if (rowByName.has(name)) return rowByName.get(name);
  const row = PRIMITIVES.find((r) => matches(r, name));
  rowByName.set(name, row);
  return row;
}

const NO_EFFECTS: Partial<Effect> = Object.freeze({});
/** Keyed by the row's effect objects themselves, so a row edited at run time (as tests do) is read anew. */
const effectCache = new WeakMap<Partial<Effect>, WeakMap<Partial<Effect>, Effect>>();

/** The effect of a row under a configuration (unlisted fields are "no effect"); one frozen object per (row, config). */
export function effectOf(row: PrimitiveRow, config: ConfigName): Effect {
  const all = row.effects.all ?? NO_EFFECTS;
  const own = row.effects[config] ?? NO_EFFECTS;
  let inner = effectCache.get(all);
  if (!inner) { inner = new WeakMap(); effectCache.set(all, inner); }
  let e = inner.get(own);
  if (!e) { e = Object.freeze({ ...NONE, ...all, ...own }); inner.set(own, e); }
  return e;
}

/** What a call stores, if it is a store primitive: `store`, `storeArg` and `barrier` are the same on every
 *  configuration (the rows give them under `all`), so syntax summaries can record stores without one. */
export function storeOfCall(name: string): Pick<Effect, 'store' | 'storeArg' | 'barrier'> | null {
  const row = findPrimitive(name);
  if (!row) return null;
  const all = row.effects.all ?? NO_EFFECTS;
  return { store: all.store ?? 'none', storeArg: all.storeArg ?? null, barrier: all.barrier ?? 'none' };
}

export function effectOfCall(name: string, config: ConfigName): Effect | null {
  const row = findPrimitive(name);
  return row ? effectOf(row, config) : null;
}

/** Barriers that order an earlier store before a later store (explanation.txt: wmb, mb, and release on the later store). */
export function ordersStores(barrier: BarrierKind): boolean {
  return barrier === 'wmb' || barrier === 'mb' || barrier === 'release';
}

function describeEffect(e: Effect): string {
  const parts: string[] = [];
  const counter = (n: number, what: string): void => { if (n > 0) parts.push(`${what} off`); else if (n < 0) parts.push(`${what} back on`); };
  counter(e.preempt, 'preemption');
  counter(e.migrate, 'migration');
  counter(e.hardirq, 'hard IRQs');
  counter(e.bh, 'BH');
  if (e.rcu > 0) parts.push('enters RCU read side'); else if (e.rcu < 0) parts.push('leaves RCU read side');
  if (e.lock) parts.push(`${e.lock.op === 'acquire' ? 'takes' : e.lock.op === 'try' ? 'tries to take' : 'releases'} a ${e.lock.kind} lock${e.lock.op === 'try' ? ` (held where it returns ${e.lock.heldWhen === 'zero' ? '0' : 'true'})` : ''}`);
  if (e.mightSleep) parts.push('might sleep');
  if (e.barrier !== 'none') parts.push(`barrier: ${e.barrier}`);
  if (e.store !== 'none') parts.push(`store: ${e.store}`);
  if (e.assume) parts.push('guarded members of the lock\'s object may be initialised from here');
  return parts.length > 0 ? parts.join(', ') : 'no effect on the modelled state';
}

/** Markdown for a hover: the row under each configuration asked for. */
export function primitiveHover(row: PrimitiveRow, configs: readonly ConfigName[]): string {
  const lines = [`**${row.names[0]}** — ${row.summary}`, ''];
  if (row.percpuOp) lines.push(`Per-CPU ${row.percpuOp.access} of the current CPU's copy, ${row.percpuOp.preemptSafe ? 'safe against preemption as one operation' : 'not protected against preemption'}.`, '');
  if (row.percpuPointer) lines.push(`Per-CPU pointer to the copy of ${row.percpuPointer === 'this-cpu' ? 'the CPU it runs on' : 'the CPU given as its second argument'}.`, '');
  for (const c of configs) lines.push(`- \`${c}\`: ${describeEffect(effectOf(row, c))}`);
  lines.push('', `Source: ${row.cite}`);
  return lines.join('\n');
}

/** Markdown for a hover on a lock annotation. */
export function annotationHover(row: AnnotationRow): string {
  return [`**${row.names[0]}** — ${row.summary}`, '', `Model: ${row.role}.`, '', `Source: ${row.cite}`].join('\n');
}
