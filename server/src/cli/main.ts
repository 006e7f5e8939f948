/**
 * kcov-review command line: `check` (text, JSON, SARIF), `repair`. The same Review as the server,
 * rendered for a terminal or CI. Exit codes: 0 nothing introduced, 1 something introduced
 * (check) or something left unrepaired (repair), 2 bad usage or unreadable input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_NAMES, type ConfigName } from '../model/configs';
import { DEFAULT_NESTING_DEPTH, MAX_NESTING_DEPTH } from '../model/explorer';
import { baseLookupOf, repairDocument } from '../patch/repair';
import { defaultTreeDirs } from '../patch/tree';
import { LitmusParseError, parseLitmus } from '../model/memory';
import { draftReply } from '../review/reply';
import { litmusRow, type LitmusRow } from './litmus';
import { DEFAULT_MAX_DOCUMENT_BYTES, reviewDocument } from '../review/review';
import { addStageListener, stageTotals } from '../review/stages';
import type { CancelToken, Review, ReviewOptions } from '../review/types';
import { toJson } from './json';
import { toSarif } from './sarif';
import { toText } from './text';
import { residentCommand, SERVE_SYNOPSIS } from './residentServer';
import { warmUp } from './warmUp';

/** The CLI's time budget: generous (the 10 000-hunk benchmark takes ~7 s), but a pathological
 *  patch ends with a diagnostic instead of running for minutes. */
export const CLI_TIME_BUDGET_MS = 60_000;

export const USAGE = `usage:
  kcov-review check PATCH... [--tree DIR] [--config NAME,...] [--depth N] [--format text|json|sarif] [--explain] [LIMITS]
  kcov-review repair PATCH [--tree DIR] [-o OUT] [LIMITS]
  kcov-review reply PATCH [--tree DIR] [--config NAME,...] [--depth N] [LIMITS]
  kcov-review litmus FILE.litmus... [--format text|json]
${SERVE_SYNOPSIS}
configs: ${CONFIG_NAMES.join(', ')} (default: all)
depth: activations the context explorer nests on one CPU, ${DEFAULT_NESTING_DEPTH}–${MAX_NESTING_DEPTH} (default ${DEFAULT_NESTING_DEPTH})
LIMITS: --max-bytes N (a larger patch is not analysed; default ${DEFAULT_MAX_DOCUMENT_BYTES}),
        --time-budget MS (abandon an analysis running longer, naming the stage; default ${CLI_TIME_BUDGET_MS}, 0 for none)
exit: 0 nothing introduced, 1 something introduced (check) or left unrepaired (repair),
      2 bad usage, or a patch that could not be reviewed (unreadable, too large, out of time, bad tree)`;

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

interface Args {
  command: string;
  files: string[];
  tree: string | null;
  configs: ConfigName[] | null;
  depth: number | null;
  format: 'text' | 'json' | 'sarif';
  explain: boolean;
  output: string | null;
  maxBytes: number;
  /** 0: no budget. */
  timeBudgetMs: number;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') throw new UsageError('');
  const args: Args = { command, files: [], tree: null, configs: null, depth: null, format: 'text', explain: false, output: null, maxBytes: DEFAULT_MAX_DOCUMENT_BYTES, timeBudgetMs: CLI_TIME_BUDGET_MS };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--tree') args.tree = value();
    else if (a === '--config') args.configs = parseConfigs(value());
    else if (a === '--depth') args.depth = parseDepth(value());
    else if (a === '--format') args.format = parseFormat(value());
    else if (a === '--explain') args.explain = true;
    else if (a === '--max-bytes') args.maxBytes = parseCount(a, value(), 1);
    else if (a === '--time-budget') args.timeBudgetMs = parseCount(a, value(), 0);
    else if (a === '-o' || a === '--output') args.output = value();
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else args.files.push(a);
  }
  if (args.files.length === 0) throw new UsageError('no patch given');
  return args;
}

function parseConfigs(v: string): ConfigName[] {
  const names = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) if (!CONFIG_NAMES.includes(n as ConfigName)) throw new UsageError(`unknown config ${n} (known: ${CONFIG_NAMES.join(', ')})`);
  return names as ConfigName[];
}

function parseCount(option: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${option} takes a whole number ≥ ${min}, not ${v}`);
  return n;
}

function parseDepth(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < DEFAULT_NESTING_DEPTH || n > MAX_NESTING_DEPTH) throw new UsageError(`--depth takes ${DEFAULT_NESTING_DEPTH}–${MAX_NESTING_DEPTH}, not ${v}`);
  return n;
}

function parseFormat(v: string): Args['format'] {
  if (v === 'text' || v === 'json' || v === 'sarif') return v;
  throw new UsageError(`unknown format ${v} (text, json or sarif)`);
}

/** The embedded default tree: next to the bundle (dist/../.cache) or the user's cache. */
function cliDefaultDirs(): string[] {
  const bundleDir = typeof __dirname === 'string' ? __dirname : process.cwd();
  return defaultTreeDirs(path.resolve(bundleDir, '..'));
}

function readPatch(file: string): string {
  const stat = fs.statSync(file);
  if (!stat.isFile()) throw new Error(`${file} is not a file`);
  return fs.readFileSync(file, 'utf8');
}

async function review(file: string, text: string, args: Args, cancel: CancelToken | undefined): Promise<Review> {
  const options: ReviewOptions = {
    cancel,
    documentPath: path.resolve(file),
    kernelTree: args.tree,
    kernelTreeSource: 'cli',
    configs: args.configs ?? undefined,
    defaultTreeDirs: cliDefaultDirs(),
    maxDocumentBytes: args.maxBytes,
  };
  if (args.timeBudgetMs > 0) options.timeBudgetMs = args.timeBudgetMs;
  if (args.depth !== null) options.nestingDepth = args.depth;
  return reviewDocument(text, options);
}

/** Problems that mean the patch was not reviewed at all: exit 2, so CI never passes them silently. */
const NOT_REVIEWED = new Set(['tree-invalid', 'not-a-patch', 'document-too-large', 'time-budget']);

/** The problem that kept a review from happening (too large, out of time), if any; a bad tree is
 *  left to the callers that need one. */
function notReviewed(r: Review): Review['problems'][number] | null {
  return r.problems.find((p) => p.code === 'document-too-large' || p.code === 'time-budget') ?? null;
}

async function check(args: Args, io: CliIo, cancel: CancelToken | undefined): Promise<number> {
  const reviews: { file: string; text: string; review: Review }[] = [];
  for (const file of args.files) {
    const text = readPatch(file);
    reviews.push({ file, text, review: await review(file, text, args, cancel) });
  }
  if (args.format === 'json') io.out(JSON.stringify(reviews.length === 1 ? toJson(reviews[0].file, reviews[0].review) : reviews.map((r) => toJson(r.file, r.review)), null, 2) + '\n');
  else if (args.format === 'sarif') io.out(JSON.stringify(toSarif(reviews.map((r) => ({ file: r.file, review: r.review }))), null, 2) + '\n');
  else for (const r of reviews) io.out(toText(r.file, r.review, args.explain));
  const introduced = reviews.some((r) => r.review.findings.some((f) => f.verdict === 'introduced'));
  const fatal = reviews.some((r) => r.review.problems.some((p) => NOT_REVIEWED.has(p.code)));
  return fatal ? 2 : introduced ? 1 : 0;
}

async function repair(args: Args, io: CliIo, cancel: CancelToken | undefined): Promise<number> {
  if (args.files.length !== 1) throw new UsageError('repair takes one patch');
  const file = args.files[0];
  const text = readPatch(file);
  const r = await review(file, text, args, cancel);
  const refused = notReviewed(r);
  if (refused) {
    io.err(`${refused.message}\n`);
    return 2;
  }
  if (!r.tree) {
    io.err(`kcov-review: repair needs a kernel tree (--tree DIR): context lines are restored from it\n`);
    return 2;
  }
  const repaired = repairDocument(text, r.hunks, baseLookupOf(r.images), r.series);
  if (args.output) fs.writeFileSync(args.output, repaired.text);
  else io.out(repaired.text);
  for (const u of repaired.unrepaired) io.err(`kcov-review: not repaired: ${u.file} ${u.header.replace(/ @@.*$/s, ' @@')}: ${u.reason}\n`);
  return repaired.unrepaired.length > 0 ? 1 : 0;
}

async function reply(args: Args, io: CliIo, cancel: CancelToken | undefined): Promise<number> {
  if (args.files.length !== 1) throw new UsageError('reply takes one patch');
  const file = args.files[0];
  const text = readPatch(file);
  const r = await review(file, text, args, cancel);
  const refused = notReviewed(r);
  if (refused) {
    io.err(`${refused.message}\n`);
    return 2;
  }
  io.out(draftReply(text, r));
  return 0;
}

function litmus(args: Args, io: CliIo): number {
  const rows: LitmusRow[] = [];
  for (const file of args.files) {
    const text = readPatch(file);
    try {
      rows.push(litmusRow(parseLitmus(text)));
    } catch (e) {
      if (e instanceof LitmusParseError) {
        io.err(`kcov-review: ${file}: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
  }
  if (args.format === 'json') io.out(JSON.stringify(rows, null, 2) + '\n');
  else for (const r of rows) io.out(`${r.name}: ${r.result}${r.reason ? ` (${r.reason})` : ''}\n`);
  return 0;
}

/** With KCOV_REVIEW_STAGES=FILE, the time per pipeline stage is written to FILE as JSON (for bench/run.mjs). */
async function withStageTimes(file: string | undefined, run: () => Promise<number>): Promise<number> {
  if (!file) return run();
  const { listener, totals } = stageTotals();
  const remove = addStageListener(listener);
  const t0 = performance.now();
  try {
    return await run();
  } finally {
    remove();
    fs.writeFileSync(file, JSON.stringify({ totalMs: performance.now() - t0, stages: totals }, null, 2) + '\n');
  }
}

/**
 * Runs one command line. `stagesFile` is where `check` writes its time per stage (the
 * KCOV_REVIEW_STAGES of the process, or of the client a resident process runs the command for);
 * `cancel` stops a review at its next stage boundary (a resident process's client went away).
 */
export async function main(argv: readonly string[], io: CliIo = stdio, stagesFile: string | undefined = process.env.KCOV_REVIEW_STAGES, cancel?: CancelToken): Promise<number> {
  if (argv[0] === 'serve' || argv[0] === 'stop') return residentCommand(argv, { run: (a, clientIo, stages, token) => main(a, clientIo, stages, token), warmUp: (tree) => warmUp(tree, cliDefaultDirs()) }, io);
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    const msg = e instanceof UsageError && e.message ? `kcov-review: ${e.message}\n` : '';
    io.err(msg + USAGE + '\n');
    return 2;
  }
  try {
    if (args.command === 'check') return await withStageTimes(stagesFile, () => check(args, io, cancel));
    if (args.command === 'repair') return await repair(args, io, cancel);
    if (args.command === 'reply') return await reply(args, io, cancel);
    if (args.command === 'litmus') return litmus(args, io);
    io.err(`kcov-review: unknown command ${args.command}\n${USAGE}\n`);
    return 2;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    io.err(`kcov-review: ${err.code === 'ENOENT' ? `cannot read ${err.path ?? 'input'}: no such file` : err.message}\n`);
    return 2;
  }
}
