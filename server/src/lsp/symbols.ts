/** Document symbols: series → patch (subject) → file → hunk → touched function. */
import { SymbolKind, type DocumentSymbol, type Range } from 'vscode-languageserver';
import type { FilePatch, Hunk, Patch } from '../patch/types';
import type { Review } from '../review/types';

function lineRange(start: number, end: number, lines: readonly string[]): Range {
  const last = Math.max(start, Math.min(end, lines.length - 1));
  return { start: { line: start, character: 0 }, end: { line: last, character: (lines[last] ?? '').length } };
}

export function hunkLastLine(h: Hunk): number {
  let end = h.headerLine;
  for (const l of h.lines) if (l.docLine !== null && l.docLine > end) end = l.docLine;
  return end;
}

/** The function a hunk touches, as its `@@` section names it (`static void kcov_move_area(...` → kcov_move_area). */
export function sectionFunction(section: string): string | null {
  const m = /(\w+)\s*\([^()]*\)?[^()]*$/.exec(section.trim()) ?? /(\w+)\s*\(/.exec(section);
  return m ? m[1] : null;
}

function hunkSymbol(h: Hunk, lines: readonly string[]): DocumentSymbol {
  const range = lineRange(h.headerLine, hunkLastLine(h), lines);
  const fn = sectionFunction(h.section);
  const header = h.header.replace(/ @@.*$/s, ' @@');
  return {
    name: header,
    detail: h.damage.length > 0 ? `damaged: ${h.damage.join(', ')}` : undefined,
    kind: SymbolKind.Namespace,
    range,
    selectionRange: lineRange(h.headerLine, h.headerLine, lines),
    children: fn ? [{ name: `${fn}()`, kind: SymbolKind.Function, range, selectionRange: lineRange(h.headerLine, h.headerLine, lines) }] : [],
  };
}

function fileSymbol(f: FilePatch, lines: readonly string[]): DocumentSymbol {
  const end = f.hunks.length > 0 ? hunkLastLine(f.hunks[f.hunks.length - 1]) : f.headerLine;
  return { name: f.path, kind: SymbolKind.File, range: lineRange(f.headerLine, end, lines), selectionRange: lineRange(f.headerLine, f.headerLine, lines), children: f.hunks.map((h) => hunkSymbol(h, lines)) };
}

function patchSymbol(p: Patch, lines: readonly string[]): DocumentSymbol {
  const at = p.subjectLine ?? p.startLine;
  return {
    name: p.headers.subject ?? (p.files[0] ? `diff ${p.files[0].path}` : `message ${p.index + 1}`),
    detail: p.headers.from ?? undefined,
    kind: SymbolKind.Module,
    range: lineRange(p.startLine, p.endLine - 1, lines),
    selectionRange: lineRange(at, at, lines),
    children: p.files.map((f) => fileSymbol(f, lines)),
  };
}

export function documentSymbols(review: Review, text: string): DocumentSymbol[] {
  const lines = text.split(/\r?\n/);
  return review.series.patches.map((p) => patchSymbol(p, lines));
}
