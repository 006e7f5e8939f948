/** A rule that throws is isolated: the other rules' findings stand, the failure is one problem. */
import { describe, expect, it } from 'vitest';
import { CONFIGS } from '../../server/src/model/configs';
import { buildImages } from '../../server/src/patch/images';
import { compareImages, ruleFailureProblems, RULES, type RuleFailure } from '../../server/src/review/analyze';
import type { Rule } from '../../server/src/rules/types';
import { initParser } from '../../server/src/source';
import { readKcov } from '../support/kernel';

const throwing: Rule = { id: 'always-throws', title: 'throws on every view', run: () => { throw new Error('boom'); } };

describe('rule fault isolation', () => {
  it('keeps the other rules’ findings and reports the failure per configuration', async () => {
    await initParser();
    const lines = readKcov().split('\n');
    const pair = buildImages('kernel/kcov.c', lines, [], 'tree');
    const failures: RuleFailure[] = [];
    const withFault = compareImages(pair, CONFIGS, [throwing, ...RULES], {}, null, failures);
    const without = compareImages(pair, CONFIGS, RULES);
    expect(withFault.map((c) => `${c.finding.rule}/${c.finding.function}`).sort()).toEqual(without.map((c) => `${c.finding.rule}/${c.finding.function}`).sort());
    expect(without.length).toBeGreaterThan(0);
    expect(new Set(failures.map((f) => f.config))).toEqual(new Set(CONFIGS.map((c) => c.name)));
    expect(failures.every((f) => f.rule === 'always-throws' && f.message === 'boom')).toBe(true);
    // A second run (memoised) reports the failure again instead of an empty success.
    const again: RuleFailure[] = [];
    compareImages(pair, CONFIGS, [throwing], {}, null, again);
    expect(again.length).toBe(CONFIGS.length);
  });

  it('groups failures into one problem per rule', () => {
    const problems = ruleFailureProblems([
      { rule: 'a', config: 'RT', message: 'x' },
      { rule: 'a', config: '!RT', message: 'x' },
      { rule: 'b', config: 'RT', message: 'y' },
    ], 7);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ code: 'rule-failed', severity: 'error', line: 7 });
    expect(problems[0].message).toMatch(/rule a failed under RT, !RT \(x\)/);
  });
});
