import type { ConfigName } from '../model/configs';
import type { ImagePair, LocatedHunk, PatchSeries, Problem, Severity } from '../patch/types';

export type Verdict = 'introduced' | 'fixed' | 'pre-existing';

/** One step of a finding's proof. */
export interface TraceStep {
  file: string;
  /** 1-based line in the image the step is about. */
  line: number;
  /** Execution context of the step: "task", "softirq", "user-space reader", or a function name. */
  context: string;
  text: string;
}

/** A replacement of whole document lines: lines [startLine, endLine) become `newLines`. */
export interface LineEdit {
  startLine: number;
  endLine: number;
  newLines: string[];
}

export interface QuickFix {
  title: string;
  preferred: boolean;
  edits: LineEdit[];
}

export interface ReviewFinding {
  rule: string;
  severity: Severity;
  verdict: Verdict;
  configs: ConfigName[];
  function: string;
  file: string;
  /** 0-based document line the diagnostic lands on, or null when the site is outside the patch. */
  patchLine: number | null;
  /** 1-based line in the image the finding was made on (pre-image for fixed findings). */
  sourceLine: number;
  image: 'pre' | 'post';
  message: string;
  trace: TraceStep[];
  fixes: QuickFix[];
  /** The generated litmus test behind a memory-ordering finding. */
  litmus?: string;
}

export type { TreeSource } from '../patch/tree';
import type { TreeSource } from '../patch/tree';

export interface Review {
  /** The kernel tree used, or null when only the hunks' own lines were analysed. */
  tree: { path: string; source: TreeSource } | null;
  configs: ConfigName[];
  series: PatchSeries;
  hunks: LocatedHunk[];
  images: ImagePair[];
  findings: ReviewFinding[];
  /** Problems with the input or its location (damage, hunks not found, no tree...). */
  problems: Problem[];
}

/** A review's cancellation: `why` defaults to a newer version of the document (the editor's case). */
export interface CancelToken {
  readonly cancelled: boolean;
  readonly why?: string;
}

export interface ReviewOptions {
  /** Path of the patch document on disk, if any (used to walk up to a kernel tree). */
  documentPath: string | null;
  /** Kernel tree from the setting or the CLI flag; null to look it up. */
  kernelTree: string | null;
  kernelTreeSource?: 'setting' | 'cli';
  /** Configurations to analyse; default all rows of the table. */
  configs?: ConfigName[];
  /** Abandon the analysis (with a diagnostic naming the stage) when it runs longer than this. */
  timeBudgetMs?: number;
  /** A document larger than this (UTF-8 bytes) is not analysed, with one diagnostic saying so
   *  (default DEFAULT_MAX_DOCUMENT_BYTES). */
  maxDocumentBytes?: number;
  /** Activations the context explorer nests on one CPU (default 2: one preempting activation). */
  nestingDepth?: number;
  /** Where to look for the embedded default tree (Debian 6.12 files extracted by scripts/setup-kernel.sh). */
  defaultTreeDirs?: string[];
  /** Set by the language server (the version was superseded) and by a resident process (its client
   *  went away): at each stage boundary the analysis lets pending messages in (one turn of the event
   *  loop) and stops with `Cancelled` once the token is set; `why` says why in its message. */
  cancel?: CancelToken;
}
