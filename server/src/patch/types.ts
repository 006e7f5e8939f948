/**
 * Data produced by the patch stage: what a mail or diff says, with the damage that was repaired,
 * and where each hunk lands in the kernel tree. Lines are 0-based document lines unless a name
 * says otherwise (`...Line1` = 1-based line in a source file, as in `@@` headers).
 */

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A problem with the input itself (not a finding about kcov), shown on a document line. */
export interface Problem {
  code: string;
  severity: Severity;
  message: string;
  /** 0-based line of the document the problem is about. */
  line: number;
}

export interface MailHeaders {
  subject: string | null;
  from: string | null;
  date: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string | null;
}

export type LineKind = ' ' | '-' | '+';

/** Kinds of whitespace damage that web mail archives do to patches. */
export type DamageKind =
  | 'context-prefix-lost'
  | 'tabs-collapsed'
  | 'blank-context-dropped'
  | 'hunk-count-mismatch'
  | 'trailing-whitespace-stripped'
  | 'crlf-line-ends'
  | 'no-newline-marker';

export interface HunkLine {
  kind: LineKind;
  /** The line's text without its prefix; once the hunk is located, the base's exact text for context
   *  and removed lines, and the re-indented text for damaged added lines. */
  text: string;
  /** 0-based document line; null for a line the recovery inserted (a dropped blank context line). */
  docLine: number | null;
  /** What the patch showed when it differs from `text` (whitespace damage that was repaired). */
  damagedText?: string;
  /** The line was followed by `\ No newline at end of file`. */
  noNewline?: boolean;
}

export interface Hunk {
  /** The `@@ ... @@` line as written. */
  header: string;
  /** 0-based document line of the `@@` header. */
  headerLine: number;
  /** Counts as the header declares them (may disagree with the lines when the patch is damaged). */
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  /** Text after the second `@@` (usually the enclosing function). */
  section: string;
  lines: HunkLine[];
  /** What recovery had to repair in this hunk (empty for a well-formed hunk). */
  damage: DamageKind[];
}

export interface FilePatch {
  oldPath: string | null;
  newPath: string | null;
  /** The path the hunks apply to (new path, else old path), without a/ b/ prefixes. */
  path: string;
  /** Blob ids from the `index abc..def` line, when present. */
  oldBlob: string | null;
  newBlob: string | null;
  /** 0-based document line of `diff --git` (or `---` for plain diffs). */
  headerLine: number;
  binary: boolean;
  /** Why `git apply` would refuse this section whatever the repair does (patch/diff.ts gitRefusal), or null. */
  gitRefusal: string | null;
  hunks: Hunk[];
}

export interface Patch {
  /** Position in the series, 0-based. */
  index: number;
  headers: MailHeaders;
  /** 0-based document line holding the subject (mail header or web-archive title), or null. */
  subjectLine: number | null;
  /** 0-based document lines of the whole patch (inclusive start, exclusive end). */
  startLine: number;
  endLine: number;
  /** 0-based line where the commit message starts and the `---` separator (null when absent). */
  messageLine: number | null;
  separatorLine: number | null;
  files: FilePatch[];
}

export interface PatchSeries {
  patches: Patch[];
  /** Problems with the input: damage, unparsable parts, binary content... */
  problems: Problem[];
}

/** How a hunk was found in the base file. */
export type MatchHow = 'exact' | 'offset' | 'whitespace' | 'fuzz';

export interface HunkLocation {
  located: true;
  how: MatchHow;
  /** 1-based line in the base file of the hunk's first old-side line. */
  baseLine1: number;
  /** Difference between where the header said and where it matched. */
  offset: number;
  /** Context lines dropped at (start, end) when matched with fuzz. */
  fuzz: [number, number];
}

export interface HunkMiss {
  located: false;
  /** One sentence: why it does not apply. */
  reason: string;
  /** The closest place in the base (1-based) and the old-side lines that differ there. */
  closest: { baseLine1: number; differing: { expected: string; found: string | null }[] } | null;
}

export interface LocatedHunk {
  patchIndex: number;
  file: FilePatch;
  hunk: Hunk;
  where: HunkLocation | HunkMiss;
}

/** One version of a source file, as text split into lines. */
export interface SourceImage {
  path: string;
  text: string;
  /** Content hash, used to cache parses and views. */
  hash: string;
}

/** One direction of a line correspondence: the line a 0-based line corresponds to, if any. */
export interface LineLookup {
  get(line: number): number | undefined;
}

/**
 * Exact line correspondence between the patch document and the two images of one file.
 * All maps are keyed and valued by 0-based lines (document lines, image lines).
 */
export interface LineMap {
  patchToPre: Map<number, number>;
  patchToPost: Map<number, number>;
  preToPatch: Map<number, number>;
  postToPatch: Map<number, number>;
  /** Pre-image line → post-image line for lines the patch leaves unchanged (every line of the file
   *  but those the hunks change: indexed, not hashed). */
  preToPost: LineLookup;
  postToPre: LineLookup;
}

export interface ImagePair {
  path: string;
  pre: SourceImage;
  post: SourceImage;
  map: LineMap;
  /** Where the base came from: the working tree file, a git blob, or only the hunks' own lines. */
  baseFrom: 'tree' | 'git-blob' | 'hunks-only';
}
