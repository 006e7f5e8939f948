/**
 * Rule `publish-barrier`: coverage published to a concurrent reader (kcov->area in remote coverage)
 * must make the entries visible before the count in area[0]. On some path, entry stores followed by
 * the count store with no write-ordering barrier in between (smp_wmb(), smp_mb(), or a release store
 * of the count) let the reader see the new count with stale entries (seed 004's point).
 * Stores to a task's own buffer (t->kcov_area) are not publications: the task reads them after the
 * syscall, in program order (docs/rules/publish-barrier.md).
 */
import { bufferFor, type BufferRow } from '../model/publication';
import { ACQUIRE_READER, decidePublication, publicationLitmus, staleReadPossible, type WriterStep, herdForm } from '../model/publicationLitmus';
import { functionKey, type FunctionSummary, type ModelEvent, type ModelPath, type StoreEvent } from '../model/summary';
import type { TraceStep } from '../review/types';
import type { ConfigName } from '../model/configs';
import { effectOfCall } from '../model/semantics';
import type { BarrierFixSite, Rule, RuleFinding, RuleInput } from './types';
import { kept, Lru } from '../memo';

export const PUBLISH_BARRIER = 'publish-barrier';

type Offset = 'zero' | 'nonzero';
interface Resolved { base: string; offset: Offset }

function stripCasts(e: string): string {
  let s = e.trim();
  for (;;) {
    const next = s.replace(/^\(\s*(?:const\s+|volatile\s+|unsigned\s+|signed\s+|struct\s+)*\w+(?:\s+\w+)*\s*\*+\s*\)\s*/, '').replace(/^\((.*)\)$/s, (m, inner: string) => (balanced(inner) ? inner : m)).trim();
    if (next === s) return s;
    s = next;
  }
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Resolves a store target to its base buffer expression, following the path's local assignments. */
export function resolveTarget(expr: string, assigns: ReadonlyMap<string, string>, depth = 0): Resolved {
  const e = stripCasts(expr);
  if (depth > 8) return { base: e, offset: 'zero' };
  if (e.startsWith('*')) return resolveTarget(e.slice(1), assigns, depth + 1);
  if (e.startsWith('&')) return resolveTarget(e.slice(1), assigns, depth + 1);
  const index = /^(.*)\[([^\]]*)\]$/.exec(e);
  if (index) {
    const inner = resolveTarget(index[1], assigns, depth + 1);
    return { base: inner.base, offset: index[2].trim() === '0' && inner.offset === 'zero' ? 'zero' : 'nonzero' };
  }
  const plus = /^(.+?)\s*\+\s*(.+)$/.exec(e);
  if (plus && balanced(plus[1])) {
    const inner = resolveTarget(plus[1], assigns, depth + 1);
    return { base: inner.base, offset: plus[2].trim() === '0' ? inner.offset : 'nonzero' };
  }
  if (/^\w+$/.test(e) && assigns.has(e)) return resolveTarget(assigns.get(e) ?? e, assigns, depth + 1);
  return { base: e.replace(/\s+/g, ''), offset: 'zero' };
}

export interface Publication { buffer: BufferRow; via: TraceStep | null }

/** The callers' paths that call a function, per set of summaries and function (publicationOf's
 *  search, once per view and function instead of once per candidate site). */
const callersBySummaries = new WeakMap<RuleInput['summaries'], Map<string, { caller: FunctionSummary; path: ModelPath }[]>>();

function callingPaths(summaries: RuleInput['summaries'], callee: string): { caller: FunctionSummary; path: ModelPath }[] {
  return kept(kept(callersBySummaries, summaries, () => new Map<string, { caller: FunctionSummary; path: ModelPath }[]>()), callee, () => {
    const out: { caller: FunctionSummary; path: ModelPath }[] = [];
    for (const caller of summaries.values()) {
      for (const path of caller.paths) if (path.events.some((ev) => ev.kind === 'call' && ev.name === callee)) out.push({ caller, path });
    }
    return out;
  });
}

/**
 * Is the base a published buffer? Directly (`kcov->area`), or as a parameter that a caller in the
 * same file binds to one (kcov_remote_stop passes kcov->area to kcov_move_area's dst_area).
 */
function publicationOf(base: string, summary: FunctionSummary, input: RuleInput): Publication | null {
  const direct = bufferFor(base);
  if (direct) return direct.published ? { buffer: direct, via: null } : null;
  const param = summary.params.indexOf(base);
  if (param < 0) return null;
  for (const { caller, path } of callingPaths(input.summaries, summary.function)) {
    const assigns = new Map<string, string>();
    for (const ev of path.events) {
      if (ev.kind === 'assign') assigns.set(ev.name, ev.value);
      if (ev.kind !== 'call' || ev.name !== summary.function || ev.args[param] === undefined) continue;
      const arg = resolveTarget(ev.args[param], assigns);
      const row = bufferFor(arg.base);
      if (row?.published) {
        return { buffer: row, via: { file: input.view.image.path, line: ev.line + 1, context: caller.function, text: `${caller.function}() passes ${ev.args[param].trim()} as ${base}: ${ev.text.trim()}` } };
      }
    }
  }
  return null;
}

/** A publication site on one path: entry store, then count store, to a buffer a concurrent reader reads. */
export interface Hit { entry: StoreEvent; count: StoreEvent; caseLabel: string | null; path: ModelPath; pub: Publication; litmus: string; verdict: string; stale: boolean }

interface Pending { entry: StoreEvent; between: WriterStep[] }

function isEntryStore(ev: StoreEvent, r: Resolved): boolean {
  return r.offset === 'nonzero' || ev.store === 'bulk';
}

/** The writer as the litmus test sees it: entry store, the barriers in between, count store. */
function writerSteps(c: Candidate): WriterStep[] {
  return [{ kind: 'entry', store: c.entry.store, line: c.entry.line }, ...c.between, { kind: 'count', store: c.count.store, line: c.count.line }];
}

/** On one path, the last entry store before a count store to the same base, and the barriers between
 *  them (rows of the primitive table under `config`): a publication if the base is a published buffer. */
interface Candidate { base: string; entry: StoreEvent; between: WriterStep[]; count: StoreEvent; caseLabel: string | null }

function* candidates(path: ModelPath, config: ConfigName): Generator<Candidate> {
  const assigns = new Map<string, string>();
  const pending = new Map<string, Pending>();
  let caseLabel: string | null = null;
  for (const ev of path.events as readonly ModelEvent[]) {
    if (ev.kind === 'assign') { assigns.set(ev.name, ev.value); continue; }
    if (ev.kind === 'case') { caseLabel = ev.label; continue; }
    if (ev.kind === 'call') {
      const effect = effectOfCall(ev.name, config);
      if (effect && effect.store === 'none' && effect.barrier !== 'none') for (const p of pending.values()) p.between.push({ kind: 'barrier', barrier: effect.barrier, line: ev.line });
      continue;
    }
    if (ev.kind !== 'store') continue;
    const r = resolveTarget(ev.target, assigns);
    // The last entry store before the count is the one that needs ordering: a barrier orders every
    // store before it, so an earlier entry store is ordered if this one is (and not otherwise).
    if (isEntryStore(ev, r)) { pending.set(r.base, { entry: ev, between: [] }); continue; }
    const p = pending.get(r.base);
    if (!p) continue;
    pending.delete(r.base);
    yield { base: r.base, entry: p.entry, between: p.between, count: ev, caseLabel };
  }
}

function scanPath(path: ModelPath, summary: FunctionSummary, input: RuleInput, hits: Hit[]): void {
  for (const c of candidates(path, input.view.config.name)) {
    const pub = publicationOf(c.base, summary, input);
    if (!pub) continue;
    // Decided by the LKMM executor: can even an acquire reader see the new count and a stale entry?
    const name = `kcov-publish+${summary.function}${c.caseLabel ? '+' + c.caseLabel.replace(/\W+/g, '_') : ''}`;
    const litmus = publicationLitmus(name, writerSteps(c), ACQUIRE_READER);
    const verdict = decidePublication(litmus);
    hits.push({ entry: c.entry, count: c.count, caseLabel: c.caseLabel, path, pub, litmus, verdict: verdict.result, stale: staleReadPossible(verdict) });
  }
}

/**
 * Whether some path of a function has a candidate site, the only kind scanPath looks further at (is
 * the base a published buffer, what orders the stores). That there is one does not depend on the
 * configuration (only the barriers between do), so it is kept by function key (model/summary.ts
 * functionKey): the same code has the same candidates wherever it sits, and most functions have none.
 */
function hasCandidate(summary: FunctionSummary, config: ConfigName): boolean {
  return summary.paths.some((path) => !candidates(path, config).next().done);
}

const candidatesByFunction = new Lru<string, boolean>(4096);

function mayPublish(summary: FunctionSummary, view: RuleInput['view']): boolean {
  const info = view.functions.get(summary.function);
  return info ? kept(candidatesByFunction, functionKey(view, info), () => hasCandidate(summary, view.config.name)) : true;
}

function leadingWhitespace(line: string | undefined): string {
  return /^\s*/.exec(line ?? '')?.[0] ?? '';
}

/** Where the barrier goes, read from the image's lines as written: after the last entry store, with its indentation. */
export function barrierFixSite(lines: readonly string[], afterLine: number, countStoreLine: number): BarrierFixSite {
  return { afterLine, indent: leadingWhitespace(lines[afterLine]), countStoreLine, countStoreText: lines[countStoreLine] ?? '' };
}

function toFinding(hit: Hit, summary: FunctionSummary, input: RuleInput, lines: readonly string[]): RuleFinding {
  const file = input.view.image.path;
  const where = hit.caseLabel ? ` (${hit.caseLabel})` : '';
  const trace: TraceStep[] = [];
  if (hit.pub.via) trace.push(hit.pub.via);
  trace.push(
    { file, line: hit.entry.line + 1, context: summary.function, text: `entries stored: ${hit.entry.text.trim()}` },
    { file, line: hit.count.line + 1, context: summary.function, text: `count stored${where} with no smp_wmb()/release in between: ${hit.count.text.trim()}` },
    { file, line: hit.count.line + 1, context: 'user-space reader', text: `${hit.pub.buffer.reader}: may see the new count and stale entries` },
    { file, line: hit.count.line + 1, context: 'LKMM', text: `litmus test (writer as in this image, acquire reader), exists (new count, stale entry): ${hit.verdict}` },
  );
  return {
    rule: PUBLISH_BARRIER,
    severity: 'error',
    config: input.view.config.name,
    function: summary.function,
    role: `count store${where}: ${hit.count.text.replace(/\s+/g, ' ').trim()}`,
    line: hit.count.line,
    span: [hit.entry.line, hit.count.line],
    message: `${summary.function}(): the count in area[0] is published${where} after the entries with no write barrier between them; `
      + `a concurrent reader (${hit.pub.buffer.why}) can see the new count and stale entries. Add smp_wmb() before the count store, or store it with smp_store_release().`,
    trace,
    litmus: herdForm(hit.litmus),
    fix: barrierFixSite(lines, hit.entry.line, hit.count.line),
  };
}

type PublicationSites = { summary: FunctionSummary; hits: Hit[] }[];

/** The sites found per view and summaries (publish-barrier and publish-reader read the same ones). */
const sitesOf = new WeakMap<RuleInput['view'], WeakMap<RuleInput['summaries'], PublicationSites>>();

/** Every publication site of the image, one per count store (the first path that reaches it);
 *  found once per view and summaries. */
export function publicationSites(input: RuleInput): PublicationSites {
  const perView = kept(sitesOf, input.view, () => new WeakMap<RuleInput['summaries'], PublicationSites>());
  return kept(perView, input.summaries, () => findPublicationSites(input));
}

function findPublicationSites(input: RuleInput): PublicationSites {
  const out: { summary: FunctionSummary; hits: Hit[] }[] = [];
  for (const summary of input.summaries.values()) {
    if (!mayPublish(summary, input.view)) continue;
    const all: Hit[] = [];
    for (const path of summary.paths) scanPath(path, summary, input, all);
    const byCountStore = new Map<number, Hit>();
    // A count store is a finding when some path reaching it lets the stale read happen.
    for (const h of all) {
      const seen = byCountStore.get(h.count.line);
      if (!seen || (h.stale && !seen.stale)) byCountStore.set(h.count.line, h);
    }
    if (byCountStore.size > 0) out.push({ summary, hits: [...byCountStore.values()] });
  }
  return out;
}

export const publishBarrierRule: Rule = {
  id: PUBLISH_BARRIER,
  title: 'Entries published to a concurrent reader must be ordered before the count (smp_wmb() or release)',
  run(input: RuleInput): RuleFinding[] {
    const lines = input.view.image.text.split('\n');
    return publicationSites(input).flatMap(({ summary, hits }) => hits.filter((h) => h.stale).map((h) => toFinding(h, summary, input, lines)));
  },
};
