import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { cancelIdleScavenge, IDLE_SCAVENGE_MS, scavengeWhenIdle } from '../../server/src/lsp/heap';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    cancelIdleScavenge(); // an edit arrived
    await sleep(IDLE_SCAVENGE_MS * 2);
    expect(at).toHaveLength(1);
  });

  it('by default it is a real scavenge of V8\'s young generation', async () => {
    const minor: PerformanceEntry[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor.push(e);
    });
    observer.observe({ entryTypes: ['gc'] });
    const start = performance.now();
    scavengeWhenIdle();
    await sleep(IDLE_SCAVENGE_MS + 100);
    observer.disconnect();
    expect(minor.some((e) => e.startTime >= start + IDLE_SCAVENGE_MS - 2)).toBe(true);
  });
});
