/**
 * Runs the rules on both images of a file under each configuration and compares them:
 * a finding (rule + function + role) present only after the patch is introduced, only before it
 * fixed, in both pre-existing. Findings are grouped over the configurations that agree.
 */
import type { ConfigName, ConfigRow } from '../model/configs';
import { summarizeView, type FunctionSummary } from '../model/summary';
import type { ImagePair, Problem, SourceImage } from '../patch/types';
import { guardedByRule } from '../rules/guardedBy';
import { lockBalanceRule } from '../rules/lockBalance';
import { mightSleepRule } from '../rules/mightSleep';
import { percpuClobberRule } from '../rules/percpuClobber';
import { barrierFixSite, publishBarrierRule } from '../rules/publishBarrier';
import { publishReaderRule } from '../rules/publishReader';
import { taskStateBorrowedRule } from '../rules/taskStateBorrowed';
import type { Rule, RuleEnv, RuleFinding, RuleInput } from '../rules/types';
import { buildView, viewCodeKey, viewMovableKey } from '../source';
import { relocateFindings } from './relocate';
import { kept, Lru } from '../memo';
import type { ConfigView } from '../source/types';
import { timed } from './stages';
import type { Verdict } from './types';

export const RULES: readonly Rule[] = [publishBarrierRule, publishReaderRule, percpuClobberRule, lockBalanceRule, guardedByRule, mightSleepRule, taskStateBorrowedRule];

export function findingsOf(image: SourceImage, config: ConfigRow, rules: readonly Rule[] = RULES, env: RuleEnv = {}): RuleFinding[] {
  return analyseImage(image, config, rules, env, null, null).findings;
}

/**
 * The views one review uses, each built once whoever asks (unknown symbols, the broken post-image
 * check, the comparison; in a series patch k's pre-image is patch k-1's post-image), independent of
 * how many views the source stage keeps cached. `keepOnly` drops what no later patch needs.
 */
export class ViewTable {
  private readonly byImage = new Map<string, Map<ConfigRow, ConfigView>>();

  view(image: SourceImage, config: ConfigRow): ConfigView {
    let perConfig = this.byImage.get(image.hash);
    if (!perConfig) {
      perConfig = new Map();
      this.byImage.set(image.hash, perConfig);
    }
    let view = perConfig.get(config);
    if (!view) {
      view = buildView(image, config);
      perConfig.set(config, view);
    }
    return view;
  }

  /** Forget the views of the images (by hash) that `needed` rejects. */
  keepOnly(needed: (hash: string) => boolean): void {
    for (const hash of [...this.byImage.keys()]) if (!needed(hash)) this.byImage.delete(hash);
  }

  /** How many images the table holds views of. */
  get images(): number {
    return this.byImage.size;
  }
}

/** The view of an image under a configuration (timed as the "source views" stage). */
export function viewOf(image: SourceImage, config: ConfigRow, table: ViewTable | null = null): ConfigView {
  return timed('source views', () => (table ? table.view(image, config) : buildView(image, config)));
}

/**
 * Findings per view, rule and environment: a rule runs once on a view whoever asks (the unchanged
 * pre-image of every edit in the editor, a base shared by several patches). Held as long as the view
 * is (the source stage bounds the views it caches); a rule is a pure function of its input.
 */
const findingsMemo = new WeakMap<ConfigView, WeakMap<Rule, Map<string, RuleOutcome>>>();

/** Throws (review.ts BudgetExceeded) once the analysis has used up its time. Called at the end of
 *  what it names (a stage, a configuration's model and rules, one rule run), so that the error names
 *  the work the time ran out in; the next is not started. */
export type Checkpoint = (stage: string) => void;

/** A rule that threw: its findings are missing, the other rules' stand (reported as `rule-failed`). */
export interface RuleFailure {
  rule: string;
  config: ConfigName;
  message: string;
}

type RuleOutcome = { findings: RuleFinding[] } | { failure: RuleFailure };

/** Fault injection for tests of the real processes: `KCOV_REVIEW_FAULT_RULE=<rule id>` makes that
 *  rule throw. Read once, at start-up; unset, it does nothing. */
const FAULT_RULE: string | null = process.env.KCOV_REVIEW_FAULT_RULE || null;

/** Runs one rule, turning an exception into a failure instead of ending the review. */
function runIsolated(rule: Rule, input: RuleInput, config: ConfigName): RuleOutcome {
  try {
    if (rule.id === FAULT_RULE) throw new Error(`fault injected into ${rule.id} (KCOV_REVIEW_FAULT_RULE)`);
    return { findings: rule.run(input) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { failure: { rule: rule.id, config, message } };
  }
}

/**
 * Findings by what the rules can see of a view (source/views.ts viewCodeKey), rule and environment:
 * an edit inside a comment, or of blanks between tokens, gives a new view with the same key, and no
 * rule runs again (in the editor, typing in a comment of a `+` line). Bounded: seven rules, three
 * configurations, a pre- and a post-image are 42 entries per review.
 */
const findingsByCode = new Lru<string, RuleOutcome>(256);

/** A finding computed on another view with the same code key, re-read where it quotes its image's
 *  lines as written (the release quick fix rewrites the count store line from `countStoreText`). */
function rebound(findings: RuleFinding[], view: ConfigView): RuleFinding[] {
  if (!findings.some((f) => f.fix)) return findings;
  const lines = view.image.text.split('\n');
  return findings.map((f) => (f.fix ? { ...f, fix: barrierFixSite(lines, f.fix.afterLine, f.fix.countStoreLine) } : f));
}

/**
 * Findings by what the rules can see of a view but its line numbers (source/views.ts viewMovableKey),
 * rule and environment, with the code lines of the view they were found on: a view that differs
 * from it in comments and lines without code (a patch of a series adding a comment above a
 * function) gets them moved to its own lines (review/relocate.ts) and runs no rule. Asked only when
 * the code key misses.
 */
const findingsByMovableCode = new Lru<string, { outcome: RuleOutcome; codeLines: readonly number[] }>(256);

/** A finding computed on a view with the same code but other code lines, moved to this view's lines. */
function movedOutcome(view: ConfigView, ruleKey: string): RuleOutcome | null {
  const movable = timed(`rules ${view.config.name}`, () => viewMovableKey(view));
  const same = findingsByMovableCode.get(`${movable.key}${ruleKey}`);
  if (!same) return null;
  if ('failure' in same.outcome) return same.outcome;
  return { findings: relocateFindings(same.outcome.findings, view.image.path, same.codeLines, movable.codeLines) };
}

/** The outcome of a rule on a view: from the view's own memo, else from a view with the same code
 *  (at the same lines, or moved), else run. */
function outcomeOf(view: ConfigView, rule: Rule, env: RuleEnv, envKey: string, summariesOfView: () => Map<string, FunctionSummary>, checkpoint: Checkpoint | null): RuleOutcome {
  const memo = memoOf(view, rule);
  let outcome = memo.get(envKey);
  if (outcome) return outcome;
  const ruleKey = `\u0000${rule.id}\u0000${envKey}`;
  const codeKey = `${viewCodeKey(view)}${ruleKey}`;
  const same = findingsByCode.get(codeKey) ?? movedOutcome(view, ruleKey);
  const ran = !same;
  if (same) {
    outcome = 'failure' in same ? same : { findings: rebound(same.findings, view) };
    findingsByCode.set(codeKey, outcome);
  } else {
    outcome = timed(`rules ${view.config.name}`, () => runIsolated(rule, { view, summaries: summariesOfView(), env }, view.config.name));
    findingsByCode.set(codeKey, outcome);
    const movable = viewMovableKey(view);
    findingsByMovableCode.set(`${movable.key}${ruleKey}`, { outcome, codeLines: movable.codeLines });
  }
  memo.set(envKey, outcome);
  if (ran) checkpoint?.(`rules ${view.config.name}: ${rule.id}`); // after the run, so that it names the rule the time ran out in
  return outcome;
}

function memoOf(view: ConfigView, rule: Rule): Map<string, RuleOutcome> {
  const perRule = kept(findingsMemo, view, () => new WeakMap<Rule, Map<string, RuleOutcome>>());
  return kept(perRule, rule, () => new Map<string, RuleOutcome>());
}

function analyseImage(image: SourceImage, config: ConfigRow, rules: readonly Rule[], env: RuleEnv, table: ViewTable | null, failures: RuleFailure[] | null, checkpoint: Checkpoint | null = null): { findings: RuleFinding[]; view: ConfigView } {
  const view = viewOf(image, config, table);
  const envKey = JSON.stringify(env);
  let summaries: Map<string, FunctionSummary> | null = null;
  const summariesOfView = (): Map<string, FunctionSummary> => (summaries ??= timed(`model ${config.name}`, () => summarizeView(view)));
  const findings = rules.flatMap((rule) => {
    const outcome = outcomeOf(view, rule, env, envKey, summariesOfView, checkpoint);
    if ('failure' in outcome) {
      failures?.push(outcome.failure);
      return [];
    }
    return outcome.findings;
  });
  return { findings, view };
}

/**
 * A finding cannot be called fixed (or introduced) when its function vanished from the other image
 * only because that image's #if structure is broken (a hunk that opens an #ifdef applied, the one
 * that closes it not located): the outcome there is unknown, not changed.
 */
function vanishedByBrokenPreprocessing(f: RuleFinding, other: ConfigView, own: ConfigView): boolean {
  return !other.functions.has(f.function) && other.preprocessorProblems.length > own.preprocessorProblems.length;
}

export interface ComparedFinding {
  verdict: Verdict;
  /** The finding on the image it belongs to: post for introduced/pre-existing, pre for fixed. */
  finding: RuleFinding;
  /** The same finding on the other image, for pre-existing ones. */
  before: RuleFinding | null;
  configs: ConfigName[];
}

function identity(f: RuleFinding): string {
  return `${f.rule}\u0000${f.function}\u0000${f.role}`;
}

/** Compares the two images under one configuration, adding to the findings grouped so far. */
function compareUnder(grouped: Map<string, ComparedFinding>, pair: ImagePair, config: ConfigRow, rules: readonly Rule[], env: RuleEnv, table: ViewTable | null, failures: RuleFailure[] | null, checkpoint: Checkpoint | null = null): void {
  const preRun = analyseImage(pair.pre, config, rules, env, table, failures, checkpoint);
  const postRun = pair.post.hash === pair.pre.hash ? preRun : analyseImage(pair.post, config, rules, env, table, failures, checkpoint);
  const pre = preRun.findings;
  const post = postRun.findings;
  const preById = new Map(pre.map((f) => [identity(f), f]));
  const postById = new Map(post.map((f) => [identity(f), f]));
  const add = (verdict: Verdict, finding: RuleFinding, before: RuleFinding | null): void => {
    const key = `${verdict}\u0000${identity(finding)}\u0000${finding.line}`;
    const existing = grouped.get(key);
    if (existing) existing.configs.push(config.name);
    else grouped.set(key, { verdict, finding, before, configs: [config.name] });
  };
  for (const [id, f] of postById) {
    if (preById.has(id)) add('pre-existing', f, preById.get(id) ?? null);
    else if (!vanishedByBrokenPreprocessing(f, preRun.view, postRun.view)) add('introduced', f, null);
  }
  for (const [id, f] of preById) {
    if (!postById.has(id) && !vanishedByBrokenPreprocessing(f, postRun.view, preRun.view)) add('fixed', f, null);
  }
}

export function compareImages(pair: ImagePair, configs: readonly ConfigRow[], rules: readonly Rule[] = RULES, env: RuleEnv = {}, table: ViewTable | null = null, failures: RuleFailure[] | null = null): ComparedFinding[] {
  const grouped = new Map<string, ComparedFinding>();
  for (const config of configs) compareUnder(grouped, pair, config, rules, env, table, failures);
  return [...grouped.values()];
}

/** compareImages, awaiting `boundary` before each configuration (where the server may cancel) and
 *  calling `checkpoint` (the time budget) after each rule it runs and each configuration. */
export async function compareImagesStepwise(pair: ImagePair, configs: readonly ConfigRow[], rules: readonly Rule[], env: RuleEnv, table: ViewTable | null, boundary: (stage: string) => Promise<void>, failures: RuleFailure[] | null = null, checkpoint: Checkpoint | null = null): Promise<ComparedFinding[]> {
  const grouped = new Map<string, ComparedFinding>();
  for (const config of configs) {
    await boundary(`model and rules (${config.name})`);
    compareUnder(grouped, pair, config, rules, env, table, failures, checkpoint);
    checkpoint?.(`model and rules (${config.name})`);
  }
  return [...grouped.values()];
}

/** Configurations under which the post-image's #if structure is broken where the pre-image's was not. */
export function brokenPostImage(pair: ImagePair, configs: readonly ConfigRow[], table: ViewTable | null = null): { configs: ConfigName[]; line: number; message: string } | null {
  const broken = configs.filter((c) => viewOf(pair.post, c, table).preprocessorProblems.length > viewOf(pair.pre, c, table).preprocessorProblems.length);
  if (broken.length === 0) return null;
  const first = viewOf(pair.post, broken[0], table).preprocessorProblems[0];
  return { configs: broken.map((c) => c.name), line: first.line, message: first.message };
}

/** One problem per rule that failed, naming the configurations and the first error (not a crash:
 *  the other rules' findings stand). */
export function ruleFailureProblems(failures: readonly RuleFailure[], line: number): Problem[] {
  const byRule = new Map<string, { configs: Set<ConfigName>; message: string }>();
  for (const f of failures) {
    const entry = byRule.get(f.rule) ?? { configs: new Set<ConfigName>(), message: f.message };
    entry.configs.add(f.config);
    byRule.set(f.rule, entry);
  }
  return [...byRule].map(([rule, { configs, message }]): Problem => ({
    code: 'rule-failed', severity: 'error', line,
    message: `kcov-review: rule ${rule} failed under ${[...configs].join(', ')} (${message}); its findings are missing there, the other rules' findings stand.`,
  }));
}
