/**
 * What every review must satisfy, whatever the input: it returns within a bound proportional to
 * the input, never throws, says what it could not analyse (no silent empty result), and the
 * located hunks applied to the tree reproduce the post-image it reports. And: a repair that claims
 * success is accepted by `git apply --check` in a git repository holding the tree's kcov.c.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { CONFIGS } from '../../../server/src/model/configs';
import { imageLines } from '../../../server/src/patch/images';
import { documentLines } from '../../../server/src/patch/parse';
import { reviewDocument } from '../../../server/src/review/review';
import type { Review, ReviewOptions } from '../../../server/src/review/types';
import { buildView } from '../../../server/src/source';
import { tempTree } from '../../support/kernel';
import { timeBoundMs } from './harness';

export interface FuzzTree {
  dir: string;
  lines: string[];
  bytes: number;
}

export function fuzzTree(kcovText: string): FuzzTree {
  return { dir: tempTree({ 'kernel/kcov.c': kcovText }), lines: documentLines(kcovText), bytes: Buffer.byteLength(kcovText) };
}

/** Problems that explain a review with no hunk at all. */
const NOTHING_TO_REVIEW = new Set(['not-a-patch', 'no-diff', 'no-hunks', 'diff-section-refused', 'binary-patch', 'time-budget', 'document-too-large']);
/** Problems that say the C of an image could not be read. */
const UNREADABLE = new Set(['source-unreadable', 'post-image-incomplete', 'time-budget']);

/** Reviews `text` and checks the bound; the review's rejection fails the property. */
export async function boundedReview(text: string, options: ReviewOptions, treeBytes: number): Promise<Review> {
  const t0 = performance.now();
  const review = await reviewDocument(text, options);
  const ms = performance.now() - t0;
  const bound = timeBoundMs(Buffer.byteLength(text) + treeBytes);
  expect(ms, `review took ${Math.round(ms)} ms, bound ${Math.round(bound)} ms`).toBeLessThanOrEqual(bound);
  return review;
}

/** No silent empty result, problems and findings on document lines, every miss explained. */
export function expectExplained(review: Review, text: string): void {
  const lineCount = Math.max(1, documentLines(text).length);
  for (const p of review.problems) {
    expect(p.message.length).toBeGreaterThan(0);
    expect(p.line).toBeGreaterThanOrEqual(0);
    expect(p.line).toBeLessThan(lineCount);
  }
  for (const f of review.findings) if (f.patchLine !== null) expect(f.patchLine).toBeLessThan(lineCount);
  if (review.hunks.length === 0) {
    expect(review.problems.map((p) => p.code), 'a review with no hunk must say why').toEqual(expect.arrayContaining([expect.toSatisfy((c: string) => NOTHING_TO_REVIEW.has(c))]));
  }
  for (const h of review.hunks) {
    if (h.where.located) continue;
    const said = review.problems.some((p) => (p.code === 'hunk-not-found' && p.line === h.hunk.headerLine) || ((p.code === 'file-not-analysed' || p.code === 'path-outside-tree') && p.line === h.file.headerLine) || p.code === 'time-budget');
    expect(said, `hunk ${h.hunk.header} (line ${h.hunk.headerLine + 1}) not located and not reported`).toBe(true);
  }
}

/** A view of an image with C it cannot read (inside a function) or a broken #if structure must be
 *  reported: otherwise the rules skip those functions silently. */
export function expectUnreadableReported(review: Review): void {
  const configs = CONFIGS.filter((c) => review.configs.includes(c.name));
  const unreadable = review.images.some((pair) => [pair.pre, pair.post].some((img) => configs.some((c) => {
    const v = buildView(img, c);
    return v.parseErrors.length > 0 || v.preprocessorProblems.length > 0 || v.tooDeep.length > 0;
  })));
  if (unreadable) expect(review.problems.map((p) => p.code), 'C that cannot be read must be reported').toEqual(expect.arrayContaining([expect.toSatisfy((c: string) => UNREADABLE.has(c))]));
}

/**
 * The located hunks of a one-patch document, applied to the tree's kcov.c by this independent
 * applier (each hunk's old side must be the base's exact text where it is placed, hunks must not
 * overlap), give the post-image the review reports. A patch with several kcov.c sections applies
 * them in turn (each section's base is the previous one's post-image). Returns the last post-image.
 */
export function expectRoundTrip(review: Review, tree: FuzzTree): string[] | null {
  if (review.series.patches.length !== 1) return null;
  const sections = review.series.patches[0].files.filter((f) => f.path === 'kernel/kcov.c' && !f.binary && f.hunks.length > 0);
  const pairs = review.images.filter((p) => p.path === 'kernel/kcov.c');
  if (sections.length === 0 || pairs.length !== sections.length || pairs[0].baseFrom !== 'tree') return null;
  let base = tree.lines;
  sections.forEach((file, k) => {
    expect(imageLines(pairs[k].pre)).toEqual(base);
    const post = applyLocated(base, review.hunks.filter((h) => h.file === file));
    expect(imageLines(pairs[k].post)).toEqual(post);
    base = post;
  });
  return base;
}

function applyLocated(base: readonly string[], hunks: Review['hunks']): string[] {
  const placed = hunks.filter((h) => h.where.located)
    .map((h) => ({ start: h.where.located ? h.where.baseLine1 - 1 : 0, lines: h.hunk.lines, header: h.hunk.header }))
    .sort((a, b) => a.start - b.start);
  const out: string[] = [];
  let at = 0;
  for (const h of placed) {
    expect(h.start, `hunk ${h.header} overlaps the previous located hunk`).toBeGreaterThanOrEqual(at);
    while (at < h.start) out.push(base[at++]);
    for (const l of h.lines) {
      if (l.kind !== '+') { expect(base[at], `old side of ${h.header} at base line ${at + 1}`).toBe(l.text); at++; }
      if (l.kind !== '-') out.push(l.text);
    }
  }
  while (at < base.length) out.push(base[at++]);
  return out;
}

/** A git repository holding a copy of the tree's kcov.c, for `git apply --check`. */
export class ApplyRepo {
  readonly dir: string;
  private count = 0;

  constructor(kcovText: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-fuzz-git-'));
    execFileSync('git', ['init', '-q'], { cwd: this.dir });
    fs.mkdirSync(path.join(this.dir, 'kernel'));
    fs.writeFileSync(path.join(this.dir, 'kernel', 'kcov.c'), kcovText);
  }

  /** null when git accepts the patch, else git's complaint. */
  check(patchText: string): string | null {
    const file = path.join(this.dir, `.p${this.count++ % 4}.patch`);
    fs.writeFileSync(file, patchText);
    try {
      execFileSync('git', ['apply', '--check', file], { cwd: this.dir, stdio: 'pipe' });
      return null;
    } catch (e) {
      return String((e as { stderr?: Buffer }).stderr ?? e);
    }
  }
}
