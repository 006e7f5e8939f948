import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS } from '../../server/src/model/configs';
import { summarizeView } from '../../server/src/model/summary';
import { compareImages, findingsOf, RULES, ViewTable } from '../../server/src/review/analyze';
import type { Rule } from '../../server/src/rules/types';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import { readKcov } from '../support/kernel';

/** A real rule that counts how often it runs. */
function counted(rule: Rule): { rule: Rule; runs: () => number } {
  let runs = 0;
  return { rule: { ...rule, run: (input) => { runs++; return rule.run(input); } }, runs: () => runs };
}

describe('the review builds each view once and runs each rule once per view', () => {
  beforeAll(async () => { await initParser(); });

  it('ViewTable: the same image and configuration give the same view; another text misses; keepOnly forgets', () => {
    const table = new ViewTable();
    const image = sourceImage('kernel/kcov.c', readKcov());
    const again = sourceImage('kernel/kcov.c', readKcov());
    const other = sourceImage('kernel/kcov.c', readKcov() + '\n/* other */\n');
    const a = table.view(image, CONFIGS[0]);
    expect(table.view(again, CONFIGS[0])).toBe(a);
    expect(table.view(image, CONFIGS[1])).not.toBe(a);
    expect(table.view(image, CONFIGS[1]).config).toBe(CONFIGS[1]);
    const b = table.view(other, CONFIGS[0]);
    expect(b).not.toBe(a);
    expect(b.image.hash).toBe(other.hash);
    expect(table.images).toBe(2);
    table.keepOnly((hash) => hash === other.hash);
    expect(table.images).toBe(1);
    expect(table.view(other, CONFIGS[0])).toBe(b);
  });

  it('a rule runs once per view: the second ask returns equal findings without running it; a changed text runs it again', () => {
    const text = readKcov() + '\n/* caches.test: memo */\n';
    const barrier = counted(RULES[0]);
    const first = findingsOf(sourceImage('kernel/kcov.c', text), CONFIGS[0], [barrier.rule]);
    expect(barrier.runs()).toBe(1);
    expect(first.length).toBeGreaterThan(0);
    const second = findingsOf(sourceImage('kernel/kcov.c', text), CONFIGS[0], [barrier.rule]);
    expect(barrier.runs()).toBe(1);
    expect(second).toEqual(first);
    const view = buildView(sourceImage('kernel/kcov.c', text), CONFIGS[0]);
    expect(second).toEqual(barrier.rule.run({ view, summaries: summarizeView(view), env: {} }));
    findingsOf(sourceImage('kernel/kcov.c', text + '\n'), CONFIGS[0], [barrier.rule]);
    expect(barrier.runs()).toBe(3);
  });

  it('the findings depend on the environment: another documented reader is another run', () => {
    const text = readKcov() + '\n/* caches.test: env */\n';
    const reader = counted(RULES[1]);
    const relaxed = findingsOf(sourceImage('kernel/kcov.c', text), CONFIGS[0], [reader.rule], { reader: { countLoad: 'relaxed', rmb: false, source: 'test' } });
    const acquire = findingsOf(sourceImage('kernel/kcov.c', text), CONFIGS[0], [reader.rule], { reader: { countLoad: 'acquire', rmb: false, source: 'test' } });
    expect(reader.runs()).toBe(2);
    expect(relaxed.length).toBeGreaterThan(0);
    expect(acquire).not.toEqual(relaxed);
  });

  it('compareImages with a table: an unchanged pre-image is analysed once over two comparisons', () => {
    const table = new ViewTable();
    const pre = sourceImage('kernel/kcov.c', readKcov() + '\n/* caches.test: pair */\n');
    const post1 = sourceImage('kernel/kcov.c', pre.text + '/* 1 */\n');
    const post2 = sourceImage('kernel/kcov.c', pre.text + '/* 2 */\n');
    const map = { patchToPre: new Map(), patchToPost: new Map(), preToPatch: new Map(), postToPatch: new Map(), preToPost: new Map(), postToPre: new Map() };
    const rule = counted(RULES[3]);
    const one = compareImages({ path: 'kernel/kcov.c', pre, post: post1, map, baseFrom: 'tree' }, [CONFIGS[0]], [rule.rule], {}, table);
    const two = compareImages({ path: 'kernel/kcov.c', pre, post: post2, map, baseFrom: 'tree' }, [CONFIGS[0]], [rule.rule], {}, table);
    expect(rule.runs()).toBe(3);
    expect(two).toEqual(one);
  });
});
