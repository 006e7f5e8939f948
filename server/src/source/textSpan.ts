/**
 * Where two close texts differ: the span between their common prefix and common suffix. The
 * incremental stages (source/parser.ts, source/mask.ts) redo only the work around it.
 */

/** Chunk of the prefix/suffix scans below: comparing substrings is a native memcmp, char by char is not. */
const SCAN_CHUNK = 256;

/** Length of the common prefix of two texts. */
function commonPrefix(a: string, b: string): number {
  const shorter = Math.min(a.length, b.length);
  let at = 0;
  while (at + SCAN_CHUNK <= shorter && a.slice(at, at + SCAN_CHUNK) === b.slice(at, at + SCAN_CHUNK)) at += SCAN_CHUNK;
  while (at < shorter && a.charCodeAt(at) === b.charCodeAt(at)) at++;
  return at;
}

/** Length of the common suffix of two texts, not reaching into their first `prefix` code units. */
function commonSuffix(a: string, b: string, prefix: number): number {
  const limit = Math.min(a.length, b.length) - prefix;
  let n = 0;
  while (n + SCAN_CHUNK <= limit && a.slice(a.length - n - SCAN_CHUNK, a.length - n) === b.slice(b.length - n - SCAN_CHUNK, b.length - n)) n += SCAN_CHUNK;
  while (n < limit && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n)) n++;
  return n;
}

/** The changed span between two texts, as string indexes: `before[startIndex, oldEndIndex)` became
 *  `after[startIndex, newEndIndex)`; what precedes and follows is the same in both. */
export interface ChangedSpan {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
}

export function changedSpan(before: string, after: string): ChangedSpan {
  const prefix = commonPrefix(before, after);
  const suffix = commonSuffix(before, after, prefix);
  return { startIndex: prefix, oldEndIndex: before.length - suffix, newEndIndex: after.length - suffix };
}

/** Code units the span covers in the larger of the two texts. */
export function spanSize(span: ChangedSpan): number {
  return Math.max(span.oldEndIndex, span.newEndIndex) - span.startIndex;
}

/** Of `recent` texts, the one closest to `text` and the span from it, when less than half of
 *  `text` changed (else redoing everything costs about as much). */
function closestText<T extends { text: string }>(recent: readonly T[], text: string): { base: T; span: ChangedSpan } | null {
  let best: { base: T; span: ChangedSpan; size: number } | null = null;
  for (const r of recent) {
    const span = changedSpan(r.text, text);
    const size = spanSize(span);
    if (!best || size < best.size) best = { base: r, span, size };
  }
  return best && best.size * 2 < text.length ? { base: best.base, span: best.span } : null;
}

/** The last few texts a stage worked on, newest first, each with what the stage made of it: the
 *  bases of its incremental work on the next, close text (the next version of a document). */
export class RecentTexts<T extends { text: string }> {
  private readonly entries: T[] = [];
  constructor(private readonly capacity: number) {}

  add(entry: T): void {
    this.entries.unshift(entry);
    this.entries.length = Math.min(this.entries.length, this.capacity);
  }

  /** The entry of exactly this text. */
  exact(text: string): T | undefined {
    return this.entries.find((e) => e.text === text);
  }

  /** The entry closest to `text` (of those `usable` accepts) and the span from its text, when less
   *  than half of `text` changed. */
  closest(text: string, usable: (entry: T) => boolean = () => true): { base: T; span: ChangedSpan } | null {
    return closestText(this.entries.filter(usable), text);
  }
}
