// The targets of the benchmark issue (#6), read off one run's results (bench/run.mjs): each target
// with its bar, what was measured, and whether the median meets it. A bar the run's range straddles
// (one run on each side) is marked, so "met" and "missed" by a hair can be told from clear ones.
// Pure: the same results give the same verdicts (test/bench/targets.test.ts).

/** @typedef {{ median: number, min: number, max: number }} Spread */
/** @typedef {'met' | 'missed' | 'not measured'} Verdict */
/** @typedef {{ target: string, input: string, bar: string, measured: string, verdict: Verdict, straddles: boolean }} TargetRow */

const ms = (v) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v >= 100 ? 0 : 2)} ms`);
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
const times = (r) => `${r.toFixed(2)}×`;

/** A row for "at most `bar`" over a spread of values (times, memory). */
function atMost(target, input, spread, bar, show) {
  if (!spread) return notMeasured(target, input, `≤ ${show(bar)}`);
  return {
    target, input, bar: `≤ ${show(bar)}`,
    measured: spread.min === spread.max ? show(spread.median) : `${show(spread.median)} (${show(spread.min)}–${show(spread.max)})`,
    verdict: spread.median <= bar ? 'met' : 'missed',
    straddles: spread.min <= bar && spread.max > bar,
  };
}

/** A row for "at least `bar`×" faster than checkpatch.pl: its median over kcov-review's median, min and max. */
function fasterBy(target, input, own, peer, bar) {
  if (!own || !peer) return notMeasured(target, input, `≥ ${times(bar)}`);
  const ratio = peer.median / own.median;
  const best = peer.median / own.min;
  const worst = peer.median / own.max;
  return {
    target, input, bar: `≥ ${times(bar)}`,
    measured: `${times(ratio)} (${times(worst)}–${times(best)}; ${ms(own.median)} vs ${ms(peer.median)})`,
    verdict: ratio >= bar ? 'met' : 'missed',
    straddles: worst < bar && best >= bar,
  };
}

function notMeasured(target, input, bar) {
  return { target, input, bar, measured: '—', verdict: 'not measured', straddles: false };
}

/** A single value as a spread of one. */
const one = (v) => (v === undefined || v === null ? null : { median: v, min: v, max: v });

/**
 * The targets against `results` (bench/results.json's shape; sections a partial run did not
 * measure are "not measured").
 * @returns {TargetRow[]}
 */
export function targetVerdicts(results) {
  const rows = [];
  const cli = results.cli ?? [];
  const resident = results.resident ?? [];
  const lsp = results.lsp ?? null;
  const hunks = results.hunks ?? [];

  // Warm LSP latency, seed 000 with the tree and every configuration: p95 ≤ 20 ms.
  const p95 = (s) => one(s?.p95);
  rows.push(atMost('LSP latency p95, didChange → diagnostics', 'seed 000, 200 edits at 20 ms', p95(lsp?.perEditLatencyMs), 20, ms));
  rows.push(atMost('LSP latency p95, didChange → diagnostics', 'seed 000, isolated warm edits', p95(lsp?.isolatedEditLatencyMs), 20, ms));
  rows.push(atMost('LSP latency p95, didChange → diagnostics', 'seed 000, edits into code (beyond the issue: letters typed into a statement)', p95(lsp?.code?.perEditLatencyMs), 20, ms));
  // No edit waits behind a stale analysis: no superseded version is ever published.
  const superseded = lsp ? (lsp.supersededPublished ?? 0) + (lsp.code?.supersededPublished ?? 0) : undefined;
  const stale = atMost('superseded versions published (cancellation)', 'both edit bursts', one(superseded), 0, (n) => `${n}`);
  rows.push({ ...stale, bar: 'none' });

  // CLI on one seed: ≥ 3× faster than checkpatch.pl, whole process.
  /** A row per input whose name starts with `prefix`, or one "not measured" row for them all. */
  const perInput = (list, prefix, inputs, what, bar, make) => {
    const found = list.filter((c) => c.input.startsWith(prefix));
    if (found.length === 0) rows.push(notMeasured(what, inputs, bar));
    for (const r of found) rows.push(make(r));
  };
  const seedOwn = 'CLI ≥ 3× checkpatch.pl, own process';
  const seedResident = 'CLI ≥ 3× checkpatch.pl, through a resident process (first check)';
  perInput(cli, 'seed', 'the seeds', seedOwn, `≥ ${times(3)}`, (r) => fasterBy(seedOwn, r.input, r.kcovReview?.ms, r.checkpatch?.ms, 3));
  perInput(resident, 'seed', 'the seeds', seedResident, `≥ ${times(3)}`, (r) => fasterBy(seedResident, r.input, r.firstCheck?.ms, r.checkpatch?.ms, 3));
  // The 30-patch series in ≤ 1 s.
  const seriesOwn = '30-patch series ≤ 1 s, own process';
  const seriesResident = '30-patch series ≤ 1 s, through a resident process (first check)';
  perInput(cli, 'series', 'the series', seriesOwn, `≤ ${ms(1000)}`, (r) => atMost(seriesOwn, r.input, r.kcovReview?.ms, 1000, ms));
  perInput(resident, 'series', 'the series', seriesResident, `≤ ${ms(1000)}`, (r) => atMost(seriesResident, r.input, r.firstCheck?.ms, 1000, ms));

  // Peak RSS of the server ≤ 150 MB after the edit run.
  rows.push(atMost('LSP server peak RSS after the edits', 'seed 000, 200 edits', one(lsp?.serverAfterEdits?.hwmKB), 150 * 1024, mb));
  // The 5 MB patch: ≤ 5 s and ≤ 300 MB.
  const big = cli.find((c) => /^patch .*MiB/.test(c.input));
  rows.push(atMost('5 MB patch ≤ 5 s', big?.input ?? 'the 5 MB patch', big?.kcovReview?.ms, 5000, ms));
  rows.push(atMost('5 MB patch ≤ 300 MB peak RSS', big?.input ?? 'the 5 MB patch', big?.kcovReview?.rssKB, 300 * 1024, mb));

  // Cost grows linearly: the marginal cost per hunk at 10 000 hunks is at most 1.5× that at 100.
  const at = (n) => hunks.find((h) => h.hunks === n && !h.timedOut)?.marginalMsPerHunk ?? null;
  const m100 = at(100);
  const m10000 = at(10000);
  const growth = m100 !== null && m10000 !== null && m100 > 0 ? m10000 / m100 : null;
  const linear = atMost('linear cost: marginal ms/hunk at 10 000 over that at 100', '10, 100, 1 000, 10 000 hunks', one(growth), 1.5, times);
  if (growth !== null) linear.measured = `${times(growth)} (${m100.toFixed(2)} → ${m10000.toFixed(2)} ms/hunk)`;
  rows.push(linear);
  return rows;
}
