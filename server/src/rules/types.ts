import type { ConfigName } from '../model/configs';
import type { ReaderSpec } from '../model/publicationLitmus';
import type { FunctionSummary } from '../model/summary';
import type { Severity } from '../patch/types';
import type { TraceStep } from '../review/types';
import type { ConfigView } from '../source/types';

/** What a rule needs to run on one image under one configuration. */
/** What the review knows beyond the image: the documented reader of the tree in use. */
export interface RuleEnv {
  reader?: ReaderSpec;
  /** Activations nested on one CPU by the context explorer (2 = one preempting activation; setting kcovReview.nestingDepth). */
  nestingDepth?: number;
}

export interface RuleInput {
  view: ConfigView;
  summaries: Map<string, FunctionSummary>;
  env?: RuleEnv;
}

/** Where a barrier fix goes, in image coordinates (0-based lines). */
export interface BarrierFixSite {
  /** Insert the barrier after this line (the last entry store before the count store). */
  afterLine: number;
  indent: string;
  countStoreLine: number;
  countStoreText: string;
}

/** A finding on one image under one configuration, before pre/post comparison. */
export interface RuleFinding {
  rule: string;
  severity: Severity;
  config: ConfigName;
  function: string;
  /** Identity across images: same rule + function + role = same finding (lines move). */
  role: string;
  /** 0-based line of the site in the image. */
  line: number;
  /** 0-based lines of the image the finding's outcome depends on (a change there can fix or cause it). */
  span: [number, number];
  message: string;
  trace: TraceStep[];
  fix: BarrierFixSite | null;
  /** The generated litmus test behind a memory-ordering finding (herd7 with linux-kernel.cfg reads it). */
  litmus?: string;
}

export interface Rule {
  id: string;
  /** One line for the rule list. */
  title: string;
  run(input: RuleInput): RuleFinding[];
}
