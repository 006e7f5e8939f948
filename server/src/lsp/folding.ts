/** Folding ranges: mail headers, commit message, diffstat, each hunk. */
import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver';
import type { Patch } from '../patch/types';
import type { Review } from '../review/types';
import { hunkLastLine } from './symbols';

function range(start: number, end: number, kind?: FoldingRangeKind): FoldingRange | null {
  return end > start ? { startLine: start, endLine: end, kind } : null;
}

function patchRanges(p: Patch): (FoldingRange | null)[] {
  const firstFile = p.files[0]?.headerLine ?? p.endLine;
  const out: (FoldingRange | null)[] = [];
  if (p.messageLine !== null) out.push(range(p.startLine, p.messageLine - 1, FoldingRangeKind.Imports));
  if (p.messageLine !== null) out.push(range(p.messageLine, (p.separatorLine ?? firstFile) - 1, FoldingRangeKind.Comment));
  if (p.separatorLine !== null) out.push(range(p.separatorLine, firstFile - 1));
  for (const f of p.files) for (const h of f.hunks) out.push(range(h.headerLine, hunkLastLine(h), FoldingRangeKind.Region));
  return out;
}

export function foldingRanges(review: Review): FoldingRange[] {
  return review.series.patches.flatMap(patchRanges).filter((r): r is FoldingRange => r !== null);
}
