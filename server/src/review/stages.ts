/**
 * Time per pipeline stage, for the benchmark (bench/run.mjs reads it through the CLI's
 * KCOV_REVIEW_STAGES file; tests never assert times) and the CLI's JIT policy (cli/jit.ts). With
 * no listener registered a stage costs one check. Stages nest: a stage reports its own time,
 * without the stages run inside it.
 */

export type StageListener = (stage: string, ms: number) => void;

const listeners = new Set<StageListener>();
/** Time taken by the stages running inside the current one, per nesting level. */
const childTime: number[] = [];

/** Registers a listener; returns the function that removes it. */
export function addStageListener(l: StageListener): () => void {
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
}

function report(stage: string, ms: number): void {
  for (const l of [...listeners]) l(stage, ms);
}

/** Runs `work` as `stage` and reports its own duration (nested stages excluded) to the listeners. */
export function timed<T>(stage: string, work: () => T): T {
  if (listeners.size === 0) return work();
  const t0 = performance.now();
  childTime.push(0);
  try {
    return work();
  } finally {
    const total = performance.now() - t0;
    const nested = childTime.pop() ?? 0;
    if (childTime.length > 0) childTime[childTime.length - 1] += total;
    report(stage, total - nested);
  }
}

/** Per-stage totals and call counts, as the CLI writes them for the benchmark. */
export interface StageTotals {
  [stage: string]: { ms: number; calls: number };
}

/** A listener that adds up each stage's time. */
export function stageTotals(): { listener: StageListener; totals: StageTotals } {
  const totals: StageTotals = {};
  return {
    totals,
    listener: (stage, ms) => {
      const t = (totals[stage] ??= { ms: 0, calls: 0 });
      t.ms += ms;
      t.calls++;
    },
  };
}
