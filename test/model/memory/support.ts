import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where scripts/setup-kernel.sh extracted the kernel (never committed). */
export function kernelDir(): string {
  return process.env.KCOV_REVIEW_KERNEL_DIR ?? join(__dirname, '../../../.cache/linux-6.12');
}

export function litmusDir(): string {
  return join(kernelDir(), 'tools/memory-model/litmus-tests');
}

/** tools/memory-model/litmus-tests in Linux 6.12 holds 35 `.litmus` files (plus a README). */
export const KERNEL_SUITE_SIZE = 35;

export interface KernelLitmus {
  file: string;
  text: string;
  /** Word after `Result:` in the leading comment (Sometimes, Never, Always, DEADLOCK...). */
  expected: string;
  /** `Result: ... DATARACE`: herd7 must flag a data race. */
  dataRace: boolean;
}

/** The kernel's litmus tests; throws with a setup hint when they are missing (tests must not skip). */
export function kernelLitmusTests(): KernelLitmus[] {
  const dir = litmusDir();
  if (!existsSync(dir)) {
    throw new Error(`kernel litmus tests not found at ${dir}: run scripts/setup-kernel.sh or set KCOV_REVIEW_KERNEL_DIR`);
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.litmus'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      // judgelitmus.sh: grep -m 1 '^[( ]\* Result: ' | awk '{ print $3 }'
      const line = /^[( ]\* Result: .*$/m.exec(text)?.[0] ?? '';
      return { file, text, expected: line.trim().split(/\s+/)[2] ?? '', dataRace: /DATARACE/.test(line) };
    });
}

/** Deep copy without `line` fields, to compare ASTs parsed from differently laid-out text. */
export function withoutLines<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === 'line' ? undefined : v)));
}
