/**
 * Lexical masks of C text: copies of the text, of the same length and with the same line breaks,
 * where comments (and, in `code`, the contents of string and character literals) are spaces.
 * Scanning a mask with regular expressions finds only real code, at the real positions.
 */
import { changedSpan, RecentTexts, type ChangedSpan } from './textSpan';

export interface LexMask {
  /** Comments replaced by spaces; literals kept. */
  noComments: string;
  /** Comments and the contents of string/char literals replaced by spaces (quotes kept). */
  code: string;
  /** Per 0-based line: does the line end inside a block comment? */
  endsInComment: readonly boolean[];
}

type LexState = 'code' | 'line-comment' | 'block-comment' | 'string' | 'char';

/** Replace every character except line breaks with a space (keeps positions). A line without `\r`
 *  is spaces of its length; several lines are blanked one at a time (a global replace over a long
 *  run of lines builds its result character by character: a comment edit of seed 000 allocated 3.22
 *  MB instead of 2.77 that way). */
export function blank(s: string): string {
  if (s.indexOf('\n') >= 0) return s.split('\n').map(blank).join('\n');
  return s.indexOf('\r') < 0 ? ' '.repeat(s.length) : s.replace(/[^\r]/g, ' ');
}

/** Is the newline at `nl` preceded by a backslash (optionally followed by `\r`)? */
export function isSpliced(text: string, nl: number): boolean {
  let j = nl - 1;
  if (j >= 0 && text[j] === '\r') j--;
  return j >= 0 && text[j] === '\\';
}

/** Split into lines on `\n`; a `\r` before it stays in the line (its length is kept). */
export function splitLines(text: string): string[] {
  return text.split('\n');
}

/** How many lines `text` has, as splitLines counts them (without making them). */
export function lineCount(text: string): number {
  let count = 1;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) count++;
  return count;
}

const NL = 10;
const CR = 13;
const SPACE = 32;
const DQUOTE = 34;
const SQUOTE = 39;
const STAR = 42;
const SLASH = 47;
const BACKSLASH = 92;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A string from UTF-16 code units, exactly (lone surrogates kept: Node's utf16le decoder copies). */
function fromCodes(codes: Uint16Array): string {
  if (LITTLE_ENDIAN) return Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength).toString('utf16le');
  const parts: string[] = [];
  for (let i = 0; i < codes.length; i += 4096) parts.push(String.fromCharCode.apply(null, Array.from(codes.subarray(i, i + 4096))));
  return parts.join('');
}

/** Where a scan writes: the masks of the code units from `offset` on, and a flag per line break. */
interface ScanOutput {
  offset: number;
  noComments: Uint16Array;
  code: Uint16Array;
  endsInComment: boolean[];
}

/**
 * Lexes `text` from `from` (a line start) in `state`, writing both masks, until the end of the text
 * or of the output, or until `stopAfter(nl, state)` accepts a line break just processed. Returns
 * where it stopped (the index after that line break, or the end), the state there and whether
 * `stopAfter` stopped it.
 */
function scan(text: string, from: number, state: LexState, out: ScanOutput, stopAfter: ((nl: number, state: LexState) => boolean) | null): { end: number; state: LexState; stopped: boolean } {
  const n = Math.min(text.length, out.offset + out.noComments.length);
  const noComments = out.noComments;
  const code = out.code;
  const o = out.offset;
  const both = (i: number, c: number): void => {
    noComments[i - o] = c;
    code[i - o] = c;
  };
  for (let i = from; i < n; i++) {
    const ch = text.charCodeAt(i);
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : -1;
    if (ch === NL) {
      // A line comment continues past a backslash-newline; literals do too (line splice).
      const spliced = isSpliced(text, i);
      if ((state === 'line-comment' || state === 'string' || state === 'char') && !spliced) state = 'code';
      out.endsInComment.push(state === 'block-comment');
      both(i, NL);
      if (stopAfter?.(i, state)) return { end: i + 1, state, stopped: true };
      continue;
    }
    if (ch === CR) {
      both(i, CR);
      continue;
    }
    switch (state) {
      case 'code':
        if (ch === SLASH && next === SLASH) {
          state = 'line-comment';
          both(i, SPACE);
        } else if (ch === SLASH && next === STAR) {
          state = 'block-comment';
          both(i, SPACE);
          if (i + 1 < n) both(i + 1, SPACE);
          i++;
        } else {
          if (ch === DQUOTE) state = 'string';
          else if (ch === SQUOTE) state = 'char';
          both(i, ch);
        }
        break;
      case 'line-comment':
        both(i, SPACE);
        break;
      case 'block-comment':
        both(i, SPACE);
        if (ch === STAR && next === SLASH) {
          state = 'code';
          if (i + 1 < n) both(i + 1, SPACE);
          i++;
        }
        break;
      case 'string':
      case 'char': {
        const quote = state === 'string' ? DQUOTE : SQUOTE;
        if (ch === BACKSLASH && next !== -1 && next !== NL && next !== CR) {
          noComments[i - o] = ch;
          code[i - o] = SPACE;
          if (i + 1 < n) {
            noComments[i + 1 - o] = next;
            code[i + 1 - o] = SPACE;
          }
          i++;
        } else if (ch === quote) {
          state = 'code';
          both(i, ch);
        } else {
          noComments[i - o] = ch;
          code[i - o] = ch === BACKSLASH ? ch : SPACE;
        }
        break;
      }
    }
  }
  return { end: n, state, stopped: false };
}

/** lexMaskFresh code unit by code unit (the state machine the incremental lexing uses): the
 *  reference lexMaskFresh must equal (tests). */
export function lexMaskByUnits(text: string): LexMask {
  const out: ScanOutput = { offset: 0, noComments: new Uint16Array(text.length), code: new Uint16Array(text.length), endsInComment: [] };
  const { state } = scan(text, 0, 'code', out, null);
  out.endsInComment.push(state === 'block-comment');
  return { noComments: fromCodes(out.noComments), code: fromCodes(out.code), endsInComment: out.endsInComment };
}

/** Where code meets what the lexer must look at: a comment opener, a quote, a line break. */
const CODE_STOP = /\/[/*]|["'\n]/g;

/** The first line break at or after `from` that no backslash splices (a line comment or a literal
 *  ends there), or -1. */
function unsplicedLineEnd(text: string, from: number): number {
  let nl = text.indexOf('\n', from);
  while (nl >= 0 && isSpliced(text, nl)) nl = text.indexOf('\n', nl + 1);
  return nl;
}

/** Pushes `inComment` once per line break of text[from, to). */
function lineEnds(text: string, from: number, to: number, inComment: boolean, ends: boolean[]): void {
  for (let nl = text.indexOf('\n', from); nl >= 0 && nl < to; nl = text.indexOf('\n', nl + 1)) ends.push(inComment);
}

/**
 * The body of a string or character literal opened by the quote at `open`, as its code mask (the
 * quotes kept; escapes and other contents blanked, except a backslash that escapes nothing, line
 * breaks and carriage returns) and where it ends: after its closing quote, or at the line break
 * (not spliced) or the end of text that leaves it unterminated.
 */
function literalAt(text: string, open: number): { end: number; code: string } {
  const quote = text.charCodeAt(open);
  let code = text[open];
  for (let i = open + 1; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === NL) {
      if (!isSpliced(text, i)) return { end: i, code };
      code += '\n';
    } else if (ch === CR) code += '\r';
    else if (ch === BACKSLASH) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : -1;
      if (next !== -1 && next !== NL && next !== CR) {
        code += '  ';
        i++;
      } else code += '\\';
    } else if (ch === quote) return { end: i + 1, code: code + text[i] };
    else code += ' ';
  }
  return { end: text.length, code };
}

/**
 * Both masks from scratch. Never throws: unterminated comments run to the end of the text,
 * unterminated literals to the end of their line (as a C lexer would report); every input code unit
 * gives one output code unit at the same index. The result is lexMaskByUnits's, but a run of plain
 * code is found by one regular-expression search and copied as one slice: in a short-lived process,
 * where V8 runs the code-unit loop without its optimizing compiler (bin/kcov-review.js), this is
 * several times faster.
 */
export function lexMaskFresh(text: string): LexMask {
  const noComments: string[] = [];
  const code: string[] = [];
  const ends: boolean[] = [];
  const stop = new RegExp(CODE_STOP.source, 'g');
  let at = 0;
  let inComment = false;
  while (at < text.length) {
    stop.lastIndex = at;
    const m = stop.exec(text);
    const to = m ? m.index : text.length;
    if (to > at) {
      const run = text.slice(at, to);
      noComments.push(run);
      code.push(run);
    }
    if (!m) break;
    const token = m[0];
    if (token === '\n') {
      noComments.push('\n');
      code.push('\n');
      ends.push(false);
      at = to + 1;
    } else if (token === '//') {
      const nl = unsplicedLineEnd(text, to);
      const end = nl < 0 ? text.length : nl;
      const blanked = blank(text.slice(to, end));
      noComments.push(blanked);
      code.push(blanked);
      lineEnds(text, to, end, false, ends);
      at = end;
    } else if (token === '/*') {
      const close = text.indexOf('*/', to + 2);
      const end = close < 0 ? text.length : close + 2;
      const blanked = blank(text.slice(to, end));
      noComments.push(blanked);
      code.push(blanked);
      lineEnds(text, to, end, true, ends);
      inComment = close < 0;
      at = end;
    } else {
      const literal = literalAt(text, to);
      noComments.push(text.slice(to, literal.end));
      code.push(literal.code);
      lineEnds(text, to, literal.end, false, ends);
      at = literal.end;
    }
  }
  ends.push(inComment);
  return { noComments: noComments.join(''), code: code.join(''), endsInComment: ends };
}

/** Masks of the texts masked last, newest first: the bases of the masks of close texts (the next
 *  version of a document's post-image, its preprocessed and parsed texts). Texts longer than
 *  RECENT_MASK_LIMIT are not kept (each entry holds three copies of its text). */
const recentMasks = new RecentTexts<{ text: string; mask: LexMask }>(6);
const RECENT_MASK_LIMIT = 4 * 1024 * 1024;

/** Line breaks in text[from, to). */
function countLines(text: string, from: number, to: number): number {
  let count = 0;
  for (let nl = text.indexOf('\n', from); nl !== -1 && nl < to; nl = text.indexOf('\n', nl + 1)) count++;
  return count;
}

/**
 * The masks of `text` from those of a close text: the two share text[0, span.startIndex) and their
 * ends from span's end on. Lexing restarts at the start of the line holding the change (whose state
 * is the one the base had there: code, or inside a block comment; spliced lines are stepped back
 * over) and stops at the first line break past the change where the state is again the base's; the
 * rest is the base's masks. Null when that point is not within 8 KiB past the change (redo it all).
 */
function lexMaskFrom(base: { text: string; mask: LexMask }, text: string, span: ChangedSpan): LexMask | null {
  let restart = text.lastIndexOf('\n', span.startIndex - 1) + 1;
  while (restart > 0 && isSpliced(text, restart - 1)) restart = text.lastIndexOf('\n', restart - 2) + 1;
  const line = countLines(text, 0, restart);
  const old = base.mask;
  const state: LexState = line > 0 && old.endsInComment[line - 1] ? 'block-comment' : 'code';
  const shift = span.newEndIndex - span.oldEndIndex;
  const lineShift = countLines(base.text, span.startIndex, span.oldEndIndex) - countLines(text, span.startIndex, span.newEndIndex);
  const window = Math.min(text.length - restart, span.newEndIndex - restart + 8192);
  const out: ScanOutput = { offset: restart, noComments: new Uint16Array(window), code: new Uint16Array(window), endsInComment: [] };
  // Past the change (and the two code units a splice test looks back at), a line break ends the same
  // state in both texts when neither is spliced there and both are, or are not, in a block comment.
  const resynced = (nl: number, now: LexState): boolean =>
    nl >= span.newEndIndex + 2 && (now === 'block-comment' || (now === 'code' && !isSpliced(text, nl))) && (now === 'block-comment') === old.endsInComment[line + out.endsInComment.length - 1 + lineShift];
  const scanned = scan(text, restart, state, out, resynced);
  if (!scanned.stopped && scanned.end < text.length) return null; // the window ran out
  const lexed = scanned.end - restart;
  const join = (before: string, part: Uint16Array): string =>
    before.slice(0, restart) + fromCodes(part.subarray(0, lexed)) + (scanned.stopped ? before.slice(scanned.end - shift) : '');
  const lines = out.endsInComment.length;
  const endsInComment = old.endsInComment.slice(0, line).concat(out.endsInComment, scanned.stopped ? old.endsInComment.slice(line + lines + lineShift) : [scanned.state === 'block-comment']);
  return { noComments: join(old.noComments, out.noComments), code: join(old.code, out.code), endsInComment };
}

let incrementalMasks = 0;

/** How many masks were made from a close text's (for tests). */
export function incrementalMaskCount(): number {
  return incrementalMasks;
}

/** Both masks of a text (see lexMaskFresh), from the masks of a recent close text when there is one. */
export function lexMask(text: string): LexMask {
  const same = recentMasks.exact(text);
  if (same) return same.mask;
  const close = recentMasks.closest(text);
  const incremental = close ? lexMaskFrom(close.base, text, close.span) : null;
  if (incremental) incrementalMasks++;
  const mask = incremental ?? lexMaskFresh(text);
  if (text.length <= RECENT_MASK_LIMIT) {
    recentMasks.add({ text, mask });
  }
  return mask;
}

/** The shape of C code: comments removed, runs of blanks collapsed, lines trimmed, line breaks kept.
 *  Texts with one shape differ only in comments and spacing (keys of the model's caches). */
export function codeShape(text: string): string {
  return lexMask(text).noComments.replace(/[ \t]+/g, ' ').replace(/ ?\n ?/g, '\n').trim();
}

/** The shape of a run of whole lines (codeShape without the trim of the text's ends). */
function linesShape(lines: string): string {
  return lines.replace(/[ \t]+/g, ' ').replace(/ ?\n ?/g, '\n').replace(/^ /, '').replace(/ $/, '');
}

/**
 * Whether two texts have one code shape, from their comment-free masks (LexMask.noComments) and only
 * the lines where these differ: codeShape shapes each line on its own, then trims the text's ends,
 * so when the differing lines shape alike so do the texts. False may also mean "not alike there"
 * (blank lines at an end that the trim would drop); the caller then compares the whole shapes.
 */
export function sameShapeByLines(before: string, after: string): boolean {
  const span = changedSpan(before, after);
  const start = before.lastIndexOf('\n', span.startIndex - 1) + 1;
  const lineEnd = (text: string, at: number): number => {
    const nl = text.indexOf('\n', at);
    return nl < 0 ? text.length : nl;
  };
  return linesShape(before.slice(start, lineEnd(before, span.oldEndIndex))) === linesShape(after.slice(start, lineEnd(after, span.newEndIndex)));
}
