/**
 * Diagnostics for the virtual document `kcov-review:/post-image/<path>?<patch uri>`: the findings
 * that live in the post-image (introduced and pre-existing; fixed ones exist only before the
 * patch), each at its own post-image line, with the proof's steps in that document. The server
 * publishes them under the exact URI the client asked the post-image's text for, so the client
 * (which owns the document through a content provider) attaches them to it.
 */
import type { Diagnostic, DiagnosticRelatedInformation } from 'vscode-languageserver';
import type { ImagePair } from '../patch/types';
import type { Review, ReviewFinding } from '../review/types';
import { finalPair } from './definition';
import { findingDiagnosticAt, lineContentRange } from './diagnostics';
import { documentLines } from './documents';

/**
 * Findings on the final post-image. With one patch touching the file, all of its post-image
 * findings; in a series, those placed on the last patch's own lines (the review does not record
 * which patch of the series a finding outside the hunks belongs to).
 */
function findingsOn(review: Review, pair: ImagePair): ReviewFinding[] {
  const single = review.images.filter((p) => p.path === pair.path).length === 1;
  return review.findings.filter((f) => f.file === pair.path && f.image === 'post'
    && (single || (f.patchLine !== null && pair.map.patchToPost.has(f.patchLine))));
}

function related(f: ReviewFinding, pair: ImagePair, uri: string): DiagnosticRelatedInformation[] {
  return f.trace.flatMap((step, i) => (step.file === pair.path
    ? [{ location: { uri, range: { start: { line: step.line - 1, character: 0 }, end: { line: step.line - 1, character: 0 } } }, message: `${i + 1}. [${step.context}] ${step.text}` }]
    : []));
}

export function postImageDiagnostics(review: Review, path: string, uri: string): Diagnostic[] {
  const pair = finalPair(review, path);
  if (!pair) return [];
  const lines = documentLines(pair.post.text);
  return findingsOn(review, pair)
    .map((f) => findingDiagnosticAt(f, lineContentRange(lines, f.sourceLine - 1), related(f, pair, uri)))
    .sort((a, b) => a.range.start.line - b.range.start.line);
}
