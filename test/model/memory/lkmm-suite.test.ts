/**
 * The kernel's own LKMM litmus suite (tools/memory-model/litmus-tests, read from the extracted
 * kernel, never copied): every test we support must get the Observation its `Result:` line records.
 */
import { describe, expect, it } from 'vitest';
import { parseLitmus, runLitmus, type LitmusVerdict } from '../../../server/src/model/memory/index';
import { KERNEL_SUITE_SIZE, kernelLitmusTests, litmusDir, type KernelLitmus } from './support';

interface Row {
  test: KernelLitmus;
  verdict: LitmusVerdict;
  ms: number;
}

function runAll(): Row[] {
  return kernelLitmusTests().map((test) => {
    const t0 = performance.now();
    const verdict = runLitmus(parseLitmus(test.text));
    return { test, verdict, ms: performance.now() - t0 };
  });
}

/** judgelitmus.sh: the Observation must contain the predicted word and DATARACE must match the flag. */
function agrees(row: Row): boolean {
  const v = row.verdict;
  if (v.result === 'Unsupported') return false;
  const raced = v.flags.includes('data-race');
  if (row.test.expected === 'DEADLOCK') return v.result === 'Never' && v.positive === 0 && v.negative === 0 && raced === row.test.dataRace;
  return v.result === row.test.expected && raced === row.test.dataRace;
}

describe('LKMM litmus suite from the kernel', () => {
  it('finds the kernel litmus tests (fails, never skips, when the kernel is not extracted)', () => {
    const tests = kernelLitmusTests();
    expect(tests.length, `litmus tests in ${litmusDir()}`).toBeGreaterThanOrEqual(KERNEL_SUITE_SIZE);
    for (const t of tests) expect(t.expected, `${t.file} has a Result: line`).toMatch(/^(Sometimes|Never|Always|DEADLOCK)$/);
  });

  it('agrees with every recorded Result: on each supported test', () => {
    const t0 = performance.now();
    const rows = runAll();
    const elapsed = performance.now() - t0;
    const supported = rows.filter((r) => r.verdict.result !== 'Unsupported');
    const skipped = rows.filter((r) => r.verdict.result === 'Unsupported');
    const agreeing = supported.filter(agrees);
    console.log(`LKMM suite: agree ${agreeing.length} / supported ${supported.length} / skipped ${skipped.length} (of ${rows.length}) in ${elapsed.toFixed(0)} ms`);
    for (const r of skipped) console.log(`  skipped ${r.test.file}: ${r.verdict.result === 'Unsupported' ? r.verdict.reason : ''}`);
    for (const r of rows) {
      const v = r.verdict;
      const detail = v.result === 'Unsupported' ? v.reason : `${v.result} ${v.positive} ${v.negative} states=${v.states} candidates=${v.candidates}`;
      console.log(`  ${agrees(r) ? 'ok  ' : 'FAIL'} ${r.test.file}: expected ${r.test.expected}, got ${detail} (${r.ms.toFixed(1)} ms)`);
    }
    const disagreeing = supported.filter((r) => !agrees(r)).map((r) => `${r.test.file}: expected ${r.test.expected}, got ${r.verdict.result}`);
    expect(disagreeing).toEqual([]);
    expect(supported.length).toBeGreaterThanOrEqual(30);
    expect(agreeing.length).toBe(supported.length);
  });

  it('finds the forbidden outcome of every Never test reachable once its ordering is removed', () => {
    // Guards against a checker that says Never for everything: strip barriers/acquire/release from
    // MP+fencewmbonceonce+fencermbonceonce and SB+fencembonceonces and the outcome must reappear.
    const byName = new Map(kernelLitmusTests().map((t) => [t.file, t.text]));
    const weaken = (file: string, edits: Array<[RegExp, string]>): string =>
      edits.reduce((text, [re, by]) => text.replace(re, by), byName.get(file) ?? '');
    const mp = weaken('MP+fencewmbonceonce+fencermbonceonce.litmus', [[/smp_wmb\(\);/g, ''], [/smp_rmb\(\);/g, '']]);
    const sb = weaken('SB+fencembonceonces.litmus', [[/smp_mb\(\);/g, '']]);
    const lb = weaken('LB+poacquireonce+pooncerelease.litmus', [[/smp_store_release\(y, 1\)/g, 'WRITE_ONCE(*y, 1)'], [/smp_load_acquire\(y\)/g, 'READ_ONCE(*y)']]);
    for (const text of [mp, sb, lb]) {
      expect(text).not.toBe('');
      expect(runLitmus(parseLitmus(text)).result).toBe('Sometimes');
    }
  });

});
