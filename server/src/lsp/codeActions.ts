/**
 * Code actions: each QuickFix of a finding becomes a quickfix CodeAction with a WorkspaceEdit built
 * from its LineEdits; the patch-damaged problem offers "Repair damaged patch" (whole-document edit).
 */
import { CodeActionKind, type CodeAction, type Range, type TextEdit } from 'vscode-languageserver';
import type { LineEdit, QuickFix, Review, ReviewFinding } from '../review/types';
import type { Problem } from '../patch/types';
import { documentLines } from './documents';
import { findingDiagnostic, findingLine, problemDiagnostic } from './diagnostics';

/** Repairs a damaged patch document; null when it cannot (wraps patch/repair). */
export type PatchRepair = (text: string, review: Review) => string | null;

export const PATCH_DAMAGED_CODE = 'patch-damaged';
export const REPAIR_TITLE = 'Repair damaged patch';

export function documentEol(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/**
 * A LineEdit as a TextEdit: lines [startLine, endLine) are replaced by newLines. Edits reaching past
 * the last line replace up to the end of the document and keep its final newline state.
 */
export function lineEditToTextEdit(edit: LineEdit, text: string): TextEdit {
  const lines = documentLines(text);
  const eol = documentEol(text);
  const last = lines.length - 1;
  const startLine = Math.min(edit.startLine, lines.length);
  if (startLine > last) {
    // Appending after a last line without a newline.
    const end = { line: last, character: lines[last].length };
    return { range: { start: end, end }, newText: edit.newLines.map((l) => eol + l).join('') };
  }
  const start = { line: startLine, character: 0 };
  if (edit.endLine <= last) {
    return {
      range: { start, end: { line: edit.endLine, character: 0 } },
      newText: edit.newLines.map((l) => l + eol).join(''),
    };
  }
  const end = { line: last, character: lines[last].length };
  return { range: { start, end }, newText: edit.newLines.join(eol) };
}

export function wholeDocumentRange(text: string): Range {
  const lines = documentLines(text);
  const last = lines.length - 1;
  return { start: { line: 0, character: 0 }, end: { line: last, character: lines[last].length } };
}

function overlaps(line: number, range: Range): boolean {
  return line >= range.start.line && line <= range.end.line;
}

function wants(only: readonly string[] | undefined, kind: string): boolean {
  return !only || only.length === 0 || only.some((k) => kind === k || kind.startsWith(`${k}.`));
}

export function fixAction(review: Review, finding: ReviewFinding, fix: QuickFix, uri: string, text: string): CodeAction {
  const action: CodeAction = {
    title: fix.title,
    kind: CodeActionKind.QuickFix,
    isPreferred: fix.preferred,
    edit: { changes: { [uri]: fix.edits.map((e) => lineEditToTextEdit(e, text)) } },
  };
  const diagnostic = findingDiagnostic(review, finding, documentLines(text), uri);
  if (diagnostic) action.diagnostics = [diagnostic];
  return action;
}

export function repairAction(problem: Problem, repaired: string, uri: string, text: string): CodeAction {
  return {
    title: REPAIR_TITLE,
    kind: CodeActionKind.QuickFix,
    isPreferred: true,
    diagnostics: [problemDiagnostic(problem, documentLines(text))],
    edit: { changes: { [uri]: [{ range: wholeDocumentRange(text), newText: repaired }] } },
  };
}

/** One action per distinct title and edit: findings sharing a fix (one line, two cases) share its action. */
export function mergeIdentical(actions: readonly CodeAction[]): CodeAction[] {
  const byKey = new Map<string, CodeAction>();
  for (const action of actions) {
    const key = JSON.stringify([action.kind, action.title, action.edit]);
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, action.diagnostics ? { ...action, diagnostics: [...action.diagnostics] } : { ...action });
      continue;
    }
    seen.isPreferred = seen.isPreferred === true || action.isPreferred === true;
    if (action.diagnostics) seen.diagnostics = [...(seen.diagnostics ?? []), ...action.diagnostics];
  }
  return [...byKey.values()];
}

export const EXPORT_LITMUS_KIND = 'source.kcovReview.exportLitmus';

/** The .litmus file beside the patch: `<patch dir>/<test name>.litmus`. */
export function litmusUri(patchUri: string, litmus: string): string {
  const name = (/^C\s+(\S+)/m.exec(litmus)?.[1] ?? 'kcov-review').replace(/[^\w+.-]/g, '_');
  return patchUri.replace(/[^/]*$/, `${name}.litmus`);
}

/** "Export litmus test": writes a finding's generated test as a .litmus file herd7 can run. */
export function litmusExports(review: Review, uri: string, range: Range): CodeAction[] {
  const out: CodeAction[] = [];
  const seen = new Set<string>();
  for (const finding of review.findings) {
    const line = findingLine(review, finding);
    if (!finding.litmus || line === null || !overlaps(line, range)) continue;
    const target = litmusUri(uri, finding.litmus);
    if (seen.has(target)) continue;
    seen.add(target);
    out.push({
      title: `Export litmus test (${target.replace(/^.*\//, '')})`,
      kind: EXPORT_LITMUS_KIND,
      edit: {
        documentChanges: [
          { kind: 'create', uri: target, options: { overwrite: true } },
          { textDocument: { uri: target, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: finding.litmus }] },
        ],
      },
    });
  }
  return out;
}

/** Code actions for a range of a document. `only` filters by kind as in CodeActionContext. */
export function codeActions(
  review: Review,
  uri: string,
  text: string,
  range: Range,
  repair?: PatchRepair,
  only?: readonly string[],
): CodeAction[] {
  const exports = wants(only, EXPORT_LITMUS_KIND) ? litmusExports(review, uri, range) : [];
  if (!wants(only, CodeActionKind.QuickFix)) return exports;
  const actions: CodeAction[] = [];
  for (const finding of review.findings) {
    const line = findingLine(review, finding);
    if (line === null || !overlaps(line, range)) continue;
    for (const fix of finding.fixes) actions.push(fixAction(review, finding, fix, uri, text));
  }
  const merged = mergeIdentical(actions);
  const damaged = review.problems.find((p) => p.code === PATCH_DAMAGED_CODE && overlaps(p.line, range));
  if (damaged && repair) {
    const repaired = repair(text, review);
    if (repaired !== null && repaired !== text) merged.push(repairAction(damaged, repaired, uri, text));
  }
  return [...merged, ...exports];
}
