/**
 * Rule `guarded-by`: a struct member declared `__guarded_by(lock)` is read or written without that
 * lock held, as Clang's context analysis would reject it (Documentation/dev-tools/context-analysis.rst).
 * KCSAN, KASAN and KCOV are off for kcov.o (kernel/Makefile), so nothing checks this at run time.
 *
 * Like the compiler's analysis, the check is per function: a function's own accesses are checked
 * with what it holds, starting from its `__must_hold`/`__releases` annotations; locks its callees
 * take and release are followed (the model inlines them). `context_unsafe(...)` regions and
 * functions marked `__context_unsafe`/`__no_context_analysis` are not checked; initialising a lock
 * (`spin_lock_init()`, `guard(spinlock_init)`) lets the function initialise its guarded members.
 */
import { activation, type Step } from '../model/activation';
import type { ProofStep } from '../model/explorer';
import { CONTEXTS } from '../model/contexts';
import { structTable } from '../model/guards';
import { unreliable } from '../model/roots';
import { summarizeViewDetailed } from '../model/summary';
import { readAnnotation } from '../model/semantics';
import type { ConfigView, FunctionInfo } from '../source/types';
import { findingsByCone } from './byCone';
import { toTrace } from './trace';
import type { Rule, RuleFinding, RuleInput } from './types';

export const GUARDED_BY = 'guarded-by';

const CITE = 'Documentation/dev-tools/context-analysis.rst "__guarded_by"; include/linux/compiler-context-analysis.h';

type Prim = Extract<Step, { op: 'prim' }>;

/** Locks the annotations say are held when the function is entered. */
function heldAtEntry(fn: FunctionInfo): string[] {
  return fn.annotations.map(readAnnotation).flatMap((a) => (a && (a.role === 'requires' || a.role === 'releases') ? [a.arg] : []));
}

function exempt(fn: FunctionInfo | undefined): boolean {
  return fn?.annotations.some((t) => readAnnotation(t)?.role === 'unsafe-function') ?? false;
}

function checkPath(fn: FunctionInfo, context: string, path: readonly Step[], view: ConfigView, out: Map<string, RuleFinding>): void {
  const config = view.config.name;
  const entry = heldAtEntry(fn);
  const held: Prim[] = [];
  for (const s of path) {
    if (s.op === 'prim' && (s.effect.lock || s.effect.assume)) {
      const key = s.lockKey ?? s.lockId;
      if (s.effect.lock?.op === 'release') {
        const i = held.map((h) => h.lockKey ?? h.lockId).lastIndexOf(key);
        if (i >= 0) held.splice(i, 1);
        else { const j = entry.indexOf(key); if (j >= 0) entry.splice(j, 1); }
      } else held.push(s);
      continue;
    }
    if (s.op !== 'guarded' || s.fn !== fn.name || s.unsafe) continue;
    if (entry.includes(s.guard) || held.some((h) => (h.lockKey ?? h.lockId) === s.guard)) continue;
    const role = `unguarded:${s.cell}:${s.access}@${fn.name}`;
    if (out.has(role)) continue;
    const ps = (x: Step, text: string, row: string): ProofStep => ({ line: x.line, fn: x.fn, context, config, text, row });
    const holding = [...entry, ...held.map((h) => h.lockId)];
    const proof: ProofStep[] = [
      { line: fn.startLine, fn: fn.name, context, config, text: `${fn.name}() is entered holding ${entry.length > 0 ? entry.join(', ') : 'no lock'} (its annotations: ${fn.annotations.join(' ') || 'none'})`, row: 'include/linux/compiler-context-analysis.h __must_hold()' },
      ...held.map((h) => ps(h, `${h.effect.assume ? 'initialises' : 'takes'} ${h.lockId}: ${h.text}`, `${h.row.names[0]}: ${h.row.cite}`)),
      { line: s.declLine, fn: fn.name, context, config, text: `${s.cell} is declared __guarded_by: it needs ${s.guardText.replace(/^&/, '')}`, row: CITE },
      ps(s, `${s.access === 'write' ? 'writes' : 'reads'} ${s.text} holding ${holding.length > 0 ? holding.join(', ') : 'no lock'}; it needs ${s.guardText.replace(/^&/, '')}`, CITE),
    ];
    out.set(role, {
      rule: GUARDED_BY, severity: 'error', config, function: fn.name, role, line: s.line, span: [s.line, s.line],
      message: `${s.cell} is __guarded_by ${s.guardText.replace(/^&/, '')}, but ${fn.name}() ${s.access === 'write' ? 'writes' : 'reads'} it without that lock held on some path (${config})`,
      trace: toTrace(view.image.path, proof), fix: null,
    });
  }
}

/** Functions whose own body touches a member name some struct guards (the only ones to walk). */
function touching(view: ConfigView, names: ReadonlySet<string>): FunctionInfo[] {
  const summaries = summarizeViewDetailed(view);
  return [...view.functions.values()].filter((fn) => summaries.get(fn.name)?.paths.some((p) => p.events.some((e) => e.kind === 'access' && names.has(e.field))));
}

/** Every function that touches a guarded member, in every context: a path under `if (!in_task())` is
 *  checked as much as one under `if (in_task())`. */
function run(input: RuleInput): RuleFinding[] {
  const { view } = input;
  const names = new Set(structTable(view).guarded.map((g) => g.field));
  if (names.size === 0) return [];
  return touching(view, names).flatMap((fn) => {
    if (exempt(fn) || unreliable(view, fn.name)) return [];
    return findingsByCone(view, GUARDED_BY, [fn.name], () => {
      const out = new Map<string, RuleFinding>();
      for (const context of CONTEXTS) for (const path of activation(view, fn.name, context).paths) checkPath(fn, context, path, view, out);
      return [...out.values()];
    });
  });
}

export const guardedByRule: Rule = { id: GUARDED_BY, title: '__guarded_by member accessed without its lock', run };
