import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentLines } from '../../server/src/patch/parse';
import { repairDocument } from '../../server/src/patch/repair';
import { CONFIGS } from '../../server/src/model/configs';
import { compareImagesStepwise, RULES, type RuleFailure } from '../../server/src/review/analyze';
import { BudgetExceeded, reviewDocument } from '../../server/src/review/review';
import { initParser, sourceImage } from '../../server/src/source';
import type { LineEdit, Review } from '../../server/src/review/types';
import { readKcov, readKernelFile, readSeed, tempTree } from '../support/kernel';

const base = tempTree({ 'kernel/kcov.c': readKcov() });
const pb = (r: Review) => r.findings.filter((f) => f.rule === 'publish-barrier');
const review = (text: string, tree = base): Promise<Review> => reviewDocument(text, { documentPath: null, kernelTree: tree });

function applyEdits(text: string, edits: readonly LineEdit[]): string {
  const lines = documentLines(text);
  for (const e of [...edits].sort((a, b) => b.startLine - a.startLine)) lines.splice(e.startLine, e.endLine - e.startLine, ...e.newLines);
  return lines.join('\n') + '\n';
}

function gitApplyCheck(tree: string, patch: string): void {
  const file = path.join(os.tmpdir(), `kcov-review-${process.pid}-${Math.random().toString(36).slice(2)}.patch`);
  fs.writeFileSync(file, patch);
  execFileSync('git', ['apply', '--check', file], { cwd: tree, stdio: 'pipe' });
}

/** A well-formed patch between two versions of kcov.c, made by git itself at test time. */
function gitDiff(before: string, after: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-diff-'));
  fs.mkdirSync(path.join(dir, 'a/kernel'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'b/kernel'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a/kernel/kcov.c'), before);
  fs.writeFileSync(path.join(dir, 'b/kernel/kcov.c'), after);
  try {
    execFileSync('git', ['diff', '--no-index', '--no-prefix', 'a/kernel/kcov.c', 'b/kernel/kcov.c'], { cwd: dir, encoding: 'utf8' });
    throw new Error('git diff found no difference');
  } catch (e) {
    const out = (e as { stdout?: string }).stdout;
    if (!out) throw e;
    return out;
  }
}

describe('verdicts on the real seeds and generated patches (Debian 6.12 kcov.c)', () => {
  it('seed 004 fixes both kcov_move_area findings under every config, on its smp_wmb() line', async () => {
    const r = await review(readSeed('004'));
    expect(pb(r)).toHaveLength(2);
    const lines = documentLines(readSeed('004'));
    for (const f of pb(r)) {
      expect(f).toMatchObject({ verdict: 'fixed', severity: 'hint', function: 'kcov_move_area', image: 'pre' });
      expect(f.configs).toEqual(['!RT', 'RT+BHlock', 'RT']);
      expect(lines[f.patchLine ?? -1]).toBe('+ smp_wmb();');
    }
  });

  it('seed 004 without its smp_wmb() line fixes nothing: the findings stand (pre-existing) and a checked quick fix is offered', async () => {
    const text = readSeed('004').replace('+ smp_wmb();\n', '');
    const r = await review(text);
    expect(pb(r).map((f) => f.verdict)).toEqual(['pre-existing', 'pre-existing']);
    const fix = pb(r)[0].fixes.find((q) => q.preferred);
    expect(fix?.title).toMatch(/smp_wmb/);
    // The damaged mail is repaired by the same edit, so the result applies.
    const fixed = applyEdits(text, fix?.edits ?? []);
    gitApplyCheck(base, fixed);
    const again = await review(fixed);
    expect(pb(again).map((f) => f.verdict)).toEqual(['fixed', 'fixed']);
    // The count store of the first case is in the patch: a release store fixes that case only.
    const release = pb(r)[0].fixes.find((q) => q.title.includes('smp_store_release'));
    expect(release?.preferred).toBe(false);
    const released = applyEdits(text, release?.edits ?? []);
    expect(released).toContain('+\t\tsmp_store_release((unsigned long *)dst_area, dst_len + entries_moved);');
    gitApplyCheck(base, released);
    const afterRelease = await review(released);
    expect(pb(afterRelease).map((f) => [f.verdict, f.message.includes('KCOV_MODE_TRACE_PC')]).sort()).toEqual([['fixed', true], ['pre-existing', false]]);
  });

  it('a patch that removes the barrier introduces both findings, as Errors on the - line', async () => {
    const repaired = repairDocument(readSeed('004'), (await review(readSeed('004'))).hunks).text;
    const post = tempTree({ 'kernel/kcov.c': readKcov() });
    execFileSync('git', ['apply', '-'], { cwd: post, input: repaired });
    const postText = fs.readFileSync(path.join(post, 'kernel/kcov.c'), 'utf8');
    const removal = gitDiff(postText, postText.replace(/^\tsmp_wmb\(\);\n/m, ''));
    const r = await review(removal, post);
    const lines = documentLines(removal);
    expect(pb(r)).toHaveLength(2);
    for (const f of pb(r)) {
      expect(f).toMatchObject({ verdict: 'introduced', severity: 'error' });
      expect(lines[f.patchLine ?? -1]).toBe('-\tsmp_wmb();');
    }
    // Both quick fixes keep the patch applicable and are checked by re-running the rule.
    for (const q of pb(r)[0].fixes) {
      const edited = applyEdits(removal, q.edits);
      gitApplyCheck(post, edited);
      const after = await review(edited, post);
      expect(pb(after)).toEqual([]);
    }
    // The count stores are not in this patch, so only the barrier insertion can be offered.
    expect(pb(r)[0].fixes.map((q) => q.title)).toEqual(['Insert smp_wmb() before the count store (case KCOV_MODE_TRACE_PC)']);
  });

  it('seed 000 changes nothing about publication: no fixed or introduced barrier finding under any config', async () => {
    const r = await review(readSeed('000'));
    expect(pb(r).filter((f) => f.verdict !== 'pre-existing')).toEqual([]);
    expect(r.problems.some((p) => p.code === 'post-image-incomplete')).toBe(true);
  });

  it('with no tree at all, analyses what the hunks show and says so once', async () => {
    const r = await reviewDocument(readSeed('004'), { documentPath: null, kernelTree: null, defaultTreeDirs: [] });
    expect(r.tree).toBeNull();
    const info = r.problems.filter((p) => p.code === 'no-tree');
    expect(info).toHaveLength(1);
    expect(info[0].severity).toBe('information');
    expect(info[0].message).toContain('kcovReview.kernelTree');
  });
});

describe('configuration symbols', () => {
  it('reports a CONFIG_ symbol the table does not set once, as Information, instead of guessing', async () => {
    const kcov = readKcov();
    const withUnknown = kcov.replace(/(\tmemcpy\(dst_entries, src_entries, bytes_to_move\);\n)/, '$1#ifdef CONFIG_KCOV_MADE_UP\n\tsmp_wmb();\n#endif\n');
    const tree = tempTree({ 'kernel/kcov.c': withUnknown });
    const r = await review(readSeed('004'), tree);
    const p = r.problems.filter((x) => x.code === 'unknown-config-symbol');
    expect(p).toHaveLength(1);
    expect(p[0].message).toContain('CONFIG_KCOV_MADE_UP');
    expect((await review(readSeed('004'))).problems.some((x) => x.code === 'unknown-config-symbol')).toBe(false);
  });
});

describe('kernel/kcov.c reviewed as a file', () => {
  it('reports the findings in place as pre-existing Warnings', async () => {
    const text = readKcov();
    const r = await reviewDocument(text, { documentPath: path.join(base, 'kernel/kcov.c'), kernelTree: null });
    const lines = text.split('\n');
    expect(pb(r)).toHaveLength(2);
    for (const f of pb(r)) {
      expect(f).toMatchObject({ verdict: 'pre-existing', severity: 'warning', function: 'kcov_move_area' });
      expect(lines[f.patchLine ?? -1]).toMatch(/WRITE_ONCE\(\*\((unsigned long|u64) \*\)dst_area/);
    }
  });
});

describe('the reader side, read from the tree\'s Documentation/dev-tools/kcov.rst', () => {
  const rst = readKernelFile('Documentation/dev-tools/kcov.rst');
  const reader = (r: Review) => r.findings.filter((f) => f.rule === 'publish-reader');

  it('seed 004: writer fixed, the documented relaxed reader still Sometimes (Information, with its line in kcov.rst)', async () => {
    const tree = tempTree({ 'kernel/kcov.c': readKcov(), 'Documentation/dev-tools/kcov.rst': rst });
    const r = await review(readSeed('004'), tree);
    expect(pb(r).map((f) => f.verdict)).toEqual(['fixed', 'fixed']);
    const rd = reader(r);
    expect(rd.length).toBe(2);
    for (const f of rd) {
      expect(f).toMatchObject({ verdict: 'pre-existing', severity: 'information' });
      const step = f.trace.find((t) => t.context === 'user-space reader');
      expect(step?.file).toBe('Documentation/dev-tools/kcov.rst');
      expect(rst.split('\n')[(step?.line ?? 0) - 1]).toContain('__atomic_load_n(&cover[0], __ATOMIC_RELAXED)');
      expect(f.litmus).toContain('__ATOMIC_RELAXED');
    }
  });

  it('Never once the documented reader uses acquire: no reader finding', async () => {
    const acquire = rst.replace(/__atomic_load_n\(&cover\[0\], __ATOMIC_RELAXED\)/g, '__atomic_load_n(&cover[0], __ATOMIC_ACQUIRE)');
    const tree = tempTree({ 'kernel/kcov.c': readKcov(), 'Documentation/dev-tools/kcov.rst': acquire });
    const r = await review(readSeed('004'), tree);
    expect(pb(r).map((f) => f.verdict)).toEqual(['fixed', 'fixed']);
    expect(reader(r)).toEqual([]);
  });
});

describe('time budget', () => {
  it('abandons an analysis over budget with an error naming the stage, and a generous budget changes nothing', async () => {
    const r = await reviewDocument(readSeed('000'), { documentPath: null, kernelTree: base, timeBudgetMs: 0.001 });
    expect(r.findings).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: 'time-budget', severity: 'error' });
    expect(r.problems[0].message).toMatch(/abandoned in stage "parse" after \d+ ms \(budget 0\.001 ms: setting kcovReview\.timeBudgetMs, CLI --time-budget\)/);
    const ok = await reviewDocument(readSeed('004'), { documentPath: null, kernelTree: base, timeBudgetMs: 60_000 });
    expect(pb(ok).map((f) => f.verdict)).toEqual(['fixed', 'fixed']);
  });

  it('kcov.c reviewed as a file is held to the budget too, stopped after the first rule it runs', async () => {
    const r = await reviewDocument(readKcov() + '\n/* verdicts.test: budget */\nstatic int budget_file;\n', { documentPath: '/src/linux/kernel/kcov.c', kernelTree: null, timeBudgetMs: 0.001 });
    expect(r.problems).toEqual([expect.objectContaining({ code: 'time-budget', message: expect.stringMatching(new RegExp(`abandoned in stage "rules !RT: ${RULES[0].id}"`)) })]);
    expect(r.findings).toEqual([]);
  });

  it('the budget is checked after each rule run: the rule the time ran out in is named, the next does not start, and it is no rule failure', async () => {
    await initParser();
    const image = sourceImage('kernel/kcov.c', readKcov() + '\nstatic int budget_rules;\n');
    const map = { patchToPre: new Map(), patchToPost: new Map(), preToPatch: new Map(), postToPatch: new Map(), preToPost: new Map(), postToPre: new Map() };
    let runs = 0;
    const rules = RULES.map((rule) => ({ ...rule, run: (input: Parameters<typeof rule.run>[0]) => { runs++; return rule.run(input); } }));
    let checks = 0;
    const checkpoint = (stage: string): void => { if (++checks > 3) throw new BudgetExceeded(stage, 1, 0); };
    const failures: RuleFailure[] = [];
    await expect(compareImagesStepwise({ path: 'kernel/kcov.c', pre: image, post: image, map, baseFrom: 'tree' }, [CONFIGS[0]], rules, {}, null, () => Promise.resolve(), failures, checkpoint))
      .rejects.toThrow(new RegExp(`abandoned in stage "rules !RT: ${rules[3].id}"`));
    expect(runs).toBe(4); // one check after each rule: the fourth throws, the fifth rule never runs
    expect(failures).toEqual([]);
  });
});
