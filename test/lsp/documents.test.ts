import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPatchDocument, looksLikePatch } from '../../server/src/lsp/documents';

const seeds = path.resolve(__dirname, '../../../shared/seeds');

describe('isPatchDocument', () => {
  it('accepts patch languages and extensions whatever the content', () => {
    expect(isPatchDocument('file:///x/a.txt', 'diff', '')).toBe(true);
    expect(isPatchDocument('file:///x/a.txt', 'patch-mail', '')).toBe(true);
    for (const ext of ['patch', 'diff', 'mbox', 'eml', 'PATCH']) expect(isPatchDocument(`file:///x/a.${ext}`, 'plaintext', '')).toBe(true);
  });

  it('accepts .txt files only when they hold a patch, like the seeds', () => {
    const seed = readFileSync(path.join(seeds, '004_5fcad42784cde50b.txt'), 'utf8');
    expect(isPatchDocument('file:///x/004.txt', 'plaintext', seed)).toBe(true);
    expect(isPatchDocument('file:///x/notes.txt', 'plaintext', 'just notes\n--- a\n')).toBe(false);
    expect(isPatchDocument('untitled:Untitled-1', 'plaintext', seed)).toBe(true);
  });

  it('rejects other languages', () => {
    expect(isPatchDocument('file:///x/kcov.c', 'c', 'diff --git a/x b/x\n')).toBe(false);
  });
});

describe('looksLikePatch', () => {
  it('recognises git and plain unified diffs', () => {
    expect(looksLikePatch('diff --git a/k.c b/k.c\n')).toBe(true);
    expect(looksLikePatch('--- k.c.orig\n+++ k.c\n@@ -1 +1 @@\n')).toBe(true);
    expect(looksLikePatch('--- k.c.orig\n+++ k.c\nno hunk\n')).toBe(false);
  });
});
