/**
 * JIT policy of the command line, part 2. A check of one patch lives well under a second, and on
 * two busy cores V8's optimizing compiler (TurboFan) cost more than it gave back: bin/kcov-review.js
 * therefore starts the process with it off (`--no-opt`, part 1, set before the bundle is compiled
 * so that the code cache matches). Longer runs (a series, thousands of hunks) need it: once the
 * command has run OPTIMIZE_AFTER_MS, the next stage boundary turns it back on (V8 reads the flag
 * whenever it considers optimizing a function). Measured in bench/run.mjs. At 250 ms rather than
 * 600, the statement series (bench/gen.mjs) took 1.48-1.53 s instead of 1.65-1.68 s and the comment
 * series 0.63-0.70 s instead of 0.76-0.78 s, while seed 000 (0.30-0.31 vs 0.30-0.33 s) and seed 004
 * (0.28-0.32 vs 0.29-0.32 s) did not change; at 150 ms the seeds were slower (0.31-0.36 s). Whole
 * processes, `KCOV_REVIEW_RESIDENT=off`, two rounds of each setting alternating.
 */
import type { EventEmitter } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { addStageListener } from '../review/stages';

export const OPTIMIZE_AFTER_MS = 250;
export const OPTIMIZE_EVENT = 'kcov-review:optimize';

/** Turns V8's optimizing compiler on at the first stage boundary after `afterMs`. */
export function optimizeAfter(afterMs: number = OPTIMIZE_AFTER_MS): void {
  const start = performance.now();
  const remove = addStageListener(() => {
    if (performance.now() - start < afterMs) return;
    remove();
    (process as EventEmitter).emit(OPTIMIZE_EVENT); // bin/kcov-review.js writes V8's code cache first, under the start-up flags
    setFlagsFromString('--opt');
  });
}
