#!/usr/bin/env node
/**
 * `npm run fuzz`: every property of test/fuzz/ with FUZZ_RUNS cases each (default 7 500; 13
 * properties, so 97 500 cases) plus the exhaustive runs (both seeds cut at every byte, through the
 * whole pipeline), then the closing summary `cases N / failures N / slowest X ms (property)`.
 * The figures go to test-artifacts/fuzz.json. `--runs=N` sets the runs per property. Each property
 * draws a fresh seed (FUZZ_RANDOM=1; `npm test` uses a fixed seed per property instead); FUZZ_SEED
 * fixes the seed of every property (each property's seed is printed and recorded).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const runs = runsArg ? Number(runsArg.slice('--runs='.length)) : Number(process.env.FUZZ_RUNS ?? 7500);
// Its own folder: an `npm test` running meanwhile writes its records to test-artifacts/fuzz/.
const reportDir = path.join(root, 'test-artifacts', 'fuzz-run');
fs.rmSync(reportDir, { recursive: true, force: true });

const command = ['vitest', 'run', 'test/fuzz'];
const t0 = Date.now();
const run = spawnSync('npx', command, {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RANDOM: '1', FUZZ_RUNS: String(runs), FUZZ_EXHAUSTIVE: '1', FUZZ_REPORT_DIR: reportDir },
});
const wallMs = Date.now() - t0;

const records = fs.existsSync(reportDir)
  ? fs.readdirSync(reportDir).filter((f) => f.endsWith('.json') && !/\.(counterexample|slowest|current)\.json$/.test(f)).map((f) => JSON.parse(fs.readFileSync(path.join(reportDir, f), 'utf8')))
  : [];
const cases = records.reduce((n, r) => n + r.cases, 0);
const failures = records.reduce((n, r) => n + r.failures, 0) + (run.status === 0 ? 0 : records.some((r) => r.failures > 0) ? 0 : 1);
const slowest = records.reduce((a, r) => (a === null || r.slowestMs > a.slowestMs ? r : a), null);
const summary = {
  date: new Date().toISOString(),
  command: `FUZZ_RUNS=${runs} FUZZ_EXHAUSTIVE=1 npx ${command.join(' ')}`,
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  runsPerProperty: runs,
  wallMs,
  cases,
  failures,
  slowest: slowest ? { ms: slowest.slowestMs, property: slowest.name } : null,
  properties: records.sort((a, b) => a.name.localeCompare(b.name)),
};
fs.mkdirSync(path.join(root, 'test-artifacts'), { recursive: true });
fs.writeFileSync(path.join(root, 'test-artifacts', 'fuzz.json'), JSON.stringify(summary, null, 2) + '\n');
for (const r of summary.properties) console.log(`  ${r.name}: ${r.cases} cases, ${r.failures} failures, slowest ${r.slowestMs} ms, ${(r.wallMs / 1000).toFixed(1)} s, seed ${r.seed}`);
console.log(`cases ${cases} / failures ${failures} / slowest ${slowest ? `${slowest.slowestMs} ms (${slowest.name})` : '-'}`);
console.log(`wall ${(wallMs / 1000).toFixed(1)} s; figures in test-artifacts/fuzz.json`);
process.exit(run.status === 0 && failures === 0 ? 0 : 1);
