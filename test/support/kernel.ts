/**
 * Where the extracted kernel files are (scripts/setup-kernel.sh). Tests that need them fail
 * loudly when they are missing: a skipped test would hide that nothing was checked.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function kernelDir(): string {
  const fromEnv = process.env.KCOV_REVIEW_KERNEL_DIR;
  return fromEnv ? path.resolve(fromEnv) : path.resolve(__dirname, '..', '..', '.cache', 'linux-6.12');
}

/** Read a file of the extracted kernel tree, or throw saying how to get it. */
export function readKernelFile(rel: string): string {
  const file = path.join(kernelDir(), rel);
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: run scripts/setup-kernel.sh (or set KCOV_REVIEW_KERNEL_DIR)`);
  }
  return fs.readFileSync(file, 'utf8');
}

export const readKcov = (): string => readKernelFile('kernel/kcov.c');

/** Debian's 6.1 kernel/kcov.c (scripts/setup-kernel.sh --version 6.1), or throw saying how to get it. */
export function readKcov61(): string {
  const file = path.resolve(process.env.KCOV_REVIEW_KERNEL61_DIR ?? path.join(__dirname, '..', '..', '.cache', 'linux-6.1'), 'kernel', 'kcov.c');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run scripts/setup-kernel.sh --version 6.1 (or set KCOV_REVIEW_KERNEL61_DIR)`);
  return fs.readFileSync(file, 'utf8');
}

/** The two real seed mails (web-archive copies), beside the clone in ../shared/seeds. */
export function seedPath(prefix: '000' | '004'): string {
  const dir = process.env.KCOV_REVIEW_SEEDS_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'seeds');
  const name = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.startsWith(prefix + '_')) : undefined;
  if (!name) throw new Error(`seed ${prefix}_* not found in ${dir} (set KCOV_REVIEW_SEEDS_DIR)`);
  return path.join(dir, name);
}

export const readSeed = (prefix: '000' | '004'): string => fs.readFileSync(seedPath(prefix), 'utf8');

/** A throw-away kernel tree outside any git repository, holding the given files. */
export function tempTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-tree-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
