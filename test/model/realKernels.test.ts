/**
 * Debian's two real kernels, 6.12 and 6.1 (stable backports that keep the softirq's saved state in
 * task_struct and have no per-CPU irq_area), extracted at test time: the model must prove the
 * per-CPU clobbering scenarios impossible there under every configuration, and say why.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS, type ConfigName } from '../../server/src/model/configs';
import { explore } from '../../server/src/model/explorer';
import { exploreSavedState } from '../../server/src/model/savedState';
import { summarizeView } from '../../server/src/model/summary';
import { RULES } from '../../server/src/review/analyze';
import { reviewDocument } from '../../server/src/review/review';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import { readKcov, readKcov61, readSeed, tempTree } from '../support/kernel';

beforeAll(async () => { await initParser(); });

const KERNELS: [string, () => string][] = [['6.12', readKcov], ['6.1', readKcov61]];
const view = (text: string, c: ConfigName) => buildView(sourceImage('kernel/kcov.c', text), CONFIGS.find((r) => r.name === c) ?? CONFIGS[0]);

describe.each(KERNELS)("Debian's %s kcov.c", (_name, read) => {
  it('is a file the model reads whole: every function parses, nothing unknown', () => {
    const v = view(read(), 'RT');
    expect(v.functions.has('kcov_remote_start') && v.functions.has('kcov_remote_stop')).toBe(true);
    expect(v.parseErrors).toEqual([]);
    expect(v.preprocessorProblems).toEqual([]);
  });

  it.each(CONFIGS.map((c) => c.name))('under %s: per-CPU clobbering impossible, because no activation writes per-CPU state and reads it back; the saved state lives in the task', (c) => {
    const v = view(read(), c);
    const r = explore(v);
    expect(r.clobbers).toEqual([]);
    expect(r.unpinned).toEqual([]);
    expect(r.windows).toEqual([]);
    expect(r.taskCells).toEqual(expect.arrayContaining(['task.kcov_saved_kcov', 'task.kcov_saved_area', 'task.kcov_softirq']));
    const saved = exploreSavedState(v);
    expect(saved.foreign).toEqual([]);
    const kept = saved.kept.find((k) => k.cell === 'task.kcov_saved_kcov' && k.context === 'softirq');
    expect(kept?.why).toContain("saved in current's task_struct and restored from it");
  });

  it.each(CONFIGS.map((c) => c.name))('under %s: no context finding at all; the missing smp_wmb() in kcov_move_area() is its only barrier finding', (c) => {
    const v = view(read(), c);
    const findings = RULES.flatMap((rule) => rule.run({ view: v, summaries: summarizeView(v) }));
    expect(findings.filter((f) => !f.rule.startsWith('publish-'))).toEqual([]);
    expect(findings.filter((f) => f.rule === 'publish-barrier').map((f) => f.function)).toEqual(['kcov_move_area', 'kcov_move_area']);
  });

  it('seed 004 applied to it fixes both barrier findings on every configuration', async () => {
    const review = await reviewDocument(readSeed('004'), { documentPath: null, kernelTree: tempTree({ 'kernel/kcov.c': read() }) });
    expect(review.hunks.every((h) => h.where.located)).toBe(true);
    const fixed = review.findings.filter((f) => f.verdict === 'fixed');
    expect(fixed.map((f) => [f.rule, [...f.configs].sort().join()])).toEqual([['publish-barrier', '!RT,RT,RT+BHlock'], ['publish-barrier', '!RT,RT,RT+BHlock']]);
    expect(review.findings.filter((f) => f.verdict === 'introduced')).toEqual([]);
  });
});
