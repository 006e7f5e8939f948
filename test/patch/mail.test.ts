import { describe, expect, it } from 'vitest';
import { parseSeries } from '../../server/src/patch/parse';
import { readSeed } from '../support/kernel';

// Fixtures written here, imitating kcov's constructs (not kernel text).
const FORMAT_PATCH = `From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001
From: A Developer <dev@example.org>
Date: Mon, 2 Nov 2026 10:00:00 +0100
Subject: [PATCH 1/2] kcov: order the count
 after the entries
Message-ID: <20261102.1@example.org>

Publish the entries before the count.

Signed-off-by: A Developer <dev@example.org>
---
 kernel/kcov.c | 1 +
 1 file changed, 1 insertion(+)

diff --git a/kernel/kcov.c b/kernel/kcov.c
index 1111111..2222222 100644
--- a/kernel/kcov.c
+++ b/kernel/kcov.c
@@ -10,3 +10,4 @@ static void move(void *dst)
 \tcopy(dst);
+\tsmp_wmb();
 \tWRITE_ONCE(*(long *)dst, n);
 }
-- 
2.47.0

`;

describe('mail and diff reading', () => {
  it('reads a format-patch mail: folded subject, Message-ID, separator, one well-formed hunk', () => {
    const s = parseSeries(FORMAT_PATCH);
    expect(s.patches).toHaveLength(1);
    const p = s.patches[0];
    expect(p.headers.subject).toBe('[PATCH 1/2] kcov: order the count after the entries');
    expect(p.headers.messageId).toBe('<20261102.1@example.org>');
    expect(p.subjectLine).toBe(3);
    expect(p.separatorLine).toBe(10);
    expect(p.files).toHaveLength(1);
    const f = p.files[0];
    expect(f.path).toBe('kernel/kcov.c');
    expect([f.oldBlob, f.newBlob]).toEqual(['1111111', '2222222']);
    const h = f.hunks[0];
    expect([h.oldStart, h.oldCount, h.newStart, h.newCount]).toEqual([10, 3, 10, 4]);
    expect(h.damage).toEqual([]);
    expect(h.lines.map((l) => l.kind).join('')).toBe(' +  ');
    expect(h.lines[1]).toMatchObject({ kind: '+', text: '\tsmp_wmb();', docLine: 20 });
    expect(s.problems).toEqual([]);
  });

  it('splits an mbox series into cover letter and patches', () => {
    const cover = FORMAT_PATCH.split('\n').slice(0, 8).join('\n').replace('[PATCH 1/2] kcov: order the count', '[PATCH 0/2] kcov: ordering') + '\n\nCover text.\n';
    const second = FORMAT_PATCH.replace('[PATCH 1/2]', '[PATCH 2/2]');
    const s = parseSeries(cover + FORMAT_PATCH + second);
    expect(s.patches.map((p) => p.headers.subject?.slice(0, 11))).toEqual(['[PATCH 0/2]', '[PATCH 1/2]', '[PATCH 2/2]']);
    expect(s.patches.map((p) => p.files.length)).toEqual([0, 1, 1]);
    expect(s.patches[2].files[0].hunks[0].headerLine).toBeGreaterThan(s.patches[1].endLine - 1);
  });

  it('reads a bare diff, CRLF line ends and a "No newline" marker without a spurious line', () => {
    const diff = '--- a/kernel/kcov.c\n+++ b/kernel/kcov.c\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n';
    const s = parseSeries(diff.replace(/\n/g, '\r\n'));
    const h = s.patches[0].files[0].hunks[0];
    expect(h.lines.map((l) => l.kind + l.text)).toEqual([' a', '-b', '+c']);
    expect(h.lines[1].noNewline).toBe(true);
    expect(h.damage).toEqual([]);
    expect(s.problems.map((p) => p.code)).toEqual(['crlf-line-ends']);
  });

  it('says so when there is no diff, and refuses binary data', () => {
    expect(parseSeries('Subject: hello\n\njust words\n').problems.map((p) => p.code)).toEqual(['no-diff']);
    expect(parseSeries('\u0000\u0001\u0002ELF').problems.map((p) => p.code)).toEqual(['not-a-patch']);
  });

  it('reads both real seeds as web-archive copies with whitespace damage', () => {
    const s4 = parseSeries(readSeed('004'));
    expect(s4.patches[0].headers.subject).toBe('[PATCH] smp_wmb() in kcov_move_area() after memcpy()');
    expect(s4.patches[0].headers.from).toBe('Soham Bagchi');
    const h4 = s4.patches[0].files[0].hunks;
    expect(h4).toHaveLength(1);
    expect(h4[0].damage).toContain('context-prefix-lost');
    expect(h4[0].lines.filter((l) => l.kind === '+').map((l) => l.text.trim())).toContain('smp_wmb();');

    const s0 = parseSeries(readSeed('000'));
    const files = s0.patches[0].files;
    expect(files.map((f) => f.path)).toEqual(['include/linux/sched.h', 'kernel/kcov.c']);
    // Every @@ line of the mail becomes a hunk: damage must not merge hunks.
    const headers = readSeed('000').split('\n').filter((l) => l.startsWith('@@ ')).length;
    expect(files.reduce((n, f) => n + f.hunks.length, 0)).toBe(headers);
    expect(files[1].hunks.every((h) => h.damage.length > 0)).toBe(true);
  });
});
