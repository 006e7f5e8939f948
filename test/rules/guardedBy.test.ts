import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIGS, type ConfigName } from '../../server/src/model/configs';
import { structTable } from '../../server/src/model/guards';
import { summarizeView } from '../../server/src/model/summary';
import { guardedByRule } from '../../server/src/rules/guardedBy';
import { lockBalanceRule } from '../../server/src/rules/lockBalance';
import { buildView, initParser, sourceImage } from '../../server/src/source';
import { readKcov } from '../support/kernel';

beforeAll(async () => { await initParser(); });

const ALL: ConfigName[] = ['!RT', 'RT+BHlock', 'RT'];
const fixture = (): string => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'guarded.c'), 'utf8');
const view = (text: string, c: ConfigName = 'RT') => buildView(sourceImage('kernel/kcov.c', text), CONFIGS.find((r) => r.name === c) ?? CONFIGS[0]);
const run = (text: string, c: ConfigName = 'RT') => { const v = view(text, c); return guardedByRule.run({ view: v, summaries: summarizeView(v) }); };
const roles = (text: string, c: ConfigName = 'RT') => run(text, c).map((f) => f.role).sort();

function mutate(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

describe('guarded members read from the annotations', () => {
  it('finds the four __guarded_by(&lock) members of struct kcov, member-relative, with their lines', () => {
    const t = structTable(view(fixture()));
    expect(t.guarded.map((g) => [g.struct, g.field, g.guard, g.memberRelative])).toEqual([
      ['kcov', 'mode', 'lock', true], ['kcov', 'size', 'lock', true], ['kcov', 'area', 'lock', true], ['kcov', 't', 'lock', true],
    ]);
    expect(t.members.get('kcov_remote')?.get('kcov')).toBe('kcov');
    expect(view(fixture()).annotationTokens.filter((x) => x.kind === 'unsafe-region')).toHaveLength(2);
  });

  it('per-CPU variables are read from compiled code: not from a comment, not from a line #if\'d out under the configuration', () => {
    const text = fixture() + [
      '', 'static DEFINE_PER_CPU(struct kcov_percpu_data, kcov_percpu_data) = {', '\t.x = 1,', '};',
      '/* DEFINE_PER_CPU(struct kcov, in_comment) */',
      '#ifdef CONFIG_PREEMPT_RT', 'static DEFINE_PER_CPU(struct kcov, rt_only);', '#endif', '',
    ].join('\n');
    expect([...structTable(view(text, 'RT')).percpu]).toEqual([['kcov_percpu_data', 'kcov_percpu_data'], ['rt_only', 'kcov']]);
    expect([...structTable(view(text, '!RT')).percpu]).toEqual([['kcov_percpu_data', 'kcov_percpu_data']]);
  });

  it('the real 6.12 kcov.c has no such annotations: nothing to check, nothing reported', () => {
    expect(structTable(view(readKcov())).guarded).toEqual([]);
    for (const c of ALL) expect(run(readKcov(), c)).toEqual([]);
  });
});

describe('guarded-by on the fixture', () => {
  it.each(ALL)('reports nothing as written under %s (locks, __must_hold, context_unsafe, init guard, aliases, trylock all cover the accesses)', (c) => {
    expect(run(fixture(), c)).toEqual([]);
  });

  it('a helper that loses its __must_hold() annotation: each guarded write is reported, on every configuration', () => {
    const m = mutate(fixture(), 'static void kcov_reset(struct kcov *kcov)\n\t__must_hold(&kcov->lock)\n', 'static void kcov_reset(struct kcov *kcov)\n');
    expect(roles(m)).toEqual(['unguarded:kcov.mode:write@kcov_reset', 'unguarded:kcov.size:write@kcov_reset', 'unguarded:kcov.t:write@kcov_reset']);
    for (const c of ALL) expect(run(m, c)).toHaveLength(3);
    // The caller that holds the lock is fine; lock-balance has nothing to say about it either.
    expect(lockBalanceRule.run({ view: view(m), summaries: summarizeView(view(m)) })).toEqual([]);
  });

  it('context_unsafe() removed from a read under another lock: the read is reported, with the lock that is held in the proof', () => {
    const m = mutate(fixture(), 'mode = context_unsafe(kcov->mode);', 'mode = kcov->mode;');
    const [f, ...rest] = run(m);
    expect(rest).toEqual([]);
    expect(f.role).toBe('unguarded:kcov.mode:read@kcov_remote_mode');
    expect(f.message).toContain('kcov.mode is __guarded_by kcov->lock');
    const last = f.trace[f.trace.length - 1].text;
    expect(last).toContain('holding kcov_remote_lock');
    expect(last).toContain('it needs kcov->lock');
    expect(f.trace.some((t) => t.text.includes('declared __guarded_by'))).toBe(true);
  });

  it('the destructor without context_unsafe(): vfree(kcov->area) reads a guarded member unlocked', () => {
    const m = mutate(fixture(), '\t\tcontext_unsafe(\n\t\t\tvfree(kcov->area);\n\t\t);\n', '\t\tvfree(kcov->area);\n');
    expect(roles(m)).toEqual(['unguarded:kcov.area:read@kcov_put']);
  });

  it('without the scoped init guard the initialising writes are reported', () => {
    const m = mutate(fixture(), '\tguard(spinlock_init)(&kcov->lock);\n', '');
    expect(roles(m)).toEqual(['unguarded:kcov.mode:write@kcov_open_like', 'unguarded:kcov.size:write@kcov_open_like']);
    expect(roles(mutate(fixture(), '\tguard(spinlock_init)(&kcov->lock);\n', '\tspin_lock_init(&kcov->lock);\n'))).toEqual([]);
  });

  it('a read after the unlock, and a write under a branch only a softirq takes', () => {
    const after = mutate(fixture(), '\tspin_unlock_irqrestore(&kcov->lock, flags);\n\treturn size;', '\tspin_unlock_irqrestore(&kcov->lock, flags);\n\treturn size + kcov->size;');
    expect(roles(after)).toEqual(['unguarded:kcov.size:read@kcov_size_of']);
    const soft = mutate(fixture(), '\tif (!in_task())\n\t\tkcov->area = NULL;\n\tspin_unlock_irqrestore(&kcov->lock, flags);', '\tspin_unlock_irqrestore(&kcov->lock, flags);\n\tif (!in_task())\n\t\tkcov->area = NULL;');
    expect(roles(soft)).toEqual(['unguarded:kcov.area:write@kcov_ioctl_like']);
  });

  it('a write outside the trylock-protected branch is reported; the one inside is not', () => {
    const m = mutate(fixture(), '\t\tspin_unlock(&kcov->lock);\n\t}\n}', '\t\tspin_unlock(&kcov->lock);\n\t}\n\tkcov->size = 3;\n}');
    const f = run(m);
    expect(f.map((x) => [x.role, x.line])).toEqual([['unguarded:kcov.size:write@kcov_try_size', m.split('\n').findIndex((l) => l.includes('kcov->size = 3'))]]);
  });

  it('a member of the same name in another struct is not taken for the guarded one', () => {
    expect(run(fixture()).some((f) => f.function === 'area_put')).toBe(false);
    // Locking through an alias (k = kcov) counts as the same lock.
    expect(run(fixture()).some((f) => f.function === 'kcov_reset_locked')).toBe(false);
  });

  it('__no_context_analysis exempts a function', () => {
    const m = mutate(fixture(), 'static void kcov_reset(struct kcov *kcov)\n\t__must_hold(&kcov->lock)\n', 'static void __no_context_analysis kcov_reset(struct kcov *kcov)\n');
    expect(run(m)).toEqual([]);
  });
});
