import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS, type ConfigName } from '../../server/src/model/configs';
import { summarizeView } from '../../server/src/model/summary';
import { lockBalanceRule } from '../../server/src/rules/lockBalance';
import { mightSleepRule } from '../../server/src/rules/mightSleep';
import { percpuClobberRule } from '../../server/src/rules/percpuClobber';
import type { ImagePair } from '../../server/src/patch/types';
import { compareImages } from '../../server/src/review/analyze';
import type { Rule } from '../../server/src/rules/types';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import { readKcov } from '../support/kernel';

beforeAll(async () => { await initParser(); });

const ALL: ConfigName[] = ['!RT', 'RT+BHlock', 'RT'];
const row = (name: ConfigName) => CONFIGS.find((c) => c.name === name) ?? CONFIGS[0];
const run = (rule: Rule, text: string, config: ConfigName) => {
  const view = buildView(sourceImage('kernel/kcov.c', text), row(config));
  return rule.run({ view, summaries: summarizeView(view) });
};
/** Configurations under which the rule reports something with this role. */
const firing = (rule: Rule, text: string, role: string) => ALL.filter((c) => run(rule, text, c).some((f) => f.role === role));

/** A string edit of the real file that must apply exactly once. */
function mutate(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

describe('the real 6.12 kcov.c', () => {
  it.each(ALL)('has no lock-balance, might-sleep or percpu-clobber finding under %s', (c) => {
    for (const rule of [lockBalanceRule, mightSleepRule, percpuClobberRule]) expect(run(rule, readKcov(), c)).toEqual([]);
  });
});

describe('mutants of the real 6.12 kcov.c', () => {
  const REL = '\tlocal_unlock_irqrestore(&kcov_percpu_data.lock, flags);\n\n}\nEXPORT_SYMBOL(kcov_remote_start);';

  it('an early return that skips local_unlock_irqrestore(): lock-balance on every configuration', () => {
    const m = mutate(readKcov(), '\t/* Reset coverage size. */\n', '\tif (!size)\n\t\treturn;\n\t/* Reset coverage size. */\n');
    expect(firing(lockBalanceRule, m, 'unreleased:kcov_percpu_data.lock')).toEqual(ALL);
    const f = run(lockBalanceRule, m, 'RT')[0];
    expect(f.function).toBe('kcov_remote_start');
    expect(f.trace.map((t) => t.text).join('\n')).toMatch(/local_lock_irqsave[\s\S]*still held/);
  });

  // The issue expected "!RT only", on the reading that a local_lock is only a sleeping lock on RT. The
  // table says otherwise: on PREEMPT_RT local_lock_irqsave() takes a per-CPU spinlock_t, and
  // rt_spin_lock() enters an RCU read-side section whose depth might_sleep() checks
  // (include/linux/local_lock_internal.h, kernel/locking/spinlock_rt.c, kernel/sched/core.c).
  it('vmalloc() moved inside the locked region: might-sleep on every configuration, for a different reason on !RT and RT', () => {
    const m = mutate(readKcov(),
      '\t\tlocal_unlock_irqrestore(&kcov_percpu_data.lock, flags);\n\t\tarea = in_task() ? vmalloc(size * sizeof(unsigned long)) : NULL;\n',
      '\t\tarea = in_task() ? vmalloc(size * sizeof(unsigned long)) : NULL;\n\t\tlocal_unlock_irqrestore(&kcov_percpu_data.lock, flags);\n');
    expect(firing(mightSleepRule, m, 'sleep:vmalloc@kcov_remote_start')).toEqual(ALL);
    const f = run(mightSleepRule, m, '!RT')[0];
    expect(f.message).toContain('hard interrupts are disabled');
    expect(f.trace.some((t) => t.text.includes('local_lock_irqsave'))).toBe(true);
    for (const c of ['RT', 'RT+BHlock'] as const) {
      const rt = run(mightSleepRule, m, c)[0];
      expect(rt.message).toContain('RCU read-side critical section');
      expect(rt.message).not.toContain('hard interrupts');
      expect(rt.trace[rt.trace.length - 1].text).toMatch(/migrate=1, rcu=1, holds kcov_percpu_data\.lock \(sleeping\)/);
    }
  });

  it('a this_cpu_ptr() access after the unlock in task context: percpu-clobber (unpinned) on every configuration', () => {
    const m = mutate(readKcov(), REL, '\tlocal_unlock_irqrestore(&kcov_percpu_data.lock, flags);\n\t(void)this_cpu_ptr(&kcov_percpu_data);\n}\nEXPORT_SYMBOL(kcov_remote_start);');
    expect(firing(percpuClobberRule, m, 'unpinned:kcov_percpu_data')).toEqual(ALL);
    const f = run(percpuClobberRule, m, 'RT')[0];
    expect(f.trace[0].context).toBe('task');
    // The same access before the unlock is pinned (IRQs off on !RT, migration off on RT).
    const inside = mutate(readKcov(), REL, '\t(void)this_cpu_ptr(&kcov_percpu_data);\n' + REL);
    expect(firing(percpuClobberRule, inside, 'unpinned:kcov_percpu_data')).toEqual([]);
  });
});

describe('percpu-clobber on the pre-fix-style fixture', () => {
  const fixture = (): string => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'percpu-prefix.c'), 'utf8');
  it('fires on RT only, with a numbered trace naming the table row', () => {
    expect(firing(percpuClobberRule, fixture(), 'clobber:kcov_percpu_data.saved_kcov')).toEqual(['RT']);
    expect(firing(percpuClobberRule, fixture(), 'clobber:kcov_percpu_data.irq_area[]')).toEqual(['RT']);
    const f = run(percpuClobberRule, fixture(), 'RT').find((x) => x.role === 'clobber:kcov_percpu_data.saved_kcov');
    expect(f?.trace.map((t) => t.text.slice(0, 3))).toEqual(['1. ', '2. ', '3. ', '4. ', '5. ', '6. ']);
    expect(f?.trace[3].text).toContain('RT-softirq-preempts-softirq');
  });
  it('fires the same when the saved state is written with this_cpu_write(): one operation is safe, the window it opens is not', () => {
    const text = fixture().replace('pcpu->saved_kcov = t->kcov;', 'this_cpu_write(kcov_percpu_data.saved_kcov, t->kcov);');
    expect(text).not.toBe(fixture());
    expect(firing(percpuClobberRule, text, 'clobber:kcov_percpu_data.saved_kcov')).toEqual(['RT']);
    expect(firing(percpuClobberRule, text, 'unpinned:kcov_percpu_data.saved_kcov')).toEqual([]);
  });
  it('has no lock-balance or might-sleep finding', () => {
    for (const c of ALL) {
      expect(run(lockBalanceRule, fixture(), c)).toEqual([]);
      expect(run(mightSleepRule, fixture(), c)).toEqual([]);
    }
  });
});

describe('hand-written fixtures', () => {
  const locked = (body: string) => `static DEFINE_SPINLOCK(l);\nstatic DEFINE_RAW_SPINLOCK(r);\nint f(int x)\n{\n\tunsigned long flags;\n${body}\n}\n`;

  it('lock-balance: an early return with the lock held; a lock taken twice', () => {
    expect(firing(lockBalanceRule, locked('\tspin_lock(&l);\n\tif (x)\n\t\treturn 1;\n\tspin_unlock(&l);\n\treturn 0;'), 'unreleased:l')).toEqual(ALL);
    expect(firing(lockBalanceRule, locked('\tspin_lock(&l);\n\tspin_lock(&l);\n\tspin_unlock(&l);\n\tspin_unlock(&l);'), 'twice:l')).toEqual(ALL);
  });

  it('lock-balance: balanced with goto to a common unlock, and an unlock in a callee', () => {
    expect(firing(lockBalanceRule, locked('\tspin_lock(&l);\n\tif (x)\n\t\tgoto out;\n\tx++;\nout:\n\tspin_unlock(&l);\n\treturn x;'), 'unreleased:l')).toEqual([]);
    const callee = 'static DEFINE_SPINLOCK(l);\nstatic void rel(void)\n{\n\tspin_unlock(&l);\n}\nvoid f(void)\n{\n\tspin_lock(&l);\n\trel();\n}\n';
    expect(run(lockBalanceRule, callee, 'RT')).toEqual([]);
  });

  it('lock-balance: the _nested forms take the lock their plain form takes', () => {
    for (const [lock, unlock] of [['spin_lock_nested(&l, 1)', 'spin_unlock(&l)'], ['spin_lock_irqsave_nested(&l, flags, 1)', 'spin_unlock_irqrestore(&l, flags)'], ['raw_spin_lock_nested(&r, 1)', 'raw_spin_unlock(&r)']]) {
      const name = lock.includes('&r') ? 'r' : 'l';
      expect(firing(lockBalanceRule, locked(`\t${lock};\n\tif (x)\n\t\treturn 1;\n\t${unlock};\n\treturn 0;`), `unreleased:${name}`)).toEqual(ALL);
      expect(run(lockBalanceRule, locked(`\t${lock};\n\t${unlock};\n\treturn 0;`), 'RT')).toEqual([]);
    }
    const m = 'static DEFINE_MUTEX(m);\nint f(int x)\n{\n\tmutex_lock_nested(&m, 1);\n\tif (x)\n\t\treturn 1;\n\tmutex_unlock(&m);\n\treturn 0;\n}\n';
    expect(firing(lockBalanceRule, m, 'unreleased:m')).toEqual(ALL);
  });

  it('lock-balance and might-sleep: mutex_lock_interruptible()/mutex_lock_killable() hold the mutex only where they returned 0, and may sleep either way', () => {
    const mutex = (body: string) => `static DEFINE_MUTEX(m);\nstatic DEFINE_SPINLOCK(l);\nint f(int x)\n{\n${body}\n}\n`;
    for (const lock of ['mutex_lock_interruptible', 'mutex_lock_killable']) {
      // The usual pattern: an early return when interrupted does not hold the mutex.
      expect(run(lockBalanceRule, mutex(`\tif (${lock}(&m))\n\t\treturn -4;\n\tx++;\n\tmutex_unlock(&m);\n\treturn 0;`), 'RT')).toEqual([]);
      expect(run(lockBalanceRule, mutex(`\tint err = ${lock}(&m);\n\n\tif (err)\n\t\treturn err;\n\tmutex_unlock(&m);\n\treturn 0;`), '!RT')).toEqual([]);
      // Held after success: an early return then leaks it.
      expect(firing(lockBalanceRule, mutex(`\tif (${lock}(&m))\n\t\treturn -4;\n\tif (x)\n\t\treturn 1;\n\tmutex_unlock(&m);\n\treturn 0;`), 'unreleased:m')).toEqual(ALL);
      // It may sleep whatever it returns, so under a spinlock it is reported at the call, once.
      const sleeping = run(mightSleepRule, mutex(`\tspin_lock(&l);\n\tif (${lock}(&m)) {\n\t\tspin_unlock(&l);\n\t\treturn -4;\n\t}\n\tmutex_unlock(&m);\n\tspin_unlock(&l);\n\treturn 0;`), '!RT');
      expect(sleeping.map((f) => [f.role, f.line])).toEqual([[`sleep:${lock}@f`, 5]]);
    }
  });

  it('lock-balance: one lock spelled two ways (a local alias, a callee\'s parameter) is one lock', () => {
    const obj = 'struct kc { spinlock_t lock; int n; };\n';
    const alias = `${obj}void f(struct kc *kcov)\n{\n\tstruct kc *k = kcov;\n\n\tspin_lock(&k->lock);\n\tkcov->n++;\n\tspin_unlock(&kcov->lock);\n}\n`;
    expect(run(lockBalanceRule, alias, 'RT')).toEqual([]);
    const helper = `${obj}static void rel(struct kc *kc)\n{\n\tspin_unlock(&kc->lock);\n}\nvoid f(struct kc *kcov)\n{\n\tspin_lock(&kcov->lock);\n\trel(kcov);\n}\n`;
    expect(run(lockBalanceRule, helper, 'RT')).toEqual([]);
    // Two different objects' locks stay two locks.
    const two = `${obj}void f(struct kc *a, struct kc *b)\n{\n\tspin_lock(&a->lock);\n\tspin_unlock(&b->lock);\n}\n`;
    expect(firing(lockBalanceRule, two, 'unreleased:a->lock')).toEqual(ALL);
    // And one lock taken through both spellings is taken twice.
    const twice = `${obj}void f(struct kc *kcov)\n{\n\tstruct kc *k = kcov;\n\n\tspin_lock(&kcov->lock);\n\tspin_lock(&k->lock);\n\tspin_unlock(&k->lock);\n\tspin_unlock(&kcov->lock);\n}\n`;
    expect(firing(lockBalanceRule, twice, 'twice:k->lock')).toEqual(ALL);
    // A helper that returns with the lock held, then the caller takes it again.
    const helperFirst = 'static DEFINE_SPINLOCK(l);\nstatic void take(void)\n{\n\tspin_lock(&l);\n}\nvoid f(void)\n{\n\ttake();\n\tspin_lock(&l);\n\tspin_unlock(&l);\n\tspin_unlock(&l);\n}\n';
    expect(run(lockBalanceRule, helperFirst, 'RT').filter((f) => f.role === 'twice:l').map((f) => f.function)).toEqual(['f']);
  });

  it('lock-balance contracts: a __releases() lock released by a helper, an __acquires() lock taken through an alias', () => {
    const obj = 'struct kc { spinlock_t lock; int n; };\n';
    const releases = `${obj}static void rel(struct kc *kc)\n{\n\tspin_unlock(&kc->lock);\n}\nvoid f(struct kc *kcov) __releases(&kcov->lock)\n{\n\tkcov->n++;\n\trel(kcov);\n}\n`;
    expect(run(lockBalanceRule, releases, 'RT')).toEqual([]);
    const acquires = `${obj}void f(struct kc *kcov) __acquires(&kcov->lock)\n{\n\tstruct kc *k = kcov;\n\n\tspin_lock(&k->lock);\n}\n`;
    expect(run(lockBalanceRule, acquires, 'RT')).toEqual([]);
    // Still reported: returning without the lock __acquires() promises.
    const broken = `${obj}void f(struct kc *kcov) __acquires(&kcov->lock)\n{\n\tkcov->n++;\n}\n`;
    expect(run(lockBalanceRule, broken, 'RT').map((f) => f.role)).toEqual(['contract-exit:kcov->lock']);
  });

  it('lock-balance: a trylock holds the lock only on the side of the branch where it returned true', () => {
    expect(run(lockBalanceRule, locked('\tif (spin_trylock(&l)) {\n\t\tx++;\n\t\tspin_unlock(&l);\n\t}\n\treturn x;'), 'RT')).toEqual([]);
    expect(run(lockBalanceRule, locked('\tif (!spin_trylock(&l))\n\t\treturn -1;\n\tx++;\n\tspin_unlock(&l);\n\treturn 0;'), '!RT')).toEqual([]);
    expect(run(lockBalanceRule, locked('\tint ok = raw_spin_trylock(&r);\n\tif (ok)\n\t\traw_spin_unlock(&r);\n\treturn 0;'), 'RT')).toEqual([]);
    expect(firing(lockBalanceRule, locked('\tif (spin_trylock(&l))\n\t\treturn 1;\n\treturn 0;'), 'unreleased:l')).toEqual(ALL);
    // Sparse's __cond_lock(x, c): x held where c is true.
    expect(firing(lockBalanceRule, locked('\tif (__cond_lock(&l, x > 2))\n\t\treturn 1;\n\treturn 0;'), 'unreleased:l')).toEqual(ALL);
    expect(run(lockBalanceRule, locked('\tif (__cond_lock(&l, x > 2))\n\t\tspin_unlock(&l);\n\treturn 0;'), 'RT')).toEqual([]);
  });

  it('might-sleep: a trylock never waits, so a sleeping lock taken by trylock in atomic context is fine; mutex_lock is not', () => {
    expect(run(mightSleepRule, locked('\traw_spin_lock(&r);\n\tif (mutex_trylock(&m))\n\t\tmutex_unlock(&m);\n\traw_spin_unlock(&r);\n\treturn 0;'), 'RT')).toEqual([]);
    expect(firing(mightSleepRule, locked('\traw_spin_lock(&r);\n\tmutex_lock(&m);\n\tmutex_unlock(&m);\n\traw_spin_unlock(&r);\n\treturn 0;'), 'sleep:mutex_lock@f')).toEqual(ALL);
  });

  it('lock-balance: a function annotated __must_hold() called without the lock (the parameter mapped to the argument)', () => {
    const text = `struct kcov { spinlock_t lock; int n; };
static DEFINE_SPINLOCK(kcov_remote_lock);
static void area_put(int x) __must_hold(&kcov_remote_lock)
{
\tx++;
}
static void bump(struct kcov *kcov) __must_hold(&kcov->lock)
{
\tkcov->n++;
}
void f(struct kcov *k)
{
\tspin_lock(&kcov_remote_lock);
\tarea_put(1);
\tspin_unlock(&kcov_remote_lock);
\tarea_put(2);
\tspin_lock(&k->lock);
\tbump(k);
\tspin_unlock(&k->lock);
}
`;
    for (const c of ALL) {
      const f = run(lockBalanceRule, text, c);
      expect(f.map((x) => [x.role, x.line])).toEqual([['must-hold:kcov_remote_lock@area_put', 15]]);
    }
  });

  it('might-sleep: GFP_KERNEL under a spinlock_t everywhere; vmalloc under a raw spinlock everywhere', () => {
    expect(firing(mightSleepRule, locked('\tspin_lock(&l);\n\tkzalloc(8, GFP_KERNEL);\n\tspin_unlock(&l);\n\treturn 0;'), 'sleep:kzalloc@f')).toEqual(ALL);
    expect(firing(mightSleepRule, locked('\traw_spin_lock(&r);\n\tvmalloc(8);\n\traw_spin_unlock(&r);\n\treturn 0;'), 'sleep:vmalloc@f')).toEqual(ALL);
  });

  it('might-sleep: GFP_ATOMIC does not sleep; vmalloc after the unlock is fine; under local_lock_irqsave on every configuration', () => {
    expect(run(mightSleepRule, locked('\tspin_lock(&l);\n\tkmalloc(8, GFP_ATOMIC);\n\tspin_unlock(&l);\n\treturn 0;'), 'RT')).toEqual([]);
    expect(run(mightSleepRule, locked('\tspin_lock(&l);\n\tspin_unlock(&l);\n\tvmalloc(8);\n\treturn 0;'), '!RT')).toEqual([]);
    expect(firing(mightSleepRule, locked('\tlocal_lock_irqsave(&pcpu.lock, flags);\n\tvmalloc(8);\n\tlocal_unlock_irqrestore(&pcpu.lock, flags);\n\treturn 0;'), 'sleep:vmalloc@f')).toEqual(ALL);
    // Blocking on another sleeping lock inside a local_lock section is fine on RT; on !RT it is a spinning lock with IRQs off.
    expect(firing(mightSleepRule, locked('\tlocal_lock_irqsave(&pcpu.lock, flags);\n\tspin_lock(&l);\n\tspin_unlock(&l);\n\tlocal_unlock_irqrestore(&pcpu.lock, flags);\n\treturn 0;'), 'sleeping-lock:l@f')).toEqual([]);
  });

  it('might-sleep: on RT local_bh_disable() enters an RCU read-side section, so sleeping inside it is reported there too', () => {
    expect(firing(mightSleepRule, locked('\tlocal_bh_disable();\n\tvmalloc(8);\n\tlocal_bh_enable();\n\treturn 0;'), 'sleep:vmalloc@f')).toEqual(ALL);
  });

  it('might-sleep: a spinlock_t taken with hard interrupts off is a sleeping lock in atomic context on both RT configs only', () => {
    expect(firing(mightSleepRule, locked('\tlocal_irq_save(flags);\n\tspin_lock(&l);\n\tspin_unlock(&l);\n\tlocal_irq_restore(flags);\n\treturn 0;'), 'sleeping-lock:l@f')).toEqual(['RT+BHlock', 'RT']);
    expect(run(mightSleepRule, locked('\tspin_lock(&l);\n\tspin_unlock(&l);\n\treturn 0;'), 'RT')).toEqual([]);
  });

  const trace = (body: string) => `struct pcpu { int a; };\nstatic DEFINE_PER_CPU(struct pcpu, pc);\nvoid notrace __sanitizer_cov_trace_pc(void)\n{\n${body}\n}\n`;
  it('percpu-clobber: per-CPU data touched while migratable in task context; not with preemption off', () => {
    expect(firing(percpuClobberRule, trace('\tthis_cpu_ptr(&pc)->a = 1;'), 'unpinned:pc.a')).toEqual(ALL);
    expect(firing(percpuClobberRule, trace('\tpreempt_disable();\n\tthis_cpu_ptr(&pc)->a = 1;\n\tpreempt_enable();'), 'unpinned:pc.a')).toEqual([]);
    expect(firing(percpuClobberRule, trace('\tWRITE_ONCE(raw_cpu_ptr(&pc)->a, 1);'), 'unpinned:pc.a')).toEqual(ALL);
  });

  it('percpu-clobber: __this_cpu_*() and raw_cpu_*() operations are unpinned accesses; this_cpu_*() ones are single operations safe against preemption', () => {
    expect(firing(percpuClobberRule, trace('\t__this_cpu_write(pc.a, 1);'), 'unpinned:pc.a')).toEqual(ALL);
    expect(firing(percpuClobberRule, trace('\tint x = __this_cpu_read(pc.a);\n\t(void)x;'), 'unpinned:pc.a')).toEqual(ALL);
    expect(firing(percpuClobberRule, trace('\traw_cpu_inc(pc.a);'), 'unpinned:pc.a')).toEqual(ALL);
    expect(firing(percpuClobberRule, trace('\tpreempt_disable();\n\t__this_cpu_write(pc.a, 1);\n\tpreempt_enable();'), 'unpinned:pc.a')).toEqual([]);
    expect(firing(percpuClobberRule, trace('\tthis_cpu_write(pc.a, 1);'), 'unpinned:pc.a')).toEqual([]);
    expect(firing(percpuClobberRule, trace('\tthis_cpu_inc(pc.a);'), 'unpinned:pc.a')).toEqual([]);
  });

  it('percpu-clobber: a given CPU\'s copy (per_cpu_ptr(&v, cpu)) is not an unpinned access: the CPU is named, not the one the task runs on', () => {
    const given = (body: string) => trace(`\tint cpu = 1;\n${body}`);
    expect(firing(percpuClobberRule, given('\tper_cpu_ptr(&pc, cpu)->a = 1;'), 'unpinned:pc.a')).toEqual([]);
    expect(firing(percpuClobberRule, given('\tWRITE_ONCE(per_cpu_ptr(&pc, cpu)->a, 1);'), 'unpinned:pc.a')).toEqual([]);
    // The same store through the current CPU's pointer is one.
    expect(firing(percpuClobberRule, given('\tthis_cpu_ptr(&pc)->a = 1;'), 'unpinned:pc.a')).toEqual(ALL);
  });
});

describe('verdicts between my pre-fix fixture and a post-fix variant imitating seed 000 (per-task state on RT)', () => {
  const read = (f: string): string => fs.readFileSync(path.join(__dirname, '..', 'fixtures', f), 'utf8');
  const pair = (): ImagePair => ({
    path: 'kernel/kcov.c', pre: sourceImage('kernel/kcov.c', read('percpu-prefix.c')), post: sourceImage('kernel/kcov.c', read('percpu-postfix.c')), baseFrom: 'tree',
    map: { patchToPre: new Map(), patchToPost: new Map(), preToPatch: new Map(), postToPatch: new Map(), preToPost: new Map(), postToPre: new Map() },
  });
  const rules = [percpuClobberRule, lockBalanceRule, mightSleepRule];

  it('fixes the RT per-CPU findings and leaves !RT and RT+BHlock without per-CPU findings', () => {
    const out = compareImages(pair(), CONFIGS, rules);
    const clobber = out.filter((c) => c.finding.rule === 'percpu-clobber');
    expect(clobber.length).toBeGreaterThan(0);
    expect(clobber.every((c) => c.verdict === 'fixed' && c.configs.join() === 'RT')).toBe(true);
    expect(clobber.map((c) => c.finding.role)).toContain('clobber:kcov_percpu_data.saved_kcov');
  });

  it('shows what the post-fix variant introduces, decided by the table: vmalloc() in a softirq inside the RCU read side of local_bh_disable() on both RT configs', () => {
    const introduced = compareImages(pair(), CONFIGS, rules).filter((c) => c.verdict === 'introduced');
    expect(introduced.map((c) => [c.finding.rule, c.finding.role, c.configs.sort().join()])).toEqual([['might-sleep', 'sleep:vmalloc@kcov_remote_start', 'RT,RT+BHlock']]);
    expect(introduced[0].finding.message).toContain('RCU read-side');
    expect(introduced[0].finding.trace[0].context).toBe('softirq');
  });
});

describe('lock-balance checks the sparse lock annotations as contracts', () => {
  const annotated = (annotation: string, body: string) => `static DEFINE_SPINLOCK(l);\nint f(int x)\n\t${annotation}\n{\n${body}\n}\n`;

  it('__acquires(x): must return with x held on every path', () => {
    expect(firing(lockBalanceRule, annotated('__acquires(&l)', '\tspin_lock(&l);\n\treturn 0;'), 'contract-exit:l')).toEqual([]);
    expect(firing(lockBalanceRule, annotated('__acquires(&l)', '\tspin_lock(&l);\n\treturn 0;'), 'unreleased:l')).toEqual([]);
    expect(firing(lockBalanceRule, annotated('__acquires(&l)', '\tif (x)\n\t\treturn -1;\n\tspin_lock(&l);\n\treturn 0;'), 'contract-exit:l')).toEqual(ALL);
  });

  it('__releases(x): entered with x held, must release it on every path', () => {
    expect(firing(lockBalanceRule, annotated('__releases(&l)', '\tspin_unlock(&l);\n\treturn 0;'), 'contract-release:l')).toEqual([]);
    expect(firing(lockBalanceRule, annotated('__releases(&l)', '\tif (x)\n\t\treturn -1;\n\tspin_unlock(&l);\n\treturn 0;'), 'contract-release:l')).toEqual(ALL);
  });

  it('__must_hold(x): returning after dropping x breaks the contract; dropping and retaking keeps it', () => {
    expect(firing(lockBalanceRule, annotated('__must_hold(&l)', '\tspin_unlock(&l);\n\treturn 0;'), 'contract-exit:l')).toEqual(ALL);
    expect(firing(lockBalanceRule, annotated('__must_hold(&l)', '\tspin_unlock(&l);\n\tspin_lock(&l);\n\treturn 0;'), 'contract-exit:l')).toEqual([]);
  });
});

describe('caches shared between views follow what the paths depend on', () => {
  const callerOf = (annotation: string) => `struct kcov { spinlock_t lock; int n; };
static void bump(struct kcov *k)${annotation}
{
\tk->n++;
}
void caller(struct kcov *k)
{
\t/* the same comment either way */
\tbump(k);
}
`;
  it('an annotation added to an unchanged body changes the callers\' paths (the __must_hold check fires only then)', () => {
    expect(run(lockBalanceRule, callerOf(''), 'RT')).toEqual([]);
    expect(run(lockBalanceRule, callerOf('\n\t__must_hold(&k->lock)'), 'RT').map((f) => f.role)).toEqual(['must-hold:k->lock@bump']);
    expect(run(lockBalanceRule, callerOf(''), 'RT')).toEqual([]);
  });

  it('a comment edited inside a function keeps its findings, at their lines', () => {
    const locked = (body: string) => `static DEFINE_SPINLOCK(l);\nint f(int x)\n{\n${body}\n}\n`;
    const a = locked('\tspin_lock(&l);\n\t/* one */\n\tif (x)\n\t\treturn 1;\n\tspin_unlock(&l);\n\treturn 0;');
    const b = a.replace('/* one */', '/* one, and a longer comment */');
    const roles = (t: string) => run(lockBalanceRule, t, 'RT').map((f) => [f.role, f.line]);
    expect(roles(b)).toEqual(roles(a));
    expect(roles(a)).toEqual([['unreleased:l', 3]]); // the spin_lock() line
  });
});
