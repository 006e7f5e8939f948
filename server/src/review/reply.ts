/**
 * A review reply in the kernel lists' conventions: `Re:` subject, In-Reply-To/References from the
 * patch's Message-ID, the patch quoted with `> ` and trimmed to the hunks that have something to say,
 * each finding written under the quoted line that causes it, with its proof in a few lines and the
 * configurations it holds for. Nothing is sent: this is text for the reviewer to edit.
 */
import { documentLines } from '../patch/parse';
import type { LocatedHunk, Patch } from '../patch/types';
import type { Review, ReviewFinding } from './types';

interface Note { line: number; text: string[] }

function wrap(text: string, width = 72): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) { out.push(line); line = word; }
    else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

function verdictWord(f: ReviewFinding): string {
  if (f.verdict === 'introduced') return 'This introduces a problem';
  if (f.verdict === 'fixed') return 'This fixes a real problem';
  return 'Not new, but still there after this patch';
}

function findingNote(f: ReviewFinding): string[] {
  const head = `${verdictWord(f)} (${f.configs.join(', ')}; ${f.rule}):`;
  const body = wrap(f.message.replace(/^Fixed by this patch; before it: /, ''));
  const proof = f.trace.slice(0, 5).map((t, k) => `  ${k + 1}. ${t.file}:${t.line} [${t.context}] ${t.text}`);
  return [...wrap(head), ...body, '', ...proof];
}

function notesFor(review: Review): Note[] {
  const notes: Note[] = [];
  for (const f of review.findings) if (f.patchLine !== null) notes.push({ line: f.patchLine, text: findingNote(f) });
  for (const p of review.problems) {
    if (p.code === 'hunk-not-found') notes.push({ line: p.line, text: wrap(`This hunk does not apply to the tree I reviewed against: ${p.message}`) });
  }
  return notes.sort((a, b) => a.line - b.line);
}

function hunkEnd(h: LocatedHunk): number {
  let end = h.hunk.headerLine;
  for (const l of h.hunk.lines) if (l.docLine !== null && l.docLine > end) end = l.docLine;
  return end;
}

function subjectOf(p: Patch): string {
  const s = p.headers.subject ?? '[PATCH]';
  return /^re:/i.test(s) ? s : `Re: ${s}`;
}

function headerBlock(p: Patch): string[] {
  const out = [`Subject: ${subjectOf(p)}`];
  const id = p.headers.messageId;
  if (id) {
    out.push(`In-Reply-To: ${id}`);
    out.push(`References: ${[p.headers.references, id].filter((x): x is string => !!x).join(' ')}`);
  }
  return out;
}

/** The reply to one patch of the document (the first with findings, else the first with a diff). */
export function draftReply(text: string, review: Review): string {
  const lines = documentLines(text);
  const notes = notesFor(review);
  const patch = review.series.patches.find((p) => notes.some((n) => n.line >= p.startLine && n.line < p.endLine))
    ?? review.series.patches.find((p) => p.files.length > 0) ?? review.series.patches[0];
  if (!patch) return 'kcov-review: nothing to reply to (no patch found in this document).\n';
  const out = [...headerBlock(patch), ''];
  const who = patch.headers.from ?? 'the author';
  out.push(patch.headers.date ? `On ${patch.headers.date}, ${who} wrote:` : `${who} wrote:`);
  const mine = notes.filter((n) => n.line >= patch.startLine && n.line < patch.endLine);
  const hunks = review.hunks.filter((h) => h.patchIndex === patch.index && mine.some((n) => n.line >= h.hunk.headerLine && n.line <= hunkEnd(h)));
  if (hunks.length === 0) {
    out.push('> ' + (patch.headers.subject ?? ''), '', 'kcov-review found nothing to report on this patch under ' + review.configs.join(', ') + '.');
  }
  let lastFile: string | null = null;
  for (const h of hunks) {
    if (h.file.path !== lastFile) {
      out.push('', `> diff --git a/${h.file.path} b/${h.file.path}`, `> --- a/${h.file.path}`, `> +++ b/${h.file.path}`);
      lastFile = h.file.path;
    }
    for (let i = h.hunk.headerLine; i <= hunkEnd(h); i++) {
      out.push(`> ${lines[i] ?? ''}`.trimEnd());
      for (const n of mine.filter((x) => x.line === i)) out.push('', ...n.text, '');
    }
  }
  const other = mine.filter((n) => !hunks.some((h) => n.line >= h.hunk.headerLine && n.line <= hunkEnd(h)));
  for (const n of other) out.push('', ...n.text);
  out.push('', '-- ', 'Drafted with kcov-review; verdicts per configuration (!RT, RT+BHlock, RT).', '');
  return out.join('\n');
}
