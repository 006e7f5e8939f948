/**
 * The server's warm-up on the first document it reviews (server/src/lsp/warmUp.ts): the near copies
 * it reviews, and over the protocol, that it publishes nothing of them and does not hold up edits.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WARM_UP_EDITS, WARM_UP_MAX_CHARS, warmUpTexts } from '../../server/src/lsp/warmUp';
import { reviewDocument } from '../../server/src/review/review';
import type { Review } from '../../server/src/review/types';
import { KERNEL_DIR, SEEDS, TestClient, requireBuild } from './support/lspClient';

const SEED_000 = path.join(SEEDS, '000_47be01f0e2b144b9.txt');
const CONFIGS = ['!RT', 'RT+BHlock', 'RT'] as const;
const findingsOf = (r: Review): string[] => r.findings.map((f) => `${f.rule} ${f.verdict} ${f.function} ${f.sourceLine} ${f.configs.join(',')}`).sort();

describe('warm-up copies of a document', () => {
  let text: string;
  let review: Review;

  beforeAll(async () => {
    text = readFileSync(SEED_000, 'utf8');
    review = await reviewDocument(text, { kernelTree: KERNEL_DIR, documentPath: null, configs: [...CONFIGS] });
  });

  it('add a comment to one added kcov.c statement each, spread over the hunks, and change no finding', async () => {
    const copies = warmUpTexts(text, review);
    expect(copies).toHaveLength(WARM_UP_EDITS);
    const lines = text.split('\n');
    const touched = new Set<number>();
    const added = new Set(review.hunks.filter((h) => h.where.located && h.file.path === 'kernel/kcov.c').flatMap((h) => h.hunk.lines).filter((l) => l.kind === '+').map((l) => l.docLine));
    for (const copy of copies) {
      const copyLines = copy.split('\n');
      expect(copyLines).toHaveLength(lines.length);
      const changed = copyLines.flatMap((l, i) => (l === lines[i] ? [] : [i]));
      expect(changed).toHaveLength(1);
      const [line] = changed;
      expect(added.has(line)).toBe(true);
      expect(lines[line].trimEnd().endsWith(';')).toBe(true);
      expect(copyLines[line]).toMatch(/; \/\* w+ \*\/$/);
      touched.add(line);
    }
    expect(new Set(copies).size).toBe(copies.length);
    expect(touched.size).toBeGreaterThan(1);
    const first = await reviewDocument(copies[0], { kernelTree: KERNEL_DIR, documentPath: null, configs: [...CONFIGS] });
    expect(findingsOf(first)).toEqual(findingsOf(review));
    expect(findingsOf(review).length).toBeGreaterThan(0);
  });

  it('are none for a large document, or one with no located added kcov.c statement', async () => {
    expect(warmUpTexts(text + ' '.repeat(WARM_UP_MAX_CHARS), review)).toEqual([]);
    const other = 'diff --git a/lib/x.c b/lib/x.c\n--- a/lib/x.c\n+++ b/lib/x.c\n@@ -1,1 +1,2 @@\n int a;\n+int b;\n';
    expect(warmUpTexts(other, await reviewDocument(other, { kernelTree: KERNEL_DIR, documentPath: null, configs: [...CONFIGS] }))).toEqual([]);
  });
});

requireBuild();

describe('the server warming up after its first review', () => {
  let client: TestClient;

  beforeAll(async () => {
    client = await TestClient.start({ settings: { kernelTree: KERNEL_DIR, documentPath: null, configs: [...CONFIGS] } });
  });

  afterAll(async () => {
    await client?.stop();
  });

  it('answers an edit made as the first diagnostics arrive, and publishes nothing of its copies', async () => {
    const uri = pathToFileURL(SEED_000).href;
    const text = readFileSync(SEED_000, 'utf8');
    await client.open(uri, 'patch-mail', text);
    const first = await client.diagnostics(uri, { version: 1 });
    const line = text.split('\n').findIndex((l) => l.includes("Don't use in_task()"));
    const character = text.split('\n')[line].lastIndexOf(' */');
    await client.edit(uri, 2, { start: { line, character }, end: { line, character } }, 'k');
    const second = await client.diagnostics(uri, { version: 2 });
    expect(second.map((d) => d.message)).toEqual(first.map((d) => d.message));
    // The warm-up, stopped by edit 2 if it had begun, runs to its end after edit 2's review.
    const warmedUp = new RegExp(`warmed up on ${WARM_UP_EDITS} near copies of ${uri.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in \\d+ ms`);
    const deadline = Date.now() + 30_000;
    while (!warmedUp.test(client.logs.join('')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.logs.join('')).toMatch(warmedUp);
    expect(client.published.filter((p) => p.uri === uri).map((p) => p.version)).toEqual([1, 2]);
    await client.edit(uri, 3, { start: { line, character: character + 1 }, end: { line, character: character + 1 } }, 'c');
    expect((await client.diagnostics(uri, { version: 3 })).length).toBe(first.length);
  });
});
