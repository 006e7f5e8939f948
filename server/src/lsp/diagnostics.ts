/**
 * Findings and input problems of a Review → LSP diagnostics. Pure: the Review and the document
 * text in, Diagnostic objects out.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DiagnosticSeverity,
  type Diagnostic,
  type DiagnosticRelatedInformation,
  type Location,
  type Range,
} from 'vscode-languageserver';
import type { Problem, Severity } from '../patch/types';
import type { Review, ReviewFinding, TraceStep } from '../review/types';
import { documentLines } from './documents';

export const DIAGNOSTIC_SOURCE = 'kcov-review';

/** Base of the rule documentation pages (docs/rules/<rule>.md in the repository). Keep stable. */
export const RULE_DOCS_BASE = 'https://github.com/kcov-review/kcov-review/blob/main/docs/rules/';

/** Code of the diagnostic shown when the analysis itself failed. */
export const INTERNAL_ERROR_CODE = 'internal-error';

export function ruleDocUrl(rule: string): string {
  return `${RULE_DOCS_BASE}${encodeURIComponent(rule)}.md`;
}

export function severityOf(severity: Severity): DiagnosticSeverity {
  switch (severity) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    case 'information':
      return DiagnosticSeverity.Information;
    case 'hint':
      return DiagnosticSeverity.Hint;
  }
}

/** introduced → the finding's own severity (error or warning); pre-existing → Information; fixed → Hint. */
export function findingSeverity(finding: ReviewFinding): DiagnosticSeverity {
  switch (finding.verdict) {
    case 'introduced':
      return finding.severity === 'error' || finding.severity === 'warning'
        ? severityOf(finding.severity)
        : DiagnosticSeverity.Warning;
    case 'pre-existing':
      return DiagnosticSeverity.Information;
    case 'fixed':
      return DiagnosticSeverity.Hint;
  }
}

/** The range of a document line without its diff prefix and surrounding whitespace (whole line if blank). */
export function lineContentRange(lines: readonly string[], line: number): Range {
  const clamped = Math.max(0, Math.min(line, lines.length - 1));
  const text = lines[clamped] ?? '';
  const prefixed = /^[+\- ]/.test(text) ? 1 : 0;
  const body = text.slice(prefixed);
  const lead = body.length - body.trimStart().length;
  const start = prefixed + lead;
  const end = text.trimEnd().length;
  if (end <= start) return { start: { line: clamped, character: 0 }, end: { line: clamped, character: text.length } };
  return { start: { line: clamped, character: start }, end: { line: clamped, character: end } };
}

/** Where a finding whose site lies outside the patch is shown: the header of its file in the patch. */
export function fallbackLine(review: Review, finding: ReviewFinding): number | null {
  for (const patch of review.series.patches) {
    for (const file of patch.files) {
      if (file.path === finding.file) return file.hunks[0]?.headerLine ?? file.headerLine;
    }
  }
  return null;
}

/**
 * The document line a finding is shown on, or null when it is not shown: sites inside the patch land
 * on their line; introduced and fixed findings outside it land on their file's first hunk header;
 * pre-existing findings outside the patch are not the patch's business and are left to the CLI.
 */
export function findingLine(review: Review, finding: ReviewFinding): number | null {
  if (finding.patchLine !== null) return finding.patchLine;
  if (finding.verdict === 'pre-existing') return null;
  return fallbackLine(review, finding);
}

export function findingMessage(finding: ReviewFinding): string {
  const configs = finding.configs.length > 0 ? finding.configs.join(', ') : 'no configuration';
  return `${finding.message} (${finding.verdict} in ${finding.function}; ${configs})`;
}

function fileUri(file: string): string {
  return pathToFileURL(file).href;
}

function lineLocation(uri: string, line0: number): Location {
  return { uri, range: { start: { line: line0, character: 0 }, end: { line: line0, character: 0 } } };
}

/**
 * Where a trace step points: the patch document when the step's image line is one of the patch's
 * own lines, else the file in the kernel tree (post-image lines mapped back to the unchanged base).
 * Null when neither is known (no tree, and a line the patch does not show).
 */
export function traceStepLocation(review: Review, finding: ReviewFinding, step: TraceStep, documentUri: string): Location | null {
  const pair = review.images.find((p) => p.path === step.file);
  const line0 = step.line - 1;
  if (pair) {
    const toPatch = finding.image === 'post' ? pair.map.postToPatch : pair.map.preToPatch;
    const docLine = toPatch.get(line0);
    if (docLine !== undefined) return lineLocation(documentUri, docLine);
  }
  if (review.tree === null) return null;
  if (pair && pair.baseFrom !== 'tree') return null;
  const baseLine = pair && finding.image === 'post' ? pair.map.postToPre.get(line0) : line0;
  if (baseLine === undefined) return null;
  const file = path.isAbsolute(step.file) ? step.file : path.join(review.tree.path, step.file);
  return lineLocation(fileUri(file), baseLine);
}

export function traceRelatedInformation(review: Review, finding: ReviewFinding, documentUri: string): DiagnosticRelatedInformation[] {
  const related: DiagnosticRelatedInformation[] = [];
  finding.trace.forEach((step, i) => {
    const location = traceStepLocation(review, finding, step, documentUri);
    if (location) related.push({ location, message: `${i + 1}. [${step.context}] ${step.text}` });
  });
  return related;
}

/** A finding's diagnostic at a range of some document, with its proof's steps as related information. */
export function findingDiagnosticAt(finding: ReviewFinding, range: Range, related: DiagnosticRelatedInformation[]): Diagnostic {
  const diagnostic: Diagnostic = {
    range,
    severity: findingSeverity(finding),
    code: finding.rule,
    codeDescription: { href: ruleDocUrl(finding.rule) },
    source: DIAGNOSTIC_SOURCE,
    message: findingMessage(finding),
  };
  if (related.length > 0) diagnostic.relatedInformation = related;
  return diagnostic;
}

export function findingDiagnostic(review: Review, finding: ReviewFinding, lines: readonly string[], documentUri: string): Diagnostic | null {
  const line = findingLine(review, finding);
  if (line === null) return null;
  return findingDiagnosticAt(finding, lineContentRange(lines, line), traceRelatedInformation(review, finding, documentUri));
}

export function problemDiagnostic(problem: Problem, lines: readonly string[]): Diagnostic {
  const line = Math.max(0, Math.min(problem.line, lines.length - 1));
  return {
    range: { start: { line, character: 0 }, end: { line, character: (lines[line] ?? '').length } },
    severity: severityOf(problem.severity),
    code: problem.code,
    source: DIAGNOSTIC_SOURCE,
    message: problem.message,
  };
}

/** All diagnostics of a document: input problems first, then findings in document order. */
export function reviewDiagnostics(review: Review, text: string, documentUri: string): Diagnostic[] {
  const lines = documentLines(text);
  const problems = review.problems.map((p) => problemDiagnostic(p, lines));
  const findings = review.findings
    .map((f) => findingDiagnostic(review, f, lines, documentUri))
    .filter((d): d is Diagnostic => d !== null)
    .sort((a, b) => a.range.start.line - b.range.start.line);
  return [...problems, ...findings];
}

/** The one diagnostic shown when the analysis threw: the server keeps running. */
export function analysisFailedDiagnostic(error: unknown): Diagnostic {
  const detail = error instanceof Error ? error.message : String(error);
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Error,
    code: INTERNAL_ERROR_CODE,
    source: DIAGNOSTIC_SOURCE,
    message: `kcov-review could not analyse this document: ${detail}`,
  };
}
