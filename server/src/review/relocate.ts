/**
 * Findings of one view read on another view with the same movable code key (source/views.ts
 * viewMovableKey): the k-th code line of the first is the k-th code line of the second. Only
 * positions move: each finding's line and span, the steps of its trace that are in the image
 * (not those in the reader's documentation), and the lines of its barrier fix.
 */
import type { RuleFinding } from '../rules/types';
import { firstAtLeast } from '../sorted';

/** Maps 0-based lines of the view whose code lines are `from` to the view whose code lines are `to`
 *  (same length). A line between two code lines keeps its distance to the code line above it, but
 *  stays before the next; one above every code line keeps its distance to the first. */
export function lineMapper(from: readonly number[], to: readonly number[]): (line: number) => number {
  return (line) => {
    const lo = firstAtLeast(from, line);
    if (from[lo] === line) return to[lo];
    if (lo === 0) return from.length === 0 ? line : Math.max(0, to[0] - (from[0] - line));
    const moved = to[lo - 1] + (line - from[lo - 1]);
    return lo < to.length ? Math.min(moved, to[lo] - 1) : moved;
  };
}

function sameLines(a: readonly number[], b: readonly number[]): boolean {
  return a === b || (a.length === b.length && a.every((l, i) => l === b[i]));
}

/** `findings` (of an image of `file` whose code lines are `from`) moved to the view whose code lines are `to`. */
export function relocateFindings(findings: readonly RuleFinding[], file: string, from: readonly number[], to: readonly number[]): RuleFinding[] {
  if (sameLines(from, to)) return [...findings];
  const at = lineMapper(from, to);
  return findings.map((f): RuleFinding => ({
    ...f,
    line: at(f.line),
    span: [at(f.span[0]), at(f.span[1])],
    trace: f.trace.map((step) => (step.file === file && step.line > 0 ? { ...step, line: at(step.line - 1) + 1 } : step)),
    fix: f.fix ? { ...f.fix, afterLine: at(f.fix.afterLine), countStoreLine: at(f.fix.countStoreLine) } : null,
  }));
}
