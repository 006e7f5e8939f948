import { describe, expect, it } from 'vitest';
import { targetVerdicts, type TargetRow } from '../../bench/targets.mjs';

const spread = (median: number, min = median, max = median) => ({ median, min, max });
const latency = (p95: number) => ({ n: 200, p50: p95 / 2, p95, max: p95 * 2, min: 1 });

/** Results shaped as bench/results.json, with the values a test sets. */
function results(o: { seedMs?: [number, number, number]; seriesMs?: number; bigMs?: number; bigKB?: number; p95?: number; superseded?: number; hwmKB?: number; marginal?: [number, number] } = {}) {
  const [m, lo, hi] = o.seedMs ?? [100, 90, 110];
  return {
    cli: [
      { input: 'seed 000', kcovReview: { ms: spread(m, lo, hi), rssKB: spread(80_000) }, checkpatch: { ms: spread(420) } },
      { input: 'series 30 (mbox)', kcovReview: { ms: spread(o.seriesMs ?? 900, 850, 950), rssKB: spread(120_000) }, checkpatch: { ms: spread(200) } },
      { input: 'patch 5.1 MiB, 27480 hunks / 40 files', kcovReview: { ms: spread(o.bigMs ?? 1800), rssKB: spread(o.bigKB ?? 240_000) }, checkpatch: { ms: spread(24_000) } },
    ],
    resident: [{ input: 'seed 000', firstCheck: { ms: spread(140, 130, 150) }, checkpatch: { ms: spread(420) } }],
    lsp: {
      perEditLatencyMs: latency(o.p95 ?? 14), isolatedEditLatencyMs: latency(14),
      supersededPublished: o.superseded ?? 0, serverAfterEdits: { rssKB: 100_000, hwmKB: o.hwmKB ?? 120_000 },
      code: { perEditLatencyMs: latency(19), supersededPublished: 0 },
    },
    hunks: [
      { hunks: 10, marginalMsPerHunk: null, timedOut: false },
      { hunks: 100, marginalMsPerHunk: o.marginal?.[0] ?? 1.0, timedOut: false },
      { hunks: 10000, marginalMsPerHunk: o.marginal?.[1] ?? 1.1, timedOut: false },
    ],
  };
}

function row(rows: TargetRow[], target: string, input?: string): TargetRow {
  const found = rows.find((r) => r.target.startsWith(target) && (input === undefined || r.input === input));
  if (!found) throw new Error(`no row ${target} ${input ?? ''}`);
  return found;
}

describe('the benchmark targets', () => {
  it('meets a ratio at the bar and misses one below it, from the medians', () => {
    expect(row(targetVerdicts(results({ seedMs: [140, 130, 150] })), 'CLI ≥ 3× checkpatch.pl, own process').verdict).toBe('met');
    const missed = row(targetVerdicts(results({ seedMs: [141, 139, 150] })), 'CLI ≥ 3× checkpatch.pl, own process');
    expect(missed.verdict).toBe('missed');
    expect(missed.straddles).toBe(true); // 420 / 139 ≥ 3 > 420 / 150
    expect(row(targetVerdicts(results({ seedMs: [300, 290, 310] })), 'CLI ≥ 3× checkpatch.pl, own process')).toMatchObject({ verdict: 'missed', straddles: false });
  });

  it('reads the series, the 5 MB patch and the resident process against their bars', () => {
    const rows = targetVerdicts(results({ seriesMs: 1001, bigMs: 5001, bigKB: 299 * 1024 }));
    expect(row(rows, '30-patch series ≤ 1 s, own process')).toMatchObject({ verdict: 'missed', straddles: false });
    expect(row(rows, '5 MB patch ≤ 5 s').verdict).toBe('missed');
    expect(row(rows, '5 MB patch ≤ 300 MB').verdict).toBe('met');
    expect(row(rows, 'CLI ≥ 3× checkpatch.pl, through a resident process').verdict).toBe('met');
  });

  it('holds the LSP to p95 ≤ 20 ms, no superseded version and 150 MB', () => {
    expect(row(targetVerdicts(results({ p95: 20 })), 'LSP latency p95', 'seed 000, 200 edits at 20 ms').verdict).toBe('met');
    expect(row(targetVerdicts(results({ p95: 21 })), 'LSP latency p95', 'seed 000, 200 edits at 20 ms').verdict).toBe('missed');
    expect(row(targetVerdicts(results({ superseded: 1 })), 'superseded versions').verdict).toBe('missed');
    expect(row(targetVerdicts(results({ hwmKB: 151 * 1024 })), 'LSP server peak RSS').verdict).toBe('missed');
  });

  it('calls cost linear while the marginal cost per hunk grows at most 1.5×', () => {
    expect(row(targetVerdicts(results({ marginal: [1.0, 1.5] })), 'linear cost').verdict).toBe('met');
    expect(row(targetVerdicts(results({ marginal: [1.0, 1.6] })), 'linear cost').verdict).toBe('missed');
  });

  it('says "not measured" for the sections a partial run left out, never met', () => {
    const rows = targetVerdicts({ cli: [], resident: [], lsp: null, hunks: [] });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.verdict === 'not measured')).toBe(true);
  });
});
