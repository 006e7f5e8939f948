/**
 * Inlay hints (setting `kcovReview.inlayHints`, off by default): at the end of each added and
 * context line of a hunk inside a modelled function, the abstract state the model computes before
 * that line, per configuration, as the patch leaves kcov.c (post-image), e.g.
 * `!RT: preempt on · migrate on · hardirq off · L kcov_percpu_data.lock ‖ RT+BHlock, RT: …`.
 * Removed lines get the state they ran under before the patch (pre-image), marked `before:`: the
 * line exists only there, and that state is what a reviewer weighs when the patch drops it (the
 * context lines below then show the state after the patch). On kernel/kcov.c opened as a file,
 * every code line of a function gets its hint.
 *
 * Pure: the Review, the document text and a lookup of the model's state at an image line in.
 */
import { MarkupKind, type InlayHint, type Range } from 'vscode-languageserver';
import type { ConfigName } from '../model/configs';
import type { ContextName } from '../model/contexts';
import type { LineStates, MergedState } from '../model/stateAt';
import type { ImagePair, SourceImage } from '../patch/types';
import type { Review } from '../review/types';
import { documentLines } from './documents';

/** Whether `by` may run on this CPU inside the activation at this point, and the PREEMPT_TABLE row that decides it. */
export interface PreemptionAt { victim: ContextName; by: ContextName; allowed: boolean; row: string | null; why: string; cite: string | null }

/** The model at one image line under one configuration: the states reaching it, merged, and per state who may preempt. */
export interface ModelAtLine extends LineStates { merged: MergedState; preemption: PreemptionAt[][] }

export type ModelLookup = (image: SourceImage, config: ConfigName, line: number) => ModelAtLine | null;

/** The image line a document line shows: post-image for added and context lines, pre-image for removed ones. */
export interface ImageLineAt { pair: ImagePair; side: 'pre' | 'post'; line: number }

export function imageLineAt(review: Review, docLine: number, sourceFile: boolean): ImageLineAt | null {
  if (sourceFile) {
    const pair = review.images[0];
    return pair ? { pair, side: 'post', line: docLine } : null;
  }
  for (const pair of review.images) {
    const post = pair.map.patchToPost.get(docLine);
    if (post !== undefined) return { pair, side: 'post', line: post };
    const pre = pair.map.patchToPre.get(docLine);
    if (pre !== undefined) return { pair, side: 'pre', line: pre };
  }
  return null;
}

const onOff = (values: readonly number[], name: string, always: boolean): string | null => {
  const on = values.some((v) => v <= 0);
  const off = values.some((v) => v > 0);
  if (on && off) return `${name} on|off`;
  if (off) return `${name} off`;
  return always ? `${name} on` : null;
};

/** The compact form of a merged state: preemption and migration always, the rest when off or held somewhere. */
export function compactState(m: MergedState): string {
  const rcu = m.counters.rcu.some((v) => v > 0) ? (m.counters.rcu.every((v) => v > 0) ? 'rcu' : 'rcu?') : null;
  const parts = [
    onOff(m.counters.preempt, 'preempt', true),
    onOff(m.counters.migrate, 'migrate', true),
    onOff(m.counters.hardirq, 'hardirq', false),
    onOff(m.counters.bh, 'bh', false),
    rcu,
    ...m.locks.map((l) => `${l.held === 'all' ? 'L' : 'L?'} ${l.id}`),
  ];
  return parts.filter((p): p is string => p !== null).join(' · ');
}

function configText(model: ModelAtLine): string {
  switch (model.status) {
    case 'reached': return compactState(model.merged);
    case 'unreached': return 'not reached';
    case 'inactive': return 'not compiled';
    case 'unmodelled': return 'not modelled';
  }
}

const BRACES_ONLY = /^[\s{}]*(?:else[\s{}]*)?$/;

/** The hint's label for one line, or null when no configuration models it. */
export function hintLabel(models: readonly { config: ConfigName; model: ModelAtLine | null }[], side: 'pre' | 'post', lineText: string): string | null {
  const known = models.filter((m): m is { config: ConfigName; model: ModelAtLine } => m.model !== null);
  const reached = known.filter((m) => m.model.status === 'reached');
  if (reached.length === 0 && (!known.some((m) => m.model.status === 'unreached') || BRACES_ONLY.test(lineText))) return null;
  const groups: { configs: ConfigName[]; text: string }[] = [];
  for (const m of known) {
    const text = configText(m.model);
    const g = groups.find((x) => x.text === text);
    if (g) g.configs.push(m.config);
    else groups.push({ configs: [m.config], text });
  }
  const contexts = [...new Set(reached.flatMap((m) => m.model.merged.contexts))];
  const where = contexts.length === 1 && contexts[0] === 'task' ? '' : `[${contexts.join('|')}] `;
  return `${side === 'pre' ? 'before: ' : ''}${where}${groups.map((g) => `${g.configs.join(', ')}: ${g.text}`).join(' ‖ ')}`;
}

/** Where a held lock was taken: `fn:line`, or the context entry that holds it (the BH lock of an RT softirq). */
export function where(l: { fn: string; line: number }): string {
  return l.line < 0 ? l.fn : `${l.fn}:${l.line + 1}`;
}

function describeCounters(s: ModelAtLine['reaching'][number]['state']): string {
  const counters = (['preempt', 'migrate', 'hardirq', 'bh', 'rcu'] as const).map((k) => `${k} ${s[k]}`).join(', ');
  const locks = s.locks.map((l) => `${l.id} (${l.kind}, taken in ${where(l)})`);
  return `${counters}${locks.length > 0 ? `; holds ${locks.join(', ')}` : '; no lock held'}`;
}

/** Markdown behind the hint: every distinct state per configuration and context. */
export function hintTooltip(models: readonly { config: ConfigName; model: ModelAtLine | null }[], side: 'pre' | 'post'): string {
  const out = [`**kcov-review model state** before this line (${side === 'pre' ? 'pre-image: the line the patch removes' : 'post-image'})`, ''];
  for (const { config, model } of models) {
    if (!model) continue;
    if (model.status !== 'reached') { out.push(`- \`${config}\`: ${configText(model)}`); continue; }
    for (const r of model.reaching) out.push(`- \`${config}\` ${r.context} (${r.paths} path${r.paths === 1 ? '' : 's'}): ${describeCounters(r.state)}`);
  }
  out.push('', 'Run "kcov-review: Show model state at cursor" for who may preempt here and why.');
  return out.join('\n');
}

/** Inlay hints for the document lines in `range`. */
export function inlayHints(review: Review, text: string, range: Range, lookup: ModelLookup, sourceFile: boolean): InlayHint[] {
  const lines = documentLines(text);
  const hints: InlayHint[] = [];
  const last = Math.min(range.end.line, lines.length - 1);
  const imageLines = new Map<SourceImage, string[]>();
  const textOf = (image: SourceImage, line: number): string => {
    let ls = imageLines.get(image);
    if (!ls) { ls = image.text.split('\n'); imageLines.set(image, ls); }
    return ls[line] ?? '';
  };
  for (let docLine = Math.max(0, range.start.line); docLine <= last; docLine++) {
    const at = imageLineAt(review, docLine, sourceFile);
    if (!at) continue;
    const image = at.side === 'post' ? at.pair.post : at.pair.pre;
    const models = review.configs.map((config) => ({ config, model: lookup(image, config, at.line) }));
    const label = hintLabel(models, at.side, textOf(image, at.line));
    if (label === null) continue;
    hints.push({
      position: { line: docLine, character: (lines[docLine] ?? '').length },
      label,
      paddingLeft: true,
      tooltip: { kind: MarkupKind.Markdown, value: hintTooltip(models, at.side) },
    });
  }
  return hints;
}
