import { describe, expect, it } from 'vitest';
import { litmusExports } from '../../server/src/lsp/codeActions';
import { codeLenses } from '../../server/src/lsp/codeLens';
import { parseLitmus, runLitmus } from '../../server/src/model/memory';
import { foldingRanges } from '../../server/src/lsp/folding';
import { documentSymbols, sectionFunction } from '../../server/src/lsp/symbols';
import { reviewDocument } from '../../server/src/review/review';
import { readKcov, readSeed, tempTree } from '../support/kernel';

const tree = tempTree({ 'kernel/kcov.c': readKcov() });

describe('navigation features on the real seeds', () => {
  it('document symbols: patch (subject) → file → hunk → touched function', async () => {
    const text = readSeed('004');
    const symbols = documentSymbols(await reviewDocument(text, { documentPath: null, kernelTree: tree }), text);
    expect(symbols).toHaveLength(1);
    expect(symbols[0].name).toBe('[PATCH] smp_wmb() in kcov_move_area() after memcpy()');
    const file = symbols[0].children?.[0];
    expect(file?.name).toBe('kernel/kcov.c');
    const hunk = file?.children?.[0];
    expect(hunk?.name).toBe('@@ -978,6 +978,15 @@');
    expect(hunk?.children?.map((c) => c.name)).toEqual(['kcov_move_area()']);
    expect(hunk?.range.start.line).toBe(49);
  });

  it('seed 000: one symbol per file and per hunk', async () => {
    const text = readSeed('000');
    const symbols = documentSymbols(await reviewDocument(text, { documentPath: null, kernelTree: tree }), text);
    expect(symbols[0].children?.map((f) => [f.name, f.children?.length])).toEqual([['include/linux/sched.h', 1], ['kernel/kcov.c', 16]]);
    expect(sectionFunction('void kcov_remote_start(u64 handle)')).toBe('kcov_remote_start');
    expect(sectionFunction('static void kcov_move_area(enum kcov_mode mode, void *dst_area,')).toBe('kcov_move_area');
  });

  it('folding ranges: headers, commit message, diffstat, each hunk', async () => {
    const text = readSeed('004');
    const ranges = foldingRanges(await reviewDocument(text, { documentPath: null, kernelTree: tree }));
    const lines = text.split('\n');
    expect(ranges.find((r) => r.kind === 'comment')).toBeDefined();
    const hunk = ranges.find((r) => r.kind === 'region');
    expect(lines[hunk?.startLine ?? -1]).toMatch(/^@@ -978,6/);
    expect(lines[hunk?.endLine ?? -1]).toMatch(/WRITE_ONCE/);
    const diffstat = ranges.find((r) => lines[r.startLine] === '---');
    expect(lines[diffstat?.endLine ?? -1]).toBe('');
  });

  it('code lenses: verdicts per configuration on the subject and on each hunk', async () => {
    const text = readSeed('004');
    const lenses = codeLenses(await reviewDocument(text, { documentPath: null, kernelTree: tree }));
    expect(lenses.map((l) => l.range.start.line)).toEqual([0, 49]);
    // Fixes: the two kcov_move_area writer findings; pre-existing: the documented relaxed reader (publish-reader).
    expect(lenses[0].command?.title).toBe('!RT: fixes 2 · pre-existing 2  |  RT+BHlock: fixes 2 · pre-existing 2  |  RT: fixes 2 · pre-existing 2');
    expect(lenses[1].command?.title).toMatch(/^whitespace \(offset 7\) at kernel\/kcov\.c:985 — !RT: fixes 2/);
  });
});

describe('export litmus test', () => {
  it('offers the finding\'s generated test as a .litmus file beside the patch, which the parser reads back with the same verdict', async () => {
    const text = readSeed('004');
    const review = await reviewDocument(text, { documentPath: null, kernelTree: tree });
    const finding = review.findings.find((f) => f.rule === 'publish-barrier' && f.patchLine !== null);
    if (!finding || finding.patchLine === null) throw new Error('no placed barrier finding');
    const line = finding.patchLine;
    const actions = litmusExports(review, 'file:///patches/seed004.txt', { start: { line, character: 0 }, end: { line, character: 1 } });
    expect(actions.length).toBeGreaterThan(0);
    const changes = actions[0].edit?.documentChanges ?? [];
    const create = changes[0] as { kind: string; uri: string };
    expect(create.kind).toBe('create');
    expect(create.uri).toMatch(/^file:\/\/\/patches\/kcov-publish\+kcov_move_area\+case_KCOV_MODE_TRACE_\w+\.litmus$/);
    const written = (changes[1] as { edits: { newText: string }[] }).edits[0].newText;
    // The pre-image writer had no barrier: the exported test says Sometimes, like the finding.
    expect(runLitmus(parseLitmus(written)).result).toBe('Sometimes');
  });
});
