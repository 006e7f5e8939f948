import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS, type ConfigName } from '../../server/src/model/configs';
import { CURRENT_TABLE, currentRow } from '../../server/src/model/contexts';
import { exploreSavedState } from '../../server/src/model/savedState';
import { summarizeView } from '../../server/src/model/summary';
import { taskStateBorrowedRule } from '../../server/src/rules/taskStateBorrowed';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import { readKcov } from '../support/kernel';

beforeAll(async () => { await initParser(); });

const ALL: ConfigName[] = ['!RT', 'RT+BHlock', 'RT'];
const row = (name: ConfigName) => CONFIGS.find((c) => c.name === name) ?? CONFIGS[0];
const view = (text: string, c: ConfigName) => buildView(sourceImage('kernel/kcov.c', text), row(c));
const run = (text: string, c: ConfigName) => { const v = view(text, c); return taskStateBorrowedRule.run({ view: v, summaries: summarizeView(v) }); };
const firing = (text: string, role: string) => ALL.filter((c) => run(text, c).some((f) => f.role === role));
const fixture = (f: string): string => fs.readFileSync(path.join(__dirname, '..', 'fixtures', f), 'utf8');

describe('current table', () => {
  it('cites a document on every row and says where a softirq runs per config', () => {
    for (const r of CURRENT_TABLE) expect(r.cite).toMatch(/Documentation\/|kernel\/softirq\.c|include\/linux\//);
    expect(currentRow('RT', 'softirq', 'nmi').sameTask).toBe(true);
    expect(currentRow('!RT', 'task', 'softirq').sameTask).toBe(true);
    expect(currentRow('RT', 'softirq', 'softirq')).toMatchObject({ id: 'RT-softirq-in-borrowed-task', sameTask: false });
    expect(currentRow('RT+BHlock', 'task', 'softirq').sameTask).toBe(false);
    expect(currentRow('RT', 'softirq', 'hardirq').sameTask).toBe(true);
    expect(currentRow('!RT', 'task', 'task').sameTask).toBe(false);
  });
});

describe('task-state-borrowed on the real 6.12 kcov.c', () => {
  it.each(ALL)('finds nothing under %s and says why: the saved state is in current\'s task_struct', (c) => {
    expect(run(readKcov(), c)).toEqual([]);
    const r = exploreSavedState(view(readKcov(), c));
    expect(r.kept.map((k) => k.cell)).toContain('task.kcov_saved_kcov');
    const soft = r.kept.find((k) => k.cell === 'task.kcov_saved_kcov' && k.context === 'softirq');
    expect(soft?.row).toBe(c === '!RT' ? '!RT-softirq-in-interrupted-task' : 'RT-softirq-in-borrowed-task');
    expect(soft?.why).toContain('one task for the whole activation');
  });
});

describe('task-state-borrowed on my pre-fix-style fixture (saved state per CPU)', () => {
  it('fires on RT only: another task\'s BH section restores the saved state into its own current', () => {
    expect(firing(fixture('percpu-prefix.c'), 'foreign-restore:kcov_percpu_data.saved_kcov')).toEqual(['RT']);
    const f = run(fixture('percpu-prefix.c'), 'RT').find((x) => x.role === 'foreign-restore:kcov_percpu_data.saved_kcov');
    expect(f?.trace.map((t) => t.text.slice(0, 3))).toEqual(['1. ', '2. ', '3. ', '4. ', '5. ', '6. ']);
    expect(f?.trace[0].text).toContain('RT-softirq-in-borrowed-task');
    expect(f?.trace[3].text).toContain('RT-softirq-preempts-softirq');
    expect(f?.trace[4].text).toContain('kcov_softirq_restore()');
  });

  it.each([['RT+BHlock', 'softirq_ctrl.lock is held'], ['!RT', '!RT-softirq-serialized']] as const)('proves it impossible under %s (%s)', (c, why) => {
    const r = exploreSavedState(view(fixture('percpu-prefix.c'), c));
    expect(r.foreign).toEqual([]);
    expect(r.kept.find((k) => k.cell === 'kcov_percpu_data.saved_kcov' && k.context === 'softirq')?.why).toContain(why);
  });

  it('the post-fix variant (per-task on RT) is clean everywhere', () => {
    for (const c of ALL) expect(run(fixture('percpu-postfix.c'), c)).toEqual([]);
  });
});

describe('hand-written fixtures', () => {
  const src = (save: string, restore: string) => `struct pc { void *saved_area; };
static DEFINE_PER_CPU(struct pc, pcd);
struct st { void *saved_area; };
void kcov_remote_start(u64 h)
{
\tstruct task_struct *t = current;
${save}
}
void kcov_remote_stop(void)
{
\tstruct task_struct *t = current;
${restore}
}
`;
  it('positive: a task saving (when it has coverage) into per-CPU storage with only migration off is restored by another task everywhere', () => {
    const text = src('\tmigrate_disable();\n\tif (t->kcov_area) {\n\t\tthis_cpu_ptr(&pcd)->saved_area = t->kcov_area;\n\t\tt->kcov_area = NULL;\n\t}\n\tmigrate_enable();',
      '\tmigrate_disable();\n\tt->kcov_area = this_cpu_ptr(&pcd)->saved_area;\n\tmigrate_enable();');
    expect(firing(text, 'foreign-restore:pcd.saved_area')).toEqual(ALL);
    expect(run(text, '!RT')[0].trace[3].text).toContain('task-switch-is-another-task');
  });
  it('negative: the same with preemption off across the section; and per-task saved fields', () => {
    const pinned = src('\tpreempt_disable();\n\tthis_cpu_ptr(&pcd)->saved_area = t->kcov_area;',
      '\tt->kcov_area = this_cpu_ptr(&pcd)->saved_area;\n\tpreempt_enable();');
    expect(firing(pinned, 'foreign-restore:pcd.saved_area')).toEqual([]);
    const perTask = src('\tt->kcov_saved_area = t->kcov_area;', '\tt->kcov_area = t->kcov_saved_area;');
    for (const c of ALL) expect(run(perTask, c)).toEqual([]);
  });
});
