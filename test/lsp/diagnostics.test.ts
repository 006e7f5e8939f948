import { describe, expect, it } from 'vitest';
import { DiagnosticSeverity } from 'vscode-languageserver';
import {
  analysisFailedDiagnostic,
  findingSeverity,
  lineContentRange,
  reviewDiagnostics,
  ruleDocUrl,
  traceStepLocation,
} from '../../server/src/lsp/diagnostics';
import { documentLines } from '../../server/src/lsp/documents';
import { DOC, DOC_URI, FIXED_WARNING, INTRODUCED, PRE_EXISTING, TREE, finding, review } from './support/fixture';

describe('reviewDiagnostics', () => {
  const diagnostics = reviewDiagnostics(review(), DOC, DOC_URI);

  it('turns problems into diagnostics first, on their whole line', () => {
    expect(diagnostics[0]).toEqual({
      range: { start: { line: 12, character: 0 }, end: { line: 12, character: documentLines(DOC)[12].length } },
      severity: DiagnosticSeverity.Warning,
      code: 'patch-damaged',
      source: 'kcov-review',
      message: 'The patch lost its context-line prefixes; repaired from the tree.',
    });
    expect(diagnostics[1]).toMatchObject({ code: 'no-tree', severity: DiagnosticSeverity.Information, range: { start: { line: 0 } } });
  });

  it('places findings on their patch line, without the diff prefix and indentation', () => {
    const introduced = diagnostics.find((d) => d.code === 'count-published-before-area' && d.range.start.line === 16);
    expect(introduced).toBeDefined();
    expect(introduced!.range).toEqual({ start: { line: 16, character: 2 }, end: { line: 16, character: '+\tdst_len += entries_moved;'.length } });
    expect(introduced!.severity).toBe(DiagnosticSeverity.Error);
    expect(introduced!.source).toBe('kcov-review');
    expect(introduced!.codeDescription).toEqual({ href: 'https://github.com/kcov-review/kcov-review/blob/main/docs/rules/count-published-before-area.md' });
    expect(introduced!.message).toBe('The count is published before the coverage entries it covers. (introduced in kcov_move_area; !RT, RT)');
  });

  it('links each trace step: patch lines to the patch, other lines to the tree file (post lines mapped to the base)', () => {
    const introduced = diagnostics.find((d) => d.code === 'count-published-before-area' && d.range.start.line === 16)!;
    expect(introduced.relatedInformation).toEqual([
      { location: { uri: DOC_URI, range: { start: { line: 16, character: 0 }, end: { line: 16, character: 0 } } }, message: '1. [task] dst_len is updated without a release' },
      {
        location: { uri: `file://${TREE}/kernel/kcov.c`, range: { start: { line: 1000, character: 0 }, end: { line: 1000, character: 0 } } },
        message: '2. [user-space reader] reads the count with a relaxed load',
      },
    ]);
  });

  it('maps verdicts to severities', () => {
    expect(findingSeverity(INTRODUCED)).toBe(DiagnosticSeverity.Error);
    expect(findingSeverity(finding({ severity: 'warning' }))).toBe(DiagnosticSeverity.Warning);
    expect(findingSeverity(PRE_EXISTING)).toBe(DiagnosticSeverity.Information);
    expect(findingSeverity(FIXED_WARNING)).toBe(DiagnosticSeverity.Hint);
    const bySeverity = diagnostics.filter((d) => d.source === 'kcov-review').map((d) => [d.code, d.range.start.line, d.severity]);
    expect(bySeverity).toEqual([
      ['patch-damaged', 12, DiagnosticSeverity.Warning],
      ['no-tree', 0, DiagnosticSeverity.Information],
      ['lock-imbalance', 12, DiagnosticSeverity.Warning],
      ['percpu-access-preemptible', 13, DiagnosticSeverity.Information],
      ['missing-write-barrier', 14, DiagnosticSeverity.Hint],
      ['count-published-before-area', 16, DiagnosticSeverity.Error],
    ]);
  });

  it('puts introduced findings outside the patch on the hunk header and leaves pre-existing ones out', () => {
    const outside = diagnostics.filter((d) => d.code === 'lock-imbalance');
    expect(outside).toHaveLength(1);
    expect(outside[0].range.start.line).toBe(12);
  });

  it('has no relatedInformation without a tree when the line is not in the patch', () => {
    const noTree = reviewDiagnostics(review({ tree: null, findings: [finding({ trace: [{ file: 'kernel/kcov.c', line: 1002, context: 'task', text: 'x' }] })] }), DOC, DOC_URI);
    expect(noTree.find((d) => d.code === 'count-published-before-area')!.relatedInformation).toBeUndefined();
  });
});

describe('helpers', () => {
  it('ruleDocUrl is stable and escapes', () => {
    expect(ruleDocUrl('a b')).toBe('https://github.com/kcov-review/kcov-review/blob/main/docs/rules/a%20b.md');
  });

  it('lineContentRange covers the whole line when it is blank, and clamps', () => {
    const lines = ['+', '  x  ', 'y'];
    expect(lineContentRange(lines, 0)).toEqual({ start: { line: 0, character: 0 }, end: { line: 0, character: 1 } });
    expect(lineContentRange(lines, 1)).toEqual({ start: { line: 1, character: 2 }, end: { line: 1, character: 3 } });
    expect(lineContentRange(lines, 9)).toEqual({ start: { line: 2, character: 0 }, end: { line: 2, character: 1 } });
  });

  it('traceStepLocation returns null for a git-blob base line outside the patch', () => {
    const r = review();
    const pairs = r.images.map((p) => ({ ...p, baseFrom: 'git-blob' as const }));
    const step = { file: 'kernel/kcov.c', line: 1002, context: 'task', text: '' };
    expect(traceStepLocation({ ...r, images: pairs }, INTRODUCED, step, DOC_URI)).toBeNull();
    expect(traceStepLocation(r, INTRODUCED, step, DOC_URI)?.range.start.line).toBe(1000);
  });

  it('analysisFailedDiagnostic is one Error on line 0', () => {
    expect(analysisFailedDiagnostic(new Error('boom'))).toEqual({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Error,
      code: 'internal-error',
      source: 'kcov-review',
      message: 'kcov-review could not analyse this document: boom',
    });
  });
});
