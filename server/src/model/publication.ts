/**
 * Which kcov buffers are publications (written by the kernel while another party reads them
 * concurrently) and who reads them. Data, cited to Documentation/dev-tools/kcov.rst.
 */

export interface BufferRow {
  /** Matches the resolved base expression of a store (e.g. `kcov->area`). */
  expression: RegExp;
  published: boolean;
  /** Who reads it, and how (the reader side of the publication). */
  reader: string;
  why: string;
  cite: string;
}

export const BUFFERS: readonly BufferRow[] = [
  {
    expression: /(^|[^\w>])kcov->area$/,
    published: true,
    reader: 'user space, concurrently: `n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED)`, then `cover[1..n]`',
    why: 'remote coverage is copied into the mmap()ed kcov->area while the collecting process reads it',
    cite: 'Documentation/dev-tools/kcov.rst, "Remote coverage collection"',
  },
  {
    expression: /(^|\W)(t|current)->kcov_area$/,
    published: false,
    reader: 'the same task, after the syscall returns',
    why: 'a task\'s own coverage buffer is read by that task once the traced syscall is over, so program order suffices',
    cite: 'Documentation/dev-tools/kcov.rst, "Coverage collection"',
  },
];

export function bufferFor(expression: string): BufferRow | undefined {
  const e = expression.replace(/\s+/g, '');
  return BUFFERS.find((b) => b.expression.test(e));
}
