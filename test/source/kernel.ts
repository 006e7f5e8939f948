/**
 * Where the extracted kernel files are (scripts/setup-kernel.sh). Tests that need them fail
 * loudly when they are missing: a skipped test would hide that nothing was checked.
 */
import * as fs from 'node:fs';
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
