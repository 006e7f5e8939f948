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
  /** Whether git can read the file's name: the `diff --git` line names one file on both sides, or `---`/`+++` or rename lines name it. */
  named: boolean;
  /** Whether the header alone changes something (rename, copy, mode, a new or deleted file). */
  metadataChange: boolean;
  firstHunk: number;
}

/** The file name git reads off a `diff --git` line by itself: the rest of the line is exactly
 *  `a/NAME b/NAME`, one name twice. Null otherwise (a rename, a line cut, garbled or with text run
 *  into it: git then needs the `---`/`+++` or rename/copy lines, apply.c git_header_name), and for
 *  quoted names, which are not read here. */
export function gitDiffName(line: string): string | null {
  if (!line.startsWith('diff --git ')) return null;
  const rest = line.slice('diff --git '.length);
  const n = (rest.length - ' b/'.length - 'a/'.length) / 2;
  const named = Number.isInteger(n) && n > 0 && rest.startsWith('a/') && rest.slice(2 + n, 5 + n) === ' b/' && rest.slice(2, 2 + n) === rest.slice(5 + n);
  return named ? rest.slice(2, 2 + n) : null;
}

/** Whether git reads a file name off a `diff --git` line by itself (quoted names taken as given). */
function gitLineNamesFile(line: string): boolean {
  return gitDiffName(line) !== null || line.startsWith('diff --git "');
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
  let named = gitLineNamesFile(lines[at]);
  let metadataChange = false;
  let oldMode: string | null = null;
  let newMode: string | null = null;
  let i = lines[at].startsWith('--- ') ? at : at + 1;
  for (; i < end; i++) {
    const line = lines[i];
    const mode = /^(old|new) mode ([0-7]+)\s*$/.exec(line);
    if (mode) { if (mode[1] === 'old') oldMode = mode[2]; else newMode = mode[2]; continue; }
    if (/^(new|deleted) file mode [0-7]+\s*$/.test(line)) { metadataChange = true; continue; }
    const index = /^index ([0-9a-f]{4,64})\.\.([0-9a-f]{4,64})/.exec(line);
    if (index) { oldBlob = index[1]; newBlob = index[2]; continue; }
    if (line.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ')) {
      oldPath = stripPathPrefix(line.slice(4));
      newPath = stripPathPrefix(lines[i + 1].slice(4));
      named = true;
      i++;
      continue;
    }
    // A lone `---`/`+++` line (its partner lost in the copy) still names the file.
    if (line.startsWith('+++ ')) { newPath = stripPathPrefix(line.slice(4)); named = true; continue; }
    if (line.startsWith('--- ') && i > at) { oldPath = stripPathPrefix(line.slice(4)); named = true; continue; }
    if (/^(rename|copy) (from|to) \S/.test(line)) { named = true; metadataChange = true; continue; }
    if (line.startsWith('Binary files ') || line === 'GIT binary patch') { binary = true; continue; }
    if (line.startsWith('@@ ') || line.startsWith('diff --git ') || isSignature(lines, i)) break;
  }
  if (lines[at].startsWith('--- ')) named = true; // a plain diff: its `---`/`+++` lines
  if (oldMode !== null && newMode !== null && oldMode !== newMode) metadataChange = true;
  return { oldPath, newPath, oldBlob, newBlob, binary, named: named || binary, metadataChange, firstHunk: i };
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

/** A mode as git reads one (apply.c parse_mode_line: octal digits, then white space or the line's
 *  end), and one git writes (a file, an executable, a link, a submodule): another number is a type
 *  git then finds wrong ("wrong type"), from a copy that garbled the digits. */
const GIT_MODE = /^\s*(100644|100755|120000|160000)(\s|$)/;

/** `index OLD..NEW[ MODE]` as apply.c gitdiff_index reads it: only a mode after NEW can be wrong. */
function gitIndexLineReadable(rest: string): boolean {
  const dots = rest.indexOf('.');
  if (dots < 0 || rest[dots + 1] !== '.') return true; // git ignores the line
  const after = rest.slice(dots + 2);
  const space = after.indexOf(' ');
  return space < 0 || GIT_MODE.test(after.slice(space + 1));
}

/** The extended header lines of a `diff --git` section that git checks (apply.c's optable), by keyword. */
const GIT_HEADER_LINES: readonly { keyword: string; readable: (rest: string) => boolean }[] = [
  { keyword: 'old mode ', readable: (r) => GIT_MODE.test(r) },
  { keyword: 'new mode ', readable: (r) => GIT_MODE.test(r) },
  { keyword: 'deleted file mode ', readable: (r) => GIT_MODE.test(r) },
  { keyword: 'new file mode ', readable: (r) => GIT_MODE.test(r) },
  { keyword: 'index ', readable: gitIndexLineReadable },
];

/** Prefixes that continue a `diff --git` header in git's reading (apply.c's optable, less the end `@@ -`). */
const GIT_HEADER_PREFIXES = ['--- ', '+++ ', 'old mode ', 'new mode ', 'deleted file mode ', 'new file mode ', 'copy from ', 'copy to ', 'rename old ', 'rename new ', 'rename from ', 'rename to ', 'similarity index ', 'dissimilarity index ', 'index '];

/** Whether git reads a line as part of a `diff --git` header (a line that is not ends the header there). */
export function isGitHeaderLine(line: string): boolean {
  return GIT_HEADER_PREFIXES.some((p) => line.startsWith(p));
}

/** The first header line of the `diff --git` section at `at` (header up to `end`) that git cannot read. */
function garbledGitHeaderLine(lines: readonly string[], at: number, end: number): { keyword: string; line: string } | null {
  if (!lines[at].startsWith('diff --git ')) return null;
  for (let i = at + 1; i < end; i++) {
    const line = lines[i];
    const check = GIT_HEADER_LINES.find((h) => line.startsWith(h.keyword));
    if (check && !check.readable(line.slice(check.keyword.length))) return { keyword: check.keyword.trim(), line };
  }
  return null;
}

/**
 * Why `git apply` refuses a file section as written, when nothing the repair does can change it
 * (apply.c): its extended header lines must read (an `index` or mode line a copy garbled: "invalid
 * mode"), a section without hunks must change the file's metadata (else "patch with only garbage"),
 * and git must be able to read the file's name (else "git diff header lacks filename information").
 * A section with hunks gets its `---`/`+++` lines back from the repair (patch/render.ts).
 */
function gitRefusal(lines: readonly string[], at: number, header: FileHeader, hunks: number): string | null {
  const garbled = garbledGitHeaderLine(lines, at, header.firstHunk);
  if (garbled !== null) return `has a garbled \`${garbled.keyword}\` line (\`${garbled.line.slice(0, 80)}\`) that \`git apply\` cannot read`;
  if (header.binary || hunks > 0) return null;
  if (!header.metadataChange) return 'holds no hunk and no change of the file itself (rename, copy, mode, new or deleted file): `git apply` rejects a patch with it ("patch with only garbage")';
  if (!header.named) return 'does not name its file the way git needs (its `diff --git` line is cut or garbled, and no `---`/`+++` or rename lines name it): `git apply` rejects a patch with it';
  return null;
}

/** The diagnostic of a section git refuses (FilePatch.gitRefusal). */
export function refusedSectionMessage(refusal: string): string {
  return `This diff section ${refusal}. Restore the section as the sender wrote it, or remove it.`;
}

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
    const refusal = gitRefusal(lines, i, header, hunks.length);
    files.push({ oldPath: header.oldPath, newPath: header.newPath, path, oldBlob: header.oldBlob, newBlob: header.newBlob, headerLine: i, binary: header.binary, gitRefusal: refusal, hunks });
    if (header.binary) problems.push({ code: 'binary-patch', severity: 'information', line: i, message: `${path}: binary patch, not analysed.` });
    else if (refusal !== null) problems.push({ code: 'diff-section-refused', severity: 'warning', line: i, message: refusedSectionMessage(refusal) });
    else if (hunks.length === 0) problems.push({ code: 'no-hunks', severity: 'information', line: i, message: `${path}: no hunks (a rename or mode change only), nothing to analyse.` });
    i = stop;
  }
  return { files, problems };
}
