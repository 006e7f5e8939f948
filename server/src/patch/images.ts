/**
 * Pre- and post-image of one file and the exact line maps between the patch document and both images.
 * The pre-image is the base; the post-image is the base with every located hunk applied. Hunks that
 * were not located leave the images untouched (they are reported, not guessed).
 */
import { textHash } from '../hash';
import type { ImagePair, LineLookup, LocatedHunk, SourceImage } from './types';

export function makeImage(path: string, lines: readonly string[]): SourceImage {
  const text = lines.join('\n') + (lines.length > 0 ? '\n' : '');
  return { path, text, hash: textHash(text) };
}

export function imageLines(image: SourceImage): string[] {
  const lines = image.text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A line lookup over (nearly) every line of an image, set in increasing order: an array indexed by
 *  line, -1 where a line has no counterpart. A Map of a 1 200-line file's lines was ~0.1 MB per
 *  image pair, made again on every keystroke in the editor. */
class DenseLineLookup implements LineLookup {
  private readonly to: number[] = [];

  set(line: number, to: number): void {
    while (this.to.length < line) this.to.push(-1);
    this.to[line] = to;
  }

  get(line: number): number | undefined {
    const to = this.to[line];
    return to === undefined || to < 0 ? undefined : to;
  }
}

/** Applies the located hunks (in base order) to the base lines, recording every line correspondence. */
export function buildImages(path: string, baseLines: readonly string[], hunks: readonly LocatedHunk[], baseFrom: ImagePair['baseFrom']): ImagePair {
  const preToPost = new DenseLineLookup();
  const postToPre = new DenseLineLookup();
  const map = { patchToPre: new Map<number, number>(), patchToPost: new Map<number, number>(), preToPatch: new Map<number, number>(), postToPatch: new Map<number, number>(), preToPost, postToPre };
  const post: string[] = [];
  const placed = hunks
    .filter((h) => h.where.located)
    .sort((a, b) => (a.where.located && b.where.located ? a.where.baseLine1 - b.where.baseLine1 : 0));
  let pre = 0;
  const copyUnchanged = (until: number): void => {
    for (; pre < until && pre < baseLines.length; pre++) {
      preToPost.set(pre, post.length);
      postToPre.set(post.length, pre);
      post.push(baseLines[pre]);
    }
  };
  for (const located of placed) {
    if (!located.where.located) continue;
    const start = located.where.baseLine1 - 1;
    if (start < pre) continue; // overlaps an earlier hunk: cannot be applied twice
    copyUnchanged(start);
    for (const line of located.hunk.lines) {
      const doc = line.docLine;
      if (line.kind !== '+') {
        if (doc !== null) { map.patchToPre.set(doc, pre); map.preToPatch.set(pre, doc); }
      }
      if (line.kind === ' ') {
        preToPost.set(pre, post.length);
        postToPre.set(post.length, pre);
      }
      if (line.kind !== '-') {
        if (doc !== null) { map.patchToPost.set(doc, post.length); map.postToPatch.set(post.length, doc); }
        post.push(line.text);
      }
      if (line.kind !== '+') pre++;
    }
  }
  copyUnchanged(baseLines.length);
  return { path, pre: makeImage(path, baseLines), post: makeImage(path, post), map, baseFrom };
}

/**
 * With no kernel tree, the only source is what the hunks show: the base is their old-side lines in
 * order, separated by a blank line between hunks, so functions the hunks show whole can still be read.
 */
export function baseFromHunks(hunks: readonly LocatedHunk[]): { lines: string[]; placed: LocatedHunk[] } {
  const lines: string[] = [];
  const placed: LocatedHunk[] = [];
  for (const h of hunks) {
    if (lines.length > 0) lines.push('');
    const first = lines.length;
    for (const l of h.hunk.lines) if (l.kind !== '+') lines.push(l.text);
    placed.push({ ...h, where: { located: true, how: 'exact', baseLine1: first + 1, offset: first + 1 - h.hunk.oldStart, fuzz: [0, 0] } });
  }
  return { lines, placed };
}
