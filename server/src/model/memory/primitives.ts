/**
 * The primitives the executor models, after tools/memory-model/linux-kernel.def and
 * Documentation/herd-representation.txt (which events each macro generates).
 */

/** Annotation of an RMW: `mb` adds F[mb] before and after (herd-representation.txt). */
export type RmwOrder = 'mb' | 'once' | 'acquire' | 'release';

export type FenceTag =
  | 'mb' | 'rmb' | 'wmb' | 'barrier' | 'before-atomic' | 'after-atomic' | 'after-spinlock'
  | 'after-unlock-lock' | 'rcu-lock' | 'rcu-unlock';

/** `lvalue`: the macro takes `*p` (READ_ONCE(X) expands to __load{once}(X)); `pointer`: it takes `p`. */
export type ArgForm = 'lvalue' | 'pointer';

export type Primitive =
  | { op: 'load'; tag: 'once' | 'acquire'; form: ArgForm }
  | { op: 'store'; tag: 'once' | 'release'; form: ArgForm; mbAfter: boolean }
  | { op: 'fence'; fence: FenceTag }
  | { op: 'xchg'; order: RmwOrder }
  | { op: 'cmpxchg'; order: RmwOrder }
  /** atomic_add(V,X) & co: `operand` is V or the constant 1; `result` what the macro returns. */
  | {
      op: 'arith';
      sign: 1 | -1;
      operand: 'arg' | 'one';
      result: 'none' | 'new' | 'old' | 'is-zero' | 'is-negative';
      order: RmwOrder | 'noreturn';
    }
  | { op: 'add_unless' }
  | { op: 'lock' }
  | { op: 'unlock' }
  | { op: 'trylock' }
  | { op: 'islocked' }
  | { op: 'unsupported'; reason: string };

const SUFFIXES: ReadonlyArray<readonly [string, RmwOrder]> = [
  ['', 'mb'],
  ['_relaxed', 'once'],
  ['_acquire', 'acquire'],
  ['_release', 'release'],
];

const RCU_GP = 'RCU grace periods (synchronize_rcu) are not modelled: rcu-order, rcu-fence and rb of linux-kernel.cat are not implemented';
const SRCU = 'SRCU (srcu_read_lock/unlock, synchronize_srcu) is not modelled';

function buildTable(): Map<string, Primitive> {
  const t = new Map<string, Primitive>();
  t.set('READ_ONCE', { op: 'load', tag: 'once', form: 'lvalue' });
  t.set('rcu_dereference', { op: 'load', tag: 'once', form: 'lvalue' });
  t.set('atomic_read', { op: 'load', tag: 'once', form: 'pointer' });
  t.set('smp_load_acquire', { op: 'load', tag: 'acquire', form: 'pointer' });
  t.set('atomic_read_acquire', { op: 'load', tag: 'acquire', form: 'pointer' });
  t.set('WRITE_ONCE', { op: 'store', tag: 'once', form: 'lvalue', mbAfter: false });
  t.set('atomic_set', { op: 'store', tag: 'once', form: 'pointer', mbAfter: false });
  t.set('smp_store_release', { op: 'store', tag: 'release', form: 'pointer', mbAfter: false });
  t.set('atomic_set_release', { op: 'store', tag: 'release', form: 'pointer', mbAfter: false });
  t.set('rcu_assign_pointer', { op: 'store', tag: 'release', form: 'lvalue', mbAfter: false });
  t.set('smp_store_mb', { op: 'store', tag: 'once', form: 'lvalue', mbAfter: true });

  const fences: ReadonlyArray<readonly [string, FenceTag]> = [
    ['smp_mb', 'mb'], ['smp_rmb', 'rmb'], ['smp_wmb', 'wmb'], ['barrier', 'barrier'],
    ['smp_mb__before_atomic', 'before-atomic'], ['smp_mb__after_atomic', 'after-atomic'],
    ['smp_mb__after_spinlock', 'after-spinlock'], ['smp_mb__after_unlock_lock', 'after-unlock-lock'],
    ['rcu_read_lock', 'rcu-lock'], ['rcu_read_unlock', 'rcu-unlock'],
  ];
  for (const [name, fence] of fences) t.set(name, { op: 'fence', fence });

  for (const [suffix, order] of SUFFIXES) {
    t.set(`xchg${suffix}`, { op: 'xchg', order });
    t.set(`atomic_xchg${suffix}`, { op: 'xchg', order });
    t.set(`cmpxchg${suffix}`, { op: 'cmpxchg', order });
    t.set(`atomic_cmpxchg${suffix}`, { op: 'cmpxchg', order });
    for (const [base, sign] of [['add', 1], ['sub', -1]] as const) {
      t.set(`atomic_${base}_return${suffix}`, { op: 'arith', sign, operand: 'arg', result: 'new', order });
      t.set(`atomic_fetch_${base}${suffix}`, { op: 'arith', sign, operand: 'arg', result: 'old', order });
    }
    for (const [base, sign] of [['inc', 1], ['dec', -1]] as const) {
      t.set(`atomic_${base}_return${suffix}`, { op: 'arith', sign, operand: 'one', result: 'new', order });
      t.set(`atomic_fetch_${base}${suffix}`, { op: 'arith', sign, operand: 'one', result: 'old', order });
    }
  }
  t.set('atomic_add', { op: 'arith', sign: 1, operand: 'arg', result: 'none', order: 'noreturn' });
  t.set('atomic_sub', { op: 'arith', sign: -1, operand: 'arg', result: 'none', order: 'noreturn' });
  t.set('atomic_inc', { op: 'arith', sign: 1, operand: 'one', result: 'none', order: 'noreturn' });
  t.set('atomic_dec', { op: 'arith', sign: -1, operand: 'one', result: 'none', order: 'noreturn' });
  t.set('atomic_sub_and_test', { op: 'arith', sign: -1, operand: 'arg', result: 'is-zero', order: 'mb' });
  t.set('atomic_dec_and_test', { op: 'arith', sign: -1, operand: 'one', result: 'is-zero', order: 'mb' });
  t.set('atomic_inc_and_test', { op: 'arith', sign: 1, operand: 'one', result: 'is-zero', order: 'mb' });
  t.set('atomic_add_negative', { op: 'arith', sign: 1, operand: 'arg', result: 'is-negative', order: 'mb' });
  t.set('atomic_add_unless', { op: 'add_unless' });

  t.set('spin_lock', { op: 'lock' });
  t.set('spin_unlock', { op: 'unlock' });
  t.set('spin_trylock', { op: 'trylock' });
  t.set('spin_is_locked', { op: 'islocked' });

  for (const name of ['synchronize_rcu', 'synchronize_rcu_expedited']) t.set(name, { op: 'unsupported', reason: RCU_GP });
  for (const name of ['srcu_read_lock', 'srcu_read_unlock', 'srcu_down_read', 'srcu_up_read', 'synchronize_srcu', 'synchronize_srcu_expedited', 'smp_mb__after_srcu_read_unlock']) {
    t.set(name, { op: 'unsupported', reason: SRCU });
  }
  for (const name of ['call_rcu', 'rcu_barrier']) t.set(name, { op: 'unsupported', reason: `${name}() is not modelled by the LKMM either` });
  return t;
}

const TABLE: ReadonlyMap<string, Primitive> = buildTable();

export function lookupPrimitive(name: string): Primitive | undefined {
  return TABLE.get(name);
}

/** Number of arguments a primitive takes. */
export function primitiveArity(p: Primitive): number {
  switch (p.op) {
    case 'load':
      return 1;
    case 'store':
      return 2;
    case 'fence':
      return 0;
    case 'xchg':
      return 2;
    case 'cmpxchg':
    case 'add_unless':
      return 3;
    case 'arith':
      return p.operand === 'arg' ? 2 : 1;
    case 'lock':
    case 'unlock':
    case 'trylock':
    case 'islocked':
      return 1;
    case 'unsupported':
      return -1;
  }
}
