/**
 * C the parser cannot read — unbalanced braces, unterminated comments and strings, 10 000-deep
 * nesting, `#if` without `#endif`, `#endif` without `#if` — fed three ways: as kernel/kcov.c reviewed
 * as a file, as the tree's kcov.c a patch applies to, and inside a patch's hunks. Each review is
 * bounded, never throws, and says that it could not read the code (no silent empty result).
 */
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConfigName } from '../../server/src/model/configs';
import { initParser } from '../../server/src/source';
import { readKcov } from '../support/kernel';
import { checkProperty } from './support/harness';
import { breakC, brokenC, brokenLines, diffText, generatedPatch } from './support/generators';
import { boundedReview, expectExplained, expectRoundTrip, expectUnreadableReported, fuzzTree } from './support/oracle';

const FIXTURE = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'percpu-prefix.c'), 'utf8').split('\n');
const REAL = readKcov().split('\n');
const fixtureTree = fuzzTree(FIXTURE.join('\n'));
const configs = fc.constantFrom<ConfigName[]>(['!RT'], ['RT+BHlock'], ['RT']);
/** The imitation mostly, the real kcov.c for one case in ten. */
const baseName = fc.oneof({ weight: 9, arbitrary: fc.constant('fixture' as const) }, { weight: 1, arbitrary: fc.constant('real' as const) });
const bases = { fixture: FIXTURE, real: REAL };

beforeAll(async () => {
  await initParser();
});

describe('fuzz: C the parser cannot read', () => {
  it('kcov.c reviewed as a file: bounded, no throw, unreadable code reported', async () => {
    await checkProperty('broken C as kcov.c file', fc.tuple(baseName, brokenC, configs), async ([name, broken, cfg]) => {
      const text = breakC(bases[name], broken).join('\n');
      const review = await boundedReview(text, { documentPath: '/fuzz/linux/kernel/kcov.c', kernelTree: null, defaultTreeDirs: [], configs: cfg }, 0);
      expectUnreadableReported(review);
      for (const p of review.problems) expect(p.line).toBeLessThan(text.split('\n').length);
    });
  }, 1_800_000);

  it('as the tree a patch applies to: bounded, explained, round-trips, unreadable code reported', async () => {
    // At most 100 deep here: thousands of 10 000-deep trees (two per case) exhaust tree-sitter's
    // WebAssembly heap (see the report); 10 000-deep nesting is covered as a file and in hunks.
    const shallow = brokenC.map((b) => ({ ...b, depth: Math.min(b.depth, 100) }));
    const arb = fc.tuple(baseName, shallow, configs).chain(([name, broken, cfg]) => {
      const lines = breakC(bases[name], broken);
      return fc.tuple(fc.constant(lines), generatedPatch(lines), fc.constant(cfg));
    });
    await checkProperty('broken C as tree content', arb, async ([lines, patch, cfg]) => {
      const tree = fuzzTree(lines.join('\n') + '\n');
      const text = diffText(patch).join('\n') + '\n';
      try {
        const review = await boundedReview(text, { documentPath: null, kernelTree: tree.dir, defaultTreeDirs: [], configs: cfg }, tree.bytes);
        expectExplained(review, text);
        expectUnreadableReported(review);
        expect(expectRoundTrip(review, tree)).toEqual(patch.post);
      } finally {
        fs.rmSync(tree.dir, { recursive: true, force: true });
      }
    });
  }, 1_800_000);

  it('inside the hunks of a patch: bounded, explained, round-trips, unreadable code reported', async () => {
    const arb = fc.tuple(generatedPatch(FIXTURE), brokenC, fc.nat(), configs);
    await checkProperty('broken C in patch hunks', arb, async ([patch, broken, which, cfg]) => {
      const h = patch.hunks[which % patch.hunks.length];
      const at = h.lines.findIndex((l) => l.kind === '+');
      h.lines.splice(at < 0 ? h.lines.length : at, 0, ...brokenLines(broken).map((text) => ({ kind: '+' as const, text })));
      const text = diffText(patch).join('\n') + '\n';
      const review = await boundedReview(text, { documentPath: null, kernelTree: fixtureTree.dir, defaultTreeDirs: [], configs: cfg }, fixtureTree.bytes);
      expectExplained(review, text);
      expectUnreadableReported(review);
      expectRoundTrip(review, fixtureTree);
    });
  }, 1_800_000);
});
