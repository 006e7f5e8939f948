/**
 * The pipeline on whatever arrives: random bytes, the seeds cut at any byte or corrupted, and
 * generated diffs with the structural damage mail does (counts off, `+++` lost, CRLF, a stray
 * `\ No newline`), binary sections, renames, mode-only changes, 8-bit, UTF-8 and RFC 2047 subjects.
 * Most cases run against a small kcov.c imitation (test/fixtures), some against the real kcov.c.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConfigName } from '../../server/src/model/configs';
import { buildImages } from '../../server/src/patch/images';
import { locateFileHunks } from '../../server/src/patch/locate';
import { parseSeries } from '../../server/src/patch/parse';
import type { Review } from '../../server/src/review/types';
import { initParser } from '../../server/src/source';
import { readKcov, readSeed } from '../support/kernel';
import { seed000Base } from '../support/seedBase';
import { checkEvery, checkProperty, exhaustive } from './support/harness';
import { corrupted, cutAtByte, damageStructure, diffText, generatedPatch, otherSection, randomDocument, structuralDamage, subject, wrapMail, type Wrapping } from './support/generators';
import { boundedReview, expectExplained, expectRoundTrip, expectUnreadableReported, fuzzTree, type FuzzTree } from './support/oracle';

const FIXTURE = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'percpu-prefix.c'), 'utf8');
const fixture = fuzzTree(FIXTURE);
const real = fuzzTree(readKcov());
const seedBase000 = fuzzTree(seed000Base());
const seeds = { '000': Buffer.from(readSeed('000')), '004': Buffer.from(readSeed('004')) };

/** One configuration per case keeps a case cheap; all three now and then (the CLI's default). */
const configs = fc.oneof({ weight: 6, arbitrary: fc.constantFrom<ConfigName[]>(['!RT'], ['RT+BHlock'], ['RT']) }, { weight: 1, arbitrary: fc.constant<ConfigName[] | undefined>(undefined) });

async function reviewSound(text: string, tree: FuzzTree, cfg: ConfigName[] | undefined): Promise<void> {
  const review = await boundedReview(text, { documentPath: null, kernelTree: tree.dir, defaultTreeDirs: [], configs: cfg }, tree.bytes);
  expectExplained(review, text);
  expectUnreadableReported(review);
  expectRoundTrip(review, tree);
}

/** The patch stage alone: parsing never throws, a document without hunks says why, and the located
 *  hunks of each kcov.c section apply to the tree as the images say. */
function patchStageSound(text: string, tree: FuzzTree): void {
  const series = parseSeries(text);
  const files = series.patches.flatMap((p) => p.files.filter((f) => f.path === 'kernel/kcov.c' && f.hunks.length > 0).map((f) => ({ p, f })));
  if (files.length === 0) expect(series.problems.length).toBeGreaterThan(0);
  for (const { p, f } of files.slice(0, 1)) {
    const located = locateFileHunks(p.index, f, tree.lines);
    const pair = buildImages(f.path, tree.lines, located, 'tree');
    const review = { series: { patches: [p], problems: [] }, hunks: located, images: [pair] } as unknown as Review;
    if (p.files.filter((x) => x.path === 'kernel/kcov.c' && x.hunks.length > 0).length === 1) expectRoundTrip(review, tree);
  }
}

beforeAll(async () => {
  await initParser();
});

describe('fuzz: bytes and mails', () => {
  it('random bytes: bounded, no throw, a diagnostic saying there is nothing to review', async () => {
    await checkProperty('random bytes', fc.tuple(randomDocument, configs), async ([text, cfg]) => {
      await reviewSound(text, fixture, cfg);
    });
  }, 1_800_000);

  const seedCase = fc.constantFrom<'000' | '004'>('000', '004').chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: seeds[s].length }), configs));
  const treeOfSeed = (s: '000' | '004'): FuzzTree => (s === '000' ? seedBase000 : real);

  it('the seeds cut at any byte: every cut is reviewed or explained', async () => {
    await checkProperty('seeds cut at a byte', seedCase, async ([s, offset, cfg]) => {
      await reviewSound(cutAtByte(seeds[s], offset), treeOfSeed(s), cfg);
    });
  }, 1_800_000);

  // Every cut of both seeds: through the whole pipeline under `npm run fuzz` (FUZZ_EXHAUSTIVE=1);
  // in `npm test`, every cut of seed 004 through the patch stage (parse, locate, images), which is cheap.
  it('the seeds cut at every byte (exhaustive)', async () => {
    for (const s of exhaustive ? (['004', '000'] as const) : (['004'] as const)) {
      const offsets = Array.from({ length: seeds[s].length + 1 }, (_, i) => i);
      const check = exhaustive ? (text: string) => reviewSound(text, treeOfSeed(s), ['RT']) : (text: string) => patchStageSound(text, treeOfSeed(s));
      await checkEvery(`seed ${s} cut at every byte${exhaustive ? '' : ' (patch stage)'}`, offsets, (offset) => check(cutAtByte(seeds[s], offset)), (o) => `byte ${o}`);
    }
  }, 3_600_000);

  it('the seeds corrupted (bytes changed, ranges deleted or duplicated, lines swapped, diff syntax inserted)', async () => {
    const arb = fc.constantFrom<'000' | '004'>('000', '004').chain((s) => fc.tuple(fc.constant(s), corrupted(seeds[s]), configs));
    await checkProperty('seeds corrupted', arb, async ([s, text, cfg]) => {
      await reviewSound(text, treeOfSeed(s), cfg);
    });
  }, 1_800_000);
});

describe('fuzz: generated diffs', () => {
  const trees = { fixture, real };
  const onTree = fc.oneof({ weight: 19, arbitrary: fc.constant('fixture' as const) }, { weight: 1, arbitrary: fc.constant('real' as const) });
  const caseArb = onTree.chain((treeName) => fc.record({
    tree: fc.constant(treeName),
    patch: generatedPatch(trees[treeName].lines),
    wrap: fc.constantFrom<Wrapping>('bare', 'format-patch', 'archive'),
    subj: subject,
    damage: structuralDamage,
    pick: fc.nat(),
    extra: fc.option(otherSection, { nil: null }),
    extraFirst: fc.boolean(),
    cfg: configs,
  }));

  it('well-formed or structurally damaged: bounded, explained, located hunks round-trip; undamaged ones give the exact post-image', async () => {
    await checkProperty('generated diffs', caseArb, async (c) => {
      const tree = trees[c.tree];
      const diff = diffText(c.patch);
      const body = c.extra ? (c.extraFirst ? [...c.extra.lines, ...diff] : [...diff, ...c.extra.lines]) : diff;
      const text = damageStructure(wrapMail(body, c.wrap, c.subj), c.damage, c.pick).join('\n') + '\n';
      const review = await boundedReview(text, { documentPath: null, kernelTree: tree.dir, defaultTreeDirs: [], configs: c.cfg }, tree.bytes);
      expectExplained(review, text);
      expectUnreadableReported(review);
      const post = expectRoundTrip(review, tree);
      if (c.extra) expect(review.problems.map((p) => p.code)).toContain(c.extra.code);
      if (c.damage === 'none' || c.damage === 'crlf' || c.damage === 'crlf-some') {
        expect(review.hunks.filter((h) => h.file.path === 'kernel/kcov.c').every((h) => h.where.located)).toBe(true);
        expect(post).toEqual(c.patch.post);
        if (c.wrap !== 'bare' && c.subj.decoded !== null) expect(review.series.patches[0].headers.subject).toBe(c.subj.decoded);
      }
    });
  }, 1_800_000);
});
