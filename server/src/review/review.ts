/**
 * reviewDocument: the one pipeline behind the server and the CLI.
 * text → series → located hunks (per patch, cumulative over a series) → images → per-config views,
 * summaries and rules → verdicts placed on patch lines, with quick fixes.
 */
import { CONFIGS, configByName, type ConfigRow } from '../model/configs';
import { baseFromHunks, buildImages, imageLines } from '../patch/images';
import { locateFileHunks } from '../patch/locate';
import { parseSeries } from '../patch/parse';
import { defaultTreeDirs, findTree, KCOV_PATH, readGitBlob, readTreeFileChecked, safeRelativePath } from '../patch/tree';
import type { DamageKind, FilePatch, ImagePair, LocatedHunk, Problem } from '../patch/types';
import { initParser } from '../source';
import { Lru } from '../memo';
import { MAX_SYNTAX_DEPTH } from '../source/views';
import { brokenPostImage, compareImagesStepwise, ruleFailureProblems, RULES, viewOf, ViewTable, type Checkpoint, type RuleFailure } from './analyze';
import { readerFromKcovRst, type ReaderSpec } from '../model/publicationLitmus';
import { unreliable } from '../model/reliability';
import { barrierFixes } from './fixes';
import { placeFinding } from './place';
import { timed } from './stages';
import type { Review, ReviewFinding, ReviewOptions } from './types';

/** The user-space reader as the tree documents it (kcov.rst), else null for the table's default. */
const KCOV_RST = 'Documentation/dev-tools/kcov.rst';

/** The reader of kcov.rst, and a note when the tree's kcov.rst was refused (a symlink leaving the tree). */
function readerOfTree(treeDir: string): { reader: ReaderSpec | null; note: Problem | null } {
  const rst = readTreeFileChecked(treeDir, KCOV_RST);
  if (rst.text !== null) return { reader: readerFromKcovRst(rst.text), note: null };
  const note: Problem | null = rst.refused === null ? null : { code: 'path-outside-tree', severity: 'warning', line: 0, message: `${rst.refused}; the user-space reader is taken from kcov-review's default instead.` };
  return { reader: null, note };
}

/** Adds the CONFIG_ symbols a pair's images test that no configuration row sets. */
function addUnknownSymbols(names: Set<string>, pair: ImagePair, configs: readonly ConfigRow[], table: ViewTable): void {
  for (const c of configs) for (const img of [pair.pre, pair.post]) for (const n of viewOf(img, c, table).unknownSymbols) names.add(n);
}

/** For each image of the pairs, the index of the last pair that uses it. */
function lastUses(pairs: readonly ImagePair[]): Map<string, number> {
  const last = new Map<string, number>();
  pairs.forEach((p, i) => { last.set(p.pre.hash, i); last.set(p.post.hash, i); });
  return last;
}

export function isKcovFile(path: string): boolean {
  const safe = safeRelativePath(path);
  return safe !== null && (safe === KCOV_PATH || safe.endsWith('/' + KCOV_PATH));
}

const DAMAGE_WORDS: Record<DamageKind, string> = {
  'context-prefix-lost': 'context lines without their leading space',
  'tabs-collapsed': 'tabs collapsed to single spaces',
  'blank-context-dropped': 'blank context lines dropped',
  'hunk-count-mismatch': '@@ line counts that no longer match',
  'trailing-whitespace-stripped': 'trailing whitespace stripped',
  'crlf-line-ends': 'CRLF line ends',
  'no-newline-marker': 'a misplaced "No newline" marker',
};

function damageProblem(hunks: readonly LocatedHunk[]): Problem | null {
  const damaged = hunks.filter((h) => h.hunk.damage.length > 0);
  if (damaged.length === 0) return null;
  const kinds = new Set(damaged.flatMap((h) => h.hunk.damage));
  const repaired = damaged.filter((h) => h.where.located).length;
  const what = [...kinds].map((k) => DAMAGE_WORDS[k]).join(', ');
  return {
    code: 'patch-damaged',
    severity: 'warning',
    line: damaged[0].hunk.headerLine,
    message: `Whitespace-damaged patch (as web mail archives leave it): ${what}. ${damaged.length} hunk(s) damaged, ${repaired} recovered against the base; `
      + '`git apply` would reject this copy. Use "Repair damaged patch" (or `kcov-review repair`) for a well-formed one.',
  };
}

function missProblem(h: LocatedHunk, treeKnown: boolean): Problem | null {
  if (h.where.located) return null;
  const where = h.where.closest ? ` Closest place: line ${h.where.closest.baseLine1}.` : '';
  const diff = (h.where.closest?.differing ?? []).slice(0, 3).map((d) => `expected \`${d.expected.trim()}\`, found ${d.found === null ? 'nothing' : `\`${d.found.trim()}\``}`).join('; ');
  return {
    code: 'hunk-not-found',
    severity: 'error',
    line: h.hunk.headerLine,
    message: `Hunk ${h.hunk.header.replace(/ @@.*$/s, ' @@')} does not apply to ${h.file.path}${treeKnown ? '' : ' (no tree)'}: ${h.where.reason}.${where}${diff ? ` Differs: ${diff}.` : ''}`,
  };
}

interface BaseText { lines: readonly string[] | null; from: ImagePair['baseFrom']; note: Problem | null }

/** The lines of a base file's text, split once per text: in the editor every edit of a patch
 *  locates its hunks in the same tree file (patch/locate.ts then indexes those lines once too). */
const baseLinesByText = new Lru<string, readonly string[]>(4);

function linesOfBase(text: string): readonly string[] {
  let lines = baseLinesByText.get(text);
  if (!lines) {
    lines = text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined);
    baseLinesByText.set(text, lines);
  }
  return lines;
}

function baseFor(file: FilePatch, tree: string | null, previous: Map<string, ImagePair>): BaseText | null {
  const prior = previous.get(file.path);
  if (prior) return { lines: imageLines(prior.post), from: prior.baseFrom, note: null };
  if (!tree) return null;
  const blob = readGitBlob(tree, file.oldBlob);
  if (blob !== null) {
    return {
      lines: linesOfBase(blob),
      from: 'git-blob',
      note: { code: 'base-from-git-blob', severity: 'information', line: file.headerLine, message: `${file.path}: using blob ${file.oldBlob} from the tree's git repository as the exact base (as \`git am -3\` does).` },
    };
  }
  const read = readTreeFileChecked(tree, file.path);
  if (read.text === null) {
    if (read.refused === null) return null;
    return { lines: null, from: 'tree', note: { code: 'path-outside-tree', severity: 'warning', line: file.headerLine, message: `${read.refused}. Analysing only what the hunks show.` } };
  }
  return { lines: linesOfBase(read.text), from: 'tree', note: null };
}

/**
 * C the parser cannot read inside a function, or a broken #if structure, in an image: the rules skip
 * the functions it touches (model/reliability.ts), so the review says where and which. Null when
 * every view reads cleanly or the post-image-incomplete problem already explains the #if breakage.
 * `lineOf` maps an image line to the document line the problem lands on.
 */
function unreadableProblem(pair: ImagePair, configs: readonly ConfigRow[], table: ViewTable | null, preprocessingReported: boolean, lineOf: (image: 'pre' | 'post', line: number) => number): Problem | null {
  const images = pair.post.hash === pair.pre.hash ? (['post'] as const) : (['post', 'pre'] as const);
  for (const which of images) {
    for (const c of configs) {
      const v = viewOf(pair[which], c, table);
      const directive = preprocessingReported && which === 'post' ? undefined : v.preprocessorProblems[0];
      const deep = v.tooDeep[0];
      if (deep !== undefined) {
        return { code: 'source-unreadable', severity: 'warning', line: lineOf(which, deep),
          message: `${pair.path}: the function at line ${deep + 1} is nested deeper than the model follows (${MAX_SYNTAX_DEPTH} syntax levels) under ${c.name}; it is not analysed.` };
      }
      const parseLine = v.parseErrors[0];
      if (parseLine === undefined && directive === undefined) continue;
      const line = parseLine !== undefined && (directive === undefined || parseLine <= directive.line) ? parseLine : (directive?.line ?? 0);
      const what = line === parseLine ? 'C the parser cannot read' : `${directive?.message}`;
      const skipped = [...v.functions.keys()].filter((f) => unreliable(v, f));
      const image = pair.post.hash === pair.pre.hash ? '' : which === 'post' ? ' after the patch' : ' before the patch';
      return {
        code: 'source-unreadable', severity: 'warning', line: lineOf(which, line),
        message: `${pair.path}${image}: ${what} at line ${line + 1} under ${c.name}; `
          + (skipped.length > 0 ? `not analysed there: ${skipped.map((f) => `${f}()`).join(', ')}.` : 'the rules see the code around it as the parser recovered it.'),
      };
    }
  }
  return null;
}

function configsOf(options: ReviewOptions): ConfigRow[] {
  const wanted = options.configs && options.configs.length > 0 ? options.configs : null;
  return wanted ? wanted.map((n) => configByName(n)).filter((c): c is ConfigRow => c !== undefined) : [...CONFIGS];
}

/**
 * kernel/kcov.c opened as a file: the same analysis with the file as both images, so every finding
 * is pre-existing; it lands on its own line as a Warning.
 */
export async function reviewSourceFile(text: string, path: string, options: ReviewOptions, checkpoint: Checkpoint | null = null): Promise<Review> {
  await initParser();
  const lines = text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined);
  const pair = buildImages(KCOV_PATH, lines, [], 'tree');
  const configs = configsOf(options);
  const failures: RuleFailure[] = [];
  const compared = await compareImagesStepwise(pair, configs, RULES, { nestingDepth: options.nestingDepth }, null, boundaryOf(options.cancel), failures, checkpoint);
  const findings: ReviewFinding[] = compared.map((c) => ({
    rule: c.finding.rule, severity: 'warning', verdict: c.verdict, configs: c.configs, function: c.finding.function, file: path,
    patchLine: c.finding.line, sourceLine: c.finding.line + 1, image: 'post', message: c.finding.message, trace: c.finding.trace, fixes: [],
  }));
  const unreadable = unreadableProblem(pair, configs, null, false, (_image, line) => line);
  const problems = [...(unreadable ? [unreadable] : []), ...ruleFailureProblems(failures, 0)];
  return { tree: null, configs: configs.map((c) => c.name), series: { patches: [], problems: [] }, hunks: [], images: [pair], findings, problems };
}

/** Thrown at the end of a stage (and of each rule run) when the analysis has used up its time budget:
 *  `stage` is the one the time ran out in, and the analysis stops before the next. */
export class BudgetExceeded extends Error {
  constructor(readonly stage: string, readonly elapsedMs: number, readonly budgetMs: number) {
    super(`analysis abandoned in stage "${stage}" after ${Math.round(elapsedMs)} ms (budget ${budgetMs} ms: setting kcovReview.timeBudgetMs, CLI --time-budget)`);
  }
}

function budgetClock(budgetMs: number | undefined): (stage: string) => void {
  const start = performance.now();
  return (stage: string) => {
    const elapsed = performance.now() - start;
    if (budgetMs !== undefined && elapsed > budgetMs) throw new BudgetExceeded(stage, elapsed, budgetMs);
  };
}

/** Thrown at a stage boundary once `ReviewOptions.cancel` says the version was superseded. */
export class Cancelled extends Error {
  constructor(readonly stage: string, why = 'a newer version of the document arrived') {
    super(`analysis cancelled before stage "${stage}" (${why})`);
  }
}

/** A stage boundary for a cancellable review: one turn of the event loop (the server reads the
 *  messages that arrived meanwhile), then stop if superseded. Nothing at all without a token. */
function boundaryOf(cancel: ReviewOptions['cancel']): (stage: string) => Promise<void> {
  if (!cancel) return () => Promise.resolve();
  return async (stage) => {
    if (cancel.cancelled) throw new Cancelled(stage, cancel.why);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (cancel.cancelled) throw new Cancelled(stage, cancel.why);
  };
}

/**
 * The size past which a document is refused before any parsing: 16 MiB, three times the largest
 * input the benchmark reviews (a 5 MiB patch of 27 480 hunks, ~2 s), and far beyond any real
 * series to kcov.c. Past it memory, not time, gives out first: kcov.c sections repeated 7 000 times
 * (50 MB) grow one post-image after another and exhausted a 4 GB heap.
 */
export const DEFAULT_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** The UTF-8 size of `text` when it exceeds `max`, else null (cheap: a string is never smaller in
 *  UTF-8 bytes than in UTF-16 code units). */
function oversize(text: string, max: number): number | null {
  if (text.length > max) return Buffer.byteLength(text, 'utf8');
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > max ? bytes : null;
}

function sizeOf(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** The review of a document refused for its size: no hunk, one problem that says why. */
function tooLargeReview(bytes: number, max: number, options: ReviewOptions): Review {
  return {
    tree: null, configs: configsOf(options).map((c) => c.name), series: { patches: [], problems: [] }, hunks: [], images: [], findings: [],
    problems: [{ code: 'document-too-large', severity: 'error', line: 0, message: `kcov-review: this document is ${sizeOf(bytes)} (${bytes} bytes), over the ${sizeOf(max)} limit (setting kcovReview.maxDocumentBytes, CLI --max-bytes); it is not analysed. Review the series one patch at a time, or raise the limit.` }],
  };
}

export async function reviewDocument(text: string, options: ReviewOptions): Promise<Review> {
  const max = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const bytes = oversize(text, max);
  if (bytes !== null) return tooLargeReview(bytes, max, options);
  try {
    return await reviewWithin(text, options, budgetClock(options.timeBudgetMs));
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    const series = { patches: [], problems: [] };
    return { tree: null, configs: configsOf(options).map((c) => c.name), series, hunks: [], images: [], findings: [], problems: [{ code: 'time-budget', severity: 'error', line: 0, message: `kcov-review: ${e.message}.` }] };
  }
}

async function reviewWithin(text: string, options: ReviewOptions, checkpoint: (stage: string) => void): Promise<Review> {
  if (options.documentPath && isKcovFile(options.documentPath.replace(/^\/+/, ''))) return reviewSourceFile(text, options.documentPath, options, checkpoint);
  await initParser();
  const boundary = boundaryOf(options.cancel);
  await boundary('parse');
  const series = timed('parse', () => parseSeries(text));
  checkpoint('parse');
  const problems: Problem[] = [...series.problems];
  const configs = configsOf(options);
  const lookup = findTree({
    explicit: options.kernelTree,
    explicitSource: options.kernelTreeSource ?? 'setting',
    documentPath: options.documentPath,
    defaultDirs: options.defaultTreeDirs ?? defaultTreeDirs(null),
  });
  const tree = lookup.tree;
  if (!tree && lookup.problem) problems.push({ code: 'tree-invalid', severity: 'error', line: 0, message: lookup.problem });

  const hunks: LocatedHunk[] = [];
  const images: ImagePair[] = [];
  const findings: ReviewFinding[] = [];
  const latest = new Map<string, ImagePair>();
  const analysed: { pair: ImagePair; fileHunks: LocatedHunk[] }[] = [];
  let noTreeNoted = false;

  for (const patch of series.patches) {
    for (const file of patch.files) {
      if (file.binary || file.hunks.length === 0) continue;
      await boundary(`locate ${file.path}`);
      if (file.path === '') {
        hunks.push(...file.hunks.map((hunk): LocatedHunk => ({ patchIndex: patch.index, file, hunk, where: { located: false, reason: 'the diff section names no file', closest: null } })));
        problems.push({ code: 'file-not-analysed', severity: 'warning', line: file.headerLine, message: 'This diff section names no file (its `diff --git`, `---` and `+++` lines are missing or damaged), so its hunks cannot be located or analysed.' });
        continue;
      }
      const kcov = isKcovFile(file.path);
      const base = timed('locate', () => baseFor(file, tree?.path ?? null, latest));
      if (base?.note) problems.push(base.note);
      const refused = base !== null && base.lines === null;
      if ((!base || refused) && !kcov) {
        const unlocated = file.hunks.map((hunk): LocatedHunk => ({ patchIndex: patch.index, file, hunk, where: { located: false, reason: `${file.path} is not in the kernel tree`, closest: null } }));
        hunks.push(...unlocated);
        if (!refused) problems.push({ code: 'file-not-analysed', severity: 'information', line: file.headerLine, message: `${file.path}: not analysed (kcov-review models ${KCOV_PATH})${tree ? '; the file is not in the tree, so its hunks cannot be repaired' : ''}.` });
        continue;
      }
      let fileHunks: LocatedHunk[];
      let pair: ImagePair;
      if (base && base.lines) {
        const lines = base.lines;
        fileHunks = timed('locate', () => locateFileHunks(patch.index, file, lines));
        pair = timed('locate', () => buildImages(file.path, lines, fileHunks, base.from));
        for (const h of fileHunks) { const miss = missProblem(h, true); if (miss && kcov) problems.push(miss); }
      } else {
        if (!noTreeNoted && !refused) {
          problems.push({ code: 'no-tree', severity: 'information', line: file.headerLine, message: 'No kernel tree: analysing only what the hunks show (functions cut by the hunk edges are not modelled). Set kcovReview.kernelTree (CLI: --tree DIR), or run scripts/setup-kernel.sh for the Debian 6.12 default.' });
          noTreeNoted = true;
        }
        const raw = file.hunks.map((hunk): LocatedHunk => ({ patchIndex: patch.index, file, hunk, where: { located: false, reason: 'no tree', closest: null } }));
        const fromHunks = baseFromHunks(raw);
        fileHunks = fromHunks.placed;
        pair = buildImages(file.path, fromHunks.lines, fileHunks, 'hunks-only');
      }
      checkpoint(`locate ${file.path}`);
      hunks.push(...fileHunks);
      latest.set(file.path, pair);
      if (!kcov) continue;
      images.push(pair);
      analysed.push({ pair, fileHunks });
    }
  }

  const damage = damageProblem(hunks);
  if (damage) problems.push(damage);

  // Each image's views are built once (ViewTable) and dropped after the last patch that uses them.
  const table = new ViewTable();
  const lastUse = lastUses(analysed.map((a) => a.pair));
  const unknown = new Set<string>();
  const unknownAt = problems.length;
  const treeReader = tree && analysed.length > 0 ? readerOfTree(tree.path) : { reader: null, note: null };
  if (treeReader.note) problems.push(treeReader.note);
  const reader = treeReader.reader;
  const env = { ...(reader ? { reader } : {}), nestingDepth: options.nestingDepth };
  for (const [index, { pair, fileHunks }] of analysed.entries()) {
    // The views, one configuration at a time with a boundary before each: a newer version of the
    // document then waits for one configuration's views at most, not all of them (the table keeps them).
    for (const config of configs) {
      await boundary(`source views (${config.name})`);
      viewOf(pair.pre, config, table);
      viewOf(pair.post, config, table);
    }
    addUnknownSymbols(unknown, pair, configs, table);
    const broken = brokenPostImage(pair, configs, table);
    if (broken) {
      const firstMiss = fileHunks.find((h) => !h.where.located);
      problems.push({
        code: 'post-image-incomplete', severity: 'warning', line: firstMiss ? firstMiss.hunk.headerLine : fileHunks[0]?.hunk.headerLine ?? 0,
        message: `${pair.path} after the located hunks: ${broken.message} (post-image line ${broken.line + 1}) under ${broken.configs.join(', ')}, because hunks that did not apply were left out. `
          + 'Functions that vanish from the post-image there get no fixed/introduced verdict (the outcome is unknown); review against the tree the patch was written for.',
      });
    }
    const headerLine = fileHunks[0]?.file.headerLine ?? 0;
    const unreadable = unreadableProblem(pair, configs, table, broken !== null, (image, line) =>
      (image === 'post' ? pair.map.postToPatch.get(line) : pair.map.preToPatch.get(line)) ?? headerLine);
    if (unreadable) problems.push(unreadable);
    checkpoint('source views');
    const failures: RuleFailure[] = [];
    const compared = await compareImagesStepwise(pair, configs, RULES, env, table, boundary, failures, checkpoint);
    problems.push(...ruleFailureProblems(failures, headerLine));
    checkpoint(`model and rules (${configs.map((c) => c.name).join(', ')})`);
    await boundary('place');
    for (const c of compared) {
      const config = configByName(c.configs[0]) ?? configs[0];
      const severity = c.verdict === 'introduced' ? c.finding.severity : c.verdict === 'fixed' ? 'hint' : 'information';
      findings.push({
        rule: c.finding.rule,
        severity,
        verdict: c.verdict,
        configs: c.configs,
        function: c.finding.function,
        file: pair.path,
        patchLine: timed('place', () => placeFinding(c, pair, fileHunks)),
        sourceLine: c.finding.line + 1,
        image: c.verdict === 'fixed' ? 'pre' : 'post',
        message: c.verdict === 'fixed' ? `Fixed by this patch; before it: ${c.finding.message}` : c.finding.message,
        trace: c.finding.trace,
        litmus: c.finding.litmus,
        fixes: timed('quick fixes', () => barrierFixes(c, pair, fileHunks, hunks, text, config)),
      });
    }
    table.keepOnly((hash) => (lastUse.get(hash) ?? -1) > index);
  }
  if (unknown.size > 0) {
    problems.splice(unknownAt, 0, { code: 'unknown-config-symbol', severity: 'information', line: analysed[0]?.fileHunks[0]?.hunk.headerLine ?? 0,
      message: `kcov.c tests ${[...unknown].sort().join(', ')}, which the configuration table does not set: treated as not set (code under them is not analysed). Add them to the table (server/src/model/configs.ts) to change that.` });
  }
  problems.sort((a, b) => a.line - b.line);
  return { tree, configs: configs.map((c) => c.name), series, hunks, images, findings, problems };
}
