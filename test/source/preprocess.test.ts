import { describe, expect, it } from 'vitest';
import { evalIf, parseIf, type IfResolver } from '../../server/src/source/ifexpr';
import { lexMask } from '../../server/src/source/mask';
import { blankLinesExcept, preprocess, scanDirectives, type SymbolTable } from '../../server/src/source/preprocess';
import { blank } from '../../server/src/source/mask';
import { random } from '../support/random';

const ROW: SymbolTable = {
  CONFIG_KCOV: true,
  CONFIG_PREEMPT_RT: false,
  CONFIG_SMP: true,
  CONFIG_KCOV_IRQ_AREA_SIZE: 0x40000,
  CONFIG_LOCKDEP: false,
  CONFIG_USB_MODULE_THING: 'm',
};

/** Fixture lines marked `// on` must be active, `// off` inactive. */
function checkMarks(src: string, symbols: SymbolTable): ReturnType<typeof preprocess> {
  const r = preprocess(src, symbols);
  const lines = src.split('\n');
  let marks = 0;
  lines.forEach((l, i) => {
    const m = /\/\/ (on|off)\b/.exec(l);
    if (!m) return;
    marks++;
    expect(r.active[i], `line ${i + 1}: ${l}`).toBe(m[1] === 'on');
  });
  expect(marks).toBeGreaterThan(0);
  return r;
}

const lines = (...ls: string[]): string => ls.join('\n');

describe('#if evaluation', () => {
  it('handles nested #if, #elif and #else', () => {
    const src = lines(
      '#ifdef CONFIG_KCOV',
      'a; // on',
      '#ifdef CONFIG_PREEMPT_RT',
      'b; // off',
      '#elif defined(CONFIG_SMP) && !defined(CONFIG_LOCKDEP)',
      'c; // on',
      '#if 0',
      'd; // off',
      '#else',
      'e; // on',
      '#endif',
      '#elif 1',
      'f; // off',
      '#else',
      'g; // off',
      '#endif',
      '#else',
      'h; // off',
      '#ifdef CONFIG_SMP',
      'i; // off',
      '#else',
      'j; // off',
      '#endif',
      '#endif',
      'k; // on',
    );
    const r = checkMarks(src, ROW);
    expect(r.problems).toEqual([]);
    expect(r.unknownSymbols).toEqual([]);
  });

  it('evaluates IS_ENABLED, IS_BUILTIN, IS_MODULE, `defined X` and integer comparisons', () => {
    const src = lines(
      '#if IS_ENABLED(CONFIG_KCOV) && CONFIG_KCOV_IRQ_AREA_SIZE >= 0x1000',
      'a; // on',
      '#endif',
      '#if IS_ENABLED(CONFIG_PREEMPT_RT) || CONFIG_KCOV_IRQ_AREA_SIZE < 16',
      'b; // off',
      '#endif',
      '#if IS_MODULE(CONFIG_USB_MODULE_THING) && !IS_BUILTIN(CONFIG_USB_MODULE_THING) && defined CONFIG_USB_MODULE_THING_MODULE',
      'c; // on',
      '#endif',
      '#if defined(CONFIG_USB_MODULE_THING) || IS_BUILTIN(CONFIG_KCOV) == 0',
      'd; // off',
      '#endif',
      '#if (CONFIG_KCOV_IRQ_AREA_SIZE >> 16) * 2 + 1 == 9 && CONFIG_SMP ? 1 : 0',
      'e; // on',
      '#endif',
      '#ifndef CONFIG_LOCKDEP',
      'f; // on',
      '#endif',
    );
    const r = checkMarks(src, ROW);
    expect(r.problems).toEqual([]);
    expect(r.unknownSymbols).toEqual([]);
  });

  it('reports symbols it does not know, once each, and takes them as undefined', () => {
    const src = lines(
      '#ifdef CONFIG_NOT_IN_TABLE',
      'a; // off',
      '#endif',
      '#if IS_ENABLED(CONFIG_NOT_IN_TABLE) || defined(__KERNEL__)',
      'b; // off',
      '#endif',
      '#if !defined(CONFIG_OTHER) && HZ > 100',
      'c; // off',
      '#endif',
    );
    const r = checkMarks(src, ROW);
    expect(r.unknownSymbols).toEqual(['CONFIG_NOT_IN_TABLE', '__KERNEL__', 'CONFIG_OTHER', 'HZ']);
  });

  it('does not report symbols whose value did not matter (short circuit, branch already taken, inactive group)', () => {
    const src = lines(
      '#if defined(CONFIG_KCOV) || defined(CONFIG_SKIPPED_OR)',
      'a; // on',
      '#elif CONFIG_SKIPPED_ELIF',
      'b; // off',
      '#endif',
      '#if 0 && CONFIG_SKIPPED_AND',
      '#endif',
      '#ifdef CONFIG_PREEMPT_RT',
      '#if CONFIG_SKIPPED_NESTED',
      'c; // off',
      '#endif',
      '#endif',
    );
    const r = checkMarks(src, ROW);
    expect(r.unknownSymbols).toEqual([]);
  });

  it('uses #define and #undef of the file itself', () => {
    const src = lines(
      '#define KCOV_LOCAL 3',
      '#define KCOV_TWICE (KCOV_LOCAL * 2)',
      '#if KCOV_TWICE == 6 && defined(KCOV_LOCAL)',
      'a; // on',
      '#endif',
      '#undef KCOV_LOCAL',
      '#ifdef KCOV_LOCAL',
      'b; // off',
      '#endif',
      '#ifdef CONFIG_PREEMPT_RT',
      '#define RT_ONLY 1',
      '#endif',
      '#ifdef RT_ONLY',
      'c; // off',
      '#endif',
    );
    const r = checkMarks(src, ROW);
    expect(r.macros.get('KCOV_LOCAL')).toMatchObject({ params: null, body: '3', line: 0, undefLine: 5 });
    expect(r.macros.has('RT_ONLY')).toBe(false);
    expect(r.unknownSymbols).toEqual(['KCOV_LOCAL', 'RT_ONLY']);
  });

  it('records structural problems without throwing', () => {
    const src = lines('#endif', '#else', '#if CONFIG_KCOV +', 'a; // off', '#endif', '#ifdef CONFIG_KCOV', 'b; // on', '#else', 'c; // off', '#else', 'd; // off', '#if 1', 'e; // off', 'f; // off');
    const r = checkMarks(src, ROW);
    const messages = r.problems.map((p) => `${p.line}: ${p.message}`);
    expect(messages).toEqual([
      '0: #endif without #if; ignored',
      '1: #else without #if; ignored',
      "2: cannot read #if expression 'CONFIG_KCOV +': expression ends too early; taken as false",
      '9: second #else for #if at line 6',
      '5: #if without #endif (unterminated at end of file)',
      '11: #if without #endif (unterminated at end of file)',
    ]);
  });

  it('keeps an unterminated #if 0 from hiding anything it should not, and still returns text', () => {
    const src = lines('int x; // on', '#if 0', 'int y; // off', 'int z; // off');
    const r = checkMarks(src, ROW);
    expect(r.problems).toHaveLength(1);
    expect(r.text.length).toBe(src.length);
    expect(r.text.split('\n')[0]).toBe('int x; // on');
  });

  it('does not evaluate a bad expression as true, and survives hostile ones', () => {
    const deep = '('.repeat(20000) + '1' + ')'.repeat(20000);
    const long = Array.from({ length: 50000 }, () => '1').join(' + ');
    const src = lines('#if 1 / 0', 'a; // off', '#endif', '#if 1 << 100000000000', 'b; // on', '#endif', `#if ${deep}`, 'c;', '#endif', `#if ${long}`, 'd;', '#endif', '#if "str"', 'e; // off', '#endif');
    const r = checkMarks(src, ROW);
    expect(r.problems.map((p) => p.line)).toContain(0);
    expect(r.problems.map((p) => p.line)).toContain(12);
  });
});

describe('directives and blanking', () => {
  it('blanks lines by runs exactly as blanking each line of text.split(\'\\n\') would (2 000 random texts and masks)', () => {
    const next = random(7);
    const pieces = ['a', 'int x;', ' ', '\t', '\r', '\n', '\n', '\r\n', '#if X', '/* c */', 'é', '\\'];
    for (let k = 0; k < 2000; k++) {
      let text = '';
      for (let i = Math.floor(next() * 30); i > 0; i--) text += pieces[Math.floor(next() * pieces.length)];
      const lines = text.split('\n');
      const keep = lines.map(() => next() < 0.6);
      const expected = lines.map((l, i) => (keep[i] ? l : blank(l))).join('\n');
      expect(blankLinesExcept(text, lines.length, (i) => keep[i]), JSON.stringify({ text, keep })).toBe(expected);
    }
  });

  it('blanks directive lines (with continuations and trailing comments) and inactive lines, keeping positions', () => {
    const src = lines(
      '#define kcov_lock(x) \\',
      '\tdo { lock(x); } \\',
      '\twhile (0) /* trailing',
      '\t comment */',
      '#ifdef CONFIG_PREEMPT_RT /* rt',
      '  only */',
      'int rt;',
      '#endif',
      'int all;\r',
    );
    const r = preprocess(src, ROW);
    expect(r.text.length).toBe(src.length);
    expect(r.text.split('\n').map((l) => l.trim())).toEqual(['', '', '', '', '', '', '', '', 'int all;']);
    expect(r.text.endsWith('int all;\r')).toBe(true);
    expect(r.directive.slice(0, 6)).toEqual([true, true, true, true, true, true]);
    expect(r.macros.get('kcov_lock')).toEqual({ name: 'kcov_lock', params: ['x'], body: 'do { lock(x); } while (0)', line: 0, endLine: 3, undefLine: null });
  });

  it('ignores directives inside comments and keeps # in strings', () => {
    const src = lines('/*', '#if 0', '*/', 'const char *s = "#if 0";', '// #endif', 'int x; // on');
    expect(scanDirectives(src)).toEqual([]);
    const r = checkMarks(src, ROW);
    expect(r.problems).toEqual([]);
  });

  it('treats a directive after a comment on the same line as a directive', () => {
    const src = lines('/* c */ #ifdef CONFIG_PREEMPT_RT', 'int rt; // off', '#endif');
    checkMarks(src, ROW);
  });

  it('reads object-like and function-like macros, variadic ones, and only in active groups', () => {
    const src = lines('#define A', '#define B (1 + 2)', '#define C (x)', '#define D(x, y) ((x) + (y))', '#define E(fmt, ...) pr(fmt, ##__VA_ARGS__)', '#if 0', '#define F 1', '#endif');
    const r = preprocess(src, ROW);
    expect([...r.macros.keys()]).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(r.macros.get('A')).toMatchObject({ params: null, body: '' });
    expect(r.macros.get('C')).toMatchObject({ params: null, body: '(x)' });
    expect(r.macros.get('D')).toMatchObject({ params: ['x', 'y'], body: '((x) + (y))' });
    expect(r.macros.get('E')?.params).toEqual(['fmt', '...']);
  });
});

describe('#if expressions', () => {
  const noSymbols: IfResolver = {
    isDefined: () => false,
    valueOf: () => 0n,
    call: () => 0n,
    problem: () => undefined,
  };
  const value = (src: string): bigint => {
    const p = parseIf(src);
    if (!p.ok) throw new Error(p.error);
    return evalIf(p.expr, noSymbols);
  };

  it('follows C precedence and integer arithmetic', () => {
    expect(value('1 + 2 * 3')).toBe(7n);
    expect(value('(1 << 3) | 1')).toBe(9n);
    expect(value('1 ? 2 : 3 ? 4 : 5')).toBe(2n);
    expect(value('0x10 + 010 + 0b1 + 10UL')).toBe(35n);
    expect(value('-1 < 0 && ~0 == -1')).toBe(1n);
    expect(value("'A' == 65")).toBe(1n);
    expect(value('7 / 2 * 2 + 7 % 2')).toBe(7n);
  });

  it('rejects what it cannot read', () => {
    expect(parseIf('').ok).toBe(false);
    expect(parseIf('1 +').ok).toBe(false);
    expect(parseIf('defined(').ok).toBe(false);
    expect(parseIf('(1').ok).toBe(false);
    expect(parseIf('1 @ 2').ok).toBe(false);
  });
});

describe('lexical mask', () => {
  it('keeps length and line ends and marks lines ending inside a comment', () => {
    const src = 'a /* b\nc */ "d/*"\n\'"\' // e\n/* open';
    const m = lexMask(src);
    expect(m.noComments.length).toBe(src.length);
    expect(m.code.length).toBe(src.length);
    expect(m.noComments.split('\n')).toEqual(['a     ', '     "d/*"', '\'"\'     ', '       ']);
    expect(m.code.split('\n')[1]).toBe('     "   "');
    expect(m.endsInComment).toEqual([true, false, false, true]);
  });
});
