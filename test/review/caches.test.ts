import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS } from '../../server/src/model/configs';
import { summarizeView } from '../../server/src/model/summary';
import { ENTRY_SEQUENCES, runCatalog } from '../../server/src/model/explorer';
import { publicationSites } from '../../server/src/rules/publishBarrier';
import { compareImages, findingsOf, RULES, ViewTable } from '../../server/src/review/analyze';
import type { Rule } from '../../server/src/rules/types';
import { buildView, initParser, sourceImage, viewCodeKey } from '../../server/src/source';
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
    findingsOf(sourceImage('kernel/kcov.c', text + 'static int caches_memo_changed;\n'), CONFIGS[0], [barrier.rule]);
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
    const post1 = sourceImage('kernel/kcov.c', pre.text + 'static int caches_one;\n');
    const post2 = sourceImage('kernel/kcov.c', pre.text + 'static int caches_two;\n');
    const map = { patchToPre: new Map(), patchToPost: new Map(), preToPatch: new Map(), postToPatch: new Map(), preToPost: new Map(), postToPre: new Map() };
    const rule = counted(RULES[3]);
    const one = compareImages({ path: 'kernel/kcov.c', pre, post: post1, map, baseFrom: 'tree' }, [CONFIGS[0]], [rule.rule], {}, table);
    const two = compareImages({ path: 'kernel/kcov.c', pre, post: post2, map, baseFrom: 'tree' }, [CONFIGS[0]], [rule.rule], {}, table);
    expect(rule.runs()).toBe(3);
    expect(two).toEqual(one);
  });

  it('a view whose code is the same (an edit inside a comment, blanks between tokens) reuses the findings; an edit to code runs the rules', () => {
    const base = readKcov() + '\n/* caches.test: code key */\nstatic int caches_code_key;\n';
    const at = base.indexOf('caches.test: code key');
    const inComment = base.slice(0, at) + 'edited ' + base.slice(at);
    const blanks = base.replace('kcov->area = area;', 'kcov->area  =\tarea;');
    const code = base.replace('kcov->area = area;', 'kcov->area = NULL;');
    expect(code).not.toBe(base);
    expect(blanks).not.toBe(base);
    const key = (text: string, c = CONFIGS[0]) => viewCodeKey(buildView(sourceImage('kernel/kcov.c', text), c));
    expect(key(inComment)).toBe(key(base));
    expect(key(blanks)).toBe(key(base));
    expect(key(code)).not.toBe(key(base));
    expect(key(base, CONFIGS[2])).not.toBe(key(base));
    const barrier = counted(RULES[0]);
    const first = findingsOf(sourceImage('kernel/kcov.c', base), CONFIGS[0], [barrier.rule]);
    expect(findingsOf(sourceImage('kernel/kcov.c', inComment), CONFIGS[0], [barrier.rule])).toEqual(first);
    expect(findingsOf(sourceImage('kernel/kcov.c', blanks), CONFIGS[0], [barrier.rule])).toEqual(first);
    expect(barrier.runs()).toBe(1);
    findingsOf(sourceImage('kernel/kcov.c', code), CONFIGS[0], [barrier.rule]);
    expect(barrier.runs()).toBe(2);
  });

  it('reused findings quote their own image: the barrier fix takes the indentation of the edited line', () => {
    const mover = (indent: string) => `static void move_area(void *dst_area, void *src_area, unsigned long n)
{
\tvoid *dst_entries = dst_area + sizeof(unsigned long);

${indent}memcpy(dst_entries, src_area, n);
\tWRITE_ONCE(*(unsigned long *)dst_area, n);
}

void remote_stop(struct kcov *kcov, void *area)
{
\tmove_area(kcov->area, area, 4);
}
`;
    const barrier = counted(RULES[0]);
    const tabbed = findingsOf(sourceImage('kernel/kcov.c', mover('\t')), CONFIGS[0], [barrier.rule]);
    const spaced = findingsOf(sourceImage('kernel/kcov.c', mover('        ')), CONFIGS[0], [barrier.rule]);
    expect(barrier.runs()).toBe(1);
    expect(tabbed[0].fix).toMatchObject({ afterLine: 4, indent: '\t', countStoreText: '\tWRITE_ONCE(*(unsigned long *)dst_area, n);' });
    expect(spaced[0].fix).toMatchObject({ afterLine: 4, indent: '        ' });
    expect({ ...spaced[0], fix: null }).toEqual({ ...tabbed[0], fix: null });
  });
});

describe('model results two rules share are made once per view', () => {
  beforeAll(async () => { await initParser(); });

  it('the run catalog: one per view and list of sequences, whichever explorer asks; another view or list gets its own', () => {
    const view = buildView(sourceImage('kernel/kcov.c', readKcov() + '\n/* caches.test: catalog */\n'), CONFIGS[0]);
    const other = buildView(sourceImage('kernel/kcov.c', readKcov() + '\n/* caches.test: catalog 2 */\n'), CONFIGS[0]);
    const catalog = runCatalog(view, ENTRY_SEQUENCES);
    expect(runCatalog(view, ENTRY_SEQUENCES)).toBe(catalog);
    expect(runCatalog(other, ENTRY_SEQUENCES)).not.toBe(catalog);
    expect(runCatalog(view, [...ENTRY_SEQUENCES])).not.toBe(catalog);
    expect(catalog.runsIn('task').length).toBeGreaterThan(0);
    expect(runCatalog(view, [...ENTRY_SEQUENCES]).runsIn('task')).toEqual(catalog.runsIn('task'));
  });

  it('the publication sites: publish-barrier and publish-reader read one list per view and summaries', () => {
    const view = buildView(sourceImage('kernel/kcov.c', readKcov() + '\n/* caches.test: sites */\n'), CONFIGS[0]);
    const summaries = summarizeView(view);
    const sites = publicationSites({ view, summaries, env: {} });
    expect(sites.length).toBeGreaterThan(0);
    expect(publicationSites({ view, summaries, env: { nestingDepth: 3 } })).toBe(sites);
    const again = publicationSites({ view, summaries: new Map(summaries), env: {} });
    expect(again).not.toBe(sites);
    expect(again).toEqual(sites);
  });
});
