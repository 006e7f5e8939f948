#!/usr/bin/env node
// `npm run bench`: kcov-review against checkpatch.pl, side by side, on this machine. Plain Node; uses the
// built dist/ bundles and spawns processes. Prints a table and writes bench/results.json.
// Inputs are generated at run time into .cache/bench/ (ignored); kernel files stay in .cache/linux-6.12.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeSeries, makeGenTree, makeHunkPatch, makeBigPatch } from './gen.mjs';
import { lspBench } from './lsp.mjs';
import { targetVerdicts } from './targets.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(repo);
const kernel = path.join(repo, '.cache/linux-6.12');
const work = path.join(repo, '.cache/bench');
const cli = path.join(repo, 'bin/kcov-review.js');
const checkpatch = path.join(kernel, 'scripts/checkpatch.pl');
const seedsDir = process.env.KCOV_REVIEW_SEEDS ?? path.resolve(repo, '../shared/seeds');
const quick = process.argv.includes('--quick');
// --only=cli,resident,stages,hunks,lsp,litmus runs some sections (for profiling one thing); default all.
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',') ?? null;
const want = (section) => only === null || only.includes(section);
const log = (...a) => console.error('[bench]', ...a);

// ---- set-up: kernel files and the build (works on a fresh clone) ----
function must(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
}
must('bash', ['scripts/setup-kernel.sh']);
if (!fs.existsSync(path.join(repo, 'dist/cli.js')) || !fs.existsSync(path.join(repo, 'dist/server.js'))) must('npm', ['run', 'build']);
fs.mkdirSync(work, { recursive: true });
const outDir = path.join(work, 'out');
fs.mkdirSync(outDir, { recursive: true });

// ---- process timing: wall clock from Node, peak RSS from GNU time (or /proc polling) ----
const GNU_TIME = ['/usr/bin/time', '/bin/time'].find((p) => fs.existsSync(p) && spawnSync(p, ['-f', '%M', 'true']).status === 0);
const now = () => Number(process.hrtime.bigint()) / 1e6;

// Every kcov-review process of the bench runs in its own process (KCOV_REVIEW_RESIDENT=off), whatever
// resident process may be listening, except in section 1c, which measures exactly that.
const ownProcess = { ...process.env, KCOV_REVIEW_RESIDENT: 'off' };

/** Runs a command to completion; returns wall ms, peak RSS (KB), exit status. stdout/stderr go to files. */
function measure(cmd, args, tag, timeoutMs = 120000, env = ownProcess) {
  const out = fs.openSync(path.join(outDir, `${tag}.out`), 'w');
  const err = fs.openSync(path.join(outDir, `${tag}.err`), 'w');
  try {
    if (GNU_TIME) {
      const rss = path.join(outDir, `${tag}.rss`);
      const t0 = now();
      const r = spawnSync(GNU_TIME, ['-f', '%M', '-o', rss, cmd, ...args], { stdio: ['ignore', out, err], timeout: timeoutMs, env });
      const ms = now() - t0;
      const kb = Number(fs.readFileSync(rss, 'utf8').trim().split('\n').pop());
      return { ms, rssKB: kb, status: r.status, timedOut: r.error?.code === 'ETIMEDOUT' };
    }
    return measureByProc(cmd, args, out, err, timeoutMs, env);
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
}
// Fallback without GNU time: poll /proc/<pid>/status VmHWM (peak) every 5 ms until exit (synchronous busy wait
// on a child started with spawn would block, so this path uses a small shell loop instead).
function measureByProc(cmd, args, out, err, timeoutMs, env) {
  const script = '"$@" & p=$!; h=0; while kill -0 $p 2>/dev/null; do v=$(sed -n "s/^VmHWM:\\s*\\([0-9]*\\).*/\\1/p" /proc/$p/status 2>/dev/null); [ -n "$v" ] && h=$v; sleep 0.005; done; wait $p; s=$?; echo "$h" >&3; exit $s';
  const t0 = now();
  const r = spawnSync('bash', ['-c', script, 'bench', cmd, ...args], { stdio: ['ignore', out, err, 'pipe'], timeout: timeoutMs, env });
  return { ms: now() - t0, rssKB: Number(String(r.output[3]).trim()), status: r.status, timedOut: r.error?.code === 'ETIMEDOUT' };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const summary = (runs) => ({
  runs: runs.length,
  ms: { median: median(runs.map((r) => r.ms)), min: Math.min(...runs.map((r) => r.ms)), max: Math.max(...runs.map((r) => r.ms)) },
  rssKB: { median: median(runs.map((r) => r.rssKB)), min: Math.min(...runs.map((r) => r.rssKB)), max: Math.max(...runs.map((r) => r.rssKB)) },
  exit: [...new Set(runs.map((r) => r.status))],
});

// ---- inputs ----
log('generating inputs in', path.relative(repo, work));
const seeds = fs.readdirSync(seedsDir).filter((f) => /^(000|004)_.*\.txt$/.test(f)).sort();
const series = makeSeries(path.join(kernel, 'kernel/kcov.c'), work, 30);
const statementSeries = makeSeries(path.join(kernel, 'kernel/kcov.c'), work, 30, 'statements');
const sectionSeries = makeSeries(path.join(kernel, 'kernel/kcov.c'), work, 30, 'sections');
const bigTreeDir = path.join(work, 'bigtree');
const bigTree = makeGenTree(bigTreeDir, 700, 39, 700);
const big = makeBigPatch(path.join(work, 'big-5mb.patch'), bigTree, 5_000_000);

const inputs = [
  ...seeds.map((f) => ({ name: `seed ${f.slice(0, 3)}`, file: path.join(seedsDir, f), tree: kernel, runs: 7 })),
  { name: 'series 30 (mbox)', file: series, tree: kernel, runs: 5 },
  { name: 'series 30, statements (mbox)', file: statementSeries, tree: kernel, runs: 5 },
  { name: 'series 30, sections (mbox)', file: sectionSeries, tree: kernel, runs: 5 },
  { name: `patch ${(big.bytes / 1048576).toFixed(1)} MiB, ${big.hunks} hunks / ${big.files} files`, file: big.file, tree: bigTreeDir, runs: 3 },
  { name: 'kcov.c as a file', file: path.join(kernel, 'kernel/kcov.c'), tree: kernel, runs: 7, asFile: true },
];
if (quick) for (const i of inputs) i.runs = 1;

// ---- 1. whole-process CLI vs checkpatch.pl, alternating ----
const cliResults = [];
for (const input of want('cli') ? inputs : []) {
  log(`CLI: ${input.name} (${input.runs} alternating runs each)`);
  const kr = [];
  const cp = [];
  const tag = input.name.replace(/[^a-z0-9]+/gi, '_');
  for (let i = 0; i < input.runs; i++) {
    kr.push(measure(process.execPath, [cli, 'check', '--tree', input.tree, input.file], `kr_${tag}`));
    cp.push(measure('perl', [checkpatch, '--no-tree', ...(input.asFile ? ['-f'] : []), input.file], `cp_${tag}`));
  }
  const last = fs.readFileSync(path.join(outDir, `kr_${tag}.out`), 'utf8').trim().split('\n').filter((l) => / hunk\(s\), /.test(l));
  const k = summary(kr);
  const c = summary(cp);
  cliResults.push({
    input: input.name,
    file: path.relative(repo, input.file),
    bytes: fs.statSync(input.file).size,
    tree: path.relative(repo, input.tree),
    kcovReview: k,
    checkpatch: c,
    ratio: c.ms.median / k.ms.median, // > 1: kcov-review faster
    kcovReviewSummary: last.map((l) => l.replace(/^.*?: (\d+ hunk)/, '$1')),
  });
}

// ---- 1a. the floor: a Node process that does nothing (every kcov-review process pays at least this) ----
const nodeFloor = want('cli') || want('resident') ? summary(Array.from({ length: quick ? 1 : 7 }, () => measure(process.execPath, ['-e', ''], 'node_floor'))) : null;

// ---- 1c. the resident process (kcov-review serve): whole process of the client ----
// Each "first check" run starts a resident process of its own (`serve --detach` returns once it has
// warmed up on the tree: kcov.c as a file and patches of its own, server/src/cli/warmUp.ts), then
// times the client checking the input, which that process has never seen; "repeat" then times the
// same check again (answered from the content-keyed caches). checkpatch.pl alternates with both.
const residentResults = [];
if (want('resident')) {
  for (const input of inputs.filter((i) => i.name.startsWith('seed') || i.name.startsWith('series'))) {
    log(`resident: ${input.name} (${input.runs} runs, a new resident process each)`);
    const tag = `res_${input.name.replace(/[^a-z0-9]+/gi, '_')}`;
    const first = [];
    const repeat = [];
    const cp = [];
    const memory = [];
    const startMs = [];
    for (let i = 0; i < input.runs; i++) {
      const sockDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kr-bench-')), 's');
      const env = { ...process.env, KCOV_REVIEW_RESIDENT_DIR: sockDir, KCOV_REVIEW_RESIDENT: 'require' };
      const t0 = now();
      const started = spawnSync(process.execPath, [cli, 'serve', '--detach', '--idle', '120', '--tree', kernel], { env, encoding: 'utf8' });
      startMs.push(now() - t0);
      const pid = /resident process (\d+) listens/.exec(started.stderr)?.[1];
      if (started.status !== 0 || !pid) throw new Error(`resident process did not start: ${started.stderr}`);
      try {
        first.push(measure(process.execPath, [cli, 'check', '--tree', input.tree, input.file], `${tag}_first`, 120000, env));
        cp.push(measure('perl', [checkpatch, '--no-tree', input.file], `${tag}_cp`));
        repeat.push(measure(process.execPath, [cli, 'check', '--tree', input.tree, input.file], `${tag}_repeat`, 120000, env));
        const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        memory.push({ rssKB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]), hwmKB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) });
      } finally {
        spawnSync(process.execPath, [cli, 'stop'], { env, stdio: 'ignore' });
        fs.rmSync(path.dirname(sockDir), { recursive: true, force: true });
      }
    }
    // The client must have printed the same review as a check in its own process (section 1, or a run now).
    const own = spawnSync(process.execPath, [cli, 'check', '--tree', input.tree, input.file], { env: ownProcess, encoding: 'utf8' }).stdout;
    const sameOutput = ['first', 'repeat'].every((k) => fs.readFileSync(path.join(outDir, `${tag}_${k}.out`), 'utf8') === own);
    if (!sameOutput) throw new Error(`resident: ${input.name}: the client's output differs from a check in its own process`);
    const f = summary(first);
    const r = summary(repeat);
    const c = summary(cp);
    residentResults.push({
      input: input.name,
      serveDetachMs: { median: median(startMs), min: Math.min(...startMs), max: Math.max(...startMs) },
      firstCheck: f,
      repeatCheck: r,
      checkpatch: c,
      ratioFirst: c.ms.median / f.ms.median,
      ratioRepeat: c.ms.median / r.ms.median,
      residentMemoryKB: { rss: median(memory.map((m) => m.rssKB)), hwm: median(memory.map((m) => m.hwmKB)) },
      sameOutputAsOwnProcess: sameOutput,
    });
  }
}

// ---- 1b. in-process time per stage (the CLI writes it with KCOV_REVIEW_STAGES=FILE; server/src/review/stages.ts) ----
const STAGE_ORDER = ['parse', 'locate', 'source views', 'model !RT', 'model RT+BHlock', 'model RT', 'rules !RT', 'rules RT+BHlock', 'rules RT', 'place', 'quick fixes'];
const stageResults = [];
for (const input of want('stages') ? inputs : []) {
  const file = path.join(outDir, `stages_${input.name.replace(/[^a-z0-9]+/gi, '_')}.json`);
  const runs = quick ? 1 : 3;
  const all = [];
  for (let i = 0; i < runs; i++) {
    fs.rmSync(file, { force: true });
    spawnSync(process.execPath, [cli, 'check', '--tree', input.tree, input.file], { stdio: 'ignore', env: { ...ownProcess, KCOV_REVIEW_STAGES: file } });
    if (fs.existsSync(file)) all.push(JSON.parse(fs.readFileSync(file, 'utf8')));
  }
  const names = [...new Set([...STAGE_ORDER, ...all.flatMap((a) => Object.keys(a.stages))])];
  const stages = Object.fromEntries(names.filter((n) => all.some((a) => a.stages[n])).map((n) => [n, median(all.map((a) => a.stages[n]?.ms ?? 0))]));
  stageResults.push({ input: input.name, runs: all.length, totalMs: median(all.map((a) => a.totalMs)), stagesMs: stages });
}

// ---- 2. time per hunk ----
const hunkResults = [];
for (const n of want('hunks') ? [10, 100, 1000, 10000] : []) {
  // a generated tree whose kernel/kcov.c holds exactly n small functions; the patch edits each once
  const dir = path.join(work, `hunks-${n}`);
  const tree = makeGenTree(dir, n);
  const file = makeHunkPatch(path.join(work, `hunks-${n}.patch`), tree, n);
  const runs = n >= 10000 || quick ? 1 : 3;
  log(`hunks: ${n} (${runs} run${runs > 1 ? 's' : ''})`);
  const rs = [];
  for (let i = 0; i < runs; i++) rs.push(measure(process.execPath, [cli, 'check', '--tree', dir, file], `hunks_${n}`, 60000));
  const s = summary(rs);
  hunkResults.push({ hunks: n, bytes: fs.statSync(file).size, timedOut: rs.some((r) => r.timedOut), ...s, msPerHunk: s.ms.median / n });
  if (rs.some((r) => r.timedOut)) break;
}
const base = hunkResults[0];
// marginal cost against the 10-hunk run
for (const h of hunkResults) h.marginalMsPerHunk = h === base ? null : (h.ms.median - base.ms.median) / (h.hunks - base.hunks);

// ---- 3. LSP latency ----
const seed000 = path.join(seedsDir, seeds.find((f) => f.startsWith('000')));
if (want('lsp')) log('LSP: seed 000, 200 single-character edits at 20 ms');
const lsp = !want('lsp') ? null : await lspBench({ serverJs: path.join(repo, 'dist/server.js'), kernelTree: kernel, patchPath: seed000, anchor: "Don't use in_task()", codeAnchor: 'unsigned int mode;', edits: 200, intervalMs: 20, isolated: 50 });

// ---- 4. LKMM litmus ----
if (want('litmus')) log('litmus');
const litDir = path.join(kernel, 'tools/memory-model/litmus-tests');
const suite = fs.readdirSync(litDir).filter((f) => f.endsWith('.litmus')).sort().map((f) => path.join(litDir, f));
const kcovLitmus = path.join(work, 'kcov-publish.litmus');
fs.writeFileSync(kcovLitmus, `C kcov-publish+wmb+relaxed-reader

(*
 * Generated by kcov-review bench/run.mjs: kcov publication (entry, smp_wmb(), count) read by a
 * relaxed user-space load of the count.
 *)

{}

P0(int *entry, int *count)
{
	*entry = 1;
	smp_wmb();
	WRITE_ONCE(*count, 1);
}

P1(int *entry, int *count)
{
	int r0;
	int r1;

	r0 = __atomic_load_n(count, __ATOMIC_RELAXED);
	r1 = READ_ONCE(*entry);
}

exists (1:r0=1 /\\ 1:r1=0)
`);
const litRuns = quick ? 1 : 3;
const suiteRuns = [];
const oneRuns = [];
for (let i = 0; i < (want('litmus') ? litRuns : 0); i++) {
  suiteRuns.push(measure(process.execPath, [cli, 'litmus', ...suite], 'litmus_suite'));
  oneRuns.push(measure(process.execPath, [cli, 'litmus', kcovLitmus], 'litmus_kcov'));
}
let litmus = null;
if (want('litmus')) {
  const suiteOut = fs.readFileSync(path.join(outDir, 'litmus_suite.out'), 'utf8').trim().split('\n');
  const oneOut = fs.readFileSync(path.join(outDir, 'litmus_kcov.out'), 'utf8').trim();
  litmus = {
    suite: { tests: suite.length, answered: suiteOut.filter((l) => /: (Never|Sometimes|Always)\b/.test(l)).length, ...summary(suiteRuns) },
    kcovPublication: { file: path.relative(repo, kcovLitmus), verdict: oneOut, ...summary(oneRuns) },
  };
}

// ---- output ----
const machine = {
  date: new Date().toISOString(),
  nproc: os.availableParallelism?.() ?? os.cpus().length,
  cpu: os.cpus()[0]?.model,
  memMB: Math.round(os.totalmem() / 1048576),
  node: process.version,
  perl: spawnSync('perl', ['-e', 'print $^V']).stdout.toString(),
  peakRss: GNU_TIME ? `${GNU_TIME} -f %M` : '/proc/<pid>/status VmHWM polled every 5 ms',
};
const results = { machine, command: 'npm run bench', nodeFloor, cli: cliResults, resident: residentResults, stages: stageResults, hunks: hunkResults, lsp, litmus };
results.targets = targetVerdicts(results);
// A partial run (--only, --quick) writes beside the full results instead of over them.
const resultsFile = only || quick ? path.join(work, 'results.partial.json') : path.join(repo, 'bench/results.json');
fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');

const f = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
const range = (s) => `${f(s.ms.median)} (${f(s.ms.min)}–${f(s.ms.max)})`;
const table = (head, rows) => {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => '| ' + r.map((c, i) => String(c).padEnd(w[i])).join(' | ') + ' |';
  return [line(head), '| ' + w.map((n) => '-'.repeat(n)).join(' | ') + ' |', ...rows.map(line)].join('\n');
};
const p = (...a) => console.log(...a);
p(`kcov-review bench — ${machine.date} — ${machine.nproc} cores (${machine.cpu}), ${machine.memMB} MB, node ${machine.node}, perl ${machine.perl}; peak RSS by ${machine.peakRss}`);
p('');
if (want('cli')) {
p('1. Whole process: kcov-review check --tree T INPUT  vs  perl checkpatch.pl --no-tree INPUT (alternating; median (min–max))');
p(table(['input', 'runs', 'kcov-review', 'peak RSS', 'checkpatch.pl', 'peak RSS', 'checkpatch/kcov-review'],
  cliResults.map((r) => [r.input, r.kcovReview.runs, range(r.kcovReview), mb(r.kcovReview.rssKB.median), range(r.checkpatch), mb(r.checkpatch.rssKB.median), `${r.ratio.toFixed(2)}×`])));
p('');
}
if (nodeFloor) p(`1a. Floor: node -e '' (a Node process doing nothing), ${nodeFloor.runs} runs: ${range(nodeFloor)}, peak RSS ${mb(nodeFloor.rssKB.median)}\n`);
if (residentResults.length > 0) {
p('1c. Resident process (kcov-review serve; the client\'s whole process, KCOV_REVIEW_RESIDENT=require). First check: a new resident');
p('    process per run (serve --detach, which warms up on the tree first), checks the input it has not seen; repeat: the same again');
p(table(['input', 'runs', 'serve --detach', 'first check', 'repeat', 'checkpatch.pl', 'checkpatch/first', 'checkpatch/repeat', 'resident RSS (HWM)'],
  residentResults.map((r) => [r.input, r.firstCheck.runs, f(r.serveDetachMs.median), range(r.firstCheck), range(r.repeatCheck), range(r.checkpatch), `${r.ratioFirst.toFixed(2)}×`, `${r.ratioRepeat.toFixed(2)}×`, `${mb(r.residentMemoryKB.rss)} (${mb(r.residentMemoryKB.hwm)})`])));
p('');
}
if (want('stages')) {
p('1b. In-process time per stage (median of the runs; KCOV_REVIEW_STAGES; a stage excludes the stages nested in it;');
p('    "rules" includes the activations and explorer runs of the model that the rules request)');
{
  const cols = [...new Set(stageResults.flatMap((r) => Object.keys(r.stagesMs)))].sort((a, b) => (STAGE_ORDER.indexOf(a) + 1 || 99) - (STAGE_ORDER.indexOf(b) + 1 || 99));
  p(table(['input', 'runs', 'in-process', ...cols], stageResults.map((r) => [r.input, r.runs, f(r.totalMs), ...cols.map((c) => (r.stagesMs[c] === undefined ? '—' : f(r.stagesMs[c])))])));
  p('');
}
}
if (want('hunks')) {
p('2. Cost per hunk (generated kernel/kcov.c of N functions, one hunk each; whole process)');
p(table(['hunks', 'patch', 'runs', 'time', 'peak RSS', 'ms/hunk', 'marginal ms/hunk (vs 10)'],
  hunkResults.map((h) => [h.hunks, `${(h.bytes / 1024).toFixed(0)} KiB`, h.runs, h.timedOut ? `> 60 s (timed out)` : range(h), mb(h.rssKB.median), h.msPerHunk.toFixed(2), h.marginalMsPerHunk === null ? '—' : h.marginalMsPerHunk.toFixed(2)])));
p('');
}
if (lsp) {
p(`3. LSP over stdio, seed 000 with the tree, all configs: 200 one-character edits at 20 ms, typed ${lsp.pauseAfterOpenMs} ms after the first edit`);
const L = lsp;
p(table(['measure', 'p50', 'p95', 'max', 'n'], [
  ['didChange → diagnostics of any version ≥ it, per edit', f(L.perEditLatencyMs.p50), f(L.perEditLatencyMs.p95), f(L.perEditLatencyMs.max), L.perEditLatencyMs.n],
  ['didChange → diagnostics of that exact version', f(L.exactVersionLatencyMs.p50), f(L.exactVersionLatencyMs.p95), f(L.exactVersionLatencyMs.max), L.exactVersionLatencyMs.n],
  ['isolated warm edit (100 ms pause, then wait)', f(L.isolatedEditLatencyMs.p50), f(L.isolatedEditLatencyMs.p95), f(L.isolatedEditLatencyMs.max), L.isolatedEditLatencyMs.n],
  ...(L.code ? [
    [`into code (line ${L.code.line}: letters typed, then deleted), per edit`, f(L.code.perEditLatencyMs.p50), f(L.code.perEditLatencyMs.p95), f(L.code.perEditLatencyMs.max), L.code.perEditLatencyMs.n],
    ['into code, that exact version', f(L.code.exactVersionLatencyMs.p50), f(L.code.exactVersionLatencyMs.p95), f(L.code.exactVersionLatencyMs.max), L.code.exactVersionLatencyMs.n],
  ] : []),
]));
p(`   cold open → first diagnostics ${f(L.coldOpenMs)}; one edit made as they arrived → its diagnostics ${f(L.firstEditMs)}; versions of the burst published before its last: ${L.intermediatePublished}, of them already superseded (a newer one sent ≥ 10 ms earlier): ${L.supersededPublished}; server after the 200 edits: VmRSS ${mb(L.serverAfterEdits.rssKB)}, VmHWM ${mb(L.serverAfterEdits.hwmKB)}; after the isolated edits: VmRSS ${mb(L.serverAfterAll.rssKB)}, VmHWM ${mb(L.serverAfterAll.hwmKB)}${L.code ? `; after the edits into code (superseded versions published: ${L.code.supersededPublished}): VmRSS ${mb(L.code.server.rssKB)}, VmHWM ${mb(L.code.server.hwmKB)}` : ''}`);
p('');
}
if (litmus) {
p('4. LKMM litmus (whole process: node bin/kcov-review.js litmus ...)');
p(table(['input', 'runs', 'time', 'peak RSS', 'result'], [
  [`tools/memory-model/litmus-tests/*.litmus (${litmus.suite.tests} tests)`, litmus.suite.runs, range(litmus.suite), mb(litmus.suite.rssKB.median), `${litmus.suite.answered}/${litmus.suite.tests} answered`],
  ['kcov publication (wmb writer, relaxed reader)', litmus.kcovPublication.runs, range(litmus.kcovPublication), mb(litmus.kcovPublication.rssKB.median), litmus.kcovPublication.verdict],
]));
p('');
}
p('5. Targets of the benchmark issue (#6): the median against the bar; "range crosses" when the runs fall on both sides of it');
p(table(['target', 'input', 'bar', 'measured', 'verdict'], results.targets.map((t) => [t.target, t.input, t.bar, t.measured, `${t.verdict}${t.straddles ? ' (range crosses)' : ''}`])));
p('');
p(`results: ${path.relative(repo, resultsFile)}`);
