/**
 * The pre-fix kcov.c seed 000 applies to, built at test time: our own frame
 * (test/fixtures/seed000-base.skeleton.c) with each `@@SEED000 n@@` line replaced by the pre-image
 * of seed 000's n-th kernel/kcov.c hunk (its context and removed lines, as the mail shows them).
 * Nothing of the seed is committed; it is read from ../shared/seeds at run time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSeries } from '../../server/src/patch/parse';
import { readSeed } from './kernel';

const SKELETON = path.join(__dirname, '..', 'fixtures', 'seed000-base.skeleton.c');

export function seed000Base(): string {
  const file = parseSeries(readSeed('000')).patches[0]?.files.find((f) => f.path === 'kernel/kcov.c');
  if (!file) throw new Error('seed 000 has no kernel/kcov.c hunks');
  const used = new Set<number>();
  const text = fs.readFileSync(SKELETON, 'utf8').replace(/^@@SEED000 (\d+)@@$/gm, (_m, n: string) => {
    const hunk = file.hunks[Number(n)];
    if (!hunk) throw new Error(`seed 000 has no hunk ${n}`);
    used.add(Number(n));
    return hunk.lines.filter((l) => l.kind !== '+').map((l) => l.text).join('\n');
  });
  if (used.size !== file.hunks.length) throw new Error(`the skeleton places ${used.size} of seed 000's ${file.hunks.length} kcov.c hunks`);
  return text;
}
