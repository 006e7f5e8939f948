import { describe, expect, it } from 'vitest';
import { findPrimitive, percpuPointerNames, percpuPointerPattern, primitiveHover } from '../../server/src/model/semantics';

describe('per-CPU pointer accessors in the primitive table', () => {
  it('are the rows marked percpuPointer, by kind, exact names only', () => {
    expect(percpuPointerNames('this-cpu')).toEqual(['this_cpu_ptr', 'raw_cpu_ptr']);
    expect(percpuPointerNames('given-cpu')).toEqual(['per_cpu_ptr']);
    expect(percpuPointerNames()).toEqual(['this_cpu_ptr', 'raw_cpu_ptr', 'per_cpu_ptr']);
    // this_cpu_read() and __this_cpu_write() are per-CPU operations, not pointers.
    expect(findPrimitive('__this_cpu_write')?.percpuPointer).toBeUndefined();
    expect(findPrimitive('this_cpu_read')?.percpuPointer).toBeUndefined();
  });

  it('give the alternation the model matches expressions with', () => {
    const accessor = new RegExp(`^${percpuPointerPattern()}\\(&(\\w+)`);
    expect(accessor.exec('raw_cpu_ptr(&kcov_percpu_data)')?.[1]).toBe('kcov_percpu_data');
    expect(accessor.exec('per_cpu_ptr(&kcov_percpu_data, cpu)')?.[1]).toBe('kcov_percpu_data');
    expect(accessor.test('this_cpu_read(kcov_percpu_data.saved_mode)')).toBe(false);
    expect(new RegExp(`^${percpuPointerPattern('this-cpu')}\\(`).test('per_cpu_ptr(&v, 1)')).toBe(false);
  });

  it('say in the hover which CPU the pointer is to', () => {
    expect(primitiveHover(findPrimitive('this_cpu_ptr')!, ['RT'])).toContain('Per-CPU pointer to the copy of the CPU it runs on.');
    expect(primitiveHover(findPrimitive('per_cpu_ptr')!, ['RT'])).toContain('the CPU given as its second argument');
    expect(primitiveHover(findPrimitive('smp_wmb')!, ['RT'])).not.toContain('Per-CPU pointer');
  });

  it('tell per-CPU operations apart: unprotected (__this_cpu_*, raw_cpu_*) from safe against preemption (this_cpu_*), reads from writes', () => {
    expect(findPrimitive('__this_cpu_read')?.percpuOp).toEqual({ access: 'read', preemptSafe: false });
    expect(findPrimitive('__this_cpu_add')?.percpuOp).toEqual({ access: 'write', preemptSafe: false });
    expect(findPrimitive('raw_cpu_read')?.percpuOp).toEqual({ access: 'read', preemptSafe: false });
    expect(findPrimitive('this_cpu_read')?.percpuOp).toEqual({ access: 'read', preemptSafe: true });
    expect(findPrimitive('this_cpu_cmpxchg')?.percpuOp).toEqual({ access: 'write', preemptSafe: true });
    // The pointer accessors come first: this_cpu_ptr and raw_cpu_ptr are not operations.
    expect(findPrimitive('this_cpu_ptr')?.percpuOp).toBeUndefined();
    expect(findPrimitive('raw_cpu_ptr')?.percpuOp).toBeUndefined();
    expect(primitiveHover(findPrimitive('__this_cpu_write')!, ['RT'])).toContain('Per-CPU write of the current CPU\'s copy, not protected against preemption.');
    expect(primitiveHover(findPrimitive('this_cpu_read')!, ['RT'])).toContain('safe against preemption as one operation');
  });
});
