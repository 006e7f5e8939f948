/**
 * The size limit (issue 7: a 50 MB patch gets a clear diagnostic, never a crash or a hang): a
 * document over `maxDocumentBytes` is refused before parsing, with both sizes in the message; one
 * within it is reviewed as usual. Sizes are UTF-8 bytes, not UTF-16 code units.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DOCUMENT_BYTES, reviewDocument } from '../../server/src/review/review';
import { readKcov, readSeed, tempTree } from '../support/kernel';

const tree = tempTree({ 'kernel/kcov.c': readKcov() });
const seed = readSeed('004');
const options = { documentPath: null, kernelTree: tree, defaultTreeDirs: [] as string[], configs: ['!RT' as const] };

describe('maxDocumentBytes', () => {
  it('refuses a document one byte over the limit, and reviews it at the limit', async () => {
    const bytes = Buffer.byteLength(seed, 'utf8');
    const over = await reviewDocument(seed, { ...options, maxDocumentBytes: bytes - 1 });
    expect(over.hunks).toEqual([]);
    expect(over.problems).toEqual([expect.objectContaining({ code: 'document-too-large', severity: 'error', line: 0 })]);
    expect(over.problems[0].message).toContain(`(${bytes} bytes), over the 2.2 KiB limit`);
    const at = await reviewDocument(seed, { ...options, maxDocumentBytes: bytes });
    expect(at.hunks.length).toBe(1);
    expect(at.findings.filter((f) => f.verdict === 'fixed').map((f) => f.rule)).toEqual(['publish-barrier', 'publish-barrier']);
  });

  it('counts UTF-8 bytes: 1 000 "é" are 2 000 bytes, over a 1 500-byte limit though only 1 000 code units', async () => {
    const r = await reviewDocument('é'.repeat(1000), { ...options, maxDocumentBytes: 1500 });
    expect(r.problems.map((p) => p.code)).toEqual(['document-too-large']);
    expect(r.problems[0].message).toMatch(/2\.0 KiB \(2000 bytes\), over the 1\.5 KiB limit/);
  });

  it('refuses kcov.c opened as a file over the limit too, and defaults to 16 MiB', async () => {
    expect(DEFAULT_MAX_DOCUMENT_BYTES).toBe(16 * 1024 * 1024);
    const r = await reviewDocument(readKcov(), { ...options, documentPath: '/src/linux/kernel/kcov.c', maxDocumentBytes: 4096 });
    expect(r.problems.map((p) => p.code)).toEqual(['document-too-large']);
  });
});
