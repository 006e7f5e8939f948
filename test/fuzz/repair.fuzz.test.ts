/**
 * Whitespace damage of every kind web archives do (tabs to spaces or to tab stops, blank runs
 * collapsed, indentation lost, context lines without their leading space, wrapped long lines, dropped
 * blank lines, trailing white space stripped or added, nbsp) to a
 * patch generated here against the real kcov.c, and to seed 004. Located hunks must round-trip, and
 * a repair that claims success (`repairDocument` leaves nothing unrepaired; CLI `repair` exits 0)
 * must be accepted by `git apply --check` in a git repository holding the same kcov.c.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../server/src/cli/main';
import { buildImages, imageLines } from '../../server/src/patch/images';
import { locateFileHunks } from '../../server/src/patch/locate';
import { parseSeries } from '../../server/src/patch/parse';
import { baseLookupOf, repairDocument } from '../../server/src/patch/repair';
import type { BaseLookup } from '../../server/src/patch/render';
import { KCOV_PATH } from '../../server/src/patch/tree';
import type { FilePatch, LocatedHunk } from '../../server/src/patch/types';
import { initParser } from '../../server/src/source';
import { readKcov, readSeed } from '../support/kernel';
import { checkProperty } from './support/harness';
import { corrupted, damageStructure, damageWhitespace, diffText, generatedPatch, randomDocument, structuralDamage, whitespaceDamage, wrapMail, type Subject } from './support/generators';
import { ApplyRepo, boundedReview, expectExplained, expectRoundTrip, fuzzTree, type FuzzTree } from './support/oracle';

const KCOV = readKcov();
const FIXTURE = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'percpu-prefix.c'), 'utf8');
const real = fuzzTree(KCOV);
const fixture = fuzzTree(FIXTURE);
const repo = new ApplyRepo(KCOV);
const fixtureRepo = new ApplyRepo(FIXTURE);
const SEED004 = readSeed('004').split('\n');
const SUBJECT: Subject = { header: '[PATCH] kcov: fuzz', decoded: '[PATCH] kcov: fuzz' };

/** The patch stage alone, as reviewDocument runs it for a one-file kcov.c patch: cheap per case. */
function locateOnly(text: string): LocatedHunk[] {
  return parseSeries(text).patches.flatMap((p) => p.files.filter((f) => !f.binary).flatMap((f) => locateFileHunks(p.index, f, real.lines)));
}

/**
 * The patch stage as reviewDocument runs it on any document: a file section applies to what the
 * sections before it left of its file (git apply reads them in turn), a file not in the tree is not
 * located. With the base each hunk was located in, for the repair.
 */
function locateInTurn(text: string): { hunks: LocatedHunk[]; baseOf: BaseLookup } {
  const latest = new Map<string, readonly string[]>();
  const baseOfFile = new Map<FilePatch, readonly string[]>();
  const hunks: LocatedHunk[] = [];
  for (const p of parseSeries(text).patches) {
    for (const f of p.files.filter((file) => !file.binary)) {
      if (f.path !== KCOV_PATH) {
        hunks.push(...f.hunks.map((hunk): LocatedHunk => ({ patchIndex: p.index, file: f, hunk, where: { located: false, reason: `${f.path} is not in the tree`, closest: null } })));
        continue;
      }
      const base = latest.get(f.path) ?? real.lines;
      const located = locateFileHunks(p.index, f, base);
      baseOfFile.set(f, base);
      latest.set(f.path, imageLines(buildImages(f.path, base, located, 'tree').post));
      hunks.push(...located);
    }
  }
  return { hunks, baseOf: (h) => baseOfFile.get(h.file) ?? null };
}

function expectRepairAccepted(text: string, hunks: readonly LocatedHunk[], baseOf: BaseLookup = () => real.lines, git: ApplyRepo = repo): void {
  const repaired = repairDocument(text, hunks, baseOf);
  const claims = repaired.unrepaired.length === 0 && hunks.some((h) => h.where.located);
  if (!claims) return;
  const complaint = git.check(repaired.text);
  expect(complaint, `repair claimed success but git apply --check says:\n${complaint}\n--- repaired:\n${repaired.text}`).toBeNull();
}

function damagedGeneratedOn(tree: FuzzTree): fc.Arbitrary<string> {
  return fc.record({ patch: generatedPatch(tree.lines), damage: whitespaceDamage, salt: fc.nat(), archive: fc.boolean() })
    .map((c) => damageWhitespace(wrapMail(diffText(c.patch), c.archive ? 'archive' : 'format-patch', SUBJECT), c.damage, c.salt).join('\n') + '\n');
}
const damagedGenerated = damagedGeneratedOn(real);
const damagedSeed = fc.record({ damage: whitespaceDamage, salt: fc.nat() }).map((c) => damageWhitespace(SEED004, c.damage, c.salt).join('\n'));

/** Not only whitespace: a generated patch with its structure damaged too (counts off, `+++` missing,
 *  CRLF, a stray `\ No newline`), seed 004 corrupted, or random bytes. Whatever the repair claims
 *  of these must hold as well. */
const damagedAnyhow: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ patch: generatedPatch(real.lines), structure: structuralDamage, damage: whitespaceDamage, salt: fc.nat(), archive: fc.boolean() })
    .map((c) => damageWhitespace(damageStructure(wrapMail(diffText(c.patch), c.archive ? 'archive' : 'format-patch', SUBJECT), c.structure, c.salt), c.damage, c.salt).join('\n') + '\n') },
  { weight: 3, arbitrary: corrupted(Buffer.from(SEED004.join('\n'))) },
  { weight: 1, arbitrary: randomDocument },
);

/** For the whole pipeline (the model is the costly part): the imitation mostly, the real kcov.c
 *  (a generated patch or seed 004) in one case in ten. */
type TreeName = 'fixture' | 'real';
const TREES: Record<TreeName, { tree: FuzzTree; git: ApplyRepo }> = { fixture: { tree: fixture, git: fixtureRepo }, real: { tree: real, git: repo } };
const damagedOnSomeTree: fc.Arbitrary<[TreeName, string]> = fc.oneof(
  { weight: 18, arbitrary: fc.tuple(fc.constant<TreeName>('fixture'), damagedGeneratedOn(fixture)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant<TreeName>('real'), damagedGenerated) },
  { weight: 1, arbitrary: fc.tuple(fc.constant<TreeName>('real'), damagedSeed) },
);

beforeAll(async () => {
  await initParser();
});

describe('fuzz: whitespace damage and repair', () => {
  it('a generated patch, damaged: the repair it claims is accepted by git apply --check', async () => {
    await checkProperty('repair of damaged generated patches', damagedGenerated, (text) => expectRepairAccepted(text, locateOnly(text)));
  }, 1_800_000);

  it('seed 004, damaged further: the repair it claims is accepted by git apply --check', async () => {
    await checkProperty('repair of damaged seed 004', damagedSeed, (text) => expectRepairAccepted(text, locateOnly(text)));
  }, 1_800_000);

  it('structural damage, corrupted mails, random bytes: the repair it claims is accepted by git apply --check', async () => {
    await checkProperty('repair of structurally damaged and corrupted patches', damagedAnyhow, (text) => {
      const { hunks, baseOf } = locateInTurn(text);
      expectRepairAccepted(text, hunks, baseOf);
    });
  }, 1_800_000);

  it('the whole pipeline on damaged patches: bounded, explained, located hunks round-trip', async () => {
    const arb = fc.tuple(damagedOnSomeTree, fc.constantFrom<['RT'] | ['!RT']>(['RT'], ['!RT']));
    await checkProperty('pipeline on damaged patches', arb, async ([[name, text], cfg]) => {
      const { tree, git } = TREES[name];
      const review = await boundedReview(text, { documentPath: null, kernelTree: tree.dir, defaultTreeDirs: [], configs: cfg }, tree.bytes);
      expectExplained(review, text);
      expectRoundTrip(review, tree);
      expectRepairAccepted(text, review.hunks, baseLookupOf(review.images), git);
    });
  }, 1_800_000);

  it('CLI `kcov-review repair`: exit 0 only with output git apply --check accepts, never exit 2 with a tree', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-fuzz-cli-'));
    const input = path.join(dir, 'in.patch');
    const output = path.join(dir, 'out.patch');
    await checkProperty('CLI repair', damagedOnSomeTree, async ([name, text]) => {
      const { tree, git } = TREES[name];
      fs.writeFileSync(input, text);
      fs.rmSync(output, { force: true });
      const err: string[] = [];
      const code = await main(['repair', input, '--tree', tree.dir, '--config', 'RT', '-o', output], { out: () => {}, err: (s) => err.push(s) });
      expect(code, err.join('')).not.toBe(2);
      if (code === 0) expect(git.check(fs.readFileSync(output, 'utf8'))).toBeNull();
      else expect(err.join('')).toMatch(/not repaired/);
    });
  }, 1_800_000);
});
