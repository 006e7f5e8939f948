/**
 * Lexical masks of C text: copies of the text, of the same length and with the same line breaks,
 * where comments (and, in `code`, the contents of string and character literals) are spaces.
 * Scanning a mask with regular expressions finds only real code, at the real positions.
 */

export interface LexMask {
  /** Comments replaced by spaces; literals kept. */
  noComments: string;
  /** Comments and the contents of string/char literals replaced by spaces (quotes kept). */
  code: string;
  /** Per 0-based line: does the line end inside a block comment? */
  endsInComment: boolean[];
}

type LexState = 'code' | 'line-comment' | 'block-comment' | 'string' | 'char';

/** Replace every character except line breaks with a space (keeps positions). A text without line
 *  breaks (a line, a token) is spaces of its length: no regular expression needed. */
export function blank(s: string): string {
  return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? ' '.repeat(s.length) : s.replace(/[^\r\n]/g, ' ');
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

/** Compute both masks in one pass. Never throws: unterminated comments run to the end of the
 *  text, unterminated literals to the end of their line (as a C lexer would report). Every input
 *  code unit gives one output code unit at the same index (the masks are written in place). */
export function lexMask(text: string): LexMask {
  const n = text.length;
  const noComments = new Uint16Array(n);
  const code = new Uint16Array(n);
  const endsInComment: boolean[] = [];
  let state: LexState = 'code';
  const both = (i: number, c: number): void => {
    noComments[i] = c;
    code[i] = c;
  };
  for (let i = 0; i < n; i++) {
    const ch = text.charCodeAt(i);
    const next = i + 1 < n ? text.charCodeAt(i + 1) : -1;
    if (ch === NL) {
      // A line comment continues past a backslash-newline; literals do too (line splice).
      const spliced = isSpliced(text, i);
      if ((state === 'line-comment' || state === 'string' || state === 'char') && !spliced) state = 'code';
      endsInComment.push(state === 'block-comment');
      both(i, NL);
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
          both(++i, SPACE);
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
          both(++i, SPACE);
        }
        break;
      case 'string':
      case 'char': {
        const quote = state === 'string' ? DQUOTE : SQUOTE;
        if (ch === BACKSLASH && next !== -1 && next !== NL && next !== CR) {
          noComments[i] = ch;
          noComments[i + 1] = next;
          code[i] = SPACE;
          code[++i] = SPACE;
        } else if (ch === quote) {
          state = 'code';
          both(i, ch);
        } else {
          noComments[i] = ch;
          code[i] = ch === BACKSLASH ? ch : SPACE;
        }
        break;
      }
    }
  }
  endsInComment.push(state === 'block-comment');
  return { noComments: fromCodes(noComments), code: fromCodes(code), endsInComment };
}

/** The shape of C code: comments removed, runs of blanks collapsed, lines trimmed, line breaks kept.
 *  Texts with one shape differ only in comments and spacing (keys of the model's caches). */
export function codeShape(text: string): string {
  return lexMask(text).noComments.replace(/[ \t]+/g, ' ').replace(/ ?\n ?/g, '\n').trim();
}
