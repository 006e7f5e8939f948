import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS } from '../../server/src/model/configs';
import { summarizeView, summarizeViewDetailed } from '../../server/src/model/summary';
import { lockBalanceRule } from '../../server/src/rules/lockBalance';
import { mightSleepRule } from '../../server/src/rules/mightSleep';
import { percpuClobberRule } from '../../server/src/rules/percpuClobber';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import { readKcov } from '../support/kernel';

beforeAll(async () => { await initParser(); });

const text = `struct d { int a; void *buf; };
static DEFINE_PER_CPU(struct d, pcd);
int f(struct task_struct *t, int x)
{
\tstruct d *p = this_cpu_ptr(&pcd);

\tif (!in_task() && !in_softirq_really())
\t\treturn 0;
\tp->a = t->kcov_mode;
\tx = in_task() ? g(x) : 0;
\tif (x)
\t\tgoto out;
\tx++;
out:
\treturn p->a;
}
`;

describe('detailed summaries', () => {
  const view = () => buildView(sourceImage('kernel/kcov.c', text), CONFIGS[0]);

  it('records field reads and writes, branches taken, call guards, and follows goto to its label', () => {
    const s = summarizeViewDetailed(view()).get('f');
    expect(s?.paths).toHaveLength(3);
    const events = s?.paths[1].events ?? [];
    expect(events.filter((e) => e.kind === 'access').map((e) => (e.kind === 'access' ? `${e.op} ${e.object}->${e.field}` : ''))).toEqual(['read t->kcov_mode', 'write p->a', 'read p->a']);
    expect(events.find((e) => e.kind === 'branch')).toMatchObject({ cond: '(!in_task() && !in_softirq_really())', taken: false });
    expect(events.find((e) => e.kind === 'call' && e.name === 'g')).toMatchObject({ guards: [{ cond: 'in_task()', taken: true }] });
    // The goto path continues at `out:` and returns from there.
    expect(s?.paths.every((p) => p.events.some((e) => e.kind === 'return'))).toBe(true);
  });

  it('leaves the basic summaries as they were (no new event kinds, goto ends the path)', () => {
    const s = summarizeView(view()).get('f');
    expect(s?.paths.flatMap((p) => p.events).some((e) => e.kind === 'access' || e.kind === 'branch')).toBe(false);
    expect(s?.paths.some((p) => !p.events.some((e) => e.kind === 'return'))).toBe(true);
  });

});
