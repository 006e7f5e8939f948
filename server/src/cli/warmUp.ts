/**
 * What a resident process (`kcov-review serve`) reviews before it answers anyone: a check's cost in
 * a fresh process is mostly code running for the first time (the bytecode interpreter, empty
 * inline caches, no optimized code), so the process first reviews the tree's kernel/kcov.c as a
 * file and a few small patches of its own against it, and the first real check finds the compiled
 * code and the tree's base analysis (parsed trees, views, summaries) already there.
 */
import path from 'node:path';
import { findTree, KCOV_PATH, readTreeFileChecked } from '../patch/tree';
import { reviewDocument } from '../review/review';

/** How many generated patches the warm-up reviews after kcov.c itself. */
export const WARM_UP_PATCHES = 24;

/** A statement line at the first level of a function body (`\tfoo(...);`): where a generated hunk inserts its line. */
const STATEMENT = /^\t[a-z_][^;]*\);$/;

/**
 * Plain diffs against `kcov`, each inserting one line after a statement spread evenly through the
 * file: a comment in even ones, a compiler `barrier();` in odd ones (so that the model, not only the
 * parse, sees a change). Three lines of context on each side, as `git diff` writes them.
 */
export function warmUpPatches(kcov: string, count: number = WARM_UP_PATCHES): string[] {
  const lines = kcov.split('\n');
  const sites: number[] = [];
  for (let i = 3; i + 3 < lines.length; i++) if (STATEMENT.test(lines[i])) sites.push(i);
  if (sites.length === 0) return [];
  const step = Math.max(1, Math.floor(sites.length / count));
  const patches: string[] = [];
  for (let k = 0; k < count && k * step < sites.length; k++) {
    const at = sites[k * step]; // 0-based; the new line goes after it
    const inserted = k % 2 === 0 ? `\t/* kcov-review warm-up ${k} */` : '\tbarrier();';
    const before = lines.slice(at - 2, at + 1).map((l) => ` ${l}`);
    const after = lines.slice(at + 1, at + 4).map((l) => ` ${l}`);
    patches.push(['--- a/kernel/kcov.c', '+++ b/kernel/kcov.c', `@@ -${at - 1},6 +${at - 1},7 @@`, ...before, `+${inserted}`, ...after, ''].join('\n'));
  }
  return patches;
}

/**
 * Reviews kcov.c of `tree` (found as a review finds it: `--tree`, else the embedded default) as a
 * file and the generated patches against it; resolves with a line for the log.
 */
export async function warmUp(explicit: string | null, defaultDirs: readonly string[]): Promise<string> {
  const lookup = findTree({ explicit, explicitSource: 'cli', documentPath: null, defaultDirs });
  if (!lookup.tree) return `nothing reviewed: ${lookup.problem ?? 'no kernel tree given and no embedded tree'}`;
  const tree = lookup.tree.path;
  const read = readTreeFileChecked(tree, KCOV_PATH);
  if (read.text === null) return `nothing reviewed: ${read.refused ?? `${KCOV_PATH} cannot be read`} (${tree})`;
  const options = { kernelTree: tree, kernelTreeSource: 'cli' as const };
  await reviewDocument(read.text, { ...options, documentPath: path.join(tree, KCOV_PATH) });
  const patches = warmUpPatches(read.text);
  for (const patch of patches) await reviewDocument(patch, { ...options, documentPath: null });
  return `${1 + patches.length} reviews on ${tree}`;
}
