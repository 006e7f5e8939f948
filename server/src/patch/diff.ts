/**
 * Reads the diff part of a message into file patches and hunks, keeping document line numbers.
 * Well-formed sections go through `parse-diff`; sections whose hunks do not add up (web-archive
 * whitespace damage) are read by structure instead and their damage recorded for recovery.
 */
import parseDiff from 'parse-diff';
import { isDiffStart, isSignature } from './mail';
import type { DamageKind, FilePatch, Hunk, HunkLine, LineKind, Problem } from './types';

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/s;

export interface HunkHeader {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  section: string;
}

export function parseHunkHeader(line: string): HunkHeader | null {
  const m = HUNK_HEADER.exec(line);
  if (!m) return null;
  return {
    oldStart: Number(m[1]),
    oldCount: m[2] === undefined ? 1 : Number(m[2]),
    newStart: Number(m[3]),
    newCount: m[4] === undefined ? 1 : Number(m[4]),
    section: m[5] ?? '',
  };
}

function stripPathPrefix(path: string): string | null {
  const p = path.trim().replace(/\t.*$/s, '');
  if (p === '/dev/null') return null;
  return p.replace(/^[ab]\//, '');
}

function endsHunk(lines: readonly string[], i: number): boolean {
  return lines[i].startsWith('@@ ') || isDiffStart(lines, i) || isSignature(lines, i);
}

interface ReadHunk { hunk: Hunk; next: number }

/** Count-driven read of a well-formed hunk; null when a body line has no valid prefix or counts overrun. */
function readStrictHunk(lines: readonly string[], at: number, end: number, header: HunkHeader): ReadHunk | null {
  let oldLeft = header.oldCount;
  let newLeft = header.newCount;
  const body: HunkLine[] = [];
  let i = at + 1;
  while (i < end && (oldLeft > 0 || newLeft > 0)) {
    const line = lines[i];
    const prefix = line.length === 0 ? ' ' : line[0];
    if (prefix === '\\') { markNoNewline(body); i++; continue; }
    if (prefix !== ' ' && prefix !== '-' && prefix !== '+') return null;
    if (line.length > 0 && endsHunk(lines, i)) return null;
    if (prefix !== '+') oldLeft--;
    if (prefix !== '-') newLeft--;
    if (oldLeft < 0 || newLeft < 0) return null;
    body.push({ kind: prefix, text: line.slice(1), docLine: i });
    i++;
  }
  if (oldLeft > 0 || newLeft > 0) return null;
  if (i < end && lines[i].startsWith('\\')) { markNoNewline(body); i++; }
  // A well-formed hunk is followed by a structural line, a blank line or the end; anything that still
  // looks like hunk content means the counts are wrong (damage) and the strict read is refused.
  if (i < end && !endsHunk(lines, i) && lines[i] !== '' && /^[ +-]/.test(lines[i])) return null;
  return { hunk: makeHunk(lines[at], at, header, body, []), next: i };
}

function markNoNewline(body: HunkLine[]): void {
  const last = body[body.length - 1];
  if (last) last.noNewline = true;
}

/** Structure-driven read of a damaged hunk: it runs to the next `@@`, file header or signature. */
function readDamagedHunk(lines: readonly string[], at: number, end: number, header: HunkHeader): ReadHunk {
  const body: HunkLine[] = [];
  const damage = new Set<DamageKind>();
  let i = at + 1;
  while (i < end && !endsHunk(lines, i)) {
    const line = lines[i];
    if (line.startsWith('\\')) { markNoNewline(body); i++; continue; }
    const first = line[0];
    let kind: LineKind;
    let text: string;
    if (first === '+' || first === '-') { kind = first; text = line.slice(1); }
    else if (first === ' ') { kind = ' '; text = line.slice(1); }
    else { kind = ' '; text = line; damage.add('context-prefix-lost'); }
    body.push({ kind, text, docLine: i });
    i++;
  }
  // Blank lines before the next file or the end belong to the mail, not to the hunk.
  while (body.length > 0 && body[body.length - 1].kind === ' ' && body[body.length - 1].text.trim() === '') body.pop();
  const oldSeen = body.filter((l) => l.kind !== '+').length;
  const newSeen = body.filter((l) => l.kind !== '-').length;
  if (oldSeen !== header.oldCount || newSeen !== header.newCount) damage.add('hunk-count-mismatch');
  if (body.some((l) => l.kind === '+' && /^ \S/.test(l.text) && !/^ \*/.test(l.text) && l.text.trim() !== '')) damage.add('tabs-collapsed');
  return { hunk: makeHunk(lines[at], at, header, body, [...damage]), next: i };
}

function makeHunk(headerText: string, at: number, header: HunkHeader, lines: HunkLine[], damage: DamageKind[]): Hunk {
  return { header: headerText, headerLine: at, ...header, lines, damage };
}

interface FileHeader {
  oldPath: string | null;
  newPath: string | null;
  oldBlob: string | null;
  newBlob: string | null;
  binary: boolean;
  firstHunk: number;
}

function readFileHeader(lines: readonly string[], at: number, end: number): FileHeader {
  let oldPath: string | null = null;
  let newPath: string | null = null;
  let oldBlob: string | null = null;
  let newBlob: string | null = null;
  let binary = false;
  // A web archive may wrap or cut the `diff --git a/X b/X` line; one path is still the file's name.
  const git = /^diff --git a\/(\S+)(?: b\/(\S+))?/.exec(lines[at]);
  if (git) { oldPath = git[1]; newPath = git[2] ?? git[1]; }
  let i = lines[at].startsWith('--- ') ? at : at + 1;
  for (; i < end; i++) {
    const line = lines[i];
    const index = /^index ([0-9a-f]{4,64})\.\.([0-9a-f]{4,64})/.exec(line);
    if (index) { oldBlob = index[1]; newBlob = index[2]; continue; }
    if (line.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ')) {
      oldPath = stripPathPrefix(line.slice(4));
      newPath = stripPathPrefix(lines[i + 1].slice(4));
      i++;
      continue;
    }
    // A lone `---`/`+++` line (its partner lost in the copy) still names the file.
    if (line.startsWith('+++ ')) { newPath = stripPathPrefix(line.slice(4)); continue; }
    if (line.startsWith('--- ') && i > at) { oldPath = stripPathPrefix(line.slice(4)); continue; }
    if (line.startsWith('Binary files ') || line === 'GIT binary patch') { binary = true; continue; }
    if (line.startsWith('@@ ') || line.startsWith('diff --git ') || isSignature(lines, i)) break;
  }
  return { oldPath, newPath, oldBlob, newBlob, binary, firstHunk: i };
}

type HunkReader = (lines: readonly string[], at: number, end: number, header: HunkHeader) => ReadHunk | null;

/** Reads the hunks of a file section with `read`; null as soon as `read` refuses one. */
function readSection(lines: readonly string[], from: number, end: number, read: HunkReader): Hunk[] | null {
  const hunks: Hunk[] = [];
  let i = from;
  while (i < end && !isDiffStart(lines, i) && !isSignature(lines, i)) {
    const header = lines[i].startsWith('@@ ') ? parseHunkHeader(lines[i]) : null;
    if (!header) { i++; continue; }
    const result = read(lines, i, end, header);
    if (!result) return null;
    hunks.push(result.hunk);
    i = result.next;
  }
  return hunks;
}

/** Strict when a hunk adds up, by structure when it does not (damage recorded for recovery). */
const readAnyHunk: HunkReader = (lines, at, end, header) => readStrictHunk(lines, at, end, header) ?? readDamagedHunk(lines, at, end, header);

/**
 * Cross-checks the strict reading with parse-diff, the parser of record for well-formed diffs:
 * every hunk must have the same counts and the same lines.
 */
function agreesWithParseDiff(sectionText: string, hunks: readonly Hunk[]): boolean {
  const files = parseDiff(sectionText);
  const chunks = files.flatMap((f) => f.chunks);
  if (chunks.length !== hunks.length) return false;
  return chunks.every((chunk, k) => {
    const h = hunks[k];
    const changes = chunk.changes.filter((c) => !c.content.startsWith('\\'));
    return chunk.oldStart === h.oldStart && chunk.newStart === h.newStart && changes.length === h.lines.length
      && changes.every((c, j) => c.content.slice(1) === h.lines[j].text || (c.content === '' && h.lines[j].text === ''));
  });
}

function sectionEnd(lines: readonly string[], from: number, end: number): number {
  for (let i = from; i < end; i++) {
    if (isDiffStart(lines, i) || isSignature(lines, i)) return i;
  }
  return end;
}

export interface DiffRead { files: FilePatch[]; problems: Problem[] }

/** Reads every file section between `from` (the first diff line) and `end`. */
export function readDiff(lines: readonly string[], from: number, end: number): DiffRead {
  const files: FilePatch[] = [];
  const problems: Problem[] = [];
  let i = from;
  while (i < end) {
    if (!isDiffStart(lines, i)) { if (isSignature(lines, i)) break; i++; continue; }
    const header = readFileHeader(lines, i, end);
    const stop = sectionEnd(lines, header.firstHunk, end);
    const strict = readSection(lines, header.firstHunk, stop, readStrictHunk);
    const sectionText = lines.slice(i, stop).join('\n') + '\n';
    const hunks = strict && agreesWithParseDiff(sectionText, strict) ? strict : readSection(lines, header.firstHunk, stop, readAnyHunk) ?? [];
    const path = header.newPath ?? header.oldPath ?? '';
    files.push({ oldPath: header.oldPath, newPath: header.newPath, path, oldBlob: header.oldBlob, newBlob: header.newBlob, headerLine: i, binary: header.binary, hunks });
    if (header.binary) problems.push({ code: 'binary-patch', severity: 'information', line: i, message: `${path}: binary patch, not analysed.` });
    else if (hunks.length === 0) problems.push({ code: 'no-hunks', severity: 'information', line: i, message: `${path}: no hunks (a rename or mode change only), nothing to analyse.` });
    i = stop;
  }
  return { files, problems };
}
