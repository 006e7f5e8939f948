/**
 * parseSeries: the document's text → PatchSeries (messages, headers, file patches, hunks as written,
 * problems with the input). Location against the tree and repair from it come later (locate.ts).
 */
import { readDiff } from './diff';
import { readMessage, splitMessages } from './mail';
import type { Patch, PatchSeries, Problem } from './types';

/** Lines of a document, accepting CRLF line ends. */
export function documentLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A NUL byte or a high share of control characters: not a patch mail. */
export function looksBinary(text: string): boolean {
  const sample = text.slice(0, 8192);
  if (sample.includes('\u0000')) return true;
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
  }
  return sample.length > 0 && control / sample.length > 0.1;
}

export function parseSeries(text: string): PatchSeries {
  const problems: Problem[] = [];
  if (looksBinary(text)) {
    problems.push({ code: 'not-a-patch', severity: 'error', line: 0, message: 'This document is binary data, not a patch or a mail: nothing to review.' });
    return { patches: [], problems };
  }
  const lines = documentLines(text);
  if (text.includes('\r\n')) problems.push({ code: 'crlf-line-ends', severity: 'information', line: 0, message: 'The patch has CRLF line ends; they were read as plain line ends.' });
  const patches: Patch[] = [];
  for (const range of splitMessages(lines)) {
    const layout = readMessage(lines, range);
    const diffEnd = layout.signatureLine ?? range.end;
    const diff = layout.diffLine === null ? { files: [], problems: [] } : readDiff(lines, layout.diffLine, diffEnd);
    problems.push(...diff.problems);
    patches.push({
      index: patches.length,
      headers: layout.headers,
      subjectLine: layout.subjectLine,
      startLine: range.start,
      endLine: range.end,
      messageLine: layout.messageLine,
      separatorLine: layout.separatorLine,
      files: diff.files,
    });
  }
  const anyDiff = patches.some((p) => p.files.length > 0);
  if (!anyDiff) {
    problems.push({ code: 'no-diff', severity: 'warning', line: 0, message: 'No diff found: the document has no `diff --git`, `--- a/` + `+++ b/` or `@@` hunk to review (is the mail truncated?).' });
  }
  return { patches, problems };
}
