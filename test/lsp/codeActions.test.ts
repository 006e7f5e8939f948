import { describe, expect, it } from 'vitest';
import { CodeActionKind } from 'vscode-languageserver';
import { codeActions, lineEditToTextEdit } from '../../server/src/lsp/codeActions';
import { reviewDiagnostics } from '../../server/src/lsp/diagnostics';
import { DOC, DOC_URI, review } from './support/fixture';

const line = (n: number) => ({ start: { line: n, character: 0 }, end: { line: n, character: 0 } });

describe('codeActions', () => {
  it('turns each QuickFix into a quickfix with its edit, preference and diagnostic', () => {
    const actions = codeActions(review(), DOC_URI, DOC, line(16));
    const diagnostic = reviewDiagnostics(review(), DOC, DOC_URI).find((d) => d.code === 'count-published-before-area');
    expect(actions).toEqual([
      {
        title: 'Use smp_store_release() for the count',
        kind: CodeActionKind.QuickFix,
        isPreferred: true,
        diagnostics: [diagnostic],
        edit: {
          changes: {
            [DOC_URI]: [{ range: { start: { line: 16, character: 0 }, end: { line: 17, character: 0 } }, newText: '+\tsmp_store_release(&dst_len, dst_len + entries_moved);\n' }],
          },
        },
      },
      {
        title: 'Insert smp_wmb() before the count',
        kind: CodeActionKind.QuickFix,
        isPreferred: false,
        diagnostics: [diagnostic],
        edit: { changes: { [DOC_URI]: [{ range: line(16), newText: '+\tsmp_wmb();\n' }] } },
      },
    ]);
  });

  it('offers "Repair damaged patch" on the patch-damaged line when repair succeeds', () => {
    const repaired = DOC.replace('\tmemcpy', ' \tmemcpy');
    const actions = codeActions(review(), DOC_URI, DOC, line(12), () => repaired);
    const repair = actions.find((a) => a.title === 'Repair damaged patch');
    expect(repair).toMatchObject({ kind: 'quickfix', isPreferred: true, diagnostics: [{ code: 'patch-damaged', range: { start: { line: 12 } } }] });
    expect(repair!.edit!.changes![DOC_URI]).toEqual([{ range: { start: { line: 0, character: 0 }, end: { line: 17, character: 0 } }, newText: repaired }]);
  });

  it('offers no repair when it fails, is unchanged, or is not wired', () => {
    expect(codeActions(review(), DOC_URI, DOC, line(12), () => null).some((a) => a.title === 'Repair damaged patch')).toBe(false);
    expect(codeActions(review(), DOC_URI, DOC, line(12), (t) => t).some((a) => a.title === 'Repair damaged patch')).toBe(false);
    expect(codeActions(review(), DOC_URI, DOC, line(12)).some((a) => a.title === 'Repair damaged patch')).toBe(false);
  });

  it('returns nothing outside findings and for other requested kinds', () => {
    expect(codeActions(review(), DOC_URI, DOC, line(3))).toEqual([]);
    expect(codeActions(review(), DOC_URI, DOC, line(16), undefined, ['refactor'])).toEqual([]);
    expect(codeActions(review(), DOC_URI, DOC, line(16), undefined, ['quickfix'])).toHaveLength(2);
  });
});

describe('lineEditToTextEdit', () => {
  it('replaces whole lines, keeping CRLF line ends', () => {
    expect(lineEditToTextEdit({ startLine: 1, endLine: 2, newLines: ['x', 'y'] }, 'a\r\nb\r\nc')).toEqual({
      range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } },
      newText: 'x\r\ny\r\n',
    });
  });

  it('replaces up to the end of a document without a final newline', () => {
    expect(lineEditToTextEdit({ startLine: 1, endLine: 2, newLines: ['x'] }, 'a\nb')).toEqual({
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 1 } },
      newText: 'x',
    });
  });

  it('appends after a last line without a newline', () => {
    expect(lineEditToTextEdit({ startLine: 2, endLine: 2, newLines: ['x'] }, 'a\nb')).toEqual({
      range: { start: { line: 1, character: 1 }, end: { line: 1, character: 1 } },
      newText: '\nx',
    });
  });

  it('deletes lines', () => {
    expect(lineEditToTextEdit({ startLine: 0, endLine: 1, newLines: [] }, 'a\nb\n')).toEqual({
      range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } },
      newText: '',
    });
  });
});

describe('mergeIdentical', () => {
  it('merges findings that share a fix into one action with both diagnostics', () => {
    const r = review();
    const twin = { ...r.findings[0], rule: 'count-published-before-area', message: 'Second case.', fixes: [r.findings[0].fixes[0]] };
    const actions = codeActions({ ...r, findings: [r.findings[0], twin] }, DOC_URI, DOC, line(16));
    expect(actions.map((a) => a.title)).toEqual(['Use smp_store_release() for the count', 'Insert smp_wmb() before the count']);
    expect(actions[0].diagnostics!.map((d) => d.message)).toEqual([
      'The count is published before the coverage entries it covers. (introduced in kcov_move_area; !RT, RT)',
      'Second case. (introduced in kcov_move_area; !RT, RT)',
    ]);
    expect(actions[1].diagnostics).toHaveLength(1);
  });
});
