/**
 * A rule's findings for some roots, reused between views. What a rule finds by walking the model's
 * activations of a root depends only on the root's cone (model/activation.ts activationShape: what
 * the walk reads of the root and of the functions it reaches, the macros and `IS_ENABLED()` values
 * they name, the guarded members of the view) and on the configuration. Another view where those
 * agree (the next image of a series, the other image of a patch: a statement added to a function
 * outside the cone, or a barrier inside it) gets the findings moved to its own lines (with each
 * function, or line by line with its events: model/activation.ts coneMove), and no path is walked
 * again. A finding with a line that cannot be placed so (outside the cone's functions, other than a
 * guarded member's declaration, part of the shape with its line) is not moved: the rule runs.
 */
import { activationShape, coneMove, coneSpans, movedLine, type FunctionSpan } from '../model/activation';
import { nestingDepth, SEQUENCE_FUNCTIONS } from '../model/explorer';
import { structTable } from '../model/guards';
import { unreliable } from '../model/reliability';
import { textHash } from '../hash';
import { kept, Lru } from '../memo';
import type { ConfigView } from '../source/types';
import type { RuleFinding, RuleInput } from './types';

/** Findings and the lines of the cone's functions in the view they were made on. */
interface ConeFindings { findings: readonly RuleFinding[]; spans: readonly FunctionSpan[] }

/** Bounded: a review asks for a few hundred (rule, roots, configuration) entries at most. */
const findingsByConeKey = new Lru<string, ConeFindings>(2048);

/** Forget findings shared between views (tests compare with a fresh run). */
export function clearConeFindings(): void {
  findingsByConeKey.clear();
}

/** The key of some roots' cones under the view's configuration; `part` names the rule and what else
 *  its run depends on (a context, a nesting depth). A root the view lacks or cannot model reliably
 *  (model/reliability.ts) is marked, as the rules skip it. */
function coneKey(view: ConfigView, part: string, roots: readonly string[]): string {
  const shapes = kept(kept(shapesByView, view, () => new Map<string, string>()), roots.join('\u0001'), () =>
    textHash(roots.map((r) => `${r}${view.functions.has(r) ? '' : '?'}${unreliable(view, r) ? '!' : ''}=${activationShape(view, r)}`).join('\u0001')));
  return `${part}\u0000${view.config.name}\u0000${shapes}`;
}

/** The hash of some roots' shapes, once per view (several rules ask for the same roots). */
const shapesByView = new WeakMap<ConfigView, Map<string, string>>();

/** Moves 0-based lines of the cone from the view they were found on to `view` (the cone has one shape
 *  in both, so the same functions); null for a line it cannot place. */
function lineMover(from: readonly FunctionSpan[], view: ConfigView): (line: number) => number | null {
  const move = coneMove(from, view);
  const declared = new Set(structTable(view).guarded.map((g) => g.line));
  return (line) => {
    const f = from.find((s) => line >= s.start && line <= s.end);
    if (f) return move.kind === 'same' ? line : move.kind === 'moved' ? movedLine(move.byFunction, f.fn, line) : null;
    return declared.has(line) ? line : null;
  };
}

/** `findings` moved to `view` (same file: the cone's shape holds its path), or null when a line
 *  cannot be placed (or a finding carries a fix, which quotes its image's text). */
function moved(entry: ConeFindings, view: ConfigView): RuleFinding[] | null {
  if (entry.findings.length === 0) return [];
  if (entry.findings.some((f) => f.fix !== null)) return null;
  const mover = lineMover(entry.spans, view);
  const file = view.image.path;
  const inImage = (step: RuleFinding['trace'][number]): boolean => step.file === file && step.line > 0;
  const lines = entry.findings.flatMap((f) => [f.line, ...f.span, ...f.trace.filter(inImage).map((step) => step.line - 1)]);
  if (lines.some((line) => mover(line) === null)) return null;
  const at = (line: number): number => mover(line) ?? line;
  return entry.findings.map((f): RuleFinding => ({
    ...f,
    line: at(f.line),
    span: [at(f.span[0]), at(f.span[1])],
    trace: f.trace.map((step) => (inImage(step) ? { ...step, line: at(step.line - 1) + 1 } : step)),
  }));
}

/**
 * The findings `compute` makes for `roots` on `view`, or those it made on another view whose cones
 * of `roots` have the same shape, moved to this view's lines. `part`: the rule's id and whatever
 * else (besides the view and the configuration) its findings depend on.
 */
export function findingsByCone(view: ConfigView, part: string, roots: readonly string[], compute: () => RuleFinding[]): RuleFinding[] {
  const key = coneKey(view, part, roots);
  const same = findingsByConeKey.get(key);
  const reused = same ? moved(same, view) : null;
  if (reused) return reused;
  const findings = compute();
  findingsByConeKey.set(key, { findings, spans: coneSpans(view, roots) });
  return findings;
}

/** The findings of an explorer's rule (`rule`: its id): its cones are the entry sequences' functions,
 *  and its findings depend on the nesting depth asked for as well. */
export function sequenceFindings(input: RuleInput, rule: string, compute: (view: ConfigView, depth: number) => RuleFinding[]): RuleFinding[] {
  const depth = nestingDepth(input.env?.nestingDepth);
  return findingsByCone(input.view, `${rule}\u0000${depth}`, SEQUENCE_FUNCTIONS, () => compute(input.view, depth));
}
