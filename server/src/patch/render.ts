/**
 * Writes a patch document back with its located hunks restored (exact context from the tree,
 * dropped blank lines back, added lines re-indented, `@@` counts recomputed) and optional extra
 * added lines (a quick fix's `smp_wmb();`). Lines outside the hunks are kept as they are, so the
 * mail's headers and message survive. Also: the smallest line edit between two documents.
 */
import { gitDiffName, isGitHeaderLine } from './diff';
import { isDiffStart, isSignature } from './mail';
import type { FilePatch, HunkLine, LocatedHunk } from './types';

/** An added line to insert into a located hunk, after the hunk line at `afterIndex` (-1 = at the start). */
export interface Insertion {
  hunk: LocatedHunk;
  afterIndex: number;
  line: HunkLine;
}

/** A replacement of one added line's text, or turning a context line into `-old` + `+new`. */
export interface Replacement {
  hunk: LocatedHunk;
  index: number;
  newText: string;
}

export interface RenderResult {
  lines: string[];
  /** Hunks that could not be written well-formed (not located), with why. */
  unrepaired: { hunk: LocatedHunk; reason: string }[];
}

function hunkLines(h: LocatedHunk, insertions: readonly Insertion[], replacements: readonly Replacement[]): HunkLine[] {
  const out: HunkLine[] = [];
  const mine = insertions.filter((i) => i.hunk === h);
  const repl = replacements.filter((r) => r.hunk === h);
  for (const ins of mine) if (ins.afterIndex < 0) out.push(ins.line);
  h.hunk.lines.forEach((line, k) => {
    const r = repl.find((x) => x.index === k);
    if (!r) out.push(line);
    else if (line.kind === '+') out.push({ ...line, text: r.newText });
    else if (line.kind === ' ') out.push({ ...line, kind: '-' }, { kind: '+', text: r.newText, docLine: null });
    else out.push(line);
    for (const ins of mine) if (ins.afterIndex === k) out.push(ins.line);
  });
  return out;
}

function lastDocLine(h: LocatedHunk): number {
  let last = h.hunk.headerLine;
  for (const l of h.hunk.lines) if (l.docLine !== null && l.docLine > last) last = l.docLine;
  return last;
}

function renderBody(lines: readonly HunkLine[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    out.push(l.kind + l.text);
    if (l.noNewline) out.push('\\ No newline at end of file');
  }
  return out;
}

/**
 * What follows a rewritten hunk up to the next `@@` of the same file: blank lines the reading left
 * out (they belong to the mail) are dropped, since `git apply` would read them as stray hunk lines;
 * anything else there (the tail of a wrapped line) leaves the patch corrupt, which is reported.
 */
function tailAfter(docLines: readonly string[], from: number): { next: number; stray: string | null } {
  let i = from;
  while (i < docLines.length && !docLines[i].startsWith('@@ ') && !isDiffStart(docLines, i) && !isSignature(docLines, i)) i++;
  if (!(docLines[i] ?? '').startsWith('@@ ')) return { next: from, stray: null };
  const stray = docLines.slice(from, i).find((l) => l.trim() !== '');
  return stray === undefined ? { next: i, stray: null } : { next: from, stray };
}

export type BaseLookup = (h: LocatedHunk) => readonly string[] | null;

function contextRun(lines: readonly HunkLine[], fromEnd: boolean): number {
  let n = 0;
  const seq = fromEnd ? [...lines].reverse() : lines;
  for (const l of seq) { if (l.kind !== ' ') break; n++; }
  return n;
}

/**
 * git apply anchors a hunk with less trailing than leading context at the end of the file, and one
 * with no trailing context must match there (apply.c, match_end). When an edit turned the last
 * context line into a change, or the hunk came without trailing context, the hunk takes more
 * context from the base (at least one line unless it ends the file) so that it applies where it is.
 */
function balanceContext(body: HunkLine[], h: LocatedHunk, base: readonly string[] | null, limit: number): HunkLine[] {
  if (!base || !h.where.located) return body;
  const leading = contextRun(body, false);
  let trailing = contextRun(body, true);
  let next = h.where.baseLine1 - 1 + body.filter((l) => l.kind !== '+').length;
  const out = [...body];
  // Context never reaches into the next hunk's lines (`limit`): git applies hunks that do not overlap.
  while (trailing < Math.max(1, Math.min(leading, 3)) && next < Math.min(base.length, limit)) {
    out.push({ kind: ' ', text: base[next++], docLine: null });
    trailing++;
  }
  return out;
}

/** 0-based base line where the next located hunk of the same file and patch starts (its old side). */
function nextStart(sorted: readonly LocatedHunk[], h: LocatedHunk): number {
  const at = h.where.located ? h.where.baseLine1 : 0;
  let limit = Infinity;
  for (const o of sorted) {
    if (o === h || !o.where.located || o.patchIndex !== h.patchIndex || o.file.path !== h.file.path) continue;
    if (o.where.baseLine1 >= at && o.where.baseLine1 - 1 < limit) limit = o.where.baseLine1 - 1;
  }
  return limit;
}

/** 0-based base line just after a located hunk's old side. */
function oldEnd(h: LocatedHunk, body: readonly HunkLine[]): number {
  return (h.where.located ? h.where.baseLine1 - 1 : 0) + body.filter((l) => l.kind !== '+').length;
}

/**
 * `\ No newline at end of file` says the line before it ends its file: it can follow only the last
 * line of its side (old for ` ` and `-`, new for ` ` and `+`), and only in a hunk that reaches the end
 * of the base when the base is known. A marker anywhere else is a copy's damage (git then fails to
 * apply the hunk) and is dropped.
 */
function withoutStrayNoNewline(body: readonly HunkLine[], h: LocatedHunk, base: readonly string[] | null): HunkLine[] {
  const reachesEnd = base === null || oldEnd(h, body) >= base.length;
  return body.map((l, i) => {
    if (!l.noNewline) return l;
    const later = body.slice(i + 1);
    const lastOfSide = l.kind === '+' ? !later.some((m) => m.kind !== '-') : l.kind === '-' ? !later.some((m) => m.kind !== '+') : later.length === 0;
    return lastOfSide && reachesEnd ? l : { ...l, noNewline: false };
  });
}

/**
 * Renders the document with every located hunk written well-formed. `hunks` are all located hunks
 * of the document (one entry per hunk, any file), in document order.
 */
export function renderPatch(docLines: readonly string[], hunks: readonly LocatedHunk[], insertions: readonly Insertion[] = [], replacements: readonly Replacement[] = [], baseOf: BaseLookup = () => null): RenderResult {
  const out: string[] = [];
  const unrepaired: RenderResult['unrepaired'] = [];
  const sorted = [...hunks].sort((a, b) => a.hunk.headerLine - b.hunk.headerLine);
  const delta = new Map<string, number>();
  let cursor = 0;
  for (const h of sorted) {
    const key = `${h.patchIndex}:${h.file.path}`;
    const shift = delta.get(key) ?? 0;
    const firstOfFile = h.where.located && h.file.hunks[0]?.headerLine === h.hunk.headerLine && h.file.headerLine >= cursor;
    if (firstOfFile) {
      for (; cursor < h.file.headerLine; cursor++) out.push(docLines[cursor]);
      out.push(...wellFormedFileHeader(docLines.slice(cursor, h.hunk.headerLine), h.file));
      cursor = h.hunk.headerLine;
    }
    for (; cursor < h.hunk.headerLine; cursor++) out.push(docLines[cursor]);
    const end = lastDocLine(h) + 1;
    if (!h.where.located) {
      unrepaired.push({ hunk: h, reason: h.where.reason });
      for (; cursor < end; cursor++) out.push(docLines[cursor]);
      continue;
    }
    const base = baseOf(h);
    const body = balanceContext(hunkLines(h, insertions, replacements), h, base, nextStart(sorted, h));
    if (base && contextRun(body, true) === 0 && oldEnd(h, body) < base.length) {
      unrepaired.push({ hunk: h, reason: 'no context line after it (the next hunk follows at once), so git apply would anchor it at the end of the file' });
    }
    const oldCount = body.filter((l) => l.kind !== '+').length;
    const newCount = body.filter((l) => l.kind !== '-').length;
    // apply.c parse_fragment: a fragment that neither adds nor deletes a line is a corrupt patch.
    if (!body.some((l) => l.kind !== ' ')) unrepaired.push({ hunk: h, reason: 'it changes no line (only context, or nothing): git apply rejects such a hunk as a corrupt patch' });
    const oldStart = oldCount === 0 ? h.where.baseLine1 - 1 : h.where.baseLine1;
    const newStart = newCount === 0 ? oldStart + shift - 1 + (oldCount === 0 ? 1 : 0) : h.where.baseLine1 + shift;
    const section = h.hunk.section ? ` ${h.hunk.section}` : '';
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@${section}`);
    out.push(...renderBody(withoutStrayNoNewline(body, h, base)));
    delta.set(key, shift + newCount - oldCount);
    const tail = tailAfter(docLines, end);
    if (tail.stray !== null) unrepaired.push({ hunk: h, reason: `a line after it is part of no hunk (a wrapped long line?): \`${tail.stray.trim()}\`` });
    cursor = tail.next;
  }
  for (; cursor < docLines.length; cursor++) out.push(docLines[cursor]);
  return { lines: out, unrepaired };
}

/**
 * The header of a located hunk's file section as git must read it before the first hunk: the
 * `diff --git` line, its extended header lines, then `---` and `+++` naming the file. A mail copy
 * may lose one of the name lines (git: "patch fragment without header"), or leave other text
 * between the header and the first `@@` (git then reads the section as garbage): the names are put
 * back and such text dropped. `header` is the section as copied, from its first line to the `@@`.
 */
export function wellFormedFileHeader(header: readonly string[], file: FilePatch): string[] {
  const minus = header.findIndex((l) => l.startsWith('--- '));
  const plus = header.findIndex((l) => l.startsWith('+++ '));
  const gitDiff = header.length > 0 && header[0].startsWith('diff --git ');
  const kept = gitDiff ? [header[0], ...header.slice(1).filter((l) => isGitHeaderLine(l) && !l.startsWith('--- ') && !l.startsWith('+++ '))] : header.filter((_, i) => i !== minus && i !== plus);
  // The name lines must name the file the hunks were located in (or /dev/null): git patches the file
  // `---` names, and a copy may garble one (`--- a\x01kernel/kcov.c` is `kcov.c` to git). That is the
  // `diff --git a/NAME b/NAME` name, else the section's path; a rename or copy keeps its own names.
  const renamed = header.some((l) => /^(rename|copy) from /.test(l));
  const name = (gitDiff ? gitDiffName(header[0]) : null) ?? (renamed ? null : file.path);
  const fallback = name ?? file.path;
  const oldName = header.some((l) => /^new file mode /.test(l)) ? '/dev/null' : `a/${fallback}`;
  const newName = header.some((l) => /^deleted file mode /.test(l)) ? '/dev/null' : `b/${fallback}`;
  const agrees = (line: string, side: 'a' | 'b'): boolean => {
    const value = line.slice(4).split('\t')[0];
    if (value === '/dev/null') return true;
    return name === null ? /^[^\s/]+\/\S/.test(value) : value === `${side}/${name}`;
  };
  const minusLine = minus >= 0 && agrees(header[minus], 'a') ? header[minus] : `--- ${oldName}`;
  const plusLine = plus >= 0 && agrees(header[plus], 'b') ? header[plus] : `+++ ${newName}`;
  return [...kept, minusLine, plusLine];
}

/** The smallest single replacement turning `before` into `after` (common prefix and suffix kept). */
export function minimalEdit(before: readonly string[], after: readonly string[]): { startLine: number; endLine: number; newLines: string[] } | null {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  if (start === before.length && start === after.length) return null;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) { endB--; endA--; }
  return { startLine: start, endLine: endB, newLines: after.slice(start, endA) };
}
