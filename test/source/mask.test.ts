import { describe, expect, it } from 'vitest';
import { codeShape, incrementalMaskCount, lexMask, lexMaskByUnits, lexMaskFresh, sameShapeByLines } from '../../server/src/source/mask';
import { readKcov } from '../support/kernel';
import { random } from '../support/random';

/** Pieces that change the lexer's state: comment and literal delimiters, escapes, splices, line ends. */
const PIECES = ['/', '*', '/*', '*/', '//', '"', "'", '\\', '\\\n', '\n', '\r\n', 'a', ' ', 'x = "s";', "'\\''", '/* c */', '\t'];

function edit(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const removed = next() < 0.5 ? 0 : Math.floor(next() * 6);
  const count = Math.floor(next() * 3);
  let inserted = '';
  for (let i = 0; i < count; i++) inserted += PIECES[Math.floor(next() * PIECES.length)];
  return text.slice(0, at) + inserted + text.slice(at + removed);
}

const TRICKY = [
  'int a; /* one\n two */ int b; // line \\',
  'continued\nchar *s = "str\\"ing /* not */"; char c = \'"\';',
  '#define M(x) \\',
  '\tdo { /* in a macro */ } while (0)',
  'x = y / z * w; /* unterminated',
  'still in it */ int d;\r',
  '"unterminated string',
  'int e;',
].join('\n');

describe('lexMaskFresh by runs of code', () => {
  it('equals the code-unit state machine on thousands of random texts, tricky pieces and kcov.c', () => {
    const next = random(0x72756e73);
    let checked = 0;
    for (const start of [TRICKY, readKcov(), '', '/*', '"\\', "'\\\n'", 'a\r\n// c \\\r\nd']) {
      let text = start;
      for (let i = 0; i < 700; i++) {
        const fresh = lexMaskFresh(text);
        const units = lexMaskByUnits(text);
        if (fresh.noComments !== units.noComments || fresh.code !== units.code) throw new Error(`masks differ for ${JSON.stringify(text.slice(0, 200))}`);
        expect(fresh.endsInComment).toEqual(units.endsInComment);
        text = edit(text, next);
        checked++;
      }
    }
    expect(checked).toBe(4900);
  });
});

describe('lexMask from a close text', () => {
  it('equals a fresh lexing after thousands of random edits to tricky text and to kcov.c', () => {
    const next = random(0x6b636f76);
    const before = incrementalMaskCount();
    let checked = 0;
    for (const start of [TRICKY.repeat(40), readKcov()]) {
      let text = start;
      lexMask(text);
      for (let i = 0; i < 1500; i++) {
        text = edit(text, next);
        const mask = lexMask(text);
        const fresh = lexMaskFresh(text);
        if (mask.noComments !== fresh.noComments || mask.code !== fresh.code) throw new Error(`mask differs after edit ${i}`);
        expect(mask.endsInComment).toEqual(fresh.endsInComment);
        checked++;
      }
    }
    expect(checked).toBe(3000);
    // Most edits were handled from the previous text (the others opened or closed a comment or a
    // literal whose effect reached more than 8 KiB past the change, and were lexed afresh).
    expect(incrementalMaskCount() - before).toBeGreaterThan(2000);
  });

  it('a comment opened in kcov.c runs to the next close; closing it again gives the old code back', () => {
    const text = readKcov();
    const at = text.indexOf('void kcov_remote_start(u64 handle)');
    const opened = text.slice(0, at) + '/* ' + text.slice(at);
    const m = lexMask(opened);
    expect(m).toEqual(lexMaskFresh(opened));
    const closer = opened.indexOf('*/', at);
    expect(m.noComments.slice(at, closer + 2).trim()).toBe('');
    expect(m.noComments.slice(closer + 2)).toBe(lexMaskFresh(text).noComments.slice(closer - 1));
    const closed = text.slice(0, at) + '/* */' + text.slice(at);
    expect(lexMask(closed)).toEqual(lexMaskFresh(closed));
    expect(codeShape(closed)).toBe(codeShape(text));
  });
});

describe('code shape decided from the lines that changed', () => {
  it('says "same shape" only when the whole shapes are equal, and does so for edits of blanks and comments', () => {
    const next = random(0x73686170);
    const blanks = [' ', '\t', '  ', '\n', '/* c */', '// c\n', ' x', '\n\n'];
    let same = 0;
    let checked = 0;
    for (const start of [TRICKY.repeat(20), readKcov(), '\n\n  leading blank lines\n']) {
      let text = start;
      for (let i = 0; i < 800; i++) {
        const at = Math.floor(next() * (text.length + 1));
        const piece = next() < 0.7 ? blanks[Math.floor(next() * blanks.length)] : PIECES[Math.floor(next() * PIECES.length)];
        const edited = next() < 0.8 ? text.slice(0, at) + piece + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
        const verdict = sameShapeByLines(lexMask(text).noComments, lexMask(edited).noComments);
        const truth = codeShape(text) === codeShape(edited);
        if (verdict && !truth) throw new Error(`"same shape" wrongly after edit ${i} at ${at}: ${JSON.stringify(piece)}`);
        if (verdict) same++;
        checked++;
        text = edited;
      }
    }
    expect(checked).toBe(2400);
    expect(same).toBeGreaterThan(600);
  });
});
