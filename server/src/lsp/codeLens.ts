/** Code lenses on each patch subject and each hunk: the verdicts per configuration. */
import type { CodeLens } from 'vscode-languageserver';
import type { ConfigName } from '../model/configs';
import type { Review, ReviewFinding } from '../review/types';
import { hunkLastLine } from './symbols';

function summary(findings: readonly ReviewFinding[], configs: readonly ConfigName[]): string {
  return configs.map((c) => {
    const mine = findings.filter((f) => f.configs.includes(c));
    const n = (v: string): number => mine.filter((f) => f.verdict === v).length;
    const parts = [n('fixed') > 0 ? `fixes ${n('fixed')}` : '', n('introduced') > 0 ? `introduces ${n('introduced')}` : '', n('pre-existing') > 0 ? `pre-existing ${n('pre-existing')}` : ''].filter((s) => s !== '');
    return `${c}: ${parts.length > 0 ? parts.join(' · ') : 'no change'}`;
  }).join('  |  ');
}

function lens(line: number, title: string): CodeLens {
  return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, command: { title, command: '' } };
}

export function codeLenses(review: Review): CodeLens[] {
  const out: CodeLens[] = [];
  for (const p of review.series.patches) {
    if (p.files.length === 0) continue;
    const inPatch = review.findings.filter((f) => f.patchLine !== null && f.patchLine >= p.startLine && f.patchLine < p.endLine);
    out.push(lens(p.subjectLine ?? p.files[0].headerLine, summary(inPatch, review.configs)));
  }
  for (const h of review.hunks) {
    if (!h.where.located) continue;
    const end = hunkLastLine(h.hunk);
    const inHunk = review.findings.filter((f) => f.patchLine !== null && f.patchLine >= h.hunk.headerLine && f.patchLine <= end);
    out.push(lens(h.hunk.headerLine, `${h.where.how}${h.where.offset !== 0 ? ` (offset ${h.where.offset})` : ''} at ${h.file.path}:${h.where.baseLine1} — ${summary(inHunk, review.configs)}`));
  }
  return out;
}
