import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { analysisStarts, cancelPendingScavenge, IDLE_SCAVENGE_MS, ROOM_MARGIN, ScavengePlanner, scavengeAfterReview, scavengeWhenIdle, youngGeneration } from '../../server/src/lsp/heap';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The scavenges (minor collections) V8 reports from now until `observer.disconnect()`. */
function observeScavenges(): { minor: PerformanceEntry[]; observer: PerformanceObserver } {
  const minor: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor.push(e);
  });
  observer.observe({ entryTypes: ['gc'] });
  return { minor, observer };
}

describe('the young generation is collected in idle time after a review', () => {
  it('collects once, IDLE_SCAVENGE_MS after the last call; a later call moves it; a change cancels it', async () => {
    const at: number[] = [];
    const collect = () => { at.push(performance.now()); };
    const start = performance.now();
    scavengeWhenIdle(collect);
    await sleep(IDLE_SCAVENGE_MS / 2);
    scavengeWhenIdle(collect); // a second review published meanwhile: one collection, counted from it
    await sleep(IDLE_SCAVENGE_MS * 2);
    expect(at).toHaveLength(1);
    expect(at[0] - start).toBeGreaterThanOrEqual(IDLE_SCAVENGE_MS * 1.5 - 2);
    scavengeWhenIdle(collect);
    await sleep(IDLE_SCAVENGE_MS / 2);
    cancelPendingScavenge(); // an edit arrived
    await sleep(IDLE_SCAVENGE_MS * 2);
    expect(at).toHaveLength(1);
  });

  it('by default it is a real scavenge of V8\'s young generation', async () => {
    const { minor, observer } = observeScavenges();
    const start = performance.now();
    scavengeWhenIdle();
    await sleep(IDLE_SCAVENGE_MS + 100);
    observer.disconnect();
    expect(minor.some((e) => e.startTime >= start + IDLE_SCAVENGE_MS - 2)).toBe(true);
  });
});

const MB = 1024 * 1024;

describe('a scavenge at once after a review when the next analysis would not fit in the young generation', () => {
  it('plans from what the last analysis allocated without a scavenge in between', () => {
    const planner = new ScavengePlanner();
    planner.analysisStarts({ used: 2 * MB, available: 6 * MB });
    expect(planner.afterReview({ used: 1 * MB, available: 7 * MB })).toBe('idle'); // a scavenge came in between: nothing measured yet
    planner.analysisStarts({ used: 1 * MB, available: 7 * MB });
    expect(planner.afterReview({ used: 4.5 * MB, available: 3.5 * MB })).toBe('now'); // 3.5 MB allocated, 3.5 MB left: less than the margin...
    planner.analysisStarts({ used: 1 * MB, available: 7 * MB });
    expect(planner.afterReview({ used: 4 * MB, available: 3 * MB * ROOM_MARGIN + 1 })).toBe('idle'); // ...3 MB allocated now, room for it with the margin
    planner.analysisStarts({ used: 4 * MB, available: 4 * MB });
    expect(planner.afterReview({ used: 7 * MB, available: 1 * MB })).toBe('now'); // 3 MB allocated, 1 MB left
    planner.analysisStarts({ used: 7 * MB, available: 1 * MB });
    expect(planner.afterReview({ used: 2 * MB, available: 2 * MB })).toBe('now'); // a scavenge in between: the last estimate (3 MB) stands
    expect(planner.afterReview({ used: 2 * MB, available: 6 * MB })).toBe('idle'); // no analysis measured: the estimate, and room for it
  });

  it('collects at once (not after IDLE_SCAVENGE_MS) when there is no room, in idle time when there is, and a change cancels either', async () => {
    const at: number[] = [];
    const collect = () => { at.push(performance.now()); };
    analysisStarts();
    const start = youngGeneration();
    // The analysis allocated 2 MB and left less than that: collect at once.
    expect(scavengeAfterReview(collect, { used: start.used + 2 * MB, available: MB })).toBe('now');
    const published = performance.now();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(at).toHaveLength(1);
    expect(at[0] - published).toBeLessThan(IDLE_SCAVENGE_MS);
    // Room enough: in idle time, as before.
    analysisStarts();
    expect(scavengeAfterReview(collect, { used: youngGeneration().used + 2 * MB, available: 64 * MB })).toBe('idle');
    await sleep(IDLE_SCAVENGE_MS / 2);
    expect(at).toHaveLength(1);
    await sleep(IDLE_SCAVENGE_MS / 2 + 30);
    expect(at).toHaveLength(2);
    // No room, but a change arrives before the scavenge: none.
    analysisStarts();
    expect(scavengeAfterReview(collect, { used: youngGeneration().used + 2 * MB, available: MB })).toBe('now');
    cancelPendingScavenge();
    await sleep(IDLE_SCAVENGE_MS + 30);
    expect(at).toHaveLength(2);
  });

  it('by default the one at once is a real scavenge of V8\'s young generation', async () => {
    const { minor, observer } = observeScavenges();
    analysisStarts();
    const start = performance.now();
    expect(scavengeAfterReview(undefined, { used: youngGeneration().used + 2 * MB, available: MB })).toBe('now');
    await new Promise((resolve) => setImmediate(resolve));
    await sleep(20); // the observer reports asynchronously
    observer.disconnect();
    cancelPendingScavenge();
    expect(minor.some((e) => e.startTime >= start && e.startTime < start + IDLE_SCAVENGE_MS)).toBe(true);
  });
});
