/**
 * The reviewer's kernel tree: where it is (setting or CLI flag, else walking up from the patch file,
 * else the embedded default extracted from Debian's linux-source-6.12), and reading a file of it.
 * Paths named by a patch are only ever read inside the tree: no `..`, no absolute paths, no symlink
 * that leaves the tree. A git blob named on the patch's `index` line is read with `git cat-file`
 * (no shell; the id is checked to be hex first).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const KCOV_PATH = 'kernel/kcov.c';

export type TreeSource = 'setting' | 'cli' | 'walk-up' | 'default';

export interface KernelTree { path: string; source: TreeSource }

function hasKcov(dir: string): boolean {
  try {
    return fs.statSync(path.join(dir, KCOV_PATH)).isFile();
  } catch {
    return false;
  }
}

/** Directories holding the embedded default tree, in the order they are tried. */
export function defaultTreeDirs(extensionRoot: string | null): string[] {
  const dirs: string[] = [];
  if (process.env.KCOV_REVIEW_KERNEL_DIR) dirs.push(process.env.KCOV_REVIEW_KERNEL_DIR);
  if (extensionRoot) dirs.push(path.join(extensionRoot, '.cache', 'linux-6.12'));
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  dirs.push(path.join(cacheHome, 'kcov-review', 'linux-6.12'));
  return dirs;
}

export function walkUpToTree(fromFile: string): string | null {
  let dir = path.dirname(path.resolve(fromFile));
  for (;;) {
    if (hasKcov(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export interface TreeQuery {
  explicit: string | null;
  explicitSource: 'setting' | 'cli';
  documentPath: string | null;
  defaultDirs: readonly string[];
}

export type TreeLookup = { tree: KernelTree } | { tree: null; problem: string | null };

/** Finds the tree; an explicit tree without kernel/kcov.c is an error, not silently replaced. */
export function findTree(q: TreeQuery): TreeLookup {
  if (q.explicit) {
    const dir = path.resolve(q.explicit);
    if (hasKcov(dir)) return { tree: { path: dir, source: q.explicitSource } };
    return { tree: null, problem: `The kernel tree ${q.explicit} (from the ${q.explicitSource === 'cli' ? '--tree flag' : 'kcovReview.kernelTree setting'}) has no ${KCOV_PATH}.` };
  }
  if (q.documentPath) {
    const up = walkUpToTree(q.documentPath);
    if (up) return { tree: { path: up, source: 'walk-up' } };
  }
  for (const dir of q.defaultDirs) {
    if (hasKcov(dir)) return { tree: { path: path.resolve(dir), source: 'default' } };
  }
  return { tree: null, problem: null };
}

/** A patch's file path made safe: relative, normalized, inside the tree, or null. */
export function safeRelativePath(p: string): string | null {
  if (p === '' || path.isAbsolute(p) || p.includes('\0')) return null;
  const norm = path.posix.normalize(p.replace(/\\/g, '/'));
  if (norm.startsWith('../') || norm === '..' || norm.startsWith('/')) return null;
  return norm;
}

const fileCache = new Map<string, { stamp: string; text: string }>();

/** Why a file of the tree was not read: it is absent, or reading it would leave the tree. */
export type TreeRead =
  | { text: string }
  | { text: null; refused: null }
  | { text: null; refused: string };

/** True when `real` is `root` or below it (both already resolved with realpath). */
function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * Reads `rel` inside `treeDir`, refusing paths and symlinks that leave the tree (checked on the
 * realpath of both, so `kernel/` or `kernel/kcov.c` linked elsewhere is refused before any read).
 * The review runs on every edit, so a file is read again only when its size or modification time changed.
 */
export function readTreeFileChecked(treeDir: string, rel: string): TreeRead {
  const safe = safeRelativePath(rel);
  if (!safe) return { text: null, refused: `${JSON.stringify(rel)} is outside the kernel tree (absolute, or climbs out with ..); it is not read` };
  let root: string;
  let real: string;
  try {
    root = fs.realpathSync(treeDir);
    real = fs.realpathSync(path.join(root, safe));
  } catch {
    return { text: null, refused: null };
  }
  if (!isInside(root, real)) return { text: null, refused: `${safe} in the kernel tree is a symlink (or under one) leading outside the tree, to ${real}; it is not followed` };
  try {
    const stat = fs.statSync(real);
    if (!stat.isFile()) return { text: null, refused: null };
    const stamp = `${stat.size}:${stat.mtimeMs}`;
    const cached = fileCache.get(real);
    if (cached && cached.stamp === stamp) return { text: cached.text };
    const text = fs.readFileSync(real, 'utf8');
    if (fileCache.size > 64) fileCache.clear();
    fileCache.set(real, { stamp, text });
    return { text };
  } catch {
    return { text: null, refused: null };
  }
}

/** readTreeFileChecked's text, or null whatever the reason. */
export function readTreeFile(treeDir: string, rel: string): string | null {
  return readTreeFileChecked(treeDir, rel).text;
}

/** The blob's text when the tree is a git repository that has it (as `git am -3` uses it). */
export function readGitBlob(treeDir: string, blob: string | null): string | null {
  if (!blob || !/^[0-9a-f]{4,64}$/.test(blob) || /^0+$/.test(blob)) return null;
  if (!fs.existsSync(path.join(treeDir, '.git'))) return null;
  try {
    const type = execFileSync('git', ['-C', treeDir, 'cat-file', '-t', '--', blob], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    if (type !== 'blob') return null;
    return execFileSync('git', ['-C', treeDir, 'cat-file', 'blob', '--', blob], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000, maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return null;
  }
}
