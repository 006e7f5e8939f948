/** Parser, printer and executor behaviour on hand-written litmus tests. */
import { describe, expect, it } from 'vitest';
import { LitmusParseError, parseLitmus, printLitmus, runLitmus, type LitmusVerdict } from '../../../server/src/model/memory/index';
import { KERNEL_SUITE_SIZE, kernelLitmusTests, withoutLines } from './support';

function parseError(text: string): LitmusParseError {
  try {
    parseLitmus(text);
  } catch (e) {
    if (e instanceof LitmusParseError) return e;
    throw e;
  }
  throw new Error('expected a LitmusParseError');
}

function result(text: string): string {
  const v = runLitmus(parseLitmus(text));
  return v.result;
}

function reason(v: LitmusVerdict): string {
  return v.result === 'Unsupported' ? v.reason : `not unsupported: ${v.result}`;
}

const SB_SC = `C SB+seqcst
{}
P0(int *x, int *y)
{
	int r0;
	__atomic_store_n(x, 1, __ATOMIC_SEQ_CST);
	r0 = __atomic_load_n(y, __ATOMIC_SEQ_CST);
}
P1(int *x, int *y)
{
	int r0;
	__atomic_store_n(y, 1, __ATOMIC_SEQ_CST);
	r0 = __atomic_load_n(x, __ATOMIC_SEQ_CST);
}
exists (0:r0=0 /\\ 1:r0=0)
`;

describe('parseLitmus', () => {
  it('reads init forms, parameters, statements and the condition', () => {
    const t = parseLitmus(`C T+all
(* Result: Sometimes *)
{
int x = 1;
int *p = &y;
q=z;
0:r9=4;
atomic_t v = ATOMIC_INIT(3);
}

P0(int *x, int **p, spinlock_t *l, atomic_t *v) // comment
{
	int r0 = READ_ONCE(*x), *r1;
	r1 = READ_ONCE(*p);
	*r1 = r0 + 2;
	if (r0 != 0 && !r9) {
		spin_lock(l);
		atomic_add(-1, v);
	} else
		smp_store_release(x, (r0 * 3) - 1);
	/* block comment (* not herd *) */
}

locations [0:r1; x]
filter (0:r0=1 \\/ ~0:r0=2)
~exists (x=2 /\\ 0:r1=y /\\ v!=3)
`);
    expect(t.name).toBe('T+all');
    expect(t.comment).toBe(' Result: Sometimes ');
    expect(withoutLines(t.init)).toEqual([
      { target: { kind: 'loc', name: 'x' }, type: 'int', value: { kind: 'int', value: 1 } },
      { target: { kind: 'loc', name: 'p' }, type: 'int *', value: { kind: 'addr', name: 'y', ampersand: true } },
      { target: { kind: 'loc', name: 'q' }, value: { kind: 'addr', name: 'z', ampersand: false } },
      { target: { kind: 'reg', thread: 0, reg: 'r9' }, value: { kind: 'int', value: 4 } },
      { target: { kind: 'loc', name: 'v' }, type: 'atomic_t', value: { kind: 'int', value: 3, atomicInit: true } },
    ]);
    expect(t.processes[0].params.map((p) => `${p.type}|${p.name}`)).toEqual(['int *|x', 'int **|p', 'spinlock_t *|l', 'atomic_t *|v']);
    expect(t.processes[0].body.map((s) => s.kind)).toEqual(['decl', 'decl', 'assign', 'store', 'if']);
    const branch = t.processes[0].body[4];
    expect(branch.kind === 'if' && branch.then.length === 2 && branch.else?.length === 1).toBe(true);
    expect(t.locations).toEqual([{ kind: 'reg', thread: 0, reg: 'r1' }, { kind: 'loc', name: 'x' }]);
    expect(t.filter?.kind).toBe('or');
    expect(t.condition.quantifier).toBe('not exists');
    expect(withoutLines(t.condition.prop)).toEqual({
      kind: 'and',
      left: {
        kind: 'and',
        left: { kind: 'eq', target: { kind: 'loc', name: 'x' }, value: { kind: 'int', value: 2 } },
        right: { kind: 'eq', target: { kind: 'reg', thread: 0, reg: 'r1' }, value: { kind: 'addr', name: 'y', ampersand: false } },
      },
      right: { kind: 'not', arg: { kind: 'eq', target: { kind: 'loc', name: 'v' }, value: { kind: 'int', value: 3 } } },
    });
  });

  it('reports syntax errors as LitmusParseError with the line', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['P0(int *x) { }\nexists (x=1)\n', 1, /C <test name>/],
      ['C t\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1)\n}\nexists (x=1)\n', 6, /expected ';'/],
      ['C t\n{}\nP0(int *x)\n{\n\tint r0;\n\tr0 = READ_ONCE(*x;\n}\nexists (x=1)\n', 6, /expected/],
      ['C t\n{}\nP0(int *x)\n{\n\tfor (;;) WRITE_ONCE(*x, 1);\n}\nexists (x=1)\n', 5, /'for' is not part/],
      ['C t\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\n\nexists (x=1 /\\ )\n', 8, /location or N:register/],
      ['C t\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\n', 7, /missing final condition/],
      ['C t\n{}\nP1(int *x)\n{\n}\nexists (x=1)\n', 3, /expected P0/],
      ['C t\n{\nint x = 1\nint y;\n}\n', 4, /after an init entry/],
      ['C t\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1) @;\n}\nexists (x=1)\n', 5, /unexpected character '@'/],
      ['C t\n(* never closed\n{}\n', 2, /unterminated comment/],
      ['C t\n{}\nP0(int *x)\n{\n\t3 = r0;\n}\nexists (x=1)\n', 5, /left side of an assignment/],
    ];
    for (const [text, line, message] of cases) {
      const e = parseError(text);
      expect(e.line, text).toBe(line);
      expect(e.message).toMatch(message);
      expect(e.message.startsWith(`line ${line}:`)).toBe(true);
    }
  });
});

describe('printLitmus', () => {
  it('round-trips every kernel litmus test to the same AST and verdict', () => {
    const tests = kernelLitmusTests();
    expect(tests.length).toBeGreaterThanOrEqual(KERNEL_SUITE_SIZE);
    for (const k of tests) {
      const t = parseLitmus(k.text);
      const printed = printLitmus(t);
      const back = parseLitmus(printed);
      expect(withoutLines(back), k.file).toEqual(withoutLines(t));
      expect(runLitmus(back), k.file).toEqual(runLitmus(t));
      // The Result: comment survives, so an exported test can be judged by the kernel's scripts.
      expect(printed).toContain(`Result: ${k.expected}`);
    }
  });

  it('lowers C11 builtins and keeps the verdict', () => {
    const t = parseLitmus(SB_SC);
    const printed = printLitmus(t);
    expect(printed).toContain('smp_store_release(x, 1);\n\tsmp_mb();');
    expect(printed).toContain('r0 = smp_load_acquire(y);');
    expect(runLitmus(parseLitmus(printed)).result).toBe(runLitmus(t).result);
  });

  it('prints conditions with ~exists, forall, filter and nested connectives', () => {
    const text = `C P
{
int *p = &y;
q=z;
}
P0(int *x, int *y)
{
	int r0;
	r0 = READ_ONCE(*x);
	if (r0 == -1) {
		WRITE_ONCE(*y, r0 - -2);
	}
}
locations [x; 0:r0]
filter (0:r0=0 \\/ 0:r0=1)
forall ((x=0 \\/ y=1) /\\ ~(0:r0=3))
`;
    const printed = printLitmus(parseLitmus(text));
    expect(printed).toContain('int *p = &y;');
    expect(printed).toContain('q = z;');
    expect(printed).toContain('WRITE_ONCE(*y, r0 - (-2));');
    expect(printed).toContain('filter (0:r0=0 \\/ 0:r0=1)');
    expect(printed).toContain('forall ((x=0 \\/ y=1) /\\ ~(0:r0=3))');
    expect(withoutLines(parseLitmus(printed))).toEqual(withoutLines(parseLitmus(text)));
  });
});

describe('runLitmus', () => {
  it('reports herd7 Observations for each quantifier (pos/neg are w.r.t. the proposition)', () => {
    const body = `{}
P0(atomic_t *v) { atomic_inc(v); }
P1(atomic_t *v) { atomic_inc(v); }
`;
    const forall = runLitmus(parseLitmus(`C inc\n${body}forall (v=2)\n`));
    // atomic_inc()'s read is R*[noreturn]: Marked only as domain(rmw), so no data race may be flagged.
    expect(forall).toMatchObject({ result: 'Always', ok: true, positive: 2, negative: 0, flags: [] });
    const notExists = runLitmus(parseLitmus(`C inc\n${body}~exists (v=1)\n`));
    expect(notExists).toMatchObject({ result: 'Never', ok: true });
    const exists = runLitmus(parseLitmus(`C inc\n${body}exists (v=1)\n`));
    expect(exists).toMatchObject({ result: 'Never', ok: false });
  });

  it('keeps RMWs atomic and non-atomic increments racy', () => {
    const racy = `C racy
{}
P0(int *v) { int r; r = READ_ONCE(*v); WRITE_ONCE(*v, r + 1); }
P1(int *v) { int r; r = READ_ONCE(*v); WRITE_ONCE(*v, r + 1); }
exists (v=1)
`;
    expect(result(racy)).toBe('Sometimes');
    expect(result(racy.replace(/int r; r = READ_ONCE\(\*v\); WRITE_ONCE\(\*v, r \+ 1\);/g, 'int r; r = atomic_fetch_add_relaxed(1, v);'))).toBe('Never');
  });

  it('models fully ordered RMWs as smp_mb() on both sides and relaxed ones as unordered', () => {
    const sb = (op: string): string => `C SB+${op}
{}
P0(int *x, int *y) { int r0; int r9; r9 = ${op}(x, 1); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; int r9; r9 = ${op}(y, 1); r0 = READ_ONCE(*x); }
exists (0:r0=0 /\\ 1:r0=0)
`;
    expect(result(sb('xchg'))).toBe('Never');
    expect(result(sb('xchg_relaxed'))).toBe('Sometimes');
    expect(result(sb('xchg_acquire'))).toBe('Sometimes');
  });

  it('forbids out-of-thin-air values through data dependencies (LB+datas)', () => {
    const lb = `C LB+datas
{}
P0(int *x, int *y) { int r0; r0 = READ_ONCE(*x); WRITE_ONCE(*y, r0); }
P1(int *x, int *y) { int r0; r0 = READ_ONCE(*y); WRITE_ONCE(*x, r0); }
exists (0:r0=0 /\\ 1:r0=0)
`;
    expect(runLitmus(parseLitmus(lb))).toMatchObject({ result: 'Always', positive: 3, negative: 0 });
  });

  it('handles spin_trylock and reports deadlocks as Never 0 0', () => {
    const trylock = `C trylock
{}
P0(int *x, spinlock_t *l) { spin_lock(l); WRITE_ONCE(*x, 1); WRITE_ONCE(*x, 2); spin_unlock(l); }
P1(int *x, spinlock_t *l) { int r0; int r1; r0 = spin_trylock(l); if (r0) { r1 = READ_ONCE(*x); spin_unlock(l); } }
exists (1:r0=1 /\\ 1:r1=1)
`;
    expect(result(trylock)).toBe('Never');
    expect(result(trylock.replace('exists (1:r0=1 /\\ 1:r1=1)', 'exists (1:r0=1 /\\ 1:r1=2)'))).toBe('Sometimes');
    const deadlock = `C deadlock
{}
P0(spinlock_t *l) { spin_lock(l); }
P1(spinlock_t *l) { spin_lock(l); }
exists (0:r0=0)
`;
    expect(runLitmus(parseLitmus(deadlock))).toMatchObject({ result: 'Never', positive: 0, negative: 0 });
  });

  it('maps seq_cst C11 accesses so store buffering is forbidden, release/acquire allow it', () => {
    expect(result(SB_SC)).toBe('Never');
    expect(result(SB_SC.replace(/__ATOMIC_SEQ_CST\);\n\tr0/g, '__ATOMIC_RELEASE);\n\tr0').replace(/__atomic_load_n\((\w), __ATOMIC_SEQ_CST\)/g, '__atomic_load_n($1, __ATOMIC_ACQUIRE)'))).toBe('Sometimes');
  });

  it('reports unsupported constructs with a reason instead of a verdict', () => {
    const wrap = (stmt: string, params = 'int *x'): string => `C u\n{}\nP0(${params})\n{\n\tint r0;\n\t${stmt}\n}\nexists (x=1)\n`;
    const cases: Array<[string, RegExp]> = [
      [wrap('synchronize_rcu();'), /RCU grace periods/],
      [wrap('r0 = srcu_read_lock(x);'), /SRCU/],
      [wrap('while (r0) r0 = READ_ONCE(*x);'), /loops/],
      [wrap('frobnicate(x);'), /unknown primitive frobnicate\(\)/],
      [wrap('r0 = __atomic_load_n(x, __ATOMIC_ACQ_REL);'), /__atomic_load_n\(\) with this memory order/],
      [wrap('WRITE_ONCE(*(x + 1), 1);'), /arithmetic on the pointer/],
      [wrap('spin_lock(x); WRITE_ONCE(*x, 1); spin_unlock(x);'), /both as a spinlock and as data/],
      [wrap('WRITE_ONCE(x, 1);'), /expects a dereferenced pointer/],
      [wrap('spin_unlock(x);', 'spinlock_t *x'), /without a matching spin_lock/],
    ];
    for (const [text, why] of cases) {
      const v = runLitmus(parseLitmus(text));
      expect(v.result, text).toBe('Unsupported');
      expect(reason(v)).toMatch(why);
    }
  });

  it('models rcu_read_lock()/rcu_dereference() without grace periods exactly (they only mark the reader)', () => {
    const mp = `C MP+assign+deref
{
p=y;
}
P0(int *x, int **p) { WRITE_ONCE(*x, 1); rcu_assign_pointer(*p, x); }
P1(int *x, int **p) { int *r0; int r1; rcu_read_lock(); r0 = rcu_dereference(*p); r1 = READ_ONCE(*r0); rcu_read_unlock(); }
exists (1:r0=x /\\ 1:r1=0)
`;
    expect(result(mp)).toBe('Never');
    // With a plain store instead of rcu_assign_pointer() the address dependency alone is not enough.
    expect(result(mp.replace('rcu_assign_pointer(*p, x)', 'WRITE_ONCE(*p, x)'))).toBe('Sometimes');
  });
});
