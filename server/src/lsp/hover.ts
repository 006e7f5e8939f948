/**
 * Hover: on a line with findings, what is wrong, in which configurations, the verdict and the trace
 * with kcov.c line numbers; on a kernel primitive inside a diff line, its semantics per configuration.
 */
import { MarkupKind, type Hover, type Position, type Range } from 'vscode-languageserver';
import type { ConfigName } from '../model/configs';
import type { Review, ReviewFinding } from '../review/types';
import { documentLines } from './documents';
import { findingLine } from './diagnostics';

/** Markdown for a primitive name, or null when it is not one (wraps model/semantics). */
export type PrimitiveDoc = (name: string, configs: ConfigName[]) => string | null;

export interface Word {
  text: string;
  range: Range;
}

/** The C identifier under the cursor, if any. */
export function identifierAt(lineText: string, position: Position): Word | null {
  const isIdent = (ch: string | undefined): boolean => ch !== undefined && /[A-Za-z0-9_]/.test(ch);
  let start = position.character;
  let end = position.character;
  if (!isIdent(lineText[start]) && isIdent(lineText[start - 1])) {
    start -= 1;
    end -= 1;
  }
  if (!isIdent(lineText[start])) return null;
  while (start > 0 && isIdent(lineText[start - 1])) start--;
  while (isIdent(lineText[end])) end++;
  const text = lineText.slice(start, end);
  if (!/^[A-Za-z_]/.test(text)) return null;
  return { text, range: { start: { line: position.line, character: start }, end: { line: position.line, character: end } } };
}

/** Document lines that are lines of a diff hunk (context, removed or added). */
export function diffLines(review: Review): Set<number> {
  const lines = new Set<number>();
  for (const patch of review.series.patches) {
    for (const file of patch.files) {
      for (const hunk of file.hunks) {
        for (const line of hunk.lines) if (line.docLine !== null) lines.add(line.docLine);
      }
    }
  }
  return lines;
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

export function findingMarkdown(finding: ReviewFinding): string {
  const configs = finding.configs.map(code).join(', ') || 'none';
  const out: string[] = [
    `**${finding.rule}** (${finding.verdict}, ${finding.severity}) in ${code(finding.function)}`,
    '',
    finding.message,
    '',
    `Configurations: ${configs}  `,
    `Site: ${code(`${finding.file}:${finding.sourceLine}`)} (${finding.image}-image)`,
  ];
  if (finding.trace.length > 0) {
    out.push('', 'Trace:', '');
    finding.trace.forEach((step, i) => {
      out.push(`${i + 1}. ${code(`${step.file}:${step.line}`)} [${step.context}] ${step.text}`);
    });
  }
  if (finding.litmus) out.push('', 'Litmus test (herd7 with linux-kernel.cfg reads it; `kcov-review litmus` runs it):', '', '```c', finding.litmus.trimEnd(), '```');
  return out.join('\n');
}

export function findingsOnLine(review: Review, line: number): ReviewFinding[] {
  return review.findings.filter((f) => findingLine(review, f) === line);
}

/** The hover at a position, or null when there is nothing to say there. */
export function hover(review: Review, text: string, position: Position, primitiveDoc?: PrimitiveDoc): Hover | null {
  const lines = documentLines(text);
  const lineText = lines[position.line];
  if (lineText === undefined) return null;
  const sections: string[] = findingsOnLine(review, position.line).map(findingMarkdown);
  let range: Range | undefined;
  if (primitiveDoc && diffLines(review).has(position.line)) {
    const word = identifierAt(lineText, position);
    const doc = word ? primitiveDoc(word.text, review.configs) : null;
    if (word && doc) {
      sections.push(doc);
      range = word.range;
    }
  }
  if (sections.length === 0) return null;
  const result: Hover = { contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') } };
  if (range) result.range = range;
  return result;
}
