/**
 * Finds each hunk of a file patch in its base file, the way `patch` does and a little more:
 * exact at the declared line, then by offset, then ignoring whitespace and blank lines (web-archive
 * damage), then with fuzz (up to 2 context lines dropped at either end). A located hunk is restored
 * against the base: context and removed lines take the base's exact text, dropped blank context lines
 * come back, and damaged added lines are re-indented. A hunk found nowhere gets the closest place and
 * the lines that differ there.
 */
import { reindentAddedLines } from './reindent';
import type { DamageKind, FilePatch, Hunk, HunkLine, HunkLocation, HunkMiss, LocatedHunk, MatchHow } from './types';
import { kept, Lru } from '../memo';

const MAX_FUZZ = 2;

export function normalizeWhitespace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Base file lines with an index from text to positions, for exact and whitespace-blind lookups. */
export interface BaseIndex {
  lines: readonly string[];
  exact: Map<string, number[]>;
  /** Positions of the non-blank lines, and their whitespace-normalized text. */
  nonBlank: number[];
  normalized: string[];
  byNormalized: Map<string, number[]>;
}

function pushTo(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value); else map.set(key, [value]);
}

/** Indexes by lines array: a base's lines are split once per text (review/review.ts), so every edit
 *  of a patch in the editor finds its base indexed already. The arrays are never mutated. */
const indexByLines = new WeakMap<readonly string[], BaseIndex>();

function indexedBase(lines: readonly string[]): BaseIndex {
  let index = indexByLines.get(lines);
  if (!index) {
    index = indexBase(lines);
    indexByLines.set(lines, index);
  }
  return index;
}

export function indexBase(lines: readonly string[]): BaseIndex {
  const exact = new Map<string, number[]>();
  const nonBlank: number[] = [];
  const normalized: string[] = [];
  const byNormalized = new Map<string, number[]>();
  lines.forEach((line, i) => {
    pushTo(exact, line, i);
    const norm = normalizeWhitespace(line);
    if (norm !== '') {
      pushTo(byNormalized, norm, nonBlank.length);
      nonBlank.push(i);
      normalized.push(norm);
    }
  });
  return { lines, exact, nonBlank, normalized, byNormalized };
}

function oldSide(hunk: Hunk): HunkLine[] {
  return hunk.lines.filter((l) => l.kind !== '+');
}

/** Candidate starts sorted by distance to the expected position. */
function byDistance(candidates: Iterable<number>, expected: number): number[] {
  return [...new Set(candidates)].sort((a, b) => Math.abs(a - expected) - Math.abs(b - expected) || a - b);
}

function exactAt(base: BaseIndex, old: readonly HunkLine[], at: number): boolean {
  if (at < 0 || at + old.length > base.lines.length) return false;
  return old.every((l, k) => base.lines[at + k] === l.text);
}

/** Exact match at the declared line, else the nearest exact match at or after `minLine`. */
function findExact(base: BaseIndex, old: readonly HunkLine[], expected: number, minLine: number): number | null {
  if (old.length === 0) return Math.max(Math.min(expected, base.lines.length), minLine);
  if (expected >= minLine && exactAt(base, old, expected)) return expected;
  const starts = (base.exact.get(old[0].text) ?? []).filter((p) => p >= minLine);
  return byDistance(starts, expected).find((p) => exactAt(base, old, p)) ?? null;
}

interface LooseMatch { positions: number[]; dropStart: number; dropEnd: number }

/** Whitespace- and blank-line-blind match of `wanted` (normalized, non-blank) at non-blank index q. */
function looseAt(base: BaseIndex, wanted: readonly string[], q: number): boolean {
  if (q < 0 || q + wanted.length > base.normalized.length) return false;
  return wanted.every((w, k) => base.normalized[q + k] === w);
}

function findLoose(base: BaseIndex, old: readonly HunkLine[], expected: number, minLine: number, maxFuzz: number): LooseMatch | null {
  const meaningful = old.filter((l) => normalizeWhitespace(l.text) !== '');
  const minQ = base.nonBlank.findIndex((p) => p >= minLine);
  if (minQ < 0) return null;
  for (let fuzz = 0; fuzz <= maxFuzz * 2; fuzz++) {
    const found = tryFuzz(base, meaningful, expected, minQ, fuzz, maxFuzz);
    if (found) return found;
  }
  return null;
}

function tryFuzz(base: BaseIndex, meaningful: readonly HunkLine[], expected: number, minQ: number, fuzz: number, maxFuzz: number): LooseMatch | null {
  for (let dropStart = Math.max(0, fuzz - maxFuzz); dropStart <= Math.min(fuzz, maxFuzz); dropStart++) {
    const dropEnd = fuzz - dropStart;
    const kept = meaningful.slice(dropStart, meaningful.length - dropEnd);
    const dropped = [...meaningful.slice(0, dropStart), ...meaningful.slice(meaningful.length - dropEnd)];
    // Fuzz only ever drops context, never a removed line, and must keep something to anchor on.
    if (kept.length === 0 || dropped.some((l) => l.kind === '-')) continue;
    const wanted = kept.map((l) => normalizeWhitespace(l.text));
    const starts = (base.byNormalized.get(wanted[0]) ?? []).filter((q) => q >= minQ);
    const expectedQ = nearestNonBlankIndex(base, expected);
    const q = byDistance(starts, expectedQ).find((s) => looseAt(base, wanted, s));
    if (q !== undefined) {
      return { positions: wanted.map((_, k) => base.nonBlank[q + k]), dropStart, dropEnd };
    }
  }
  return null;
}

function nearestNonBlankIndex(base: BaseIndex, line: number): number {
  const q = base.nonBlank.findIndex((p) => p >= line);
  return q < 0 ? base.nonBlank.length : q;
}

/** The place in the base where the most old-side lines match, for a hunk that matches nowhere. */
function closestPlace(base: BaseIndex, old: readonly HunkLine[], expected: number): HunkMiss['closest'] {
  const meaningful = old.filter((l) => normalizeWhitespace(l.text) !== '');
  if (meaningful.length === 0 || base.nonBlank.length === 0) return null;
  const votes = new Map<number, number>();
  meaningful.forEach((l, k) => {
    for (const q of base.byNormalized.get(normalizeWhitespace(l.text)) ?? []) votes.set(q - k, (votes.get(q - k) ?? 0) + 1);
  });
  if (votes.size === 0) return null;
  const expectedQ = nearestNonBlankIndex(base, expected);
  const best = [...votes.entries()].sort((a, b) => b[1] - a[1] || Math.abs(a[0] - expectedQ) - Math.abs(b[0] - expectedQ))[0][0];
  const differing: { expected: string; found: string | null }[] = [];
  meaningful.forEach((l, k) => {
    const q = best + k;
    const found = q >= 0 && q < base.normalized.length ? base.lines[base.nonBlank[q]] : null;
    if (found === null || normalizeWhitespace(found) !== normalizeWhitespace(l.text)) differing.push({ expected: l.text, found });
  });
  const firstQ = Math.max(0, Math.min(best, base.nonBlank.length - 1));
  return { baseLine1: base.nonBlank[firstQ] + 1, differing };
}

function missReason(hunk: Hunk, closest: HunkMiss['closest'], oldCount: number): string {
  if (!closest) return `none of the hunk's ${oldCount} context and removed lines occur in the base file`;
  const n = closest.differing.length;
  const first = closest.differing[0];
  const shown = first ? `: expected \`${first.expected.trim()}\`, found ${first.found === null ? 'the end of the file' : `\`${first.found.trim()}\``}` : '';
  return `does not apply: ${n} of its ${oldCount} context and removed lines differ at the closest place, line ${closest.baseLine1}${shown}`
    + (hunk.section ? ` (hunk in ${hunk.section.trim()})` : '');
}

/**
 * Rebuilds a hunk loosely matched at `positions`: base text for old lines, dropped blank lines back.
 * Blank removed lines stay removed: they take the base's blank lines where they stood (before the
 * next matched line, or after the last one). `first` is the base line the restored hunk starts at.
 * Null when the base has no blank line where a removed one stood: the match is not the patch's place.
 */
function restoreLoose(hunk: Hunk, base: BaseIndex, match: LooseMatch): { lines: HunkLine[]; first: number } | null {
  const meaningfulOld = hunk.lines.filter((l) => l.kind !== '+' && normalizeWhitespace(l.text) !== '');
  const droppedStart = new Set(meaningfulOld.slice(0, match.dropStart));
  const droppedEnd = new Set(meaningfulOld.slice(meaningfulOld.length - match.dropEnd));
  const restored: HunkLine[] = [];
  let k = 0;
  let prevBase = -1;
  let removedBlanks: HunkLine[] = [];
  let first = match.positions[0];
  for (const line of hunk.lines) {
    if (line.kind === '+') { restored.push(line); continue; }
    if (normalizeWhitespace(line.text) === '') { if (line.kind === '-') removedBlanks.push(line); continue; } // blank context comes back from the base below
    if (droppedStart.has(line) || droppedEnd.has(line)) continue;
    const at = match.positions[k++];
    if (blankRunAbove(base, at, removedBlanks.length) < removedBlanks.length) return null;
    if (prevBase < 0) {
      const lead = blankRunAbove(base, at, removedBlanks.length);
      first = at - lead;
      insertBlankContext(restored, base, first - 1, at, removedBlanks);
    } else insertBlankContext(restored, base, prevBase, at, removedBlanks);
    removedBlanks = [];
    restored.push(line.text === base.lines[at] ? line : { ...line, text: base.lines[at], damagedText: line.text });
    prevBase = at;
  }
  if (removedBlanks.length > 0 && prevBase >= 0) {
    let end = prevBase + 1;
    while (end < base.lines.length && end - prevBase - 1 < removedBlanks.length && base.lines[end].trim() === '') end++;
    if (end - prevBase - 1 < removedBlanks.length) return null;
    insertBlankContext(restored, base, prevBase, end, removedBlanks);
  }
  return { lines: restored, first };
}

/** How many of the `wanted` lines directly above `at` are blank in the base. */
function blankRunAbove(base: BaseIndex, at: number, wanted: number): number {
  let n = 0;
  while (n < wanted && at - n - 1 >= 0 && base.lines[at - n - 1].trim() === '') n++;
  return n;
}

/** Blank base lines between two matched old lines come back right after the earlier one: the first
 *  ones as the patch's `removed` blank lines (keeping their document lines), the rest as context. */
function insertBlankContext(restored: HunkLine[], base: BaseIndex, from: number, to: number, removed: readonly HunkLine[] = []): void {
  const blanks: HunkLine[] = [];
  for (let b = from + 1; b < to; b++) {
    const r = removed[blanks.length];
    blanks.push(r ? { ...r, text: base.lines[b] } : { kind: ' ', text: base.lines[b], docLine: null });
  }
  if (blanks.length === 0) return;
  let insertAt = restored.length;
  while (insertAt > 0 && restored[insertAt - 1].kind === '+') insertAt--;
  restored.splice(insertAt, 0, ...blanks);
}

/** Pads a restored hunk with the base's blank lines at its ends until the declared old count is met,
 *  never reaching back before `minLine` (the end of the previous hunk: hunks must not overlap). */
function padToDeclaredCount(lines: HunkLine[], base: BaseIndex, first: number, declaredOld: number, minLine: number): { lines: HunkLine[]; first: number } {
  let out = lines;
  let start = first;
  let oldCount = out.filter((l) => l.kind !== '+').length;
  let end = start + oldCount;
  while (oldCount < declaredOld && end < base.lines.length && base.lines[end].trim() === '') {
    out = [...out, { kind: ' ', text: base.lines[end], docLine: null }];
    end++; oldCount++;
  }
  while (oldCount < declaredOld && start > minLine && base.lines[start - 1].trim() === '') {
    start--; oldCount++;
    out = [{ kind: ' ', text: base.lines[start], docLine: null }, ...out];
  }
  return { lines: out, first: start };
}

function damageFound(hunk: Hunk, restored: readonly HunkLine[]): DamageKind[] {
  const kinds = new Set<DamageKind>(hunk.damage);
  if (restored.some((l) => l.docLine === null && l.kind === ' ')) kinds.add('blank-context-dropped');
  if (restored.some((l) => l.damagedText !== undefined && /\t| {2}/.test(l.text.trim() === '' ? '' : l.text))) kinds.add('tabs-collapsed');
  if (restored.some((l) => l.damagedText !== undefined && l.damagedText.trimEnd() === l.damagedText && l.text !== l.text.trimEnd())) kinds.add('trailing-whitespace-stripped');
  return [...kinds];
}

/** 0-based base line the header says the hunk's old side starts at. A pure insertion
 *  (`-N,0`) goes after line N (diffutils' unified format), so it starts at N. */
function declaredStart(hunk: Hunk): number {
  return hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1;
}

function countsOf(lines: readonly HunkLine[]): { oldCount: number; newCount: number } {
  return { oldCount: lines.filter((l) => l.kind !== '+').length, newCount: lines.filter((l) => l.kind !== '-').length };
}

function located(hunk: Hunk, how: MatchHow, first: number, lines: HunkLine[], fuzz: [number, number]): { hunk: Hunk; where: HunkLocation } {
  const damaged = how === 'whitespace' || how === 'fuzz' ? reindentAddedLines(lines, hunk.damage.length > 0) : lines;
  const restored: Hunk = { ...hunk, lines: damaged, damage: damageFound(hunk, damaged) };
  const counts = countsOf(damaged);
  if (counts.oldCount !== hunk.oldCount || counts.newCount !== hunk.newCount) {
    if (!restored.damage.includes('hunk-count-mismatch') && hunk.damage.length > 0) restored.damage.push('hunk-count-mismatch');
  }
  return { hunk: restored, where: { located: true, how, baseLine1: first + 1, offset: first - declaredStart(hunk), fuzz } };
}

/** Where a hunk's old side is in a base: an exact start, else a whitespace-blind (fuzzy) match, else neither. */
interface Search {
  exact: number | null;
  loose: LooseMatch | null;
  /** For a hunk found nowhere: the closest place (computed when first asked for). */
  closest?: HunkMiss['closest'];
}

/** Searches per base, by what they depend on (the old side's lines, the expected and the first
 *  allowed line): in the editor, typing in a patch's added lines changes no hunk's old side, so no
 *  hunk is searched for again. */
const searchesByBase = new WeakMap<BaseIndex, Lru<string, Search>>();
const SEARCHES_PER_BASE = 256;

function searchOf(base: BaseIndex, old: readonly HunkLine[], expected: number, minLine: number): Search {
  const searches = kept(searchesByBase, base, () => new Lru<string, Search>(SEARCHES_PER_BASE));
  const key = `${expected} ${minLine}\u0000${old.map((l) => l.kind + l.text).join('\u0000')}`;
  return kept(searches, key, () => {
    const exact = findExact(base, old, expected, minLine);
    return { exact, loose: exact === null ? findLoose(base, old, expected, minLine, MAX_FUZZ) : null };
  });
}

/** Locates one hunk at or after `minLine` (0-based), expecting it near `expected` (0-based). */
export function locateHunk(hunk: Hunk, base: BaseIndex, expected: number, minLine: number): { hunk: Hunk; where: HunkLocation | HunkMiss } {
  const old = oldSide(hunk);
  const search = searchOf(base, old, expected, minLine);
  const { exact, loose } = search;
  if (exact !== null) {
    return located(hunk, exact === expected ? 'exact' : 'offset', exact, hunk.lines, [0, 0]);
  }
  if (loose) {
    const how: MatchHow = loose.dropStart + loose.dropEnd > 0 ? 'fuzz' : 'whitespace';
    const restored = restoreLoose(hunk, base, loose);
    if (restored) {
      const padded = padToDeclaredCount(restored.lines, base, restored.first, hunk.oldCount, minLine);
      return located(hunk, how, padded.first, padded.lines, [loose.dropStart, loose.dropEnd]);
    }
  }
  const closest = search.closest === undefined ? (search.closest = closestPlace(base, old, expected)) : search.closest;
  return { hunk, where: { located: false, reason: missReason(hunk, closest, old.filter((l) => normalizeWhitespace(l.text) !== '').length), closest } };
}

/** Locates every hunk of a file patch in order, carrying the offset of each found hunk to the next. */
export function locateFileHunks(patchIndex: number, file: FilePatch, baseLines: readonly string[]): LocatedHunk[] {
  const base = indexedBase(baseLines);
  const out: LocatedHunk[] = [];
  let drift = 0;
  let minLine = 0;
  for (const hunk of file.hunks) {
    const expected = Math.max(0, declaredStart(hunk) + drift);
    const result = locateHunk(hunk, base, expected, minLine);
    out.push({ patchIndex, file, hunk: result.hunk, where: result.where });
    if (result.where.located) {
      drift = result.where.offset;
      minLine = result.where.baseLine1 - 1 + result.hunk.lines.filter((l) => l.kind !== '+').length;
    }
  }
  return out;
}
