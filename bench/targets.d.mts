/** Types of bench/targets.mjs (plain Node, run by `npm run bench`) for its test. */

export type Verdict = 'met' | 'missed' | 'not measured';

/** One target of the benchmark issue: its bar, what one run measured, and whether the median meets the bar. */
export interface TargetRow {
  target: string;
  input: string;
  bar: string;
  measured: string;
  verdict: Verdict;
  /** The run's min–max range has values on both sides of the bar. */
  straddles: boolean;
}

/** The targets against one run's results (bench/results.json's shape). */
export function targetVerdicts(results: unknown): TargetRow[];
