import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readKcov, seedPath, tempTree } from '../support/kernel';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'bin', 'kcov-review.js');
const tree = tempTree({ 'kernel/kcov.c': readKcov() });

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kcov-review check', () => {
  it('reports the two kcov_move_area findings of seed 004 as fixed and exits 0 (text, checkpatch --emacs style)', () => {
    const r = run('check', seedPath('004'), '--tree', tree);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes('[publish-barrier]'));
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^.*004_[0-9a-f]+\.txt:\d+:1: hint: fixed \(!RT, RT\+BHlock, RT\): Fixed by this patch; before it: kcov_move_area\(\)/);
    expect(r.stdout).toMatch(/\[patch-damaged\]/);
  });

  it('prints the documented JSON contract', () => {
    const r = run('check', seedPath('004'), '--tree', tree, '--format', 'json', '--config', 'RT');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.tree).toBe(tree);
    expect(j.configs).toEqual(['RT']);
    expect(j.hunks[0]).toMatchObject({ file: 'kernel/kcov.c', located: true, how: 'whitespace', patchLine: 50 });
    const barrier = j.findings.filter((f: { rule: string }) => f.rule === 'publish-barrier');
    expect(barrier).toHaveLength(2);
    expect(barrier[0]).toMatchObject({ rule: 'publish-barrier', verdict: 'fixed', configs: ['RT'], function: 'kcov_move_area', file: 'kernel/kcov.c' });
    expect(barrier[0].trace.length).toBeGreaterThanOrEqual(3);
    for (const key of ['rule', 'severity', 'verdict', 'configs', 'function', 'file', 'patchLine', 'sourceLine', 'message', 'trace']) expect(barrier[0]).toHaveProperty(key);
  });

  it('prints SARIF 2.1.0 with the proof as a code flow', () => {
    const r = run('check', seedPath('004'), '--tree', tree, '--format', 'sarif');
    const s = JSON.parse(r.stdout);
    expect(s.version).toBe('2.1.0');
    const results = s.runs[0].results.filter((x: { ruleId: string }) => x.ruleId === 'publish-barrier');
    expect(results).toHaveLength(2);
    expect(results[0].codeFlows[0].threadFlows[0].locations.length).toBeGreaterThanOrEqual(3);
  });

  it('exits 1 when the patch introduces a finding, with the proof under --explain', () => {
    const kcov = readKcov();
    const withBarrier = kcov.replace(/(\tmemcpy\(dst_entries, src_entries, bytes_to_move\);\n)/, '$1\tsmp_wmb();\n');
    const post = tempTree({ 'kernel/kcov.c': withBarrier });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-cli-'));
    fs.mkdirSync(path.join(dir, 'a/kernel'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'b/kernel'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a/kernel/kcov.c'), withBarrier);
    fs.writeFileSync(path.join(dir, 'b/kernel/kcov.c'), kcov);
    const diff = spawnSync('git', ['diff', '--no-index', '--no-prefix', 'a/kernel/kcov.c', 'b/kernel/kcov.c'], { cwd: dir, encoding: 'utf8' }).stdout;
    const patch = path.join(dir, 'remove.patch');
    fs.writeFileSync(patch, diff);
    const r = run('check', patch, '--tree', post, '--explain');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/remove\.patch:\d+:1: error: introduced/);
    expect(r.stdout).toMatch(/\n    1\. kernel\/kcov\.c:\d+ \[kcov_remote_stop\]/);
  });

  it('writes all of a large output into a pipe before it exits (SARIF of four seeds, > 64 KiB)', () => {
    const seed = seedPath('000');
    const direct = run('check', seed, seed, seed, seed, '--tree', tree, '--format', 'sarif');
    expect(direct.stdout.length).toBeGreaterThan(65536);
    // Through a shell pipe the kernel buffer fills (64 KiB); an exit that does not wait drops the rest.
    const cmd = `"${process.execPath}" "${cli}" check "${seed}" "${seed}" "${seed}" "${seed}" --tree "${tree}" --format sarif | wc -c`;
    for (let i = 0; i < 3; i++) {
      const piped = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 60_000 });
      expect(Number(piped.stdout.trim())).toBe(Buffer.byteLength(direct.stdout));
    }
  });

  it('runs from V8\'s code cache: written by the first run, used by the next, rewritten when corrupt, same output each time', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-cc-'));
    const cache = path.join(dir, 'cli.js.v8cache');
    const runWith = (env: Record<string, string>) => spawnSync(process.execPath, [cli, 'check', seedPath('004'), '--tree', tree], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
    const plain = runWith({ KCOV_REVIEW_CODE_CACHE: 'off' });
    expect(plain.status).toBe(0);
    expect(fs.existsSync(cache)).toBe(false);
    const first = runWith({ KCOV_REVIEW_CODE_CACHE: cache });
    expect(fs.statSync(cache).size).toBeGreaterThan(100_000);
    const written = fs.statSync(cache).mtimeMs;
    const second = runWith({ KCOV_REVIEW_CODE_CACHE: cache });
    expect(fs.statSync(cache).mtimeMs).toBe(written); // accepted, not rewritten
    fs.writeFileSync(cache, 'not a code cache');
    const third = runWith({ KCOV_REVIEW_CODE_CACHE: cache });
    expect(fs.statSync(cache).size).toBeGreaterThan(100_000);
    for (const r of [first, second, third]) {
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(plain.stdout);
      expect(r.stderr).toBe(plain.stderr);
    }
  });

  it('exits 2 with a one-line reason on bad usage or unreadable input', () => {
    const missing = run('check', '/nonexistent/x.patch');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read \/nonexistent\/x\.patch/);
    const badConfig = run('check', seedPath('004'), '--config', 'RT+SMP');
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/unknown config RT\+SMP/);
    const badDepth = run('check', seedPath('004'), '--depth', '7');
    expect(badDepth.code).toBe(2);
    expect(badDepth.stderr).toMatch(/--depth takes 2–4, not 7/);
    expect(run().code).toBe(2);
    expect(run('check', seedPath('004'), '--tree', '/nonexistent-tree').code).toBe(2);
  });

  it('exits 2 on a patch over --max-bytes or out of --time-budget, saying which; repair and reply refuse it too', () => {
    const big = run('check', seedPath('004'), '--tree', tree, '--max-bytes', '2000');
    expect(big.code).toBe(2);
    expect(big.stdout).toMatch(/this document is 2\.2 KiB \(\d+ bytes\), over the 2\.0 KiB limit .*not analysed.*\[document-too-large\]/);
    // The same patch under the default limit is reviewed (exit 0, as in the first test).
    expect(run('check', seedPath('004'), '--tree', tree, '--max-bytes', '100000').code).toBe(0);
    const late = run('check', seedPath('000'), '--tree', tree, '--time-budget', '1');
    expect(late.code).toBe(2);
    expect(late.stdout).toMatch(/analysis abandoned in stage "[^"]+" after \d+ ms \(budget 1 ms.*CLI --time-budget\).*\[time-budget\]/);
    const repairBig = run('repair', seedPath('004'), '--tree', tree, '--max-bytes', '2000');
    expect(repairBig.code).toBe(2);
    expect(repairBig.stdout).toBe('');
    expect(repairBig.stderr).toMatch(/over the 2\.0 KiB limit/);
    expect(run('reply', seedPath('004'), '--tree', tree, '--max-bytes', '2000').code).toBe(2);
    expect(run('check', seedPath('004'), '--max-bytes', 'lots').stderr).toMatch(/--max-bytes takes a whole number ≥ 1, not lots/);
  });

  it('a 50 MB patch: refused at once with the size, never read into the pipeline', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-50mb-'));
    const file = path.join(dir, 'big.patch');
    const seed = fs.readFileSync(seedPath('000'), 'utf8');
    const body = seed.slice(seed.indexOf('diff --git'));
    fs.writeFileSync(file, seed.slice(0, seed.indexOf('diff --git')) + body.repeat(Math.ceil((50 * 1024 * 1024) / body.length)));
    const t0 = Date.now();
    const r = run('check', file, '--tree', tree, '--format', 'json');
    const ms = Date.now() - t0;
    expect(r.code).toBe(2);
    const problems = (JSON.parse(r.stdout) as { problems: { code: string; message: string }[] }).problems;
    expect(problems.map((p) => p.code)).toEqual(['document-too-large']);
    expect(problems[0].message).toMatch(/this document is 50\.\d MiB .* over the 16\.0 MiB limit/);
    // Reviewed, this input grew one post-image per section until a 4 GB heap ran out (minutes).
    expect(ms).toBeLessThan(30_000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--depth 3 nests a third activation and keeps the verdicts of seed 004', () => {
    const r = run('check', seedPath('004'), '--tree', tree, '--depth', '3', '--format', 'json');
    expect(r.code).toBe(0);
    const fixed = (JSON.parse(r.stdout) as { findings: { verdict: string; rule: string }[] }).findings.filter((f) => f.verdict === 'fixed');
    expect(fixed.map((f) => f.rule)).toEqual(['publish-barrier', 'publish-barrier']);
  });

  it('repair writes a patch git apply accepts', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-rep-')), 'fixed.patch');
    const r = run('repair', seedPath('004'), '--tree', tree, '-o', out);
    expect(r.code).toBe(0);
    const check = spawnSync('git', ['apply', '--check', out], { cwd: tree, encoding: 'utf8' });
    expect(check.status).toBe(0);
  });
});

describe('kcov-review reply', () => {
  it('drafts a list reply: Re: subject, threading headers, the hunk quoted with each finding under its line', () => {
    const withId = readSeedWithMessageId();
    const r = run('reply', withId, '--tree', tree);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Subject: Re: [PATCH] smp_wmb() in kcov_move_area() after memcpy()');
    expect(lines[1]).toBe('In-Reply-To: <seed004@example.org>');
    expect(lines[2]).toBe('References: <seed004@example.org>');
    const wmb = lines.indexOf('> + smp_wmb();');
    expect(wmb).toBeGreaterThan(0);
    expect(lines[wmb + 2]).toMatch(/^This fixes a real problem \(!RT, RT\+BHlock, RT; publish-barrier\):/);
    expect(r.stdout).toMatch(/\n {2}1\. kernel\/kcov\.c:\d+ \[kcov_remote_stop\]/);
    // Trimmed to the hunks with findings: the commit message is not quoted.
    expect(r.stdout).not.toContain('KCOV Remote uses two separate memory buffers');
  });
});

function readSeedWithMessageId(): string {
  const text = fs.readFileSync(seedPath('004'), 'utf8').replace(/^(Date: .*)$/m, '$1\nMessage-ID: <seed004@example.org>');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-reply-')), 'seed004.eml');
  fs.writeFileSync(file, text);
  return file;
}

describe('kcov-review litmus', () => {
  const dir = path.join(process.env.KCOV_REVIEW_KERNEL_DIR ?? path.join(root, '.cache', 'linux-6.12'), 'tools/memory-model/litmus-tests');

  it('prints NAME: verdict for each kernel litmus test, agreeing with its recorded Result', () => {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.litmus')).map((f) => path.join(dir, f));
    expect(files.length).toBeGreaterThanOrEqual(35);
    const r = run('litmus', ...files);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(files.length);
    for (const f of files) {
      const recorded = /Result:\s*(\w+)/.exec(fs.readFileSync(f, 'utf8'))?.[1];
      const name = /^C\s+(\S+)/m.exec(fs.readFileSync(f, 'utf8'))?.[1];
      const line = lines.find((l) => l.startsWith(`${name}: `));
      expect(line, name).toBeDefined();
      if (recorded === 'DEADLOCK') expect(line).toBe(`${name}: Never`);
      else expect(line).toBe(`${name}: ${recorded}`);
    }
    const json = JSON.parse(run('litmus', files[0], '--format', 'json').stdout);
    expect(json[0]).toHaveProperty('name');
    expect(json[0]).toHaveProperty('result');
  });

  it('exits 2 on a file it cannot parse, naming the line', () => {
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-lit-')), 'bad.litmus');
    fs.writeFileSync(bad, 'C bad\n{ }\nP0(int *x) { WRITE_ONCE(*x, ; }\n');
    const r = run('litmus', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 3/);
  });
});
