/**
 * Runs the rules on both images of a file under each configuration and compares them:
 * a finding (rule + function + role) present only after the patch is introduced, only before it
 * fixed, in both pre-existing. Findings are grouped over the configurations that agree.
 */
import type { ConfigName, ConfigRow } from '../model/configs';
import { summarizeView, type FunctionSummary } from '../model/summary';
import type { ImagePair, SourceImage } from '../patch/types';
import { guardedByRule } from '../rules/guardedBy';
import { lockBalanceRule } from '../rules/lockBalance';
import { mightSleepRule } from '../rules/mightSleep';
import { percpuClobberRule } from '../rules/percpuClobber';
import { publishBarrierRule } from '../rules/publishBarrier';
import { publishReaderRule } from '../rules/publishReader';
import { taskStateBorrowedRule } from '../rules/taskStateBorrowed';
import type { Rule, RuleEnv, RuleFinding } from '../rules/types';
import { buildView } from '../source';
import type { ConfigView } from '../source/types';
import { timed } from './stages';
import type { Verdict } from './types';

export const RULES: readonly Rule[] = [publishBarrierRule, publishReaderRule, percpuClobberRule, lockBalanceRule, guardedByRule, mightSleepRule, taskStateBorrowedRule];

export function findingsOf(image: SourceImage, config: ConfigRow, rules: readonly Rule[] = RULES, env: RuleEnv = {}): RuleFinding[] {
  return analyseImage(image, config, rules, env, null).findings;
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
const findingsMemo = new WeakMap<ConfigView, WeakMap<Rule, Map<string, RuleFinding[]>>>();

function memoOf(view: ConfigView, rule: Rule): Map<string, RuleFinding[]> {
  let perRule = findingsMemo.get(view);
  if (!perRule) {
    perRule = new WeakMap();
    findingsMemo.set(view, perRule);
  }
  let perEnv = perRule.get(rule);
  if (!perEnv) {
    perEnv = new Map();
    perRule.set(rule, perEnv);
  }
  return perEnv;
}

function analyseImage(image: SourceImage, config: ConfigRow, rules: readonly Rule[], env: RuleEnv, table: ViewTable | null): { findings: RuleFinding[]; view: ConfigView } {
  const view = viewOf(image, config, table);
  const envKey = JSON.stringify(env);
  let summaries: Map<string, FunctionSummary> | null = null;
  const findings = rules.flatMap((rule) => {
    const memo = memoOf(view, rule);
    let found = memo.get(envKey);
    if (!found) {
      const s = (summaries ??= timed(`model ${config.name}`, () => summarizeView(view)));
      found = timed(`rules ${config.name}`, () => rule.run({ view, summaries: s, env }));
      memo.set(envKey, found);
    }
    return found;
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
function compareUnder(grouped: Map<string, ComparedFinding>, pair: ImagePair, config: ConfigRow, rules: readonly Rule[], env: RuleEnv, table: ViewTable | null): void {
  const preRun = analyseImage(pair.pre, config, rules, env, table);
  const postRun = pair.post.hash === pair.pre.hash ? preRun : analyseImage(pair.post, config, rules, env, table);
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

export function compareImages(pair: ImagePair, configs: readonly ConfigRow[], rules: readonly Rule[] = RULES, env: RuleEnv = {}, table: ViewTable | null = null): ComparedFinding[] {
  const grouped = new Map<string, ComparedFinding>();
  for (const config of configs) compareUnder(grouped, pair, config, rules, env, table);
  return [...grouped.values()];
}

/** compareImages, awaiting `boundary` before each configuration (where the server may cancel). */
export async function compareImagesStepwise(pair: ImagePair, configs: readonly ConfigRow[], rules: readonly Rule[], env: RuleEnv, table: ViewTable | null, boundary: (stage: string) => Promise<void>): Promise<ComparedFinding[]> {
  const grouped = new Map<string, ComparedFinding>();
  for (const config of configs) {
    await boundary(`model and rules (${config.name})`);
    compareUnder(grouped, pair, config, rules, env, table);
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
