/** Searches in ascending arrays of numbers (lines, offsets). */

/** The index of the first element of ascending `sorted` that is >= `value` (`sorted.length` when none is). */
export function firstAtLeast(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
