/**
 * In-process tests of the features that show the model itself: inlay hints, "Show model state at
 * cursor" and the post-image's diagnostics, on the two real seeds against the real 6.12 kcov.c, on
 * kcov.c opened as a file, and on a two-patch series generated from kcov.c at test time.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DiagnosticSeverity, type InlayHint } from 'vscode-languageserver';
import { modelAt } from '../../server/src/lsp/core';
import { definition, postImageText, postImageUri } from '../../server/src/lsp/definition';
import { compactState, inlayHints } from '../../server/src/lsp/inlayHints';
import { modelState } from '../../server/src/lsp/modelState';
import { postImageDiagnostics } from '../../server/src/lsp/postImageDiagnostics';
import { reviewDocument } from '../../server/src/review/review';
import type { Review } from '../../server/src/review/types';
import { readKcov, readSeed, tempTree } from '../support/kernel';

const kcov = readKcov();
const tree = tempTree({ 'kernel/kcov.c': kcov });
const ALL = { start: { line: 0, character: 0 }, end: { line: 1_000_000, character: 0 } };

const review = (text: string): Promise<Review> => reviewDocument(text, { documentPath: null, kernelTree: tree });

/** The 0-based lines of `text` matching `re`. */
const linesMatching = (text: string, re: RegExp): number[] => text.split('\n').flatMap((l, i) => (re.test(l) ? [i] : []));

function only(text: string, re: RegExp): number {
  const hits = linesMatching(text, re);
  if (hits.length !== 1) throw new Error(`${re}: ${hits.length} lines`);
  return hits[0];
}

/** A hint's label split into its configuration groups: `{ '!RT': '...', 'RT+BHlock': '...', RT: '...' }`. */
function perConfig(hint: InlayHint | undefined): Record<string, string> {
  if (!hint || typeof hint.label !== 'string') throw new Error('no hint');
  const body = hint.label.replace(/^before: /, '').replace(/^\[[^\]]*\] /, '');
  const out: Record<string, string> = {};
  for (const group of body.split(' ‖ ')) {
    const [names, state] = group.split(/: (.*)/s);
    for (const n of names.split(', ')) out[n] = state;
  }
  return out;
}

const hintAt = (hints: InlayHint[], line: number): InlayHint | undefined => hints.find((h) => h.position.line === line);

describe('inlay hints on seed 004 (kcov_move_area, called from kcov_remote_stop with both locks held)', async () => {
  const text = readSeed('004');
  const r = await review(text);
  const hints = inlayHints(r, text, ALL, modelAt, false);

  it('puts one hint at the end of the added smp_wmb() line: the state kcov_remote_stop() leaves per config', () => {
    const line = only(text, /^\+\s*smp_wmb\(\);/);
    const hint = hintAt(hints, line);
    expect(hint?.position.character).toBe(text.split('\n')[line].length);
    expect(hint?.label).toMatch(/^\[task\|softirq\] /);
    const c = perConfig(hint);
    expect(c['!RT']).toBe('preempt off · migrate on · hardirq off · bh on|off · L kcov_percpu_data.lock · L kcov->lock');
    expect(c.RT).toBe('preempt on · migrate off · rcu · L kcov_percpu_data.lock · L kcov->lock');
    // The BH lock is held only when kcov_remote_stop() runs in a softirq.
    expect(c['RT+BHlock']).toContain('L? softirq_ctrl.lock');
    expect(typeof hint?.tooltip === 'object' ? hint.tooltip.value : '').toMatch(/`RT` softirq \(\d+ paths?\): preempt 0, migrate 3, hardirq 0, bh 0, rcu 3; holds kcov_percpu_data\.lock \(sleeping, taken in kcov_remote_stop:\d+\)/);
  });

  it('hints context lines of the function, but not comment lines, mail lines or the @@ line', () => {
    expect(hintAt(hints, only(text, /memcpy\(dst_entries, src_entries, bytes_to_move\);/))).toBeDefined();
    for (const line of linesMatching(text, /^\+\s*(\/\*|\*)/)) expect(hintAt(hints, line)).toBeUndefined();
    for (const line of [0, only(text, /^@@ -978/)]) expect(hintAt(hints, line)).toBeUndefined();
    expect(hints.every((h) => h.position.line > only(text, /^@@ -978/))).toBe(true);
  });

  it('answers only for the requested range', () => {
    const line = only(text, /^\+\s*smp_wmb\(\);/);
    const some = inlayHints(r, text, { start: { line, character: 0 }, end: { line, character: 0 } }, modelAt, false);
    expect(some.map((h) => h.position.line)).toEqual([line]);
  });
});

describe('inlay hints on seed 000 (kcov_remote_start)', async () => {
  const text = readSeed('000');
  const r = await review(text);
  const hints = inlayHints(r, text, ALL, modelAt, false);

  it('a removed line inside kcov_remote_start after local_lock_irqsave: RT migrate off with the lock held, !RT hard IRQs off (pre-image)', () => {
    const lock = linesMatching(text, /^-\s*local_lock_irqsave\(&kcov_percpu_data\.lock, flags\);/)[0];
    const unlock = linesMatching(text, /^-\s*local_unlock_irqrestore\(&kcov_percpu_data\.lock, flags\);/).find((l) => l > lock);
    expect(text.split('\n').slice(0, lock).reverse().find((l) => l.startsWith('@@'))).toMatch(/@@ void kcov_remote_start\(u64 handle\)$/);
    const hint = hintAt(hints, unlock ?? -1);
    expect(hint?.label).toMatch(/^before: /);
    const c = perConfig(hint);
    expect(c.RT).toMatch(/^preempt on · migrate off · .*L kcov_percpu_data\.lock/);
    expect(c['!RT']).toMatch(/^preempt on · migrate on · hardirq off · .*L kcov_percpu_data\.lock/);
    // Before the lock itself nothing is held.
    expect(perConfig(hintAt(hints, lock)).RT).not.toContain('kcov_percpu_data.lock');
  });

  it('kcov_remote_stop in the post-image after kcov_local_lock_irqsave() (a macro of local_lock_irqsave on !RT): !RT hard IRQs off; RT not compiled, since hunks that do not apply to 6.12 break the post-image #if structure', () => {
    const lines = text.split('\n');
    const macro = linesMatching(text, /^\+\s*kcov_local_lock_irqsave\(flags\);/).find((l) => /^\s*mode = READ_ONCE\(t->kcov_mode\);/.test(lines[l + 1]));
    const c = perConfig(hintAt(hints, (macro ?? -2) + 1));
    expect(c['!RT']).toBe('preempt on · migrate on · hardirq off · bh on|off · L kcov_percpu_data.lock');
    expect(c.RT).toBe('not compiled');
    expect(r.problems.map((p) => p.code)).toContain('post-image-incomplete');
  });

  it('the early return for hard IRQ and NMI context is hinted with those contexts only', () => {
    const guard = linesMatching(text, /^\+\s*if \(in_hardirq\(\) \|\| in_nmi\(\)\)/)[1];
    expect(hintAt(hints, guard + 1)?.label).toMatch(/^\[hardirq\|nmi\] !RT: preempt on · migrate on · hardirq off/);
  });
});

describe('inlay hints on kernel/kcov.c opened as a file', async () => {
  const r = await reviewDocument(kcov, { documentPath: '/src/linux/kernel/kcov.c', kernelTree: null });
  it('hints every code line of a function in the range, from the file itself', () => {
    const start = only(kcov, /^void kcov_remote_start\(u64 handle\)$/);
    const hints = inlayHints(r, kcov, { start: { line: start, character: 0 }, end: { line: start + 90, character: 0 } }, modelAt, true);
    const c = perConfig(hintAt(hints, only(kcov, /if \(WARN_ON\(in_task\(\) && kcov_mode_enabled\(mode\)\)\) \{/)));
    expect(c['!RT']).toBe('preempt on · migrate on · hardirq off · bh on|off · L kcov_percpu_data.lock');
    // On RT the local lock is a per-CPU spinlock_t: rt_spin_lock() enters the RCU read side on every path.
    expect(c['RT+BHlock']).toBe('preempt on · migrate off · bh on|off · rcu · L kcov_percpu_data.lock · L? softirq_ctrl.lock');
    expect(c.RT).toBe('preempt on · migrate off · rcu · L kcov_percpu_data.lock');
    expect(hintAt(hints, start)).toBeUndefined(); // the declarator line is not in the body
    expect(hintAt(hints, start + 1)?.label).toMatch(/^\[task\|softirq\|hardirq\|nmi\] /); // `{`: the entry states
  });
});

describe('compact state', () => {
  it('says on|off where paths disagree, L? for a lock held on some paths, rcu? for a read side entered on some', () => {
    expect(compactState({ contexts: ['task'], counters: { preempt: [0, 1], migrate: [0], hardirq: [0], bh: [1], rcu: [0, 1] }, locks: [{ id: 'a', kinds: ['raw'], held: 'some' }, { id: 'b', kinds: ['local'], held: 'all' }], agree: false }))
      .toBe('preempt on|off · migrate on · bh off · rcu? · L? a · L b');
    expect(compactState({ contexts: ['task'], counters: { preempt: [0], migrate: [0], hardirq: [0], bh: [0], rcu: [0] }, locks: [], agree: true })).toBe('preempt on · migrate on');
  });
});

describe('show model state at cursor', async () => {
  const text = readSeed('004');
  const r = await review(text);
  const line = only(text, /^\+\s*smp_wmb\(\);/);
  const md = modelState(r, text, { line, character: 3 }, modelAt, false);

  it('gives per config the state per context and which row decides who may run here', () => {
    expect(md).toMatch(/^## kcov-review: model state before kernel\/kcov\.c:\d+ \(post-image: as the patch leaves it\) in `kcov_move_area\(\)`/);
    expect(md).toContain('### !RT');
    expect(md).toMatch(/\| task \| \d+ \| 1 \| 0 \| 1 \| 0 \| 0 \| kcov_percpu_data\.lock \(local, kcov_remote_stop:\d+\), kcov->lock \(spinning, kcov_remote_stop:\d+\) \|/);
    expect(md).toContain('| task | hardirq | no | `hardirq-interrupts-task` | hardirq is off here |');
    expect(md).toContain('| softirq | softirq | no | `!RT-softirq-serialized` |');
    expect(md).toContain('| softirq | softirq | no | `RT+BHlock-softirq-preempts-softirq` | softirq_ctrl.lock is held |');
    expect(md).toMatch(/\| softirq \| softirq \| yes \| `RT-softirq-preempts-softirq` \|/);
    expect(md).toMatch(/- called from kcov_remote_stop\(\) at line \d+ \(softirq context\)/);
    expect(md).toMatch(/softirq_ctrl\.lock \(bh, \(softirq entry\)\)/);
  });

  it('says why there is no state on a mail line and on a comment line of kcov.c', async () => {
    expect(modelState(r, text, { line: 0, character: 0 }, modelAt, false)).toMatch(/line 1 is not a line of a located kernel\/kcov\.c hunk/);
    const file = await reviewDocument(kcov, { documentPath: '/src/linux/kernel/kcov.c', kernelTree: null });
    const comment = only(kcov, /Check that kcov_remote_start\(\) is not called twice in background/);
    expect(modelState(file, kcov, { line: comment, character: 0 }, modelAt, true)).toContain('Not a code line of a function body');
    const unlock = linesMatching(kcov, /local_unlock_irqrestore\(&kcov_percpu_data\.lock, flags\);/)[0];
    expect(modelState(file, kcov, { line: unlock, character: 0 }, modelAt, true)).toContain('| task | task | no | `!RT-task-preempts-task` | hardirq is off here |');
  });
});

describe('post-image diagnostics', () => {
  it('seed 004: the pre-existing reader findings at their post-image lines; the fixed barrier findings belong to the pre-image and are absent', async () => {
    const text = readSeed('004');
    const r = await review(text);
    const uri = postImageUri('file:///p/seed004.txt', 'kernel/kcov.c');
    const post = (postImageText(r, 'kernel/kcov.c') ?? '').split('\n');
    const ds = postImageDiagnostics(r, 'kernel/kcov.c', uri);
    expect(ds.map((d) => [d.code, d.severity])).toEqual([['publish-reader', DiagnosticSeverity.Information], ['publish-reader', DiagnosticSeverity.Information]]);
    for (const d of ds) expect(post[d.range.start.line]).toMatch(/^\t\tWRITE_ONCE\(\*\((unsigned long|u64) \*\)dst_area, dst_len \+ entries_moved\);$/);
    expect(r.findings.filter((f) => f.rule === 'publish-barrier').every((f) => f.verdict === 'fixed')).toBe(true);
    for (const d of ds) for (const rel of d.relatedInformation ?? []) expect(rel.location.uri).toBe(uri);
  });

  it('seed 000: the barrier still missing in kcov_move_area (pre-existing on !RT) is shown on the post-image, not only on the patch', async () => {
    const r = await review(readSeed('000'));
    const ds = postImageDiagnostics(r, 'kernel/kcov.c', postImageUri('file:///p/seed000.txt', 'kernel/kcov.c'));
    const barrier = ds.filter((d) => d.code === 'publish-barrier');
    expect(barrier.length).toBe(2);
    expect(barrier[0].message).toMatch(/\(pre-existing in kcov_move_area; !RT\)$/);
    expect(barrier[0].relatedInformation?.length).toBeGreaterThan(1);
    // These sites are outside the patch's hunks: on the patch they get no diagnostic at all.
    expect(r.findings.filter((f) => f.rule === 'publish-barrier').every((f) => f.patchLine === null)).toBe(true);
  });
});

describe('a two-patch series generated from kcov.c', async () => {
  const base = kcov.split('\n');
  const memcpy = base.findIndex((l) => l === '\tmemcpy(dst_entries, src_entries, bytes_to_move);');
  const debug = base.findIndex((l) => l.startsWith('\tkcov_debug("%px %u <= %px %lu\\n",'));
  const hunk = (lines: string[], at: number, added: string): string => {
    const ctx = (a: number, b: number) => lines.slice(a, b).map((l) => ` ${l}`);
    return [`@@ -${at - 2},6 +${at - 2},7 @@`, ...ctx(at - 3, at), `+${added}`, ...ctx(at, at + 3)].join('\n');
  };
  const mail = (n: number, subject: string, body: string): string => [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001', 'From: A U Thor <author@example.org>', `Subject: [PATCH ${n}/2] ${subject}`, '', 'Body.', '---',
    'diff --git a/kernel/kcov.c b/kernel/kcov.c', '--- a/kernel/kcov.c', '+++ b/kernel/kcov.c', body, '',
  ].join('\n');
  // Patch 1 adds a line above kcov_debug(); patch 2, on top of it, a line below memcpy() (one line further down).
  const first = [...base.slice(0, debug), '\t/* added by patch 1 */', ...base.slice(debug)];
  const series = mail(1, 'one', hunk(base, debug, '\t/* added by patch 1 */')) + mail(2, 'two', hunk(first, memcpy + 2, '\tsmp_wmb();'));
  const uri = pathToFileURL(path.join(tree, 'series.mbox')).href;
  const r = await review(series);

  it('locates both patches and shows the final post-image with both lines', () => {
    expect(r.hunks.every((h) => h.where.located)).toBe(true);
    const post = (postImageText(r, 'kernel/kcov.c') ?? '').split('\n');
    expect(post).toContain('\t/* added by patch 1 */');
    expect(post).toContain('\tsmp_wmb();');
  });

  it('goes from patch 2\'s context line to the tree file\'s own line and from patch 1\'s added line to the final post-image', () => {
    const lines = series.split('\n');
    const ctx = lines.findIndex((l) => l === ' \tmemcpy(dst_entries, src_entries, bytes_to_move);');
    const toTree = definition(r, uri, ctx);
    expect(toTree?.uri).toBe(`file://${tree}/kernel/kcov.c`);
    expect(base[toTree?.range.start.line ?? -1]).toBe('\tmemcpy(dst_entries, src_entries, bytes_to_move);');
    const added = lines.findIndex((l) => l === '+\t/* added by patch 1 */');
    const toPost = definition(r, uri, added);
    expect(toPost?.uri).toBe(postImageUri(uri, 'kernel/kcov.c'));
    expect((postImageText(r, 'kernel/kcov.c') ?? '').split('\n')[toPost?.range.start.line ?? -1]).toBe('\t/* added by patch 1 */');
  });

  it('hints patch 2\'s added line from its own image', () => {
    const line = series.split('\n').findIndex((l) => l === '+\tsmp_wmb();');
    expect(perConfig(hintAt(inlayHints(r, series, ALL, modelAt, false), line)).RT).toBe('preempt on · migrate off · rcu · L kcov_percpu_data.lock · L kcov->lock');
  });
});
