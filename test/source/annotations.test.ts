/**
 * blankAnnotations finds the annotation names with one regular expression over the names
 * (source/annotations.ts ANNOTATION_NAMES) instead of visiting every identifier: the same names at
 * the same places as the identifier scan it replaced (kept here as the reference), on real kcov.c
 * and on random texts made of names, near-names, digits, parentheses and comments.
 */
import { describe, expect, it } from 'vitest';
import { ARG_ANNOTATIONS, BARE_ANNOTATIONS, QUALIFIERS, UNSAFE_REGION_MACROS, blankAnnotations } from '../../server/src/source/annotations';
import { lexMask } from '../../server/src/source/mask';
import { readKcov, readKcov61 } from '../support/kernel';
import { random } from '../support/random';

/** Reference: every identifier token (`[A-Za-z_]\w*` left to right), skipping an annotation's
 *  arguments and a region's opening as blankAnnotations does; the names it would blank, with starts. */
function namesByIdentifiers(text: string): string[] {
  const code = lexMask(text).code;
  const found: string[] = [];
  const ident = /[A-Za-z_]\w*/g;
  const closing = (open: number, region: boolean): number => {
    let depth = 0;
    for (let i = open; i < code.length; i++) {
      const c = code[i];
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return i;
      else if (!region && (c === ';' || c === '{' || c === '}') && depth > 0) return -1;
    }
    return -1;
  };
  for (let m = ident.exec(code); m !== null; m = ident.exec(code)) {
    const name = m[0];
    const end = m.index + name.length;
    const args = ARG_ANNOTATIONS.has(name);
    const region = UNSAFE_REGION_MACROS.has(name);
    if (BARE_ANNOTATIONS.has(name) || QUALIFIERS.has(name)) found.push(`${name}@${m.index}`);
    else if (args || region) {
      let open = end;
      while (open < code.length && /\s/.test(code[open])) open++;
      const close = code[open] === '(' ? closing(open, region) : -1;
      if (close < 0) continue;
      found.push(`${name}@${m.index}`);
      ident.lastIndex = region ? open + 1 : close + 1;
    }
  }
  return found;
}

/** The names blankAnnotations blanked (type keywords aside: they depend on their neighbours, not on the scan). */
function namesBlanked(text: string): string[] {
  return blankAnnotations(text).tokens.filter((t) => t.kind !== 'type-keyword').map((t) => `${t.name}@${t.start}`);
}

const FRAGMENTS = [
  'notrace', '__user', '__must_hold', '__acquires', '__acquires_shared', '__acquires_ret', 'context_unsafe', '__guarded_by',
  'struct', '__rcu', '__init', 'x', 'y_', '_', '1', '0x1f', '42UL', '9', 'a1', '__', 'notracex', 'my__user', '(', ')', '(&l)',
  ',', ';', '{', '}', ' ', ' ', '\n', '/* __user */', '"notrace"', '->', '*',
];

describe('blankAnnotations finds what a scan of every identifier finds', () => {
  it('on kcov.c of 6.12 and 6.1', () => {
    for (const text of [readKcov(), readKcov61()]) {
      const expected = namesByIdentifiers(text);
      expect(expected.length).toBeGreaterThan(5);
      expect(namesBlanked(text)).toEqual(expected);
    }
  });

  it('on 3 000 random texts of names, near-names (`notracex`, `my__user`, `a1`), numbers (`42UL`), parentheses and comments', () => {
    const next = random(20261207);
    for (let k = 0; k < 3000; k++) {
      const n = 1 + Math.floor(next() * 40);
      let text = '';
      for (let i = 0; i < n; i++) text += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
      expect(namesBlanked(text), JSON.stringify(text)).toEqual(namesByIdentifiers(text));
    }
  });

  it('reads a name glued after digits as the identifier scan does, and never a name inside a longer identifier', () => {
    expect(namesBlanked('int 1__user x;')).toEqual(['__user@5']); // `[A-Za-z_]\w*` starts a token after the digit
    expect(namesBlanked('int a1__user, my__user, __userx, notrace_fn;')).toEqual([]);
    expect(namesBlanked('void f(void) __acquires_shared(l) __acquires(m);')).toEqual(['__acquires_shared@13', '__acquires@34']);
  });
});
