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

/** Replace every character except line breaks with a space (keeps positions). */
export function blank(s: string): string {
  return s.replace(/[^\r\n]/g, ' ');
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

/** Compute both masks in one pass. Never throws: unterminated comments run to the end of the
 *  text, unterminated literals to the end of their line (as a C lexer would report). */
export function lexMask(text: string): LexMask {
  const noComments: string[] = [];
  const code: string[] = [];
  const endsInComment: boolean[] = [];
  let state: LexState = 'code';
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const ch = text[i];
    const next = i + 1 < n ? text[i + 1] : '';
    if (ch === '\n') {
      // A line comment continues past a backslash-newline; literals do too (line splice).
      const spliced = isSpliced(text, i);
      if ((state === 'line-comment' || state === 'string' || state === 'char') && !spliced) state = 'code';
      endsInComment.push(state === 'block-comment');
      noComments.push(ch);
      code.push(ch);
      continue;
    }
    if (ch === '\r') {
      noComments.push(ch);
      code.push(ch);
      continue;
    }
    switch (state) {
      case 'code':
        if (ch === '/' && next === '/') {
          state = 'line-comment';
          noComments.push(' ');
          code.push(' ');
        } else if (ch === '/' && next === '*') {
          state = 'block-comment';
          noComments.push('  ');
          code.push('  ');
          i++;
        } else {
          if (ch === '"') state = 'string';
          else if (ch === "'") state = 'char';
          noComments.push(ch);
          code.push(ch);
        }
        break;
      case 'line-comment':
        noComments.push(' ');
        code.push(' ');
        break;
      case 'block-comment':
        if (ch === '*' && next === '/') {
          state = 'code';
          noComments.push('  ');
          code.push('  ');
          i++;
        } else {
          noComments.push(' ');
          code.push(' ');
        }
        break;
      case 'string':
      case 'char': {
        const quote = state === 'string' ? '"' : "'";
        if (ch === '\\' && next !== '' && next !== '\n' && next !== '\r') {
          noComments.push(ch, next);
          code.push('  ');
          i++;
        } else if (ch === quote) {
          state = 'code';
          noComments.push(ch);
          code.push(ch);
        } else {
          noComments.push(ch);
          code.push(ch === '\\' ? ch : ' ');
        }
        break;
      }
    }
  }
  endsInComment.push(state === 'block-comment');
  return { noComments: noComments.join(''), code: code.join(''), endsInComment };
}
