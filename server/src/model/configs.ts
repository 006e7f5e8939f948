/**
 * The configuration table: the machines kcov.c is reviewed for. A pure data table with no imports,
 * read by the source stage (to resolve #if) and by the model (to pick primitive semantics).
 *
 * Adding a configuration is adding a row.
 */

export type ConfigName = '!RT' | 'RT+BHlock' | 'RT';

export interface ConfigRow {
  name: ConfigName;
  /** One line for hovers and status bars. */
  summary: string;
  /** CONFIG_ symbols this machine sets (true = y, false = n, string/number = value). */
  symbols: Readonly<Record<string, boolean | number | string>>;
  /** Kernel documents the row rests on. */
  docs: readonly string[];
}

/**
 * Symbols every configuration shares: the ones kcov.c tests that are not what distinguishes the
 * machines. A kcov review assumes a kernel built with KCOV and comparison tracing, as syzkaller uses.
 */
export const COMMON_SYMBOLS: Readonly<Record<string, boolean | number | string>> = {
  CONFIG_KCOV: true,
  CONFIG_KCOV_ENABLE_COMPARISONS: true,
  CONFIG_KCOV_IRQ_AREA_SIZE: 0x40000,
  CONFIG_KCOV_SELFTEST: true,
  CONFIG_RANDOMIZE_BASE: true,
  CONFIG_64BIT: true,
  CONFIG_SMP: true,
  CONFIG_PREEMPTION: true,
  CONFIG_DEBUG_FS: true,
  CONFIG_MEMCG_V1: false,
  CONFIG_LOCKDEP: false,
  CONFIG_DEBUG_LOCK_ALLOC: false,
};

export const CONFIGS: readonly ConfigRow[] = [
  {
    name: '!RT',
    summary: 'CONFIG_PREEMPT_RT=n: softirqs run non-preemptibly on irq exit or local_bh_enable(); local_lock_irqsave() disables interrupts',
    symbols: { ...COMMON_SYMBOLS, CONFIG_PREEMPT_RT: false, CONFIG_PREEMPT_RT_NEEDS_BH_LOCK: false },
    docs: ['Documentation/locking/locktypes.rst', 'Documentation/locking/preempt-locking.rst', 'kernel/softirq.c'],
  },
  {
    name: 'RT+BHlock',
    summary: 'CONFIG_PREEMPT_RT=y with the per-CPU BH lock (6.12, or CONFIG_PREEMPT_RT_NEEDS_BH_LOCK=y): softirqs threaded and preemptible, BH sections on one CPU never overlap',
    symbols: { ...COMMON_SYMBOLS, CONFIG_PREEMPT_RT: true, CONFIG_PREEMPT_RT_NEEDS_BH_LOCK: true },
    docs: ['Documentation/locking/locktypes.rst', 'Documentation/core-api/real-time/differences.rst', 'kernel/softirq.c'],
  },
  {
    name: 'RT',
    summary: 'CONFIG_PREEMPT_RT=y without the BH lock: local_bh_disable() only disables migration and enters RCU read side; BH sections on one CPU can preempt each other',
    symbols: { ...COMMON_SYMBOLS, CONFIG_PREEMPT_RT: true, CONFIG_PREEMPT_RT_NEEDS_BH_LOCK: false },
    docs: ['Documentation/locking/locktypes.rst', 'Documentation/core-api/real-time/differences.rst', 'include/linux/bottom_half.h', 'kernel/softirq.c'],
  },
];

export const CONFIG_NAMES: readonly ConfigName[] = CONFIGS.map((c) => c.name);

export function configByName(name: string): ConfigRow | undefined {
  return CONFIGS.find((c) => c.name === name);
}

/** What `IS_ENABLED(CONFIG_X)` is for a symbol's value in a row: true when it is y or m
 *  (include/linux/kconfig.h), as the model's C conditions read it. */
export function isEnabled(value: boolean | number | string | undefined): boolean {
  return value === true || value === 'y' || value === 'm';
}

/** `IS_ENABLED(CONFIG_X)` of every symbol of a row, keyed as the model's conditions write it (once per row). */
export function configAtoms(config: ConfigRow): ReadonlyMap<string, boolean> {
  let atoms = atomsByRow.get(config);
  if (!atoms) {
    atoms = new Map(Object.entries(config.symbols).map(([k, v]): [string, boolean] => [`IS_ENABLED(${k})`, isEnabled(v)]));
    atomsByRow.set(config, atoms);
  }
  return atoms;
}

const atomsByRow = new WeakMap<ConfigRow, ReadonlyMap<string, boolean>>();
