/**
 * The CLI's path (`kcov-review check --format json`, run in process through `main`) on the same
 * inputs: random bytes, corrupted seeds, generated and damaged diffs, bytes written as Latin-1.
 * It never fails with an internal error (exit 2 only for input that is not a patch), writes valid
 * JSON, and the JSON is never silently empty.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../server/src/cli/main';
import { initParser } from '../../server/src/source';
import { readSeed } from '../support/kernel';
import { checkProperty } from './support/harness';
import { corrupted, damageStructure, damageWhitespace, diffText, generatedPatch, randomDocument, structuralDamage, subject, whitespaceDamage, wrapMail } from './support/generators';
import { fuzzTree } from './support/oracle';

const FIXTURE = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'percpu-prefix.c'), 'utf8');
const fixture = fuzzTree(FIXTURE);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-fuzz-check-'));

const generated = fc.record({ patch: generatedPatch(fixture.lines), subj: subject, damage: structuralDamage, ws: whitespaceDamage, salt: fc.nat(), wrap: fc.constantFrom('bare' as const, 'format-patch' as const, 'archive' as const) })
  .map((c) => damageWhitespace(damageStructure(wrapMail(diffText(c.patch), c.wrap, c.subj), c.damage, c.salt), c.ws, c.salt).join('\n') + '\n');
const input = fc.tuple(
  fc.oneof(randomDocument, corrupted(Buffer.from(readSeed('004'))), generated),
  fc.constantFrom<BufferEncoding>('utf8', 'latin1'),
);

beforeAll(async () => {
  await initParser();
});

describe('fuzz: the CLI', () => {
  it('check --format json: exit 0/1, or 2 only for a non-patch; valid JSON that is never silently empty', async () => {
    const file = path.join(dir, 'in.patch');
    await checkProperty('CLI check', input, async ([text, encoding]) => {
      fs.writeFileSync(file, Buffer.from(text, encoding));
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['check', file, '--tree', fixture.dir, '--config', 'RT', '--format', 'json'], { out: (s) => out.push(s), err: (s) => err.push(s) });
      expect(err.join(''), 'the CLI reported an internal error').toBe('');
      const json = JSON.parse(out.join('')) as { problems: { code: string }[]; hunks: unknown[]; findings: unknown[] };
      expect(json.problems.length + json.hunks.length + json.findings.length).toBeGreaterThan(0);
      if (code === 2) expect(json.problems.map((p) => p.code)).toContain('not-a-patch');
      else expect([0, 1]).toContain(code);
    });
  }, 1_800_000);
});
