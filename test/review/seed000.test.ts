import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS, type ConfigName } from '../../server/src/model/configs';
import { explore } from '../../server/src/model/explorer';
import { reviewDocument } from '../../server/src/review/review';
import type { Review } from '../../server/src/review/types';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import { readSeed, tempTree } from '../support/kernel';
import { seed000Base } from '../support/seedBase';

/**
 * Seed 000 applied, as the mail is, to the pre-fix kcov.c it was written for: our frame with the
 * seed's own pre-image spliced in at test time (test/support/seedBase.ts).
 */
let review: Review;
beforeAll(async () => {
  await initParser();
  review = await reviewDocument(readSeed('000'), { documentPath: null, kernelTree: tempTree({ 'kernel/kcov.c': seed000Base() }) });
});

const ALL: ConfigName[] = ['!RT', 'RT+BHlock', 'RT'];
const view = (c: ConfigName) => buildView(sourceImage('kernel/kcov.c', seed000Base()), CONFIGS.find((r) => r.name === c) ?? CONFIGS[0]);

describe('the pre-fix base seed 000 applies to', () => {
  it('has per-CPU saved state and irq_area clobbered by a second BH section under RT only', () => {
    const rt = explore(view('RT'));
    expect(rt.clobbers.map((c) => c.cell).sort()).toEqual(['kcov_percpu_data.irq_area[]', 'kcov_percpu_data.saved_area', 'kcov_percpu_data.saved_kcov', 'kcov_percpu_data.saved_mode', 'kcov_percpu_data.saved_sequence', 'kcov_percpu_data.saved_size']);
    expect(rt.clobbers.every((c) => c.row.id === 'RT-softirq-preempts-softirq' && c.victim.context === 'softirq')).toBe(true);
    for (const [c, row] of [['RT+BHlock', 'RT+BHlock-softirq-preempts-softirq'], ['!RT', '!RT-softirq-serialized']] as const) {
      const r = explore(view(c));
      expect(r.clobbers).toEqual([]);
      const ex = r.excluded.find((e) => e.cell === 'kcov_percpu_data.saved_kcov' && e.victim === 'softirq' && e.by === 'softirq');
      expect(ex?.row).toBe(row);
    }
  });
});

describe('seed 000 applied to it', () => {
  it('locates every kernel/kcov.c hunk (only include/linux/sched.h is not analysed)', () => {
    const kcov = review.hunks.filter((h) => h.file.path === 'kernel/kcov.c');
    expect(kcov).toHaveLength(16);
    expect(kcov.every((h) => h.where.located)).toBe(true);
    expect(review.problems.filter((p) => p.code === 'hunk-not-found')).toEqual([]);
    expect(review.problems.some((p) => p.code === 'file-not-analysed' && p.message.startsWith('include/linux/sched.h'))).toBe(true);
  });

  it('fixes the RT per-CPU findings (clobbered saved state and irq_area, state restored into a borrowed task), on RT only', () => {
    const fixed = review.findings.filter((f) => f.verdict === 'fixed');
    const clobbers = fixed.filter((f) => f.rule === 'percpu-clobber');
    expect(clobbers).toHaveLength(6);
    expect(fixed.filter((f) => f.rule === 'task-state-borrowed')).toHaveLength(5);
    for (const f of fixed) {
      expect(f.configs).toEqual(['RT']);
      expect(f.patchLine).not.toBeNull();
      expect(f.trace.length).toBeGreaterThan(3);
    }
    expect(clobbers.find((f) => f.message.includes('irq_area[]'))?.trace.some((t) => t.text.includes('RT-softirq-preempts-softirq'))).toBe(true);
  });

  it('leaves !RT unchanged: nothing fixed or introduced there', () => {
    expect(review.findings.filter((f) => f.verdict !== 'pre-existing' && f.configs.includes('!RT'))).toEqual([]);
  });

  it('introduces, by the table, vmalloc() in a softirq inside the RCU read side of a BH section on both RT configs, with its proof', () => {
    const introduced = review.findings.filter((f) => f.verdict === 'introduced');
    expect(introduced.map((f) => [f.rule, f.function, [...f.configs].sort().join()])).toEqual([['might-sleep', 'kcov_remote_start', 'RT,RT+BHlock']]);
    const [f] = introduced;
    expect(f.severity).toBe('error');
    expect(f.trace[0].context).toBe('softirq');
    expect(f.trace[f.trace.length - 1].text).toMatch(/vmalloc\(\) might sleep while an RCU read-side critical section is open/);
    // It lands on a changed line of kcov_remote_start() in the mail, not outside the patch.
    const line = f.patchLine === null ? '' : readSeed('000').split('\n')[f.patchLine];
    expect(line).toMatch(/^[+-]/);
    const header = review.hunks.filter((h) => h.file.path === 'kernel/kcov.c' && f.patchLine !== null && h.hunk.headerLine < f.patchLine).pop();
    expect(header?.hunk.section).toContain('kcov_remote_start(');
  });

  it('keeps the pre-existing findings the patch does not touch (the barrier in kcov_move_area and the documented reader)', () => {
    const pre = review.findings.filter((f) => f.verdict === 'pre-existing').map((f) => f.rule).sort();
    expect(pre).toEqual(['publish-barrier', 'publish-reader']);
    expect(review.findings.filter((f) => f.verdict === 'pre-existing').every((f) => f.configs.length === ALL.length)).toBe(true);
  });
});
