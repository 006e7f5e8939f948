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

export function definition(review: Review, patchUri: string, line: number): Location | null {
  const h = hunkAt(review, line);
  if (!h || !h.where.located) return null;
  const pair: ImagePair | undefined = review.images.find((p) => p.path === h.file.path);
  if (!pair) return null;
  const treeUri = pair.baseFrom === 'tree' ? treeFileUri(review, pair.path) : null;
  if (h.hunk.headerLine === line) return treeUri ? at(treeUri, h.where.baseLine1 - 1) : at(postImageUri(patchUri, pair.path), pair.map.preToPost.get(h.where.baseLine1 - 1) ?? 0);
  const pre = pair.map.patchToPre.get(line);
  if (pre !== undefined && treeUri) return at(treeUri, pre);
  const post = pair.map.patchToPost.get(line);
  return post !== undefined ? at(postImageUri(patchUri, pair.path), post) : null;
}

/** The text of a post-image (for the virtual document), or null when the review has no such file. */
export function postImageText(review: Review, path: string): string | null {
  return review.images.find((p) => p.path === path)?.post.text ?? null;
}
