import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS } from '../../server/src/model/configs';
import { summarizeView } from '../../server/src/model/summary';
import { findingsOf, RULES } from '../../server/src/review/analyze';
import { lineMapper, relocateFindings } from '../../server/src/review/relocate';
import type { Rule, RuleFinding } from '../../server/src/rules/types';
import { buildView, initParser, sourceImage, viewCodeKey, viewMovableKey } from '../../server/src/source';
import { readKcov, readKcov61 } from '../support/kernel';
import { random } from '../support/random';
import { seed000Base } from '../support/seedBase';
import { forgetSharedModel } from '../support/sharedModel';

/** The real rules, counting how often any of them runs. */
function countedRules(): { rules: Rule[]; runs: () => number } {
  let runs = 0;
  return { rules: RULES.map((rule) => ({ ...rule, run: (input) => { runs++; return rule.run(input); } })), runs: () => runs };
}

/** Edits that move code without changing it (comment lines, blank lines, a block comment), and some
 *  that may change it (a comment appended to a line can end a block comment or follow a `\`). */
function mutate(text: string, next: () => number, tag: number): string {
  const lines = text.split('\n');
  const edits = 1 + Math.floor(next() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(next() * lines.length);
    const kind = Math.floor(next() * 5);
    if (kind === 0) lines.splice(at, 0, `\t/* relocate.test: note ${tag}.${e} */`);
    else if (kind === 1) lines.splice(at, 0, '');
    else if (kind === 2) lines.splice(at, 0, '/*', ` * relocate.test: block ${tag}.${e}`, ' */');
    else if (kind === 3) {
      const blank = lines.findIndex((l, i) => i >= at && l === '');
      if (blank >= 0) lines.splice(blank, 1);
    } else lines[at] += ` /* relocate.test ${tag}.${e} */`;
  }
  return lines.join('\n');
}

/** Every rule run on the view itself, with the model's shared activations and findings forgotten first. */
function freshFindings(text: string, configIndex: number): RuleFinding[] {
  forgetSharedModel();
  const view = buildView(sourceImage('kernel/kcov.c', text), CONFIGS[configIndex]);
  const summaries = summarizeView(view);
  return RULES.flatMap((rule) => rule.run({ view, summaries, env: {} }));
}

describe('findings moved to the lines of a view that differs only in comments and lines without code', () => {
  beforeAll(async () => { await initParser(); });

  it('lineMapper: code lines map to code lines; lines between them keep their distance to the one above, before the next', () => {
    const at = lineMapper([2, 5, 6, 10], [3, 9, 10, 20]);
    expect([2, 5, 6, 10].map(at)).toEqual([3, 9, 10, 20]);
    expect(at(3)).toBe(4);
    expect(at(4)).toBe(5);
    expect(at(8)).toBe(12);
    expect(at(12)).toBe(22);
    expect(at(0)).toBe(1);
    const squeezed = lineMapper([0, 4], [0, 1]);
    expect(squeezed(3)).toBe(0);
  });

  it('relocateFindings moves the line, the span, the image\'s trace steps and the fix, not the reader\'s documentation', () => {
    const finding: RuleFinding = {
      rule: 'r', severity: 'error', config: '!RT', function: 'f', role: 'x', line: 5, span: [2, 5], message: 'm',
      trace: [{ file: 'kernel/kcov.c', line: 6, context: 'f', text: 't' }, { file: 'Documentation/dev-tools/kcov.rst', line: 6, context: 'user-space reader', text: 'r' }],
      fix: { afterLine: 2, indent: '\t', countStoreLine: 5, countStoreText: 'x' },
    };
    const [moved] = relocateFindings([finding], 'kernel/kcov.c', [2, 5], [7, 12]);
    expect(moved).toMatchObject({ line: 12, span: [7, 12], fix: { afterLine: 7, countStoreLine: 12 } });
    expect(moved.trace.map((s) => s.line)).toEqual([13, 6]);
    expect(relocateFindings([finding], 'kernel/kcov.c', [2, 5], [2, 5])).toEqual([finding]);
  });

  it('the movable key: same for comment and blank lines added, different for a code edit, a removed annotation or a moved #define; code lines shift', () => {
    const base = readKcov();
    const key = (text: string) => viewMovableKey(buildView(sourceImage('kernel/kcov.c', text), CONFIGS[0]));
    const at = base.indexOf('\nstatic void kcov_start(');
    expect(at).toBeGreaterThan(0);
    const commented = `${base.slice(0, at)}\n/* relocate.test: a comment */\n${base.slice(at)}`;
    expect(key(commented).key).toBe(key(base).key);
    expect(viewCodeKey(buildView(sourceImage('kernel/kcov.c', commented), CONFIGS[0]))).not.toBe(viewCodeKey(buildView(sourceImage('kernel/kcov.c', base), CONFIGS[0])));
    const line = base.slice(0, at).split('\n').length;
    expect(key(commented).codeLines.filter((l) => l > line)).toEqual(key(base).codeLines.filter((l) => l >= line).map((l) => l + 2));
    expect(key(base.replace('kcov->area = area;', 'kcov->area = NULL;')).key).not.toBe(key(base).key);
    expect(base).toContain('notrace ');
    expect(key(base.replace('notrace ', '')).key).not.toBe(key(base).key); // an annotation is blanked in the parsed text: only its token tells
    const define = base.indexOf('\n#define ');
    expect(define).toBeGreaterThan(0);
    const defineLine = base.slice(define + 1, base.indexOf('\n', define + 1));
    const moved = base.replace(`\n${defineLine}`, '').replace('\nstatic void kcov_start(', `\n${defineLine}\nstatic void kcov_start(`);
    expect(key(moved).key).not.toBe(key(base).key);
  });

  it('a comment line added above a function in a series: no rule runs, and the findings are those of a fresh run at the new lines', () => {
    const base = readKcov61();
    const counted = countedRules();
    const before = findingsOf(sourceImage('kernel/kcov.c', base), CONFIGS[2], counted.rules);
    expect(before.length).toBeGreaterThan(0);
    const runs = counted.runs();
    const at = base.indexOf('\nstatic void kcov_start(');
    const after = `${base.slice(0, at)}\n/* relocate.test: series note */${base.slice(at)}`;
    const moved = findingsOf(sourceImage('kernel/kcov.c', after), CONFIGS[2], counted.rules);
    expect(counted.runs()).toBe(runs);
    expect(moved).toEqual(freshFindings(after, 2));
    expect(moved.map((f) => f.line)).not.toEqual(before.map((f) => f.line));
  });

  it('after random comment and blank-line edits of three kcov.c texts, every configuration\'s findings equal a fresh run', () => {
    const next = random(0x72656c6f);
    let moved = 0;
    let cases = 0;
    for (const [t, base] of [readKcov(), readKcov61(), seed000Base()].entries()) {
      const counted = countedRules();
      for (let c = 0; c < CONFIGS.length; c++) findingsOf(sourceImage('kernel/kcov.c', base), CONFIGS[c], counted.rules);
      for (let k = 0; k < 8; k++) {
        const text = mutate(base, next, t * 100 + k);
        for (let c = 0; c < CONFIGS.length; c++) {
          const runs = counted.runs();
          const found = findingsOf(sourceImage('kernel/kcov.c', text), CONFIGS[c], counted.rules);
          expect(found, `text ${t}, case ${k}, ${CONFIGS[c].name}`).toEqual(freshFindings(text, c));
          cases++;
          if (counted.runs() === runs && found.length > 0) moved++;
        }
      }
    }
    // Most edits leave the code as it was, so most cases must have been answered by moving findings.
    expect(moved).toBeGreaterThan(cases / 2);
  });
});
