/**
 * Runs fast-check properties with the run count the environment asks for (`FUZZ_RUNS`, default
 * 2 000 per property, as issue 7 wants for CI) and records, per property, the cases run, the
 * failures, the slowest case and the seed, as JSON in `FUZZ_REPORT_DIR` (default
 * test-artifacts/fuzz/) for scripts/fuzz.mjs to sum up. A failure throws fast-check's own report
 * (seed, path, counterexample): rerun one property with `FUZZ_SEED=<seed> FUZZ_PATH=<path>`.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';

export const DEFAULT_RUNS = 2000;

/** Runs per property: FUZZ_RUNS, else the CI default. `share` scales it for a property whose cases
 *  are enumerated elsewhere (never below 1). */
export function runsPerProperty(): number {
  const n = Number(process.env.FUZZ_RUNS ?? DEFAULT_RUNS);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_RUNS;
}

export interface PropertyRecord {
  name: string;
  cases: number;
  failures: number;
  slowestMs: number;
  wallMs: number;
  seed: number;
  /** fast-check's counterexample path, when the property failed. */
  path: string | null;
}

const reportDir = process.env.FUZZ_REPORT_DIR ?? path.resolve(__dirname, '..', '..', '..', 'test-artifacts', 'fuzz');

function record(r: PropertyRecord): void {
  fs.mkdirSync(reportDir, { recursive: true });
  fs.writeFileSync(path.join(reportDir, `${r.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`), JSON.stringify(r, null, 2) + '\n');
}

/**
 * `FUZZ_SEED` replays one run; `FUZZ_RANDOM=1` (what `npm run fuzz` sets) explores a fresh seed each
 * time; otherwise (`npm test`, CI) the seed is fixed per property, so a test run is reproducible and
 * a CI result does not depend on the draw. New seeds are the fuzz script's job.
 */
function seedOf(name: string): number {
  const fromEnv = process.env.FUZZ_SEED;
  if (fromEnv !== undefined && fromEnv !== '') return Number(fromEnv);
  if (process.env.FUZZ_RANDOM === '1') return Math.floor(Math.random() * 0x7fffffff);
  return fixedSeed(name);
}

/** FNV-1a of the property name, as a 31-bit seed. */
function fixedSeed(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h & 0x7fffffff;
}

/**
 * Checks `predicate` on `runs` values of `arb` (asynchronous predicates welcome). The predicate
 * throws (an expect) to fail. Each case is timed; the slowest is recorded. Throws fast-check's
 * report on failure, with the seed printed first so a CI log is enough to reproduce it.
 */
export async function checkProperty<T>(name: string, arb: fc.Arbitrary<T>, predicate: (value: T) => Promise<void> | void, runs: number = runsPerProperty()): Promise<PropertyRecord> {
  const seed = seedOf(name);
  const replayPath = process.env.FUZZ_PATH || undefined;
  let slowest = 0;
  let slowestValue: T | undefined;
  let cases = 0;
  const trace = process.env.FUZZ_TRACE === '1' ? path.join(reportDir, `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.current.json`) : null;
  if (trace) fs.mkdirSync(reportDir, { recursive: true });
  const timedPredicate = async (value: T): Promise<void> => {
    if (cases % GC_EVERY === GC_EVERY - 1) collectGarbage();
    // One turn of the event loop per case: vitest's worker answers its runner's calls meanwhile
    // (a property kept busy for minutes otherwise times them out: "Timeout calling onTaskUpdate").
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (trace) fs.writeFileSync(trace, JSON.stringify(value) + '\n');
    const t0 = performance.now();
    try {
      await predicate(value);
    } finally {
      const ms = performance.now() - t0;
      cases++;
      if (ms > slowest) { slowest = ms; slowestValue = value; }
    }
  };
  const wall0 = performance.now();
  process.stdout.write(`fuzz: "${name}" ${runs} runs, FUZZ_SEED=${seed}${replayPath ? ` FUZZ_PATH=${replayPath}` : ''}\n`);
  const details = await fc.check(fc.asyncProperty(arb, timedPredicate), { numRuns: runs, seed, path: replayPath, includeErrorInReport: true });
  const rec: PropertyRecord = {
    name,
    cases,
    failures: details.failed ? 1 : 0,
    slowestMs: Math.round(slowest * 10) / 10,
    wallMs: Math.round(performance.now() - wall0),
    seed,
    path: details.failed ? (details.counterexamplePath ?? null) : null,
  };
  record(rec);
  // The slowest case, to look into what costs most (FUZZ_KEEP_SLOWEST=1).
  if (process.env.FUZZ_KEEP_SLOWEST === '1') fs.writeFileSync(path.join(reportDir, `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.slowest.json`), JSON.stringify(slowestValue) + '\n');
  if (details.failed) {
    fs.writeFileSync(path.join(reportDir, `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.counterexample.json`), JSON.stringify(details.counterexample, null, 2) + '\n');
    const report = fc.defaultReportMessage(details) ?? 'property failed';
    throw new Error(`fuzz property "${name}" failed: FUZZ_SEED=${seed} FUZZ_PATH=${details.counterexamplePath ?? ''}\n${report}`);
  }
  return rec;
}

/** The bound the pipeline must return within: generous, so that CI load cannot flake it
 *  (docs: 50 ms + 20 µs per byte, ×10), plus a fixed allowance for a cold first review. */
export function timeBoundMs(inputBytes: number): number {
  return (50 + 0.02 * inputBytes) * 10;
}

/**
 * tree-sitter's trees live in its WebAssembly heap (at most 2 GB) and are freed only when V8
 * finalizes their JavaScript handles; a test process under little V8 heap pressure may not collect
 * them before thousands of parses exhaust that heap (RuntimeError: Aborted()). The server keeps its
 * V8 heap tight (server/src/lsp/heap.ts); the properties collect every GC_EVERY cases instead.
 */
const GC_EVERY = 200;
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

/** Checks `predicate` on every value of `values` in order (an exhaustive run), recorded like a property.
 *  Stops at the first failure, naming the value. */
export async function checkEvery<T>(name: string, values: readonly T[], predicate: (value: T) => Promise<void> | void, label: (value: T) => string = String): Promise<PropertyRecord> {
  let slowest = 0;
  let cases = 0;
  const wall0 = performance.now();
  let failure: { value: T; error: unknown } | null = null;
  for (const value of values) {
    if (cases % GC_EVERY === GC_EVERY - 1) collectGarbage();
    await new Promise<void>((resolve) => setImmediate(resolve));
    const t0 = performance.now();
    try {
      await predicate(value);
    } catch (error) {
      failure = { value, error };
    }
    cases++;
    slowest = Math.max(slowest, performance.now() - t0);
    if (failure) break;
  }
  const rec: PropertyRecord = { name, cases, failures: failure ? 1 : 0, slowestMs: Math.round(slowest * 10) / 10, wallMs: Math.round(performance.now() - wall0), seed: 0, path: null };
  record(rec);
  if (failure) throw new Error(`exhaustive "${name}" failed at ${label(failure.value)}: ${failure.error instanceof Error ? failure.error.message : String(failure.error)}`);
  return rec;
}

/** FUZZ_EXHAUSTIVE=1 (set by `npm run fuzz`) adds the exhaustive runs. */
export const exhaustive = process.env.FUZZ_EXHAUSTIVE === '1';
