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
});
