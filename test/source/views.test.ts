import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS, configByName, type ConfigRow } from '../../server/src/model/configs';
import type { Node } from 'web-tree-sitter';
import { blankAnnotations, buildView, buildViews, functionAt, initParser, sourceImage } from '../../server/src/source';
import { deeperThan } from '../../server/src/source/views';
import { readKcov, readKcov61 } from '../support/kernel';

const lines = (...ls: string[]): string => ls.join('\n');
const row = (name: string): ConfigRow => configByName(name)!;
/** 0-based line of the first line of `text` containing `needle`. */
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle));

beforeAll(async () => {
  await initParser();
});

describe('configuration twins', () => {
  // Imitates the PREEMPT_RT rework of kcov: a function on RT, a macro elsewhere.
  const src = lines(
    'struct kcov_percpu_data { local_lock_t lock; };',
    '',
    '#ifdef CONFIG_PREEMPT_RT',
    'static inline void kcov_irq_save(unsigned long flags) { }',
    '#else',
    '#define kcov_irq_save(flags) local_lock_irqsave(&kcov_percpu_data.lock, flags)',
    '#endif',
    '',
    'void kcov_user(void)',
    '{',
    '\tunsigned long flags;',
    '\tkcov_irq_save(flags);',
    '}',
  );
  const image = sourceImage('kernel/kcov.c', src);

  it('shows the function in the RT views and the macro in the !RT view', () => {
    const [nonRt, rtBh, rt] = buildViews(image, CONFIGS);
    for (const v of [rtBh, rt]) {
      expect(v.functions.get('kcov_irq_save')?.startLine, v.config.name).toBe(3);
      expect(v.macros.has('kcov_irq_save')).toBe(false);
      expect(v.active.slice(2, 7)).toEqual([true, true, true, false, true]);
    }
    expect(nonRt.functions.has('kcov_irq_save')).toBe(false);
    expect(nonRt.macros.get('kcov_irq_save')).toMatchObject({ params: ['flags'], body: 'local_lock_irqsave(&kcov_percpu_data.lock, flags)', line: 5 });
    expect(nonRt.active.slice(2, 7)).toEqual([true, false, true, true, true]);
    for (const v of [nonRt, rtBh, rt]) expect(v.functions.get('kcov_user')?.startLine).toBe(8);
  });
});

describe('kernel annotations', () => {
  const src = lines(
    '/* Imitation of kcov constructs, not the kernel file. */',
    'static DEFINE_PER_CPU(struct kcov_percpu_data, kcov_percpu_data) = {',
    '\t.lock = INIT_LOCAL_LOCK(lock),',
    '};',
    'struct kcov_like {',
    '\tint mode __guarded_by(&lock);',
    '};',
    'void notrace trace_pc_like(void)',
    '{',
    '\tstruct task_struct *t = current;',
    '}',
    'EXPORT_SYMBOL(trace_pc_like);',
    'static __always_inline bool softirq_really_like(void)',
    '{',
    '\treturn in_serving_softirq() && !in_hardirq();',
    '}',
    'static void __init selftest_like(void)',
    '{',
    '}',
    'static void softirq_start_like(struct task_struct *t)',
    '\t__must_hold(&kcov_percpu_data.lock)',
    '{',
    '\tguard(rcu)();',
    '\tcontext_unsafe(t->kcov_mode = 0);',
    '}',
    'static void lock_like(struct kcov *kcov) __acquires(&kcov->lock)',
    '{',
    '\tspin_lock(&kcov->lock);',
    '}',
    'static void unlock_like(struct kcov *kcov)',
    '\t__releases(&kcov->lock) __no_context_analysis',
    '{',
    '\tstruct kcov_remote_area *area = list_entry(pos, struct kcov_remote_area, list);',
    '\tvoid __user *p = (void __user *)arg;',
    '\tspin_unlock(&kcov->lock);',
    '}',
    'int ioctl_like(struct kcov *kcov) __cond_acquires(0, &kcov->lock);',
    '__cold',
    '/* a comment between the annotation and the function */',
    'static void cold_like(void)',
    '{',
    '}',
    'static int __must_check noinline',
    'get_like(struct kcov *kcov, const char __user *buf, size_t len)',
    '{',
    '\tscoped_guard(spinlock_irqsave, &kcov->lock) {',
    '\t\tkcov->x = sizeof(struct kcov);',
    '\t}',
    '\treturn 0;',
    '}',
  );
  const image = sourceImage('fixture.c', src);

  it('finds every function, whole, at its own line, with its annotations', () => {
    const view = buildView(image, row('!RT'));
    const got = [...view.functions.values()].map((f) => ({ name: f.name, line: f.startLine, column: f.node.startPosition.column, annotations: f.annotations }));
    expect(got).toEqual([
      { name: 'trace_pc_like', line: lineOf(src, 'trace_pc_like(void)'), column: 0, annotations: ['notrace'] },
      { name: 'softirq_really_like', line: lineOf(src, 'softirq_really_like(void)'), column: 0, annotations: ['__always_inline'] },
      { name: 'selftest_like', line: lineOf(src, 'selftest_like(void)'), column: 0, annotations: ['__init'] },
      { name: 'softirq_start_like', line: lineOf(src, 'softirq_start_like('), column: 0, annotations: ['__must_hold(&kcov_percpu_data.lock)'] },
      { name: 'lock_like', line: lineOf(src, 'lock_like('), column: 0, annotations: ['__acquires(&kcov->lock)'] },
      { name: 'unlock_like', line: lineOf(src, 'unlock_like('), column: 0, annotations: ['__releases(&kcov->lock)', '__no_context_analysis'] },
      { name: 'cold_like', line: lineOf(src, 'cold_like(void)'), column: 0, annotations: ['__cold'] },
      { name: 'get_like', line: lineOf(src, '__must_check'), column: 0, annotations: ['__must_check', 'noinline'] },
    ]);
    expect(view.parseErrors).toEqual([]);
    expect(view.functions.get('softirq_start_like')!.endLine).toBe(lineOf(src, 'context_unsafe') + 1);
  });

  it('keeps the calls in bodies as calls: guard(), list_entry() with a type argument; context_unsafe() is a region around its contents', () => {
    const view = buildView(image, row('RT'));
    const calls = (name: string): string[] => {
      const out: string[] = [];
      const body = view.functions.get(name)!.body;
      for (const n of body.descendantsOfType('call_expression')) if (n) out.push(n.childForFieldName('function')!.text);
      return out;
    };
    expect(calls('softirq_start_like')).toEqual(['guard(rcu)', 'guard']);
    expect(calls('unlock_like')).toEqual(['list_entry', 'spin_unlock']);
    const region = view.annotationTokens.find((t) => t.kind === 'unsafe-region');
    expect(region?.text).toBe('context_unsafe(t->kcov_mode = 0)');
    // The wrapped code parses in place: the assignment is an expression of the body.
    expect(view.functions.get('softirq_start_like')!.body.descendantsOfType('assignment_expression').map((n) => n?.text)).toEqual(['t->kcov_mode = 0']);
  });

  it('context_unsafe() around statements (as kcov_put() uses it) parses without errors', () => {
    const text = 'static void put_like(struct kcov *kcov)\n{\n\tif (x) {\n\t\tcontext_unsafe(\n\t\t\treset(kcov);\n\t\t\tvfree(kcov->area);\n\t\t);\n\t\tkfree(kcov);\n\t}\n}\n';
    const v = buildView(sourceImage('kernel/kcov.c', text), row('RT'));
    expect(v.parseErrors).toEqual([]);
    expect(v.functions.get('put_like')!.body.descendantsOfType('call_expression').map((n) => n?.childForFieldName('function')?.text)).toEqual(['reset', 'vfree', 'kfree']);
  });

  it('blanks annotations without moving anything', () => {
    const b = blankAnnotations(src);
    expect(b.text.length).toBe(src.length);
    expect(b.text.split('\n').length).toBe(src.split('\n').length);
    expect(b.text).not.toMatch(/notrace|__must_hold|__user|__guarded_by/);
    for (const t of b.tokens) expect(src.slice(t.start, t.end).replace(/\s+/g, ' ')).toBe(t.text);
    expect(b.tokens.filter((t) => t.kind === 'type-keyword').map((t) => t.name)).toEqual(['struct', 'struct']);
    // sizeof(struct kcov) and (void __user *) casts keep their type keywords.
    expect(b.text).toContain('sizeof(struct kcov)');
  });

  it('leaves annotation names in comments and strings alone', () => {
    const s = 'const char *s = "notrace __must_hold(x)"; /* __init */\n';
    expect(blankAnnotations(s).text).toBe(s);
  });
});

describe('positions', () => {
  it('keeps every function at its line in the original text, across blanked #if blocks', () => {
    const src = lines(
      '#include <linux/kcov.h>',
      '#ifdef CONFIG_PREEMPT_RT',
      'static void rt_only(void)',
      '{',
      '}',
      '#endif /* CONFIG_PREEMPT_RT */',
      '#if defined(CONFIG_SMP) && \\',
      '    IS_ENABLED(CONFIG_KCOV)',
      'static int   both(int a)',
      '{',
      '\treturn a;',
      '}',
      '#endif',
      '\t\tint   indented(void) { return 1; }',
    );
    for (const view of buildViews(sourceImage('p.c', src))) {
      expect(view.functions.get('both')).toMatchObject({ startLine: 8, endLine: 11 });
      expect(view.functions.get('indented')?.node.startPosition).toEqual({ row: 13, column: 2 });
      expect(view.functions.has('rt_only')).toBe(view.config.name !== '!RT');
      expect(view.parsedText.length).toBe(src.length);
      expect(functionAt(view, 10)?.name).toBe('both');
      expect(functionAt(view, 12)).toBeUndefined();
    }
  });
});

describe('C that does not parse', () => {
  const fn = (name: string, body: string): string => `void ${name}(void)\n{\n${body}\n}\n`;
  const cases: [string, string][] = [
    ['unbalanced open brace', fn('a', '\tif (x) {') + fn('b', '\treturn;')],
    ['unbalanced close brace', fn('a', '\t}}') + fn('b', '\treturn;')],
    ['unterminated comment', fn('a', '\tx = 1; /* never closed') + fn('b', '')],
    ['unterminated string', fn('a', '\tp = "never closed;') + fn('b', '')],
    ['10 000 nested braces', fn('deep', '{'.repeat(10000) + '\n' + '}'.repeat(10000))],
    ['10 000 unclosed braces', fn('deep', '{\n'.repeat(10000))],
    ['10 000 closing braces', '}'.repeat(10000)],
    ['10 000 nested parens', fn('deep', '\tx = ' + '('.repeat(10000) + '1' + ')'.repeat(10000) + ';')],
    ['10 000 nested if', fn('deep', 'if (a) {\n'.repeat(10000) + '}\n'.repeat(10000))],
    ['10 000 nested #if', '#if 1\n'.repeat(10000) + fn('a', '') + '#endif\n'.repeat(10000)],
    ['binary garbage', '\u0000\u0001\uffff{{(("\'\\'.repeat(500)],
    ['empty file', ''],
    ['CRLF lines', 'void a(void)\r\n{\r\n\treturn;\r\n}\r\n'],
  ];

  it.each(cases)('%s: a view, without throwing, within a second', (_name, src) => {
    const t0 = Date.now();
    const views = buildViews(sourceImage('bad.c', src));
    expect(Date.now() - t0).toBeLessThan(5000);
    for (const v of views) {
      // tree-sitter's root is ERROR when nothing at all could be read.
      expect(['translation_unit', 'ERROR']).toContain(v.tree.rootNode.type);
      expect(v.tree.rootNode.endIndex).toBeLessThanOrEqual(src.length);
      expect(v.active.length).toBe(src.split('\n').length);
      expect(v.parsedText.length).toBe(src.length);
    }
  });

  it('still finds the functions around damage, and reports errors inside bodies by line', () => {
    const src = fn('before', '\treturn;') + fn('broken', '\tx = = 1;\n\ty = 2 +* ;') + fn('after', '\treturn;');
    const view = buildView(sourceImage('bad.c', src), row('!RT'));
    expect([...view.functions.keys()]).toEqual(['before', 'broken', 'after']);
    expect(view.parseErrors.length).toBeGreaterThan(0);
    const broken = view.functions.get('broken')!;
    for (const l of view.parseErrors) expect(l >= broken.startLine && l <= broken.endLine).toBe(true);
  });

  it('reads 10 000 nested braces as one function, listed as too deep for the model instead of indexed', () => {
    const src = fn('deep', '{'.repeat(10000) + '\n' + '}'.repeat(10000)) + fn('next', '');
    const view = buildView(sourceImage('deep.c', src), row('RT'));
    // The model walks bodies recursively: a 10 000-deep one would exhaust the stack (test/fuzz found it).
    expect(view.functions.has('deep')).toBe(false);
    expect(view.tooDeep).toEqual([0]);
    expect(view.functions.get('next')?.startLine).toBe(5);
    expect(view.parseErrors).toEqual([]);
  });

  it('deeperThan (which skips subtrees too small to reach the limit) agrees with a walk of every node, at the exact depth of each kcov.c function and of long operator chains', () => {
    /** The depth of a subtree, visiting every node. */
    const depthOf = (root: Node): number => {
      const cursor = root.walk();
      let depth = 0;
      let max = 0;
      for (;;) {
        if (cursor.gotoFirstChild()) { max = Math.max(max, ++depth); continue; }
        let up = false;
        while (!cursor.gotoNextSibling()) { if (!cursor.gotoParent()) { up = true; break; } depth--; }
        if (up) break;
      }
      cursor.delete();
      return max;
    };
    const chain = (n: number) => fn('chain', `\tx = ${Array.from({ length: n }, (_, i) => `a${i}`).join(' + ')};`);
    const roots = [readKcov(), readKcov61(), chain(399), chain(401), chain(900)].flatMap((text) => buildView(sourceImage('depth.c', text), row('!RT')).tree.rootNode.namedChildren.filter((n): n is Node => n !== null && n.type === 'function_definition'));
    expect(roots.length).toBeGreaterThan(80);
    let deepest = 0;
    for (const node of roots) {
      const d = depthOf(node);
      deepest = Math.max(deepest, d);
      expect(deeperThan(node, d - 1)).toBe(true);
      expect(deeperThan(node, d)).toBe(false);
      expect(deeperThan(node, Math.floor(d / 2))).toBe(d > Math.floor(d / 2));
    }
    expect(deepest).toBeGreaterThan(400);
  });

  it('keeps the depth verdicts right through edits before, between and inside the functions (verdicts reused from the close text)', () => {
    const deep = fn('deep', '{'.repeat(1000) + '\n' + '}'.repeat(1000));
    const src = fn('first', '\treturn;') + deep + fn('next', '\treturn;');
    const at = (text: string) => buildView(sourceImage('deep-edit.c', text), row('!RT'));
    expect(at(src).tooDeep).toEqual([4]);
    const edits = [
      src.replace('return;', 'return; /* before */'),
      '/* one more line */\n' + src,
      src.replace('void next(void)', 'void after(void)'),
      src.replace('{'.repeat(1000), '{'.repeat(10)).replace('}'.repeat(1000), '}'.repeat(10)),
    ];
    const expected = [[4], [5], [4], []];
    edits.forEach((text, i) => {
      const view = at(text);
      expect(view.tooDeep).toEqual(expected[i]);
      expect(view.functions.has('deep')).toBe(expected[i].length === 0);
    });
  });
});

describe('function index', () => {
  /** Every function_definition not inside another, found by visiting every node of the tree. */
  const everyOuterFunction = (text: string, config: ConfigRow): number[] => {
    const view = buildView(sourceImage('kernel/kcov.c', text), config);
    return view.tree.rootNode.descendantsOfType('function_definition')
      .filter((n): n is NonNullable<typeof n> => n !== null)
      .filter((n) => { for (let p = n.parent; p; p = p.parent) if (p.type === 'function_definition') return false; return true; })
      .map((n) => n.startPosition.row);
  };

  it('descending only into nodes that can hold a definition finds every function of the real kcov.c (6.12, 6.1) and of broken C', () => {
    const broken = lines('static DEFINE_PER_CPU(struct x, y) = {', '\t.a = 1,', '};', 'void a(void) { if (x) { }', 'int b(void) { return 0; }', 'struct s { int f; } g = { .f = (1 +', 'void c(void) { }', '');
    for (const text of [readKcov(), readKcov61(), broken]) {
      for (const c of CONFIGS) {
        const view = buildView(sourceImage('kernel/kcov.c', text), c);
        const indexed = [...view.functions.values()].map((f) => f.startLine);
        expect(indexed.length).toBeGreaterThan(0);
        expect(new Set([...indexed, ...view.tooDeep])).toEqual(new Set(everyOuterFunction(text, c)));
      }
    }
  });
});
