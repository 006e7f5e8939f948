/**
 * `kcov-review repair`: the patch document written well-formed, so that `git apply` accepts it.
 * Every located hunk is written back restored against the tree; hunks that could not be located are
 * left as they are and reported.
 */
import { documentLines } from './parse';
import { renderPatch } from './render';
import type { LocatedHunk } from './types';

export interface RepairResult {
  text: string;
  /** Hunks still damaged or unlocated, with why; empty when the whole patch was repaired. */
  unrepaired: { file: string; header: string; reason: string }[];
}

export function repairDocument(text: string, hunks: readonly LocatedHunk[]): RepairResult {
  const lines = documentLines(text);
  const rendered = renderPatch(lines, hunks);
  const unrepaired = rendered.unrepaired.map((u) => ({ file: u.hunk.file.path, header: u.hunk.hunk.header, reason: u.reason }));
  return { text: rendered.lines.join('\n') + '\n', unrepaired };
}

/** The repaired text, or null when nothing could be repaired (no located hunk). */
export function repairPatch(text: string, review: { hunks: readonly LocatedHunk[] }): string | null {
  if (!review.hunks.some((h) => h.where.located)) return null;
  return repairDocument(text, review.hunks).text;
}
