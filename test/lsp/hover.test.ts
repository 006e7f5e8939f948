import { describe, expect, it } from 'vitest';
import { MarkupKind } from 'vscode-languageserver';
import type { ConfigName } from '../../server/src/model/configs';
import { hover, identifierAt, type PrimitiveDoc } from '../../server/src/lsp/hover';
import { DOC, review } from './support/fixture';

const primitives: PrimitiveDoc = (name: string, configs: ConfigName[]) =>
  name === 'smp_wmb' ? `**smp_wmb()**: orders stores (${configs.join(', ')})` : null;

describe('hover', () => {
  it('explains the findings on a line: rule, verdict, configs and the trace with kcov.c lines', () => {
    const result = hover(review(), DOC, { line: 16, character: 0 }, primitives);
    expect(result).not.toBeNull();
    expect(result!.range).toBeUndefined();
    expect(result!.contents).toEqual({
      kind: MarkupKind.Markdown,
      value: [
        '**count-published-before-area** (introduced, error) in `kcov_move_area`',
        '',
        'The count is published before the coverage entries it covers.',
        '',
        'Configurations: `!RT`, `RT`  ',
        'Site: `kernel/kcov.c:980` (post-image)',
        '',
        'Trace:',
        '',
        '1. `kernel/kcov.c:980` [task] dst_len is updated without a release',
        '2. `kernel/kcov.c:1002` [user-space reader] reads the count with a relaxed load',
      ].join('\n'),
    });
  });

  it('describes a primitive under the cursor in a diff line, with its range, after the findings', () => {
    const result = hover(review(), DOC, { line: 14, character: 4 }, primitives);
    expect(result!.range).toEqual({ start: { line: 14, character: 2 }, end: { line: 14, character: 9 } });
    const value = (result!.contents as { value: string }).value;
    expect(value.startsWith('**missing-write-barrier** (fixed, warning)')).toBe(true);
    expect(value.endsWith('\n\n---\n\n**smp_wmb()**: orders stores (!RT, RT+BHlock, RT)')).toBe(true);
  });

  it('says nothing on lines without findings or primitives, or outside diff lines', () => {
    expect(hover(review(), DOC, { line: 3, character: 1 }, primitives)).toBeNull();
    expect(hover(review(), DOC, { line: 1, character: 40 }, primitives)).toBeNull();
    expect(hover(review(), DOC, { line: 99, character: 0 }, primitives)).toBeNull();
  });

  it('ignores primitives when no lookup is given', () => {
    const noFinding = review({ findings: [] });
    expect(hover(noFinding, DOC, { line: 14, character: 4 })).toBeNull();
    expect(hover(noFinding, DOC, { line: 14, character: 4 }, primitives)).not.toBeNull();
  });
});

describe('identifierAt', () => {
  it('finds the identifier around or just before the cursor', () => {
    const line = '+\tsmp_wmb();';
    expect(identifierAt(line, { line: 0, character: 2 })?.text).toBe('smp_wmb');
    expect(identifierAt(line, { line: 0, character: 9 })?.text).toBe('smp_wmb');
    expect(identifierAt(line, { line: 0, character: 10 })).toBeNull();
    expect(identifierAt('x 123', { line: 0, character: 3 })).toBeNull();
  });
});
