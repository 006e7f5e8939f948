/**
 * Quick fixes for barrier findings that stand after the patch: insert `smp_wmb();` between the entry
 * stores and the count store, or make the count store a `smp_store_release()`. Each fix edits the
 * patch so that it still applies (hunk counts rewritten; a damaged patch is repaired as well), and is
 * offered only if the rules, re-run on the post-image the edited patch produces, no longer report it.
 */
import type { ConfigRow } from '../model/configs';
import { imageLines, makeImage } from '../patch/images';
import { documentLines } from '../patch/parse';
import { minimalEdit, renderPatch, type Insertion, type Replacement } from '../patch/render';
import type { ImagePair, LocatedHunk } from '../patch/types';
import type { RuleFinding } from '../rules/types';
import { findingsOf, RULES, type ComparedFinding } from './analyze';
import type { QuickFix } from './types';

interface HunkPosition { hunk: LocatedHunk; index: number }

function hunkLineAtPost(pair: ImagePair, hunks: readonly LocatedHunk[], postLine: number): HunkPosition | null {
  const doc = pair.map.postToPatch.get(postLine);
  if (doc === undefined) return null;
  for (const h of hunks) {
    const index = h.hunk.lines.findIndex((l) => l.docLine === doc && l.kind !== '-');
    if (index >= 0) return { hunk: h, index };
  }
  return null;
}

/** `WRITE_ONCE(*p, v);` → `smp_store_release(p, v);` keeping the line's indentation. */
export function releaseStoreText(line: string): string | null {
  const m = /^(\s*)WRITE_ONCE\((.*)\);\s*$/.exec(line);
  if (!m) return null;
  const args = splitTopLevelComma(m[2]);
  if (!args) return null;
  const [target, value] = args;
  const pointer = target.trim().startsWith('*') ? target.trim().slice(1).trim() : `&${target.trim()}`;
  return `${m[1]}smp_store_release(${pointer}, ${value.trim()});`;
}

function splitTopLevelComma(s: string): [string, string] | null {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) return [s.slice(0, i), s.slice(i + 1)];
  }
  return null;
}

function stillReported(pair: ImagePair, finding: RuleFinding, config: ConfigRow, edit: (lines: string[]) => void): boolean {
  const lines = imageLines(pair.post);
  edit(lines);
  const own = RULES.filter((r) => r.id === finding.rule);
  const after = findingsOf(makeImage(pair.path, lines), config, own);
  return after.some((f) => f.rule === finding.rule && f.function === finding.function && f.role.split(':')[0] === finding.role.split(':')[0]);
}

function toQuickFix(title: string, preferred: boolean, docText: string, allHunks: readonly LocatedHunk[], ins: Insertion[], repl: Replacement[], pair: ImagePair): QuickFix | null {
  const before = documentLines(docText);
  const pre = imageLines(pair.pre);
  const rendered = renderPatch(before, allHunks, ins, repl, (h) => (h.file.path === pair.path ? pre : null));
  if (rendered.unrepaired.some((u) => ins.some((i) => i.hunk === u.hunk) || repl.some((r) => r.hunk === u.hunk))) return null;
  const edit = minimalEdit(before, rendered.lines);
  return edit ? { title, preferred, edits: [edit] } : null;
}

interface Gap { hunk: LocatedHunk; afterIndex: number; postLine: number; afterRemoved: boolean }

/** Post-image line of each hunk line; a removed line gets the position the next kept line takes. */
function postPositions(h: LocatedHunk, pair: ImagePair): number[] {
  const out: number[] = [];
  let next = -1;
  for (const l of h.hunk.lines) {
    const mapped = l.docLine !== null && l.kind !== '-' ? pair.map.patchToPost.get(l.docLine) : undefined;
    if (l.kind === '-') { out.push(next); continue; }
    next = mapped ?? next + 1;
    out.push(next);
    next++;
  }
  // A removed line before any kept line: it sits where the first kept line is.
  const firstKept = out.find((p, k) => h.hunk.lines[k].kind !== '-' && p >= 0);
  return out.map((p) => (p < 0 ? firstKept ?? 0 : p));
}

/** Places in the patch where a new line lands at post-image line `postLine` (before what is there). */
function gapsOf(hunks: readonly LocatedHunk[], pair: ImagePair): Gap[] {
  const gaps: Gap[] = [];
  for (const h of hunks) {
    if (!h.where.located) continue;
    const pos = postPositions(h, pair);
    h.hunk.lines.forEach((l, k) => {
      const kept = l.kind === '-' ? pos[k] : pos[k] + 1;
      gaps.push({ hunk: h, afterIndex: k, postLine: kept, afterRemoved: l.kind === '-' });
    });
  }
  return gaps;
}

/** A statement may start at `postLine` when the line before it ends one (or a comment, or is blank). */
function statementBoundary(lines: readonly string[], postLine: number): boolean {
  const prev = (lines[postLine - 1] ?? '').trim();
  return prev === '' || /[;{}]$/.test(prev) || prev.endsWith('*/');
}

/** Where `smp_wmb();` goes: where a removed line was, else right after the entry store, else the first statement boundary. */
function barrierGap(gaps: readonly Gap[], post: readonly string[], entry: number, count: number): Gap | null {
  const inSpan = gaps.filter((g) => g.postLine > entry && g.postLine <= count);
  return inSpan.find((g) => g.afterRemoved && statementBoundary(post, g.postLine))
    ?? inSpan.find((g) => g.postLine === entry + 1)
    ?? [...inSpan].sort((a, b) => a.postLine - b.postLine).find((g) => statementBoundary(post, g.postLine))
    ?? null;
}

export function barrierFixes(c: ComparedFinding, pair: ImagePair, fileHunks: readonly LocatedHunk[], allHunks: readonly LocatedHunk[], docText: string, config: ConfigRow): QuickFix[] {
  const fix = c.finding.fix;
  if (!fix || c.verdict === 'fixed') return [];
  const fixes: QuickFix[] = [];
  const post = imageLines(pair.post);
  const gap = barrierGap(gapsOf(fileHunks, pair), post, fix.afterLine, fix.countStoreLine);
  const barrierLine = `${fix.indent}smp_wmb();`;
  const where = /\((case [^)]*|default)\)/.exec(c.finding.role)?.[1];
  const suffix = where ? ` (${where})` : '';
  if (gap && !stillReported(pair, c.finding, config, (lines) => lines.splice(gap.postLine, 0, barrierLine))) {
    const ins: Insertion = { hunk: gap.hunk, afterIndex: gap.afterIndex, line: { kind: '+', text: barrierLine, docLine: null } };
    const q = toQuickFix(`Insert smp_wmb() before the count store${suffix}`, true, docText, allHunks, [ins], [], pair);
    if (q) fixes.push(q);
  }
  const count = hunkLineAtPost(pair, fileHunks, fix.countStoreLine);
  const release = releaseStoreText(fix.countStoreText);
  if (count && release && !stillReported(pair, c.finding, config, (lines) => { lines[fix.countStoreLine] = release; })) {
    const q = toQuickFix(`Publish the count with smp_store_release()${suffix}`, false, docText, allHunks, [], [{ hunk: count.hunk, index: count.index, newText: release }], pair);
    if (q) fixes.push(q);
  }
  return fixes;
}
