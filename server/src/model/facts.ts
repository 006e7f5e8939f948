/**
 * Branch facts: conditions the paths cannot decide from context predicates, stated once as data
 * with the reason they hold, so a path that contradicts one is not reported. Each is an assumption
 * about the code under review; the rule docs list them.
 */
import { percpuPointerPattern } from './semantics';

export interface BranchFact {
  id: string;
  /** The condition as written, white space removed. */
  cond: string;
  /** The fact holds when this function is on the inlining stack (the caller that guarantees it). */
  within: string;
  value: boolean;
  why: string;
}

export const BRANCH_FACTS: readonly BranchFact[] = [
  {
    id: 'ioctl-holds-file-reference',
    cond: 'refcount_dec_and_test(&kcov->refcount)',
    within: 'kcov_ioctl_locked',
    value: false,
    why: 'an ioctl runs on an open file: kcov_open() holds a reference that only kcov_close() drops, so a kcov_put() inside an ioctl never frees (kernel/kcov.c kcov_open(), kcov_close())',
  },
];

/** The value a fact gives a condition on this inlining stack, or null. */
export function factFor(cond: string, stack: readonly string[]): BranchFact | null {
  const c = cond.replace(/\s+/g, '').replace(/^\((.*)\)$/, '$1');
  return BRANCH_FACTS.find((f) => f.cond === c && stack.includes(f.within)) ?? null;
}

/** Values known not to be NULL where kcov uses them: a local holding one makes `!x` false. */
export interface NonNullFact { id: string; value: RegExp; why: string }

export const NON_NULL_FACTS: readonly NonNullFact[] = [
  {
    id: 'irq-area-allocated-at-init',
    value: new RegExp(`^${percpuPointerPattern('this-cpu')}\\(&kcov_percpu_data\\)->irq_area$`),
    why: 'kcov_init() allocates the per-CPU irq_area for every possible CPU and fails the init otherwise, so a softirq\'s area is never NULL ("Can only happen when in_task()", kernel/kcov.c kcov_remote_start())',
  },
];

/** Whether a value is one known not to be NULL: a local that holds it makes `!local` false. */
export function isNonNull(value: string): boolean {
  const v = value.replace(/\s+/g, '');
  return NON_NULL_FACTS.some((f) => f.value.test(v));
}
