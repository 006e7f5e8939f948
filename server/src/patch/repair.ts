/**
 * `kcov-review repair`: the patch document written well-formed, so that `git apply` accepts it.
 * Every located hunk is written back restored against the tree; hunks that could not be located are
 * left as they are and reported.
 */
import { refusedSectionMessage } from './diff';
import { documentLines, parseSeries } from './parse';
import { imageLines } from './images';
import { renderPatch, type BaseLookup } from './render';
import type { ImagePair, LocatedHunk, PatchSeries } from './types';

export interface RepairResult {
  text: string;
  /** Hunks still damaged or unlocated, with why; empty when the whole patch was repaired. */
  unrepaired: { file: string; header: string; reason: string }[];
}

/** Each hunk's base: the pre-image of the pair its patch lines map into (a series' later patches
 *  apply to the earlier ones' post-images), for the context the rendering may add. */
export function baseLookupOf(images: readonly ImagePair[]): BaseLookup {
  const cache = new Map<ImagePair, string[]>();
  return (h) => {
    const docLines = h.hunk.lines.map((l) => l.docLine).filter((d): d is number => d !== null);
    const pair = images.find((p) => p.path === h.file.path && docLines.some((d) => p.map.patchToPre.has(d) || p.map.patchToPost.has(d)));
    if (!pair) return null;
    let lines = cache.get(pair);
    if (!lines) { lines = imageLines(pair.pre); cache.set(pair, lines); }
    return lines;
  };
}

/** The document's file sections (of its series) are read here unless the caller has them (a review's `series`). */
export function repairDocument(text: string, hunks: readonly LocatedHunk[], baseOf?: BaseLookup, series: PatchSeries = parseSeries(text)): RepairResult {
  const lines = documentLines(text);
  const rendered = renderPatch(lines, hunks, [], [], baseOf);
  const unrepaired = rendered.unrepaired.map((u) => ({ file: u.hunk.file.path, header: u.hunk.hunk.header, reason: u.reason }));
  // What lies outside the hunks is copied as it is, and git refuses the whole patch for some of it:
  // a file section it cannot read, or a hunk header in no file section ("patch fragment without header").
  const files = series.patches.flatMap((p) => p.files);
  for (const f of files) {
    if (f.gitRefusal !== null) unrepaired.push({ file: f.path, header: lines[f.headerLine] ?? '', reason: refusedSectionMessage(f.gitRefusal) });
  }
  const hunkHeaders = new Set(files.flatMap((f) => f.hunks.map((h) => h.headerLine)));
  lines.forEach((line, i) => {
    if (line.startsWith('@@ -') && !hunkHeaders.has(i)) unrepaired.push({ file: '', header: line, reason: `line ${i + 1} reads as a hunk header outside any file section: git apply rejects the patch ("patch fragment without header")` });
  });
  return { text: rendered.lines.join('\n') + '\n', unrepaired };
}

/** The repaired text, or null when nothing could be repaired (no located hunk). */
export function repairPatch(text: string, review: { hunks: readonly LocatedHunk[]; images: readonly ImagePair[]; series: PatchSeries }): string | null {
  if (!review.hunks.some((h) => h.where.located)) return null;
  return repairDocument(text, review.hunks, baseLookupOf(review.images), review.series).text;
}
