/**
 * Regression examples for what the property tests of test/fuzz/ found in the source and review
 * stages: C the parser cannot read, a broken #if structure and nesting deeper than the model walks
 * are reported as `source-unreadable` (the rules skip those functions), never silent, never a crash.
 */
import { describe, expect, it } from 'vitest';
import { reviewDocument } from '../../server/src/review/review';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import { CONFIGS } from '../../server/src/model/configs';
import { MAX_SYNTAX_DEPTH } from '../../server/src/source/views';
import { readKcov, readKcov61, tempTree } from '../support/kernel';

const BASE = ['static int count;', '', 'static void bump(void)', '{', '\tcount++;', '}', ''];
const asFile = { documentPath: '/src/linux/kernel/kcov.c', kernelTree: null, defaultTreeDirs: [] as string[], configs: ['RT' as const] };

describe('unreadable C is reported', () => {
  it('kcov.c as a file with #if without #endif', async () => {
    const r = await reviewDocument([...BASE.slice(0, 2), '#ifdef CONFIG_SOMETHING', ...BASE.slice(2)].join('\n'), asFile);
    const p = r.problems.find((x) => x.code === 'source-unreadable');
    expect(p?.message).toMatch(/#if without #endif/);
    expect(p?.line).toBe(2);
  });

  it('kcov.c as a file that reads cleanly has no such problem', async () => {
    const r = await reviewDocument(BASE.join('\n'), asFile);
    expect(r.problems).toEqual([]);
  });

  it('a patch leaving a function with C the parser cannot read (an unbalanced parenthesis)', async () => {
    const tree = tempTree({ 'kernel/kcov.c': BASE.join('\n') });
    const patch = ['--- a/kernel/kcov.c', '+++ b/kernel/kcov.c', '@@ -4,2 +4,3 @@', ' {', '+\tif (count)) {', ' \tcount++;', ''].join('\n');
    const r = await reviewDocument(patch, { documentPath: null, kernelTree: tree, defaultTreeDirs: [], configs: ['RT'] });
    const p = r.problems.find((x) => x.code === 'source-unreadable');
    expect(p?.message).toMatch(/^kernel\/kcov\.c after the patch: C the parser cannot read at line 5 under RT; not analysed there: bump\(\)\.$/);
    expect(p?.line).toBe(4); // the added line
  });

  it('a function nested 10 000 deep: not indexed, reported, no stack overflow', async () => {
    await initParser();
    const deep = ['static void deep(int x)', '{', ...Array.from({ length: 10_000 }, () => 'if (x) {'), '\tx++;', ...Array.from({ length: 10_000 }, () => '}'), '}', ...BASE];
    const view = buildView(sourceImage('kernel/kcov.c', deep.join('\n')), CONFIGS[0]);
    expect(view.tooDeep).toEqual([0]);
    expect(view.functions.has('deep')).toBe(false);
    expect(view.functions.has('bump')).toBe(true);
    const r = await reviewDocument(deep.join('\n'), asFile);
    expect(r.problems.find((x) => x.code === 'source-unreadable')?.message).toContain(`${MAX_SYNTAX_DEPTH} syntax levels`);
  });
  it('a diff section that names no file: its hunk is reported as not analysed, on the section header', async () => {
    const tree = tempTree({ 'kernel/kcov.c': BASE.join('\n') });
    const patch = ['diff --git junk', '@@ -4,2 +4,3 @@', ' {', '+\tcount--;', ' \tcount++;', ''].join('\n');
    const r = await reviewDocument(patch, { documentPath: null, kernelTree: tree, defaultTreeDirs: [], configs: ['RT'] });
    expect(r.hunks.map((h) => h.where.located)).toEqual([false]);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'file-not-analysed', line: 0, message: expect.stringMatching(/names no file/) })]);
  });
  it('kcov.c as a file with an unclosed brace (no ERROR node, only a MISSING `}`): reported, naming the function', async () => {
    const text = ['static int count;', '', 'static void bump(void)', '{', '\tif (count) {', '\t\tcount++;', '}', '', 'static void reset(void)', '{', '\tcount = 0;', '}', ''].join('\n');
    const r = await reviewDocument(text, asFile);
    const p = r.problems.find((x) => x.code === 'source-unreadable');
    expect(p?.message).toMatch(/C the parser cannot read at line 12 under RT; not analysed there: bump\(\)/);
  });

  it('the real kcov.c (6.12 and 6.1) reads cleanly: the MISSING `;` after iterator macros is not an error', async () => {
    await initParser();
    for (const text of [readKcov(), readKcov61()]) {
      for (const c of CONFIGS) expect(buildView(sourceImage('kernel/kcov.c', text), c).parseErrors).toEqual([]);
    }
  });
});
