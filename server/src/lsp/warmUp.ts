/**
 * Warming the server up on the first document it reviews: the first edits after a document opened
 * ran code for the first time (incremental lexing and parsing, code keys), and took 35-80 ms instead
 * of ~11 (bench/lsp.mjs, typing 1.5 s after the first diagnostics). In idle time after that first
 * review the server reviews a few near copies of the document, as keystrokes would make them, and
 * drops the results (lsp/server.ts warmUpOn); a real change stops it at the next stage boundary.
 */
import type { Review } from '../review/types';
import { isKcovFile } from '../review/review';
import type { CancelToken } from './scheduler';

/** Near copies reviewed after the first review (~15 ms each on seed 000). */
export const WARM_UP_EDITS = 8;

/** Documents larger than this are not warmed up on: each copy would cost a review of its size. */
export const WARM_UP_MAX_CHARS = 256 * 1024;

/**
 * Copies of `text`, each with a comment typed at the end of an added statement (a `+` line ending in
 * `;`) of the located kcov.c hunks, spread over them (statements under different #ifs exercise
 * different configurations' views): the post-image changes as a keystroke changes it and its code
 * does not. None when the review located no such line, or the document is large.
 */
export function warmUpTexts(text: string, review: Review, count: number = WARM_UP_EDITS): string[] {
  if (text.length > WARM_UP_MAX_CHARS) return [];
  const statements = review.hunks
    .filter((h) => h.where.located && isKcovFile(h.file.path))
    .flatMap((h) => h.hunk.lines)
    .filter((l) => l.kind === '+' && l.text.trimEnd().endsWith(';'))
    .map((l) => l.docLine)
    .filter((line): line is number => line !== null);
  const lines = text.split('\n');
  const usable = statements.filter((line) => line < lines.length);
  if (usable.length === 0) return [];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const line = usable[Math.floor((i * usable.length) / count)];
    const copy = lines.slice();
    copy[line] = copy[line].replace(/\r?$/, (cr) => ` /* ${'w'.repeat(i + 1)} */${cr}`);
    out.push(copy.join('\n'));
  }
  return out;
}

/**
 * Reviews `texts` in idle time (the near copies, then the document itself again, so that its texts are
 * again the closest bases of its next edit's incremental work): one per turn of the event loop, each
 * stopping at its next stage boundary once `changed` says the document changed; nothing is published.
 * True when it ran to its end; false when the document changed or a review threw (cancelled, or
 * failed: the document's own review reports its errors).
 */
export async function reviewInIdleTime(texts: readonly string[], review: (text: string) => Promise<unknown>, changed: CancelToken): Promise<boolean> {
  for (const text of texts) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (changed.cancelled) return false;
    try {
      await review(text);
    } catch {
      return false;
    }
  }
  return true;
}
