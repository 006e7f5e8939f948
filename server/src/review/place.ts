/**
 * Places a compared finding on the patch: the changed line (`+` or `-`) that changed the outcome,
 * else the patch line of the site itself, else the header of the hunk that touches the function,
 * else (a fixed or introduced finding whose span no change touches) the nearest changed line.
 */
import type { ImagePair, LocatedHunk } from '../patch/types';
import type { ComparedFinding } from './analyze';

interface ChangedLine {
  docLine: number;
  kind: '+' | '-';
  text: string;
  /** Where the change sits in the pre-image and in the post-image (0-based). */
  preAnchor: number;
  postAnchor: number;
}

/** Every changed line of the located hunks of one file, with its position in both images. */
export function changedLines(hunks: readonly LocatedHunk[], pair: ImagePair): ChangedLine[] {
  const out: ChangedLine[] = [];
  for (const h of hunks) {
    if (!h.where.located) continue;
    let pre = h.where.baseLine1 - 1;
    const firstPost = pair.map.preToPost.get(pre);
    let post = firstPost ?? nearestPost(pair, pre);
    for (const line of h.hunk.lines) {
      if (line.kind === '+' && line.docLine !== null) out.push({ docLine: line.docLine, kind: '+', text: line.text, preAnchor: pre, postAnchor: post });
      if (line.kind === '-' && line.docLine !== null) out.push({ docLine: line.docLine, kind: '-', text: line.text, preAnchor: pre, postAnchor: post });
      if (line.kind !== '+') pre++;
      if (line.kind !== '-') post++;
    }
  }
  return out;
}

function nearestPost(pair: ImagePair, pre: number): number {
  for (let p = pre; p >= 0; p--) {
    const q = pair.map.preToPost.get(p);
    if (q !== undefined) return q + (pre - p);
  }
  return pre;
}

/** A line of C code, not a comment or a blank line. */
function isCode(text: string): boolean {
  const t = text.trim();
  return t !== '' && !t.startsWith('/*') && !t.startsWith('*') && !t.startsWith('//');
}

/** The 0-based document line for a finding, or null when nothing in the patch relates to it. */
export function placeFinding(c: ComparedFinding, pair: ImagePair, hunks: readonly LocatedHunk[]): number | null {
  const site = c.verdict === 'fixed' ? pair.map.preToPatch.get(c.finding.line) : pair.map.postToPatch.get(c.finding.line);
  const touching = hunks.find((h) => h.where.located && h.hunk.section.includes(`${c.finding.function}(`));
  // A finding the patch does not change stays where it is: on its own line, else on the hunk in its function.
  if (c.verdict === 'pre-existing') return site ?? touching?.hunk.headerLine ?? null;
  const changed = changedLines(hunks, pair);
  const [from, to] = c.finding.span;
  const inSpan = (l: ChangedLine): boolean => {
    const anchor = c.verdict === 'fixed' ? l.preAnchor : l.postAnchor;
    return anchor > from && anchor <= to;
  };
  const candidates = changed.filter(inSpan);
  const preferred = c.verdict === 'introduced' ? '-' : '+';
  const pick = candidates.find((l) => l.kind === preferred && isCode(l.text)) ?? candidates.find((l) => l.kind === preferred) ?? candidates[0];
  if (pick) return pick.docLine;
  if (site !== undefined) return site;
  if (touching) return touching.hunk.headerLine;
  // The outcome changed, so some change caused it even when none lies inside the finding's span
  // (seed 000 wraps kcov_remote_softirq_start() in #ifndef CONFIG_PREEMPT_RT from hunks around it):
  // the nearest changed code line of the file.
  const anchorOf = (l: ChangedLine): number => (c.verdict === 'fixed' ? l.preAnchor : l.postAnchor);
  const nearest = [...changed].sort((a, b) => Number(isCode(b.text)) - Number(isCode(a.text)) || Math.abs(anchorOf(a) - c.finding.line) - Math.abs(anchorOf(b) - c.finding.line))[0];
  return nearest?.docLine ?? null;
}
