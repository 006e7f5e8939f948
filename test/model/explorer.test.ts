import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { activation } from '../../server/src/model/activation';
import { CONFIGS, type ConfigName } from '../../server/src/model/configs';
import { mayPreempt, PREEMPT_TABLE } from '../../server/src/model/contexts';
import { chainSteps, explore, findChain, nestingDepth, runCatalog } from '../../server/src/model/explorer';
import type { Step } from '../../server/src/model/activation';
import { ZERO_STATE } from '../../server/src/model/state';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import { readKcov } from '../support/kernel';

beforeAll(async () => { await initParser(); });

const fixture = (): string => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'percpu-prefix.c'), 'utf8');
const configRow = (name: ConfigName) => CONFIGS.find((c) => c.name === name) ?? CONFIGS[0];
const view = (text: string, name: ConfigName) => buildView(sourceImage('kernel/kcov.c', text), configRow(name));

describe('preemption table', () => {
  it('cites a document on every row', () => {
    for (const r of PREEMPT_TABLE) expect(r.cite).toMatch(/Documentation\/|kernel\/softirq\.c|include\/linux/);
  });

  it('lets a softirq preempt a BH section only on RT; the BH lock excludes it on RT+BHlock; !RT serializes softirqs', () => {
    const inBh = { ...ZERO_STATE, migrate: 1, rcu: 1 };
    expect(mayPreempt('RT', 'softirq', 'softirq', inBh).allowed).toBe(true);
    const held = mayPreempt('RT+BHlock', 'softirq', 'softirq', { ...inBh, bh: 1, locks: [{ id: 'softirq_ctrl.lock', kind: 'bh', line: 0, fn: 'x' }] });
    expect(held).toMatchObject({ allowed: false, why: 'softirq_ctrl.lock is held' });
    expect(held.row?.id).toBe('RT+BHlock-softirq-preempts-softirq');
    expect(mayPreempt('!RT', 'softirq', 'softirq', { ...ZERO_STATE, bh: 1 }).row?.id).toBe('!RT-softirq-serialized');
    expect(mayPreempt('!RT', 'task', 'softirq', { ...ZERO_STATE, hardirq: 1 }).allowed).toBe(false);
    expect(mayPreempt('RT', 'task', 'task', { ...ZERO_STATE, migrate: 1 }).allowed).toBe(true);
  });
});

describe('NMI context', () => {
  it('may interrupt any context at any point, even with interrupts off; nothing runs inside it', () => {
    const off = { ...ZERO_STATE, hardirq: 1, preempt: 1, bh: 1 };
    for (const c of ['!RT', 'RT+BHlock', 'RT'] as const) {
      for (const v of ['task', 'softirq', 'hardirq'] as const) expect(mayPreempt(c, v, 'nmi', off)).toMatchObject({ allowed: true, row: { id: `nmi-interrupts-${v}` } });
      for (const by of ['task', 'softirq', 'hardirq', 'nmi'] as const) expect(mayPreempt(c, 'nmi', by, ZERO_STATE).allowed).toBe(false);
    }
  });

  it('kcov returns early in NMI on the real 6.12 kcov.c (in_task()/in_softirq_really() guards)', () => {
    const v = view(readKcov(), 'RT');
    for (const fn of ['kcov_remote_start', 'kcov_remote_stop']) {
      expect(activation(v, fn, 'nmi').paths.every((p) => p.every((s) => s.op === 'return'))).toBe(true);
    }
    // check_kcov_mode()'s result is not evaluated at the caller: the callback only reads current's fields there.
    expect(activation(v, '__sanitizer_cov_trace_pc', 'nmi').paths.flat().every((s) => s.op === 'return' || (s.op === 'task' && s.access === 'read'))).toBe(true);
  });

  it('an NMI is seen by the explorer but cannot clobber: in NMI the guarded functions do nothing', () => {
    const r = explore(view(fixture(), '!RT'));
    const ex = r.excluded.find((e) => e.cell === 'kcov_percpu_data.saved_kcov' && e.victim === 'softirq' && e.by === 'nmi');
    expect(ex?.row).toBe('nmi-interrupts-softirq');
    expect(ex?.why).toContain('no nmi activation writes');
  });
});

describe('activations', () => {
  it('drops paths whose context predicates contradict the context (hardirq returns at the guard)', () => {
    const v = view(readKcov(), 'RT');
    const hard = activation(v, 'kcov_remote_start', 'hardirq');
    expect(hard.paths.every((p) => p.every((s) => s.op === 'return'))).toBe(true);
    const soft = activation(v, 'kcov_remote_start', 'softirq');
    expect(soft.paths.some((p) => p.some((s) => s.op === 'prim' && s.name === 'local_lock_irqsave'))).toBe(true);
    // vmalloc sits behind `in_task() ? vmalloc(...) : NULL`: never in softirq context.
    expect(soft.paths.some((p) => p.some((s) => s.op === 'prim' && s.name === 'vmalloc'))).toBe(false);
    expect(activation(v, 'kcov_remote_start', 'task').paths.some((p) => p.some((s) => s.op === 'prim' && s.name === 'vmalloc'))).toBe(true);
  });

  it('inlines callees with their parameters bound: t->kcov_* in kcov_start() is a task field of current', () => {
    const v = view(readKcov(), '!RT');
    const steps = activation(v, 'kcov_remote_stop', 'softirq').paths.flat();
    expect(steps.some((s) => s.op === 'task' && s.fn === 'kcov_remote_softirq_stop' && s.cell === 'task.kcov_saved_kcov')).toBe(true);
  });

  it('expands function-like macros of the view: kcov_local_lock_irqsave() is local_lock_irqsave() on !RT and nothing on RT', () => {
    const text = `#ifndef CONFIG_PREEMPT_RT
#define kcov_local_lock_irqsave(flags) local_lock_irqsave(&kcov_percpu_data.lock, flags)
#define kcov_local_unlock_irqrestore(flags) local_unlock_irqrestore(&kcov_percpu_data.lock, flags)
#else
static inline void kcov_local_lock_irqsave(unsigned long flags) { }
static inline void kcov_local_unlock_irqrestore(unsigned long flags) { }
#endif
void f(void)
{
\tunsigned long flags;
\tkcov_local_lock_irqsave(flags);
\tkcov_local_unlock_irqrestore(flags);
}
`;
    const names = (c: ConfigName) => activation(view(text, c), 'f', 'task').paths.map((p) => p.map((s) => (s.op === 'prim' ? `${s.name}(${s.lockId})` : s.op)));
    expect(names('!RT')).toEqual([['local_lock_irqsave(kcov_percpu_data.lock)', 'local_unlock_irqrestore(kcov_percpu_data.lock)']]);
    expect(names('RT')).toEqual([[]]);
  });
});

describe('explorer on the real 6.12 kcov.c', () => {
  it.each(CONFIGS.map((c) => c.name))('proves per-CPU clobbering impossible under %s: no activation keeps state per CPU', (c) => {
    const r = explore(view(readKcov(), c));
    expect(r.clobbers).toEqual([]);
    expect(r.unpinned).toEqual([]);
    // Why: the saved softirq state is in task_struct; the only per-CPU object is the lock itself.
    expect(r.windows).toEqual([]);
    expect(r.taskCells).toContain('task.kcov_saved_kcov');
  });
});

describe('explorer on a pre-fix-style fixture (per-CPU irq_area and saved_*)', () => {
  it('finds under RT the saved state and irq_area clobbered by a second BH section on the same CPU', () => {
    const r = explore(view(fixture(), 'RT'));
    const cells = r.clobbers.map((c) => c.cell).sort();
    expect(cells).toEqual(['kcov_percpu_data.irq_area[]', 'kcov_percpu_data.saved_area', 'kcov_percpu_data.saved_kcov', 'kcov_percpu_data.saved_mode', 'kcov_percpu_data.saved_sequence', 'kcov_percpu_data.saved_size']);
    const kcov = r.clobbers.find((c) => c.cell === 'kcov_percpu_data.saved_kcov');
    expect(kcov?.victim.context).toBe('softirq');
    expect(kcov?.by.run.context).toBe('softirq');
    expect(kcov?.row.id).toBe('RT-softirq-preempts-softirq');
    expect(kcov?.proof.map((p) => p.context)).toEqual(['softirq', 'softirq', 'softirq', 'softirq', 'softirq', 'softirq']);
    expect(kcov?.proof[1].fn).toBe('kcov_softirq_save');
    expect(kcov?.proof[5].fn).toBe('kcov_softirq_restore');
    expect(kcov?.proof.every((p) => p.config === 'RT' && p.row !== '')).toBe(true);
    // Inside the local_lock region a second activation blocks on the same per-CPU sleeping lock:
    // the first point it can clobber is right after the unlock at the end of kcov_remote_start().
    const point = kcov ? kcov.victim.steps[kcov.point] : undefined;
    expect(point?.op === 'prim' ? point.name : '').toBe('local_unlock_irqrestore');
    expect(kcov?.victim.after[kcov.point].locks).toEqual([]);
    expect(kcov?.victim.after[kcov.write].locks.map((l) => l.id)).toEqual(['kcov_percpu_data.lock']);
  });

  it.each([
    ['RT+BHlock', 'RT+BHlock-softirq-preempts-softirq', 'softirq_ctrl.lock is held'],
    ['!RT', '!RT-softirq-serialized', 'softirqs of one CPU never nest'],
  ] as const)('proves it impossible under %s, naming row %s', (c, row, why) => {
    const r = explore(view(fixture(), c));
    expect(r.clobbers).toEqual([]);
    const ex = r.excluded.find((e) => e.cell === 'kcov_percpu_data.saved_kcov' && e.victim === 'softirq' && e.by === 'softirq');
    expect(ex?.row).toBe(row);
    expect(ex?.why).toContain(why);
  });

});

describe('nesting depth (activations nested on one CPU)', () => {
  it('clamps the setting to 2..4', () => {
    expect([undefined, 1, 2, 3, 4, 9, Number.NaN].map((d) => nestingDepth(d))).toEqual([2, 2, 2, 3, 4, 4, 2]);
  });

  it.each(CONFIGS.map((c) => c.name))('on the pre-fix fixture, depth 3 and 4 find what depth 2 finds under %s: the preemption table is closed under nesting', (c) => {
    const v = view(fixture(), c);
    const cells = (d: number) => explore(v, { depth: d }).clobbers.map((x) => `${x.cell}:${x.row.id}`).sort();
    expect(cells(3)).toEqual(cells(2));
    expect(cells(4)).toEqual(cells(2));
  });

  it('finds a writer two levels down and proves the chain step by step', () => {
    // A hard interrupt that does not touch the cell, interrupted by an NMI that writes it.
    const text = `struct pcpu { int a; };
static DEFINE_PER_CPU(struct pcpu, pc);
void nmi_writer(void)
{
\tthis_cpu_ptr(&pc)->a = 1;
}
void irq_quiet(void)
{
\tbarrier();
}
`;
    const v = view(text, 'RT');
    const seqs = [
      { name: 'quiet irq', functions: ['irq_quiet'], contexts: ['hardirq'] as const },
      { name: 'nmi writer', functions: ['nmi_writer'], contexts: ['nmi'] as const },
    ];
    const { runsIn } = runCatalog(v, seqs.map((s) => ({ ...s, contexts: [...s.contexts] })));
    const hits = (s: Step): 'hit' | 'go' => (s.op === 'percpu' && s.access === 'write' ? 'hit' : 'go');
    // Depth 2 looks only at hard-irq runs, which never write.
    expect(findChain('RT', 'hardirq', [], 0, runsIn, hits)).toBeNull();
    const chain = findChain('RT', 'hardirq', [], 1, runsIn, hits);
    expect(chain?.via.map((l) => [l.run.context, l.row?.id])).toEqual([['hardirq', 'nmi-interrupts-hardirq']]);
    expect(chain?.run.context).toBe('nmi');
    const head = mayPreempt('RT', 'task', 'hardirq', ZERO_STATE).row;
    if (!chain || !head) throw new Error('no chain');
    const steps = chainSteps(chain, head, chain.run.steps[0], 'RT', 'overwrites per-CPU pc.a', 'note');
    expect(steps.map((s) => s.context)).toEqual(['hardirq', 'hardirq', 'nmi', 'nmi']);
    expect(steps[2].text).toContain('inside the hardirq activation');
    expect(steps[2].row).toContain('nmi-interrupts-hardirq');
    expect(steps[3].text).toContain('this_cpu_ptr(&pc)->a = 1');
  });

  it('a nested softirq on RT+BHlock blocks at entry on the BH lock an outer activation holds', () => {
    const text = `struct pcpu { int a; };
static DEFINE_PER_CPU(struct pcpu, pc);
void sirq_writer(void)
{
\tthis_cpu_ptr(&pc)->a = 1;
}
void task_quiet(void)
{
\tbarrier();
}
`;
    const v = view(text, 'RT+BHlock');
    const { runsIn } = runCatalog(v, [
      { name: 'quiet task', functions: ['task_quiet'], contexts: ['task'] },
      { name: 'softirq writer', functions: ['sirq_writer'], contexts: ['softirq'] },
    ]);
    const hits = (s: Step): 'hit' | 'go' => (s.op === 'percpu' && s.access === 'write' ? 'hit' : 'go');
    const bh = [{ id: 'softirq_ctrl.lock', kind: 'bh' as const, line: 0, fn: 'victim' }];
    expect(findChain('RT+BHlock', 'task', [], 1, runsIn, hits)?.run.context).toBe('softirq');
    expect(findChain('RT+BHlock', 'task', bh, 1, runsIn, hits)).toBeNull();
  });
});
