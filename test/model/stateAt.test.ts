/**
 * stateAt: the abstract state before each line, on small hand-written C fixtures (our own code that
 * imitates kcov's constructs) and on the real 6.12 kcov.c.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS, type ConfigName } from '../../server/src/model/configs';
import { functionStates, mergeStates, statesAtLine, type LineStates } from '../../server/src/model/stateAt';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import type { ConfigView } from '../../server/src/source/types';
import { readKcov } from '../support/kernel';

beforeAll(async () => { await initParser(); });

const row = (name: ConfigName) => CONFIGS.find((c) => c.name === name) ?? CONFIGS[0];
const view = (text: string, name: ConfigName): ConfigView => buildView(sourceImage('kernel/kcov.c', text), row(name));

/** 0-based line of the only line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const lines = text.split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(needle) ? [i] : []));
  if (hits.length !== 1) throw new Error(`${needle}: ${hits.length} lines`);
  return hits[0];
}

function at(text: string, name: ConfigName, needle: string): LineStates {
  const s = statesAtLine(view(text, name), lineOf(text, needle));
  if (!s) throw new Error(`no states at ${needle}`);
  return s;
}

const LOCKED = `static DEFINE_PER_CPU(struct pcp, pcp_data);

static void helper(void)
{
\thelper_body = 1;
}

void entry_fn(int a)
{
\tunsigned long flags;

\tif (!a)
\t\treturn;
\tlocal_lock_irqsave(&pcp_data.lock, flags);
\thelper();
\tif (a > 1) {
\t\tspin_lock(&other_lock);
\t\tinside_arm = 2;
\t\tspin_unlock(&other_lock);
\t}
\tafter_arm = 3;
\tlocal_unlock_irqrestore(&pcp_data.lock,
\t\t\t\tflags);
\tafter_unlock = 4;
}
`;

describe('states along the paths of a function', () => {
  it('after local_lock_irqsave: RT holds the sleeping lock with migration off, !RT has hard IRQs off', () => {
    const rt = mergeStates(at(LOCKED, 'RT', 'helper();').reaching);
    expect(rt).toMatchObject({ contexts: ['task'], agree: true, counters: { preempt: [0], migrate: [1], hardirq: [0] } });
    expect(rt.locks).toEqual([{ id: 'pcp_data.lock', kinds: ['sleeping'], held: 'all' }]);
    const nrt = mergeStates(at(LOCKED, '!RT', 'helper();').reaching);
    expect(nrt.counters.hardirq).toEqual([1]);
    expect(nrt.counters.migrate).toEqual([0]);
    expect(nrt.locks).toEqual([{ id: 'pcp_data.lock', kinds: ['local'], held: 'all' }]);
  });

  it('the line of the lock itself shows the state before it (nothing held)', () => {
    const s = at(LOCKED, 'RT', 'local_lock_irqsave');
    expect(s.status).toBe('reached');
    expect(mergeStates(s.reaching).locks).toEqual([]);
  });

  it('inside an arm only the paths that take it count: no false disagreement from the path that skips it', () => {
    const s = mergeStates(at(LOCKED, '!RT', 'inside_arm').reaching);
    expect(s.agree).toBe(true);
    expect(s.counters.preempt).toEqual([1]);
    expect(s.locks.map((l) => [l.id, l.held])).toEqual([['pcp_data.lock', 'all'], ['other_lock', 'all']]);
    // After the arm both paths meet again in the same state.
    const after = at(LOCKED, '!RT', 'after_arm');
    expect(after.reaching.length).toBe(1);
    expect(after.reaching[0].paths).toBe(2);
    expect(mergeStates(after.reaching).locks.map((l) => l.id)).toEqual(['pcp_data.lock']);
  });

  it('an early return ends the path: the return line has the entry state, later lines never see it', () => {
    const ret = mergeStates(at(LOCKED, 'RT', 'return;').reaching);
    expect(ret.counters.migrate).toEqual([0]);
    expect(ret.locks).toEqual([]);
    for (const needle of ['helper();', 'after_arm', 'after_unlock']) {
      expect(at(LOCKED, 'RT', needle).reaching.every((r) => r.state.locks.length > 0 || needle === 'after_unlock')).toBe(true);
    }
    expect(at(LOCKED, 'RT', 'after_unlock').reaching.map((r) => r.state.migrate)).toEqual([0]);
  });

  it('a line that continues a statement gets the state before the statement', () => {
    const s = at(LOCKED, 'RT', '\t\t\t\tflags);');
    expect(s.stateLine).toBe(lineOf(LOCKED, 'local_unlock_irqrestore'));
    expect(mergeStates(s.reaching).locks.map((l) => l.id)).toEqual(['pcp_data.lock']);
  });

  it('a static function called only in the file starts from the state at its call site', () => {
    const s = at(LOCKED, 'RT', 'helper_body');
    expect(s.fn).toBe('helper');
    expect(mergeStates(s.reaching).locks).toEqual([{ id: 'pcp_data.lock', kinds: ['sleeping'], held: 'all' }]);
    expect(s.reaching[0].origins).toEqual([`called from entry_fn() at line ${lineOf(LOCKED, 'helper();') + 1} (task context)`]);
    expect(functionStates(view(LOCKED, 'RT'), 'entry_fn')?.entries.map((e) => e.origins[0])).toEqual([expect.stringMatching(/^not called in this file: entered from outside it, in task context/)]);
  });

  it('explains every activation path by a summary path (none unmatched)', () => {
    for (const c of CONFIGS) for (const fn of ['entry_fn', 'helper']) expect(functionStates(view(LOCKED, c.name), fn)?.unmatched).toBe(0);
  });
});

describe('disagreeing paths are merged conservatively', () => {
  const TEXT = `void f(int a)
{
\tif (a)
\t\tpreempt_disable();
\tmaybe_off = 1;
\tif (a)
\t\tpreempt_enable();
}
`;
  it('says preempt is on on one path and off on another', () => {
    const s = at(TEXT, '!RT', 'maybe_off');
    const m = mergeStates(s.reaching);
    expect(m.agree).toBe(false);
    expect(m.counters.preempt).toEqual([0, 1]);
    expect(s.reaching).toHaveLength(2);
  });
});

describe('contexts of entry functions', () => {
  // kcov_remote_start is an entry function (ENTRY_SEQUENCES): run in task, softirq, hardirq and NMI context.
  const TEXT = `void kcov_remote_start(u64 handle)
{
\tif (!in_task() && !in_softirq_really())
\t\treturn;
\tif (in_task()) {
\t\tonly_task = 1;
\t} else {
\t\tonly_softirq = 2;
\t}
\tboth = 3;
}
`;
  it('roots the function in each context it is called in and keeps the arms per context', () => {
    expect(mergeStates(at(TEXT, '!RT', 'only_task').reaching).contexts).toEqual(['task']);
    const soft = at(TEXT, '!RT', 'only_softirq');
    expect(mergeStates(soft.reaching)).toMatchObject({ contexts: ['softirq'], counters: { bh: [1] } });
    expect(mergeStates(at(TEXT, 'RT', 'only_softirq').reaching)).toMatchObject({ counters: { bh: [0], migrate: [1], rcu: [1] } });
    expect(mergeStates(at(TEXT, 'RT+BHlock', 'only_softirq').reaching).locks).toEqual([{ id: 'softirq_ctrl.lock', kinds: ['bh'], held: 'all' }]);
    expect(mergeStates(at(TEXT, '!RT', 'return;').reaching).contexts.sort()).toEqual(['hardirq', 'nmi']);
    const both = mergeStates(at(TEXT, '!RT', 'both = 3').reaching);
    expect(both.contexts.sort()).toEqual(['softirq', 'task']);
    expect(both.counters.bh).toEqual([0, 1]);
  });
});

describe('switch fall-through and goto', () => {
  const TEXT = `int g(int cmd, int r)
{
\tspin_lock(&l);
\tswitch (cmd) {
\tcase 1:
\t\tlocal_irq_disable();
\t\t/* fall through */
\tcase 2:
\t\tin_case_two = 2;
\t\tbreak;
\tdefault:
\t\tin_default = 0;
\t}
\tif (r)
\t\tgoto out;
\tspin_unlock(&l);
\tnot_after_goto = 3;
\tspin_lock(&l);
out:
\tspin_unlock(&l);
\treturn r;
}
`;
  it('a case entered directly and by falling through sees both states; the default case only its own', () => {
    expect(mergeStates(at(TEXT, '!RT', 'in_case_two').reaching).counters.hardirq).toEqual([0, 1]);
    expect(mergeStates(at(TEXT, '!RT', 'in_default').reaching).counters.hardirq).toEqual([0]);
  });

  it('lines skipped by a goto are not reached by the paths that take it', () => {
    const skipped = mergeStates(at(TEXT, 'RT', 'not_after_goto').reaching);
    expect(skipped.locks).toEqual([]);
    const label = mergeStates(at(TEXT, 'RT', 'out:').reaching);
    expect(label.locks).toEqual([{ id: 'l', kinds: ['sleeping'], held: 'all' }]);
  });
});

describe('lines the model does not reach or compile', () => {
  const TEXT = `void h(int a)
{
\tif (in_nmi()) {
\t\tnever_in_task = 1;
\t}
#ifdef CONFIG_PREEMPT_RT
\tonly_rt = 1;
#endif
\t/* a comment line */
}
`;
  it('reports arms the context rules out as unreached, #if-ed out lines as inactive, comments as no line', () => {
    expect(at(TEXT, 'RT', 'never_in_task').status).toBe('unreached');
    expect(at(TEXT, '!RT', 'only_rt').status).toBe('inactive');
    expect(at(TEXT, 'RT', 'only_rt').status).toBe('reached');
    expect(statesAtLine(view(TEXT, 'RT'), lineOf(TEXT, 'a comment line'))).toBeNull();
    expect(statesAtLine(view(TEXT, 'RT'), lineOf(TEXT, 'void h'))).toBeNull();
  });

  it('skips a function with a parse error in it (unmodelled), without throwing', () => {
    const broken = `void b(void)\n{\n\tlocal_irq_disable();\n\tx = = 1;\n}\n`;
    expect(at(broken, '!RT', 'local_irq_disable').status).toBe('unmodelled');
  });
});

describe('on the real 6.12 kcov.c', () => {
  it.each(CONFIGS.map((c) => c.name))('explains every activation path of every function under %s', (c) => {
    const v = view(readKcov(), c);
    for (const fn of v.functions.keys()) expect(functionStates(v, fn)?.unmatched ?? 0, fn).toBe(0);
  });

  it('kcov_remote_start after local_lock_irqsave: RT migrate off with the lock held, !RT hard IRQs off; hardirq context never gets there', () => {
    const text = readKcov();
    const line = lineOf(text, 'if (WARN_ON(in_task() && kcov_mode_enabled(mode))) {');
    const rt = mergeStates(statesAtLine(view(text, 'RT'), line)?.reaching ?? []);
    expect(rt.counters.migrate.every((n) => n > 0)).toBe(true);
    expect(rt.counters.preempt).toEqual([0]);
    expect(rt.locks).toContainEqual({ id: 'kcov_percpu_data.lock', kinds: ['sleeping'], held: 'all' });
    expect(rt.contexts.sort()).toEqual(['softirq', 'task']);
    const nrt = mergeStates(statesAtLine(view(text, '!RT'), line)?.reaching ?? []);
    expect(nrt.counters.hardirq).toEqual([1]);
    expect(nrt.locks).toEqual([{ id: 'kcov_percpu_data.lock', kinds: ['local'], held: 'all' }]);
  });

  it('kcov_remote_softirq_start() runs only in softirq context, with the per-CPU lock its caller took', () => {
    const text = readKcov();
    const s = statesAtLine(view(text, 'RT'), lineOf(text, 't->kcov_saved_kcov = t->kcov;'));
    expect(s?.fn).toBe('kcov_remote_softirq_start');
    const m = mergeStates(s?.reaching ?? []);
    expect(m.contexts).toEqual(['softirq']);
    expect(m.locks.map((l) => l.id)).toEqual(['kcov_percpu_data.lock']);
    expect(s?.reaching[0].origins[0]).toMatch(/^called from kcov_remote_start\(\) at line \d+ \(softirq context\)$/);
  });

  it('kcov_mmap: the goto exit path holds the lock at the label, the fall-through path after the unlock does not', () => {
    const text = readKcov();
    const v = view(text, '!RT');
    const mmap = v.functions.get('kcov_mmap');
    const lines = text.split('\n');
    const exit = lines.findIndex((l, i) => i > (mmap?.startLine ?? 0) && l === 'exit:');
    expect(mergeStates(statesAtLine(v, exit)?.reaching ?? []).locks.map((l) => l.id)).toEqual(['kcov->lock']);
    expect(mergeStates(statesAtLine(v, lineOf(text, 'vm_flags_set(vma, VM_DONTEXPAND);'))?.reaching ?? []).locks).toEqual([]);
  });
});

describe('a long function', () => {
  it('keeps the right state on every line of 600 disable/enable pairs', () => {
    const body = Array.from({ length: 600 }, (_, i) => `\tlocal_irq_disable();\n\tx${i} = ${i};\n\tlocal_irq_enable();`).join('\n');
    const text = `void long_fn(void)\n{\n${body}\n\tlast = 1;\n}\n`;
    expect(functionStates(view(text, '!RT'), 'long_fn')?.unmatched).toBe(0);
    for (const i of [0, 299, 599]) expect(mergeStates(at(text, '!RT', `x${i} = ${i};`).reaching).counters.hardirq).toEqual([1]);
    expect(mergeStates(at(text, '!RT', 'last = 1').reaching).counters.hardirq).toEqual([0]);
  });
});
