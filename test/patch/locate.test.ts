import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildImages, imageLines } from '../../server/src/patch/images';
import { locateFileHunks } from '../../server/src/patch/locate';
import { parseSeries } from '../../server/src/patch/parse';
import { repairDocument } from '../../server/src/patch/repair';
import { reviewDocument } from '../../server/src/review/review';
import { readKcov, readSeed, tempTree } from '../support/kernel';

// A small file of our own that imitates kcov's shape.
const BASE = [
  'static void move(void *dst, void *src)',
  '{',
  '\tunsigned long n;',
  '',
  '\tn = READ_ONCE(*(unsigned long *)dst);',
  '\tmemcpy(dst + 8, src, 64);',
  '',
  '\tswitch (mode) {',
  '\tcase ONE:',
  '\t\tWRITE_ONCE(*(unsigned long *)dst, n + 1);',
  '\t\tbreak;',
  '\t}',
  '}',
];

function diffFor(oldStart: number, body: string[]): string {
  const old = body.filter((l) => !l.startsWith('+')).length;
  const neu = body.filter((l) => !l.startsWith('-')).length;
  return ['--- a/kernel/kcov.c', '+++ b/kernel/kcov.c', `@@ -${oldStart},${old} +${oldStart},${neu} @@`, ...body, ''].join('\n');
}

function locateOne(text: string, base = BASE) {
  const file = parseSeries(text).patches[0].files[0];
  return locateFileHunks(0, file, base)[0];
}

const CLEAN = [' \tmemcpy(dst + 8, src, 64);', '+\tsmp_wmb();', ' ', ' \tswitch (mode) {'];

describe('hunk location', () => {
  it('matches exactly at the declared line', () => {
    const h = locateOne(diffFor(6, CLEAN));
    expect(h.where).toMatchObject({ located: true, how: 'exact', baseLine1: 6, offset: 0 });
  });

  it('matches by offset when the file moved', () => {
    const h = locateOne(diffFor(6, CLEAN), ['/* moved */', '', ...BASE]);
    expect(h.where).toMatchObject({ located: true, how: 'offset', baseLine1: 8, offset: 2 });
  });

  it('matches a whitespace-damaged hunk, restores tabs, the dropped blank line and the indentation of added lines', () => {
    const damaged = ['memcpy(dst + 8, src, 64);', '+ smp_wmb();', 'switch (mode) {', 'case ONE:'].join('\n');
    const text = `--- a/kernel/kcov.c\n+++ b/kernel/kcov.c\n@@ -6,5 +6,6 @@\n${damaged}\n`;
    const h = locateOne(text);
    expect(h.where).toMatchObject({ located: true, how: 'whitespace', baseLine1: 6 });
    // A dropped blank line comes back right after the context line it followed in the base.
    expect(h.hunk.lines.map((l) => l.kind + l.text)).toEqual([' \tmemcpy(dst + 8, src, 64);', ' ', '+\tsmp_wmb();', ' \tswitch (mode) {', ' \tcase ONE:']);
    expect(h.hunk.damage).toEqual(expect.arrayContaining(['context-prefix-lost', 'blank-context-dropped', 'tabs-collapsed']));
    expect(h.hunk.lines[1].docLine).toBeNull();
  });

  it('matches with fuzz when outer context lines changed, never dropping a removed line', () => {
    const body = [' \tunsigned long x;', ' ', ' \tn = READ_ONCE(*(unsigned long *)dst);', '-\tmemcpy(dst + 8, src, 64);', '+\tmemmove(dst + 8, src, 64);'];
    const h = locateOne(diffFor(3, body));
    expect(h.where).toMatchObject({ located: true, how: 'fuzz', fuzz: [1, 0] });
    const removedChanged = diffFor(3, [' \tn = READ_ONCE(*(unsigned long *)dst);', '-\tmemcpy(dst + 9, src, 64);', '+\tx();']);
    expect(locateOne(removedChanged).where.located).toBe(false);
  });

  it('explains a hunk that matches nowhere: the closest place and the lines that differ', () => {
    const body = [' \tn = READ_ONCE(*(unsigned long *)dst);', '-\tmemcpy(dst + 8, irq_area, 64);', ' ', ' \tswitch (mode) {'];
    const h = locateOne(diffFor(5, body));
    expect(h.where.located).toBe(false);
    if (h.where.located) return;
    expect(h.where.closest?.baseLine1).toBe(5);
    expect(h.where.closest?.differing).toEqual([{ expected: '\tmemcpy(dst + 8, irq_area, 64);', found: '\tmemcpy(dst + 8, src, 64);' }]);
    expect(h.where.reason).toMatch(/1 of its 3 context and removed lines differ at the closest place, line 5/);
  });

  it('builds exact line maps between patch, pre-image and post-image', () => {
    const text = diffFor(6, CLEAN);
    const file = parseSeries(text).patches[0].files[0];
    const hunks = locateFileHunks(0, file, BASE);
    const pair = buildImages('kernel/kcov.c', BASE, hunks, 'tree');
    const post = imageLines(pair.post);
    expect(post).toHaveLength(BASE.length + 1);
    expect(post[6]).toBe('\tsmp_wmb();');
    expect(pair.map.patchToPost.get(4)).toBe(6); // the + line
    expect(pair.map.patchToPre.get(3)).toBe(5); // memcpy context
    expect(pair.map.preToPost.get(7)).toBe(8); // switch moved down by one
    expect(pair.map.postToPatch.get(6)).toBe(4);
  });

  it('maps no removed line to the post-image and no added line to the pre-image', () => {
    // Line 6 (memcpy) replaced by two lines: pre 5 (0-based) has no post line; post 5 and 6 no pre line.
    const body = [' \tn = READ_ONCE(*(unsigned long *)dst);', '-\tmemcpy(dst + 8, src, 64);', '+\tmemmove(dst + 8, src, 64);', '+\tsmp_wmb();', ' '];
    const file = parseSeries(diffFor(5, body)).patches[0].files[0];
    const pair = buildImages('kernel/kcov.c', BASE, locateFileHunks(0, file, BASE), 'tree');
    const preToPost = BASE.map((_, line) => pair.map.preToPost.get(line));
    expect(preToPost).toEqual([0, 1, 2, 3, 4, undefined, 7, 8, 9, 10, 11, 12, 13]);
    const postToPre = imageLines(pair.post).map((_, line) => pair.map.postToPre.get(line));
    expect(postToPre).toEqual([0, 1, 2, 3, 4, undefined, undefined, 6, 7, 8, 9, 10, 11, 12]);
    expect(pair.map.preToPost.get(BASE.length)).toBeUndefined();
    expect(pair.map.postToPre.get(-1)).toBeUndefined();
  });
});

describe('the real seeds against Debian 6.12 kcov.c', () => {
  const tree = tempTree({ 'kernel/kcov.c': readKcov() });

  it('locates seed 004 in kcov_move_area and reports the damage once', async () => {
    const r = await reviewDocument(readSeed('004'), { documentPath: null, kernelTree: tree });
    expect(r.hunks).toHaveLength(1);
    const where = r.hunks[0].where;
    expect(where.located).toBe(true);
    const memcpyLine = readKcov().split('\n').findIndex((l) => l.includes('memcpy(dst_entries, src_entries')) + 1;
    if (where.located) expect(where.baseLine1).toBe(memcpyLine);
    const damage = r.problems.filter((p) => p.code === 'patch-damaged');
    expect(damage).toHaveLength(1);
    expect(damage[0].severity).toBe('warning');
    expect(damage[0].line).toBe(r.hunks[0].hunk.headerLine);
  });

  it('locates or explains every kcov.c hunk of seed 000; the misses are errors on their @@ lines naming the closest place', async () => {
    const r = await reviewDocument(readSeed('000'), { documentPath: null, kernelTree: tree });
    const kcov = r.hunks.filter((h) => h.file.path === 'kernel/kcov.c');
    expect(kcov.length).toBe(16);
    const misses = kcov.filter((h) => !h.where.located);
    expect(misses.length).toBeGreaterThan(0);
    expect(kcov.filter((h) => h.where.located).length).toBeGreaterThan(misses.length);
    for (const m of misses) {
      const p = r.problems.find((x) => x.code === 'hunk-not-found' && x.line === m.hunk.headerLine);
      expect(p?.severity).toBe('error');
      expect(p?.message).toMatch(/Closest place: line \d+/);
    }
    // The per-CPU irq_area this patch edits is gone from 6.12: such a hunk cannot be located.
    expect(misses.some((m) => m.hunk.lines.some((l) => l.text.includes('irq_area')))).toBe(true);
    expect(r.problems.some((p) => p.code === 'file-not-analysed')).toBe(true);
  });

  it('repairs seed 004 into a patch that git apply --check accepts', async () => {
    const r = await reviewDocument(readSeed('004'), { documentPath: null, kernelTree: tree });
    const repaired = repairDocument(readSeed('004'), r.hunks);
    expect(repaired.unrepaired).toEqual([]);
    const file = path.join(os.tmpdir(), `kcov-review-004-${process.pid}.patch`);
    fs.writeFileSync(file, repaired.text);
    expect(() => execFileSync('git', ['apply', '--check', file], { cwd: tree, stdio: 'pipe' })).not.toThrow();
    // And the damaged original is rejected, which is why the repair exists.
    fs.writeFileSync(file, readSeed('004'));
    expect(() => execFileSync('git', ['apply', '--check', file], { cwd: tree, stdio: 'pipe' })).toThrow();
  });

  it('uses the blob named on the index line as the exact base when the tree is a git repository', async () => {
    const repo = tempTree({ 'kernel/kcov.c': BASE.join('\n') + '\n' });
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'base');
    const blob = git('rev-parse', 'HEAD:kernel/kcov.c');
    // The working tree moves on: the hunk no longer applies to it, only to the blob.
    fs.writeFileSync(path.join(repo, 'kernel/kcov.c'), 'static void move(void *dst)\n{\n\tcopy_entries(dst);\n}\n');
    const text = diffFor(6, CLEAN).replace('--- a/kernel/kcov.c', `diff --git a/kernel/kcov.c b/kernel/kcov.c\nindex ${blob.slice(0, 12)}..abcdef123456 100644\n--- a/kernel/kcov.c`);
    const r = await reviewDocument(text, { documentPath: null, kernelTree: repo });
    expect(r.images[0].baseFrom).toBe('git-blob');
    expect(r.hunks[0].where).toMatchObject({ located: true, how: 'exact' });
    expect(r.problems.find((p) => p.code === 'base-from-git-blob')?.message).toContain(blob.slice(0, 12));
    const withoutBlob = await reviewDocument(diffFor(6, CLEAN), { documentPath: null, kernelTree: repo });
    expect(withoutBlob.hunks[0].where.located).toBe(false);
  });
});
