/**
 * Regression examples for what the property tests of test/fuzz/ found in the patch stage, each as a
 * small explicit case on a file of our own.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildImages, imageLines } from '../../server/src/patch/images';
import { locateFileHunks } from '../../server/src/patch/locate';
import { parseSeries } from '../../server/src/patch/parse';
import { repairDocument } from '../../server/src/patch/repair';
import type { LocatedHunk } from '../../server/src/patch/types';

const BASE = [
  'static int count;',
  '',
  'static void bump(void)',
  '{',
  '\tint x = 0;',
  '',
  '\tx++;',
  '\tcount = x;',
  '}',
  '',
  '',
  'static void reset(void)',
  '{',
  '\tcount = 0;',
  '}',
];

const HEAD = ['diff --git a/kernel/kcov.c b/kernel/kcov.c', '--- a/kernel/kcov.c', '+++ b/kernel/kcov.c'];

function locate(lines: string[], base = BASE): LocatedHunk[] {
  const file = parseSeries(lines.join('\n') + '\n').patches[0].files[0];
  return locateFileHunks(0, file, base);
}

function post(hunks: LocatedHunk[], base = BASE): string[] {
  return imageLines(buildImages('kernel/kcov.c', base, hunks, 'tree').post);
}

/** null when `git apply --check` accepts the text against BASE, else git's complaint. */
function gitCheck(text: string): string | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-regress-'));
  execFileSync('git', ['init', '-q'], { cwd: dir });
  fs.mkdirSync(path.join(dir, 'kernel'));
  fs.writeFileSync(path.join(dir, 'kernel', 'kcov.c'), BASE.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'p.patch'), text);
  try {
    execFileSync('git', ['apply', '--check', 'p.patch'], { cwd: dir, stdio: 'pipe' });
    return null;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr);
  }
}

describe('patch stage: cases the fuzzer found', () => {
  it('places a pure insertion `@@ -N,0` after line N, as diff and git do', () => {
    const hunks = locate([...HEAD, '@@ -1,0 +2,1 @@', '+static int added;']);
    expect(hunks[0].where).toMatchObject({ located: true, offset: 0 });
    expect(post(hunks).slice(0, 3)).toEqual(['static int count;', 'static int added;', '']);
    // At the very top, `-0,0` still goes before line 1.
    expect(post(locate([...HEAD, '@@ -0,0 +1,1 @@', '+/* top */']))[0]).toBe('/* top */');
  });

  it('pads a loosely matched hunk with blank lines only after the previous hunk, never over it', () => {
    // Hunk 1 ends at the blank line 10; hunk 2, damaged (no context prefix), declares two old lines more
    // than it shows and would be padded with the blank lines above it, 11 and 10, which hunk 1 holds.
    const hunks = locate([...HEAD, '@@ -8,3 +8,3 @@', ' \tcount = x;', '-}', '+} /* bump */', ' ', '@@ -10,6 +10,6 @@', 'static void reset(void)', '{', '-\tcount = 0;', '+\tcount = 1;', '}']);
    expect(hunks.every((h) => h.where.located)).toBe(true);
    const [a, b] = hunks.map((h) => (h.where.located ? h.where.baseLine1 : 0));
    expect(b).toBeGreaterThanOrEqual(a + hunks[0].hunk.lines.filter((l) => l.kind !== '+').length);
    expect(post(hunks)).toContain('\tcount = 1;');
    expect(post(hunks)).toContain('} /* bump */');
  });

  it('keeps a removed blank line removed when the hunk is matched ignoring white space', () => {
    // Context without its leading space (archive damage) forces the whitespace-blind match.
    const hunks = locate([...HEAD, '@@ -5,3 +5,2 @@', ' int x = 0;', '-', ' \tx++;']);
    expect(hunks[0].where).toMatchObject({ located: true, how: 'whitespace' });
    expect(post(hunks).slice(3, 7)).toEqual(['{', '\tint x = 0;', '\tx++;', '\tcount = x;']);
  });

  it('does not match loosely where the base has no blank line the patch removes', () => {
    const hunks = locate([...HEAD, '@@ -7,2 +7,1 @@', '\tx++;', '-', '\tcount = x;']);
    expect(hunks[0].where.located).toBe(false);
  });

  it('repair adds trailing context a hunk lacks, so that git apply --check accepts it', () => {
    const text = [...HEAD, '@@ -13,1 +13,2 @@', ' {', '+\tcount++;'].join('\n') + '\n';
    expect(gitCheck(text)).not.toBeNull(); // without trailing context git anchors it at the end of the file
    const repaired = repairDocument(text, locate(text.split('\n').slice(0, -1)), () => BASE);
    expect(repaired.unrepaired).toEqual([]);
    expect(repaired.text).toContain('@@ -13,2 +13,3 @@\n {\n+\tcount++;\n \tcount = 0;\n');
    expect(gitCheck(repaired.text)).toBeNull();
  });

  it('repair keeps the added context out of the next hunk, and reports adjacent hunks it cannot anchor', () => {
    const adjacent = [...HEAD, '@@ -7,1 +7,1 @@', '-\tx++;', '+\tx += 2;', '@@ -8,1 +8,1 @@', '-\tcount = x;', '+\tcount = x + 1;'].join('\n') + '\n';
    const r = repairDocument(adjacent, locate(adjacent.split('\n').slice(0, -1)), () => BASE);
    expect(r.unrepaired.map((u) => u.header)).toEqual(['@@ -7,1 +7,1 @@']);
    expect(r.unrepaired[0].reason).toMatch(/no context line after it/);
    const apart = [...HEAD, '@@ -5,1 +5,1 @@', '-\tint x = 0;', '+\tint x = 1;', '@@ -8,1 +8,1 @@', '-\tcount = x;', '+\tcount = x + 1;'].join('\n') + '\n';
    const ok = repairDocument(apart, locate(apart.split('\n').slice(0, -1)), () => BASE);
    expect(ok.unrepaired).toEqual([]);
    expect(gitCheck(ok.text)).toBeNull();
  });

  it('repair drops blank lines between a rewritten hunk and the next, and reports a stray line there', () => {
    // Archive damage (a context line without its space) makes both hunks restored; a blank line follows hunk 1.
    const blank = [...HEAD, '@@ -3,2 +3,3 @@', 'static void bump(void)', ' {', '+\t/* bump */', '', '@@ -13,2 +14,2 @@', ' {', '-\tcount = 0;', '+\tcount = 1;', ' }'].join('\n') + '\n';
    const r = repairDocument(blank, locate(blank.split('\n').slice(0, -1)), () => BASE);
    expect(r.unrepaired).toEqual([]);
    expect(gitCheck(r.text)).toBeNull();
    // The tail of a wrapped line between two hunks is part of neither: not claimed repaired.
    const wrapped = blank.replace('+\t/* bump */\n\n', '+\t/* bump */\n\n*/ tail of a wrapped line\n');
    const w = repairDocument(wrapped, locate(wrapped.split('\n').slice(0, -1)), () => BASE);
    expect(w.unrepaired.some((u) => /part of no hunk/.test(u.reason))).toBe(true);
  });

  it('repair does not claim a patch whose other section names no file (a garbled `diff --git` line git apply rejects)', () => {
    // A corrupted mail repeated its diffstat after a `diff --git` line cut to an address.
    const good = [...HEAD, '@@ -14,1 +14,1 @@', '-\tcount = 0;', '+\tcount = 1;', ' }'];
    const text = ['diff --git <author@example.org>', '---', ' kernel/kcov.c | 2 +-', '', ...good].join('\n') + '\n';
    const series = parseSeries(text);
    expect(series.problems.map((p) => p.code)).toContain('diff-section-refused');
    const file = series.patches[0].files.find((f) => f.hunks.length > 0)!;
    const hunks = locateFileHunks(0, file, BASE);
    expect(hunks[0].where.located).toBe(true);
    const r = repairDocument(text, hunks, () => BASE);
    expect(r.unrepaired.map((u) => u.header)).toEqual(['diff --git <author@example.org>']);
    expect(r.unrepaired[0].reason).toMatch(/no hunk and no change of the file itself/);
    expect(gitCheck(r.text)).toMatch(/lacks filename information/);
    // Without the garbled section the same hunk repairs cleanly.
    const alone = good.join('\n') + '\n';
    const ok = repairDocument(alone, locate(good), () => BASE);
    expect(ok.unrepaired).toEqual([]);
    expect(gitCheck(ok.text)).toBeNull();
  });

  it('repair puts back a lost `+++` line, a garbled `---` name and drops text between the header and the first hunk', () => {
    const body = ['@@ -14,1 +14,1 @@', '-\tcount = 0;', '+\tcount = 1;', ' }'];
    const repairs = (lines: string[]): string => {
      const text = lines.join('\n') + '\n';
      expect(gitCheck(text)).not.toBeNull();
      const r = repairDocument(text, locate(lines), () => BASE);
      expect(r.unrepaired).toEqual([]);
      expect(gitCheck(r.text)).toBeNull();
      return r.text;
    };
    expect(repairs([HEAD[0], HEAD[1], ...body])).toContain('--- a/kernel/kcov.c\n+++ b/kernel/kcov.c\n@@ -14,');
    expect(repairs([HEAD[0], '--- a\u0001kernel/kcov.c', HEAD[2], ...body])).toContain('--- a/kernel/kcov.c\n+++ b/kernel/kcov.c\n@@');
    expect(repairs([HEAD[0], 'index 0123456..789abcd 100644', 'kernel/kcov.c | 2 +-', HEAD[1], HEAD[2], ...body])).toContain(`${HEAD[0]}\nindex 0123456..789abcd 100644\n--- a/kernel/kcov.c\n`);
    // A name line git would read as another file (`@@ -1,3 +1,4 @@`) under a garbled `diff --git` line.
    expect(repairs(['diff --git 1b80bd..d6f015eff56 100644', '--- a/@@ -1,3 +1,4 @@', HEAD[2], ...body])).toContain('--- a/kernel/kcov.c\n+++ b/kernel/kcov.c\n@@');
  });

  it('repair drops a `\\ No newline at end of file` marker that does not follow the last line of the file', () => {
    const lines = [...HEAD, '@@ -7,2 +7,3 @@', ' \tx++;', '\\ No newline at end of file', '+\tx++;', ' \tcount = x;'];
    const text = lines.join('\n') + '\n';
    expect(gitCheck(text)).not.toBeNull();
    const r = repairDocument(text, locate(lines), () => BASE);
    expect(r.unrepaired).toEqual([]);
    expect(r.text).not.toContain('No newline');
    expect(gitCheck(r.text)).toBeNull();
  });

  it('repair does not claim what git refuses outside the hunks: a garbled `index` line, a hunk that changes nothing, a hunk header in no section', () => {
    const change = ['@@ -14,1 +14,1 @@', '-\tcount = 0;', '+\tcount = 1;', ' }'];
    const claims = (lines: string[]): { reasons: string[]; git: string | null } => {
      const text = lines.join('\n') + '\n';
      const r = repairDocument(text, locate(lines), () => BASE);
      return { reasons: r.unrepaired.map((u) => u.reason), git: gitCheck(r.text) };
    };
    const garbledIndex = claims([HEAD[0], 'index 0123456.. a/kernel/kcov.c b/kernel/kcov.c', HEAD[1], HEAD[2], ...change]);
    expect(garbledIndex.reasons.join('\n')).toMatch(/garbled `index` line/);
    expect(garbledIndex.git).toMatch(/invalid mode/);
    const badMode = claims([HEAD[0], 'index 0123456..789abcd 1', HEAD[1], HEAD[2], ...change]);
    expect(badMode.reasons.join('\n')).toMatch(/garbled `index` line/);
    expect(badMode.git).toMatch(/wrong type/);
    const contextOnly = claims([...HEAD, '@@ -14,2 +14,2 @@', ' \tcount = 0;', ' }']);
    expect(contextOnly.reasons.join('\n')).toMatch(/changes no line/);
    expect(contextOnly.git).toMatch(/corrupt patch/);
    const stray = claims(['@@ -1,3 +1,4 @@', 'Subject: [PATCH] kcov: count', '', ...HEAD, ...change]);
    expect(stray.reasons.join('\n')).toMatch(/line 1 reads as a hunk header outside any file section/);
    expect(stray.git).toMatch(/patch fragment without header/);
  });

  it('decodes RFC 2047 subjects in web-archive titles too, trimmed after decoding', () => {
    const title = (t: string): string | null => parseSeries(`${t}\n\nFrom: A\nDate: Wed Jul 16 2025\n\n${[...HEAD, '@@ -1,1 +1,1 @@', '-static int count;', '+static long count;'].join('\n')}\n`).patches[0].headers.subject;
    expect(title('[PATCH] =?UTF-8?B?w5xtbGF1dGU=?=')).toBe('[PATCH] Ümlaute');
    expect(title('[PATCH] =?UTF-8?B??=')).toBe('[PATCH]');
    const rfc = parseSeries('From: A\nSubject: =?utf-8?q?kcov=3A_fix_?=\n\n' + [...HEAD, '@@ -1,1 +1,1 @@', '-static int count;', '+static long count;'].join('\n') + '\n');
    expect(rfc.patches[0].headers.subject).toBe('kcov: fix');
  });
  it('names the file from what is left of a damaged header: a one-path `diff --git`, a lone `+++`', () => {
    const hunk = ['@@ -13,3 +13,3 @@', ' {', '-\tcount = 0;', '+\tcount = 1;', ' }'];
    const pathOf = (head: string[]): string => parseSeries([...head, ...hunk].join('\n') + '\n').patches[0].files[0].path;
    // The `b/...` half, `index` and `---` lines cut away by the copy (what the fuzzer made of seed 004).
    expect(pathOf(['diff --git a/kernel/kcov.c', '+++ b/kernel/kcov.c'])).toBe('kernel/kcov.c');
    expect(pathOf(['diff --git a/kernel/kcov.c'])).toBe('kernel/kcov.c');
    expect(pathOf(['diff --git junk', '+++ b/kernel/kcov.c'])).toBe('kernel/kcov.c');
    expect(pathOf(['diff --git junk'])).toBe('');
    expect(locate(['diff --git a/kernel/kcov.c', '+++ b/kernel/kcov.c', ...hunk])[0].where).toMatchObject({ located: true, offset: 0 });
  });
  it('reads a header or hunk heading holding U+2028/U+2029 (one line to git, a line terminator to a JS regex)', () => {
    const mail = ['From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001', 'From: A U Thor <author@example.org>', 'Subject: [PATCH] \u2028', '', 'Body.', '---', ...HEAD, '@@ -13,3 +13,3 @@ static void reset(void)\u2029', ' {', '-\tcount = 0;', '+\tcount = 1;', ' }'];
    const patch = parseSeries(mail.join('\n') + '\n').patches[0];
    expect(patch.headers.subject).toBe('[PATCH]');
    expect(patch.files[0].hunks).toHaveLength(1);
    expect(locateFileHunks(0, patch.files[0], BASE)[0].where).toMatchObject({ located: true, offset: 0 });
  });
});
