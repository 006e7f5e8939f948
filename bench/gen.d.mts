/** Types of bench/gen.mjs (plain Node, run by `npm run bench`) for the tests that use its generators. */

/** A generated file of a tree made by makeGenTree (its text is written to disk, not kept). */
export interface GenFile {
  rel: string;
  tag: string;
  header: number;
  nFuncs: number;
}

/** Writes a 30-patch (or `n`-patch) series of mutations of kcov.c into `outDir`; returns the mbox's path. */
export function makeSeries(kcovPath: string, outDir: string, n?: number, kind?: 'comments' | 'statements' | 'sections'): string;

/** Writes a tree under `dir`: kernel/kcov.c of `kcovFuncs` generated functions, and `nOther` other files of `otherFuncs` each. */
export function makeGenTree(dir: string, kcovFuncs: number, nOther?: number, otherFuncs?: number): GenFile[];

/** Writes a patch of `nHunks` hunks (one per function) over the tree's generated kernel/kcov.c; returns `file`. */
export function makeHunkPatch(file: string, tree: readonly GenFile[], nHunks: number): string;

/** Writes a patch of about `bytes` bytes over every file of the tree. */
export function makeBigPatch(file: string, tree: readonly GenFile[], bytes: number): { file: string; hunks: number; files: number; bytes: number };
