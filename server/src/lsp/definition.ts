/**
 * Go to definition from a line of a hunk to the same line of kcov.c: context and removed lines (and
 * the `@@` line) to the base file in the tree, added lines to the post-image virtual document.
 */
import type { Location } from 'vscode-languageserver';
import type { ImagePair, LocatedHunk } from '../patch/types';
import type { Review } from '../review/types';

export const POST_IMAGE_SCHEME = 'kcov-review';

/** `kcov-review:/post-image/kernel/kcov.c?<patch uri>`: kcov.c as the patch leaves it. */
export function postImageUri(patchUri: string, path: string): string {
  return `${POST_IMAGE_SCHEME}:/post-image/${path}?${encodeURIComponent(patchUri)}`;
}

/** The patch a post-image URI belongs to, and the file path in it. */
export function parsePostImageUri(uri: string): { patchUri: string; path: string } | null {
  const m = /^kcov-review:\/post-image\/([^?]+)\?(.+)$/.exec(uri);
  return m ? { path: m[1], patchUri: decodeURIComponent(m[2]) } : null;
}

function at(uri: string, line: number): Location {
  return { uri, range: { start: { line, character: 0 }, end: { line, character: 0 } } };
}

function treeFileUri(review: Review, path: string): string | null {
  return review.tree ? `file://${review.tree.path}/${path}` : null;
}

function hunkAt(review: Review, line: number): LocatedHunk | undefined {
  return review.hunks.find((h) => h.where.located && (h.hunk.headerLine === line || h.hunk.lines.some((l) => l.docLine === line)));
}

/** The image pair of the hunk's own patch (in a series each patch has its own pair of the file). */
function pairOf(review: Review, h: LocatedHunk): ImagePair | undefined {
  const own = review.images.find((p) => p.path === h.file.path && h.hunk.lines.some((l) => l.docLine !== null && (p.map.patchToPre.has(l.docLine) || p.map.patchToPost.has(l.docLine))));
  return own ?? review.images.find((p) => p.path === h.file.path);
}

/** A post-image line of one patch of a series carried through the later patches to the final image (null: a later patch changes it). */
function toFinal(review: Review, pair: ImagePair, line: number): number | null {
  let at: number | undefined = line;
  for (const later of review.images.slice(review.images.indexOf(pair) + 1)) {
    if (later.path !== pair.path || at === undefined) continue;
    at = later.map.preToPost.get(at);
  }
  return at ?? null;
}

export function definition(review: Review, patchUri: string, line: number): Location | null {
  const h = hunkAt(review, line);
  if (!h || !h.where.located) return null;
  const pair = pairOf(review, h);
  if (!pair) return null;
  const treeUri = pair.baseFrom === 'tree' ? treeFileUri(review, pair.path) : null;
  const postAt = (post: number | undefined): Location | null => {
    const final = post === undefined ? null : toFinal(review, pair, post);
    return final === null ? null : at(postImageUri(patchUri, pair.path), final);
  };
  if (h.hunk.headerLine === line) return treeUri ? at(treeUri, h.where.baseLine1 - 1) : postAt(pair.map.preToPost.get(h.where.baseLine1 - 1) ?? 0);
  const pre = pair.map.patchToPre.get(line);
  const base = pre === undefined ? null : toBase(review, pair, pre);
  if (base !== null && treeUri) return at(treeUri, base);
  return postAt(pair.map.patchToPost.get(line));
}

/** A pre-image line of one patch of a series carried back through the earlier patches to the tree's file (null: an earlier patch added it). */
function toBase(review: Review, pair: ImagePair, line: number): number | null {
  let at: number | undefined = line;
  for (const earlier of review.images.slice(0, review.images.indexOf(pair)).reverse()) {
    if (earlier.path !== pair.path || at === undefined) continue;
    at = earlier.map.postToPre.get(at);
  }
  return at ?? null;
}

/** The last image pair of a file in the review: kcov.c as the whole patch (or series) leaves it. */
export function finalPair(review: Review, path: string): ImagePair | null {
  const pairs = review.images.filter((p) => p.path === path);
  return pairs[pairs.length - 1] ?? null;
}

/** The text of the final post-image (for the virtual document), or null when the review has no such file. */
export function postImageText(review: Review, path: string): string | null {
  return finalPair(review, path)?.post.text ?? null;
}
