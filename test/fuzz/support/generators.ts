/**
 * fast-check generators for what arrives in a reviewer's mail: random bytes, cut and corrupted
 * seeds, diffs generated against a base file (with their exact post-image), the structural and
 * whitespace damage web archives and mail clients do to them, and C the parser cannot read.
 * Nothing of the kernel or the seeds is stored here: the bases and seeds are read at run time.
 */
import fc from 'fast-check';

// ---------------------------------------------------------------- bytes and mutated documents

/** Random bytes read as the server would get them: UTF-8 (invalid sequences replaced) or Latin-1. */
export const randomDocument: fc.Arbitrary<string> = fc
  .tuple(fc.uint8Array({ maxLength: 4096 }), fc.constantFrom<BufferEncoding>('utf8', 'latin1'))
  .map(([bytes, enc]) => Buffer.from(bytes).toString(enc));

/** A document cut at a byte offset (a multi-byte UTF-8 character may be split). */
export function cutAtByte(doc: Buffer, offset: number): string {
  return doc.subarray(0, offset).toString('utf8');
}

/** One corruption of a document: a byte changed, a range deleted or duplicated, lines swapped, text inserted. */
type Corruption =
  | { kind: 'set-byte'; at: number; byte: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'swap-lines'; a: number; b: number }
  | { kind: 'insert'; at: number; text: string };

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant('set-byte' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('swap-lines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('@@ -1,3 +1,4 @@\n', '\n', '\\ No newline at end of file\n', '-- \n', '---\n', 'diff --git a/kernel/kcov.c b/kernel/kcov.c\n', '+++ b/kernel/kcov.c\n', '--- a/kernel/kcov.c\n', '\r', '\u0000', '\t', 'From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\n', '@@ -999999999,1 +0,0 @@\n', '@@ -0,0 +1 @@\n', '+}\n', ' {\n', '#endif\n') }),
);

function applyCorruption(doc: Buffer, c: Corruption): Buffer {
  const n = doc.length;
  if (n === 0) return c.kind === 'insert' ? Buffer.from(c.text) : doc;
  switch (c.kind) {
    case 'set-byte': { const out = Buffer.from(doc); out[c.at % n] = c.byte; return out; }
    case 'delete': { const at = c.at % n; return Buffer.concat([doc.subarray(0, at), doc.subarray(at + c.length)]); }
    case 'duplicate': { const at = c.at % n; return Buffer.concat([doc.subarray(0, at + c.length), doc.subarray(at)]); }
    case 'insert': { const at = c.at % (n + 1); return Buffer.concat([doc.subarray(0, at), Buffer.from(c.text), doc.subarray(at)]); }
    case 'swap-lines': {
      const lines = doc.toString('latin1').split('\n');
      const a = c.a % lines.length;
      const b = c.b % lines.length;
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return Buffer.from(lines.join('\n'), 'latin1');
    }
  }
}

/** A document with 1–8 corruptions applied in turn, read as UTF-8. */
export function corrupted(doc: Buffer): fc.Arbitrary<string> {
  return fc.array(corruption, { minLength: 1, maxLength: 8 }).map((cs) => cs.reduce(applyCorruption, doc).toString('utf8'));
}

// ---------------------------------------------------------------- generated patches

/** One hunk of a generated patch, against 0-based base lines [start, start + oldLines.length). */
export interface GeneratedHunk {
  start: number;
  lines: { kind: ' ' | '-' | '+'; text: string }[];
}

export interface GeneratedPatch {
  hunks: GeneratedHunk[];
  /** The base with every hunk applied. */
  post: string[];
  /** The new side's last line has no newline (the diff carries `\ No newline at end of file`). */
  noNewlineAtEnd: boolean;
}

/** Added lines in kcov.c's style (tabs, kernel primitives, a block comment, blank lines). */
const ADDED_LINE = fc.constantFrom(
  '\tsmp_wmb();', '\tbarrier();', '\tWRITE_ONCE(*(unsigned long *)area, 0);', '\tif (!kcov)', '\t\treturn;',
  '\tlocal_lock_irqsave(&kcov_percpu_data.lock, flags);', '\tlocal_unlock_irqrestore(&kcov_percpu_data.lock, flags);',
  '\t/*', '\t * A comment the patch adds, long enough to be wrapped by a web archive at seventy-two columns.', '\t */',
  '', '\tswitch (mode) {', '\tcase KCOV_MODE_TRACE_PC:', '\t\tbreak;', '\t}', '\tspin_lock(&kcov->lock);', '\tspin_unlock(&kcov->lock);',
  '\tkcov->sequence++;  /* trailing  spaces */  ', '\tmemcpy(dst, src, len);', 'static int kcov_fuzz_added;',
);

interface HunkPlan { at: number; before: number; removed: number; added: string[]; after: number }

const hunkPlan: fc.Arbitrary<HunkPlan> = fc.record({
  at: fc.nat(),
  before: fc.integer({ min: 0, max: 3 }),
  removed: fc.integer({ min: 0, max: 3 }),
  added: fc.array(ADDED_LINE, { maxLength: 4 }),
  after: fc.integer({ min: 0, max: 3 }),
});

/**
 * 1–3 non-overlapping hunks at random places of `base` (kept two lines apart so that no tool merges
 * them), each with 0–3 context lines either side, 0–3 removed and 0–4 added lines (at least one
 * change); optionally the last hunk reaches the end of the file and drops its final newline.
 */
export function generatedPatch(base: readonly string[]): fc.Arbitrary<GeneratedPatch> {
  return fc.tuple(fc.array(hunkPlan, { minLength: 1, maxLength: 3 }), fc.boolean()).map(([plans, noNewline]) => buildPatch(base, plans, noNewline));
}

function buildPatch(base: readonly string[], plans: readonly HunkPlan[], wantNoNewline: boolean): GeneratedPatch {
  const sorted = plans.map((p) => ({ ...p, at: p.at % Math.max(1, base.length) })).sort((a, b) => a.at - b.at);
  const hunks: GeneratedHunk[] = [];
  let free = 0;
  for (const p of sorted) {
    const added = p.removed === 0 && p.added.length === 0 ? ['\tsmp_mb();'] : p.added;
    const start = Math.max(p.at - p.before, free);
    const changeAt = Math.min(start + p.before, base.length);
    const removed = Math.min(p.removed, base.length - changeAt);
    const afterEnd = Math.min(changeAt + removed + p.after, base.length);
    if (changeAt < free) continue;
    const lines: GeneratedHunk['lines'] = [];
    for (let i = start; i < changeAt; i++) lines.push({ kind: ' ', text: base[i] });
    for (let i = changeAt; i < changeAt + removed; i++) lines.push({ kind: '-', text: base[i] });
    for (const a of added) lines.push({ kind: '+', text: a });
    for (let i = changeAt + removed; i < afterEnd; i++) lines.push({ kind: ' ', text: base[i] });
    if (lines.every((l) => l.kind === ' ')) continue;
    hunks.push({ start, lines });
    free = afterEnd + 2;
  }
  if (hunks.length === 0) hunks.push({ start: 0, lines: [{ kind: '+', text: '/* added at the top */' }, ...(base.length > 0 ? [{ kind: ' ' as const, text: base[0] }] : [])] });
  const last = hunks[hunks.length - 1];
  const lastOldEnd = last.start + last.lines.filter((l) => l.kind !== '+').length;
  // Only an added last line can lose its newline without the base's last line changing too.
  const noNewlineAtEnd = wantNoNewline && lastOldEnd === base.length && last.lines[last.lines.length - 1].kind === '+';
  return { hunks, post: applyGenerated(base, hunks), noNewlineAtEnd };
}

export function applyGenerated(base: readonly string[], hunks: readonly GeneratedHunk[]): string[] {
  const out: string[] = [];
  let at = 0;
  for (const h of hunks) {
    while (at < h.start) out.push(base[at++]);
    for (const l of h.lines) {
      if (l.kind !== '-') out.push(l.text);
      if (l.kind !== '+') at++;
    }
  }
  while (at < base.length) out.push(base[at++]);
  return out;
}

/** The `@@` line of a hunk, with counts as `git diff` writes them. */
export function hunkHeader(h: GeneratedHunk, shift: number): string {
  const oldCount = h.lines.filter((l) => l.kind !== '+').length;
  const newCount = h.lines.filter((l) => l.kind !== '-').length;
  const oldStart = oldCount === 0 ? h.start : h.start + 1;
  const newStart = newCount === 0 ? h.start + shift : h.start + 1 + shift;
  return `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`;
}

/** The diff body (from `diff --git` on) of a generated patch to `path`. */
export function diffText(p: GeneratedPatch, path = 'kernel/kcov.c'): string[] {
  const out = [`diff --git a/${path} b/${path}`, 'index 0123456789ab..ba9876543210 100644', `--- a/${path}`, `+++ b/${path}`];
  let shift = 0;
  p.hunks.forEach((h, k) => {
    out.push(hunkHeader(h, shift));
    h.lines.forEach((l) => out.push(l.kind + l.text));
    if (k === p.hunks.length - 1 && p.noNewlineAtEnd) out.push('\\ No newline at end of file');
    shift += h.lines.filter((l) => l.kind === '+').length - h.lines.filter((l) => l.kind === '-').length;
  });
  return out;
}

// ---------------------------------------------------------------- mail around a diff

/** Subjects: ASCII, UTF-8, 8-bit (Latin-1 characters), and RFC 2047 encoded words. */
export interface Subject { header: string; decoded: string | null }

const subjectText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 30 }),
  fc.constantFrom('kcov: smp_wmb() in kcov_move_area()', 'kcov: fix the count’s ordering — “publish” after memcpy()', 'kcov: Ümlaute und Straße'),
).map((s) => s.replace(/[\r\n]/g, ' ').replace(/=\?/g, '= ?'));

function qEncode(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (b > 0x20 && b < 0x7f && b !== 0x3d && b !== 0x3f && b !== 0x5f ? String.fromCharCode(b) : b === 0x20 ? '_' : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

export const subject: fc.Arbitrary<Subject> = fc.tuple(subjectText, fc.constantFrom('raw', 'b', 'q', 'broken')).map(([s, how]): Subject => {
  const plain = `[PATCH] ${s}`;
  if (how === 'raw') return { header: plain, decoded: plain.trim() };
  if (how === 'b') return { header: `[PATCH] =?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`, decoded: plain.trim() };
  if (how === 'q') return { header: `[PATCH] =?utf-8?q?${qEncode(s)}?=`, decoded: plain.trim() };
  return { header: `[PATCH] =?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64').slice(1)}!?= =?x-unknown?Q?=ZZ?=`, decoded: null };
});

export type Wrapping = 'bare' | 'format-patch' | 'archive';

export function wrapMail(diff: readonly string[], how: Wrapping, subj: Subject): string[] {
  if (how === 'bare') return [...diff];
  const message = ['Publish the entries before the count.', '', 'Signed-off-by: A U Thor <author@example.org>', '---', ' kernel/kcov.c | 2 +-', ' 1 file changed', ''];
  if (how === 'format-patch') {
    return ['From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001', 'From: A U Thor <author@example.org>', 'Date: Wed, 16 Jul 2025 22:49:53 -0400', `Subject: ${subj.header}`, '', ...message, ...diff, '-- ', '2.34.1', ''];
  }
  return [subj.header, '', 'From: A U Thor', 'Date: Wed Jul 16 2025 - 22:49:53 EST', '', '', ...message, ...diff, '--', '2.34.1'];
}

/** Extra file sections a series carries: binary patches, renames, mode-only changes. */
export const otherSection = fc.constantFrom(
  { code: 'binary-patch', lines: ['diff --git a/Documentation/kcov.png b/Documentation/kcov.png', 'index 0000000000..1111111111 100644', 'GIT binary patch', 'literal 5', 'McmZ?wbhEHbc?1BB', '', 'literal 0', 'HcmV?d00001', ''] },
  { code: 'binary-patch', lines: ['diff --git a/tools/kcov.bin b/tools/kcov.bin', 'index 2222222222..3333333333 100644', 'Binary files a/tools/kcov.bin and b/tools/kcov.bin differ'] },
  { code: 'no-hunks', lines: ['diff --git a/kernel/kcov_old.c b/kernel/kcov_new.c', 'similarity index 100%', 'rename from kernel/kcov_old.c', 'rename to kernel/kcov_new.c'] },
  { code: 'no-hunks', lines: ['diff --git a/scripts/kcov.sh b/scripts/kcov.sh', 'old mode 100644', 'new mode 100755'] },
);

// ---------------------------------------------------------------- structural damage

/** Damage a diff's structure: counts off, `+++` line missing, CRLF line ends, a misplaced marker. */
export type StructuralDamage = 'none' | 'wrong-counts' | 'missing-plus-plus-plus' | 'crlf' | 'crlf-some' | 'stray-no-newline';

export const structuralDamage = fc.constantFrom<StructuralDamage>('none', 'wrong-counts', 'missing-plus-plus-plus', 'crlf', 'crlf-some', 'stray-no-newline');

export function damageStructure(lines: readonly string[], kind: StructuralDamage, pick: number): string[] {
  const out = [...lines];
  if (kind === 'wrong-counts') {
    return out.map((l) => l.replace(/^@@ -(\d+),(\d+) \+(\d+),(\d+) @@/, (_m, a: string, b: string, c: string, d: string) => `@@ -${a},${Number(b) + (pick % 3) + 1} +${c},${Math.max(0, Number(d) - (pick % 2) - 1)} @@`));
  }
  if (kind === 'missing-plus-plus-plus') return out.filter((l) => !l.startsWith('+++ '));
  if (kind === 'crlf') return out.map((l) => l + '\r');
  if (kind === 'crlf-some') return out.map((l, i) => ((i + pick) % 3 === 0 ? l + '\r' : l));
  if (kind === 'stray-no-newline') {
    const bodyLines = out.map((l, i) => (/^[ +-]/.test(l) && !/^(\+\+\+|---) /.test(l) ? i : -1)).filter((i) => i >= 0);
    if (bodyLines.length > 0) out.splice(bodyLines[pick % bodyLines.length] + 1, 0, '\\ No newline at end of file');
  }
  return out;
}

// ---------------------------------------------------------------- whitespace damage (web archives)

export interface WhitespaceDamage {
  /** Tabs replaced by a fixed run of spaces, or expanded to the next 8-column stop (as `expand` does). */
  tabsToSpaces: 'none' | 'one' | 'four' | 'eight' | 'tab-stops';
  /** Runs of blanks after the line's first character collapsed to one space (HTML rendering). */
  blankRunsCollapsed: boolean;
  /** The indentation after the diff prefix dropped entirely. */
  indentationLost: boolean;
  contextPrefixStripped: boolean;
  wrapAt: number | null;
  blankLinesDropped: boolean;
  trailingStripped: boolean;
  /** Trailing spaces added (format=flowed marks soft line breaks so). */
  trailingAdded: boolean;
  nbsp: boolean;
  /** Share of eligible lines each damage hits, in 1/8. */
  rate: number;
}

export const whitespaceDamage: fc.Arbitrary<WhitespaceDamage> = fc.record({
  tabsToSpaces: fc.constantFrom('none', 'one', 'four', 'eight', 'tab-stops'),
  blankRunsCollapsed: fc.boolean(),
  indentationLost: fc.boolean(),
  contextPrefixStripped: fc.boolean(),
  wrapAt: fc.option(fc.integer({ min: 40, max: 80 }), { nil: null }),
  blankLinesDropped: fc.boolean(),
  trailingStripped: fc.boolean(),
  trailingAdded: fc.boolean(),
  nbsp: fc.boolean(),
  rate: fc.integer({ min: 1, max: 8 }),
});

function wrapLine(line: string, at: number): string[] {
  if (line.length <= at) return [line];
  const cut = line.lastIndexOf(' ', at);
  if (cut <= 1) return [line];
  return [line.slice(0, cut), ...wrapLine(line.slice(cut + 1), at)];
}

/** Tabs expanded to the next multiple-of-8 column, columns counted from the line's start. */
function expandTabs(line: string): string {
  let out = '';
  for (const ch of line) out += ch === '\t' ? ' '.repeat(8 - (out.length % 8)) : ch;
  return out;
}

const FIXED_TAB: Record<'one' | 'four' | 'eight', string> = { one: ' ', four: '    ', eight: '        ' };

/** Applies the damage to the hunk bodies of a document (headers and `@@` lines are left alone,
 *  as archives leave them); `salt` picks which lines a partial rate hits. */
export function damageWhitespace(lines: readonly string[], d: WhitespaceDamage, salt: number): string[] {
  const out: string[] = [];
  let inHunk = false;
  lines.forEach((line, i) => {
    if (line.startsWith('@@ ')) { inHunk = true; out.push(line); return; }
    if (line.startsWith('diff --git ') || line === '--' || line === '-- ') inHunk = false;
    if (!inHunk || line.startsWith('\\')) { out.push(line); return; }
    const hit = ((i * 2654435761 + salt) >>> 0) % 8 < d.rate;
    let l = line;
    const tabs = d.tabsToSpaces;
    if (hit) {
      if (tabs === 'tab-stops') l = expandTabs(l);
      else if (tabs !== 'none') l = l.replace(/\t/g, FIXED_TAB[tabs]);
    }
    if (hit && d.indentationLost) l = l.slice(0, 1) + l.slice(1).replace(/^[ \t]+/, '');
    if (hit && d.blankRunsCollapsed) l = l.slice(0, 1) + l.slice(1).replace(/[ \t]+/g, ' ');
    if (hit && d.contextPrefixStripped && l.startsWith(' ')) l = l.slice(1);
    if (hit && d.trailingStripped) l = l.trimEnd();
    if (hit && d.trailingAdded) l = `${l} `;
    if (hit && d.nbsp) l = l.slice(0, 1) + l.slice(1).replace(/ /g, '\u00a0');
    if (d.blankLinesDropped && hit && l.trim() === '') return;
    if (d.wrapAt !== null && hit) out.push(...wrapLine(l, d.wrapAt));
    else out.push(l);
  });
  return out;
}

// ---------------------------------------------------------------- C the parser cannot read

export type BrokenC = { kind: 'unbalanced-open' | 'unbalanced-close' | 'unterminated-comment' | 'if-without-endif' | 'endif-without-if' | 'deep-braces' | 'deep-parens' | 'deep-ifs' | 'unterminated-string'; at: number; depth: number };

export const brokenC: fc.Arbitrary<BrokenC> = fc.record({
  kind: fc.constantFrom('unbalanced-open', 'unbalanced-close', 'unterminated-comment', 'if-without-endif', 'endif-without-if', 'deep-braces', 'deep-parens', 'deep-ifs', 'unterminated-string'),
  at: fc.nat(),
  // 10 000 deep in one case in ten: such a file costs the parser's error recovery most.
  depth: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(10, 100) }, { weight: 1, arbitrary: fc.constant(10_000) }),
});

/** A function nested `depth` deep (braces, parentheses or if-statements), unbalanced on request. */
export function deepFunction(kind: 'deep-braces' | 'deep-parens' | 'deep-ifs', depth: number, balanced: boolean): string[] {
  const close = balanced ? depth : Math.floor(depth / 2);
  if (kind === 'deep-braces') return ['static void kcov_deep(void)', '{', '{'.repeat(depth), '\tkcov_fuzz_added++;', '}'.repeat(close), '}'];
  if (kind === 'deep-parens') return ['static int kcov_deep(int x)', '{', `\treturn ${'('.repeat(depth)}x${')'.repeat(close)};`, '}'];
  return ['static void kcov_deep(int x)', '{', ...Array.from({ length: depth }, () => 'if (x) {'), '\tx++;', ...Array.from({ length: close }, () => '}'), '}'];
}

/** Lines to insert at `c.at` into C text (or the whole of a deep function). */
export function brokenLines(c: BrokenC): string[] {
  switch (c.kind) {
    case 'unbalanced-open': return ['\tif (kcov) {'];
    case 'unbalanced-close': return ['\t}', '}'];
    case 'unterminated-comment': return ['/* this comment is never closed'];
    case 'if-without-endif': return ['#ifdef CONFIG_KCOV_FUZZ_NEVER_CLOSED'];
    case 'endif-without-if': return ['#endif'];
    case 'unterminated-string': return ['\tpr_err("never closed);'];
    default: return deepFunction(c.kind, c.depth, c.at % 2 === 0);
  }
}

/** `lines` with the broken C inserted at a place picked by `c.at`. */
export function breakC(lines: readonly string[], c: BrokenC): string[] {
  const at = c.at % (lines.length + 1);
  return [...lines.slice(0, at), ...brokenLines(c), ...lines.slice(at)];
}
