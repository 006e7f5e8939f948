/**
 * Function summaries: the ordered events along every control-flow path of a function, read from the
 * tree-sitter syntax tree of a view (early returns, if/else, switch with
 * fall-through, loops taken zero or one time, goto ending the path). Events: calls (with the
 * primitive table gives their effect per configuration later), stores (assignments and store primitives),
 * local assignments (for aliasing), case labels and returns.
 */
import type { Node } from 'web-tree-sitter';
import { codeShape } from '../source/mask';
import { textHash } from '../hash';
import { kept, Lru } from '../memo';
import type { ConfigView, FunctionInfo } from '../source/types';
import { storeOfCall, type Effect } from './semantics';

/** A condition a call depends on inside a conditional expression (`c ? f() : g()`), detailed mode only. */
export interface Guard { cond: string; taken: boolean }
/** A call as written; what it does per configuration is the primitive table's business (effectOfCall), so
 *  summaries do not depend on the configuration and views that parse the same text share them. */
/** `unsafe`: inside a `context_unsafe(...)` region (not checked by the context analysis). */
export interface CallEvent { kind: 'call'; name: string; args: string[]; line: number; text: string; guards?: Guard[]; unsafe?: boolean }
export interface StoreEvent { kind: 'store'; target: string; value: string; line: number; text: string; via: 'assign' | 'call'; store: Effect['store']; barrier: Effect['barrier'] }
export interface AssignEvent { kind: 'assign'; name: string; value: string; line: number }
export interface CaseEvent { kind: 'case'; label: string; line: number }
export interface ReturnEvent { kind: 'return'; line: number }
/** Detailed mode: a field read or written (`obj->field`, `obj.field`), object as written. */
/** `unsafe`: inside a `context_unsafe(...)` region; `arrow`: `obj->field` (else `obj.field`). */
export interface AccessEvent { kind: 'access'; object: string; field: string; op: 'read' | 'write'; line: number; text: string; unsafe: boolean; arrow: boolean }
/** Detailed mode: the branch of an `if` a path took, with the condition as written. */
export interface BranchEvent { kind: 'branch'; cond: string; taken: boolean; line: number }
export type ModelEvent = CallEvent | StoreEvent | AssignEvent | CaseEvent | ReturnEvent | AccessEvent | BranchEvent;

/** Options of a summary. The defaults give the original events (rules written against them keep
 *  their behaviour); `detailed` adds field accesses, branches and call guards, `followGoto`
 *  continues a path at the label a `goto` names (bounded). */
export interface SummaryOptions { detailed: boolean; followGoto: boolean }
const BASIC: SummaryOptions = { detailed: false, followGoto: false };
const MAX_GOTO_DEPTH = 4;

export interface ModelPath {
  events: ModelEvent[];
  /** 0-based line where the path leaves the function. */
  endLine: number;
}

export interface FunctionSummary {
  function: string;
  params: string[];
  paths: ModelPath[];
  /** True when the path count hit the bound and some paths were not enumerated. */
  truncated: boolean;
}

const MAX_PATHS = 1024;

interface Flow {
  /** Paths that fall through to the next statement. */
  open: ModelEvent[][];
  /** Paths that left through `break` (consumed by the enclosing switch or loop). */
  broken: ModelEvent[][];
  /** Paths that left the function. */
  done: ModelPath[];
}

interface Ctx { unsafe: readonly { start: number; end: number }[]; truncated: boolean; opts: SummaryOptions; guards: Guard[]; labels: Map<string, Node[]>; gotoDepth: number; endLine: number }

function lineOf(n: Node): number {
  return n.startPosition.row;
}

/** The callee's name: an identifier, or a scoped guard `guard(class)` (include/linux/cleanup.h) as `guard(class)`. */
function callName(call: Node): string | null {
  const fn = call.childForFieldName('function');
  if (fn && fn.type === 'identifier') return fn.text;
  if (fn && fn.type === 'call_expression' && fn.childForFieldName('function')?.text === 'guard') {
    const cls = fn.childForFieldName('arguments')?.namedChildren[0];
    return cls && cls.type === 'identifier' ? `guard(${cls.text})` : null;
  }
  return null;
}

function isArrow(fieldExpression: Node): boolean {
  return fieldExpression.childForFieldName('operator')?.type === '->' || fieldExpression.children.some((c) => c !== null && c.type === '->');
}

function argTexts(call: Node): string[] {
  const args = call.childForFieldName('arguments');
  return args ? args.namedChildren.filter((a): a is Node => a !== null && a.type !== 'comment').map((a) => a.text) : [];
}

/** Events of an expression in evaluation order: arguments before the call, right side before the store. */
const inUnsafe = (ctx: Ctx, index: number): boolean => ctx.unsafe.some((r) => index >= r.start && index < r.end);

function expressionEvents(node: Node, ctx: Ctx, out: ModelEvent[]): void {
  if (node.type === 'call_expression') {
    const args = node.childForFieldName('arguments');
    if (args) for (const a of args.namedChildren) if (a) expressionEvents(a, ctx, out);
    const name = callName(node);
    if (!name) return;
    const effect = storeOfCall(name);
    const argsText = argTexts(node);
    const call: CallEvent = { kind: 'call', name, args: argsText, line: lineOf(node), text: node.text };
    if (inUnsafe(ctx, node.startIndex)) call.unsafe = true;
    if (ctx.opts.detailed && ctx.guards.length > 0) call.guards = [...ctx.guards];
    out.push(call);
    if (effect && effect.store !== 'none' && effect.storeArg !== null && argsText[effect.storeArg] !== undefined) {
      out.push({ kind: 'store', target: argsText[effect.storeArg], value: argsText[effect.storeArg + 1] ?? '', line: lineOf(node), text: node.text, via: 'call', store: effect.store, barrier: effect.barrier });
    }
    return;
  }
  if (node.type === 'assignment_expression') {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (right) expressionEvents(right, ctx, out);
    if (!left) return;
    if (left.type === 'identifier') out.push({ kind: 'assign', name: left.text, value: right?.text ?? '', line: lineOf(node) });
    else if (ctx.opts.detailed && left.type === 'field_expression') {
      const obj = left.childForFieldName('argument');
      if (obj) expressionEvents(obj, ctx, out);
      out.push({ kind: 'access', object: obj?.text ?? '', field: left.childForFieldName('field')?.text ?? '', op: 'write', line: lineOf(node), text: node.text, unsafe: inUnsafe(ctx, left.startIndex), arrow: isArrow(left) });
      out.push({ kind: 'store', target: left.text, value: right?.text ?? '', line: lineOf(node), text: node.text, via: 'assign', store: 'plain', barrier: 'none' });
    } else {
      expressionEvents(left, ctx, out);
      out.push({ kind: 'store', target: left.text, value: right?.text ?? '', line: lineOf(node), text: node.text, via: 'assign', store: 'plain', barrier: 'none' });
    }
    return;
  }
  if (ctx.opts.detailed && node.type === 'conditional_expression') {
    const cond = node.childForFieldName('condition');
    if (cond) expressionEvents(cond, ctx, out);
    const arms: [Node | null, boolean][] = [[node.childForFieldName('consequence'), true], [node.childForFieldName('alternative'), false]];
    for (const [arm, taken] of arms) {
      if (!arm) continue;
      ctx.guards.push({ cond: cond?.text ?? '', taken });
      expressionEvents(arm, ctx, out);
      ctx.guards.pop();
    }
    return;
  }
  for (const child of node.namedChildren) if (child) expressionEvents(child, ctx, out);
  if (ctx.opts.detailed && node.type === 'field_expression') {
    out.push({ kind: 'access', object: node.childForFieldName('argument')?.text ?? '', field: node.childForFieldName('field')?.text ?? '', op: 'read', line: lineOf(node), text: node.text, unsafe: inUnsafe(ctx, node.startIndex), arrow: isArrow(node) });
  }
}

function declarationEvents(node: Node, ctx: Ctx, out: ModelEvent[]): void {
  for (const d of node.namedChildren) {
    if (!d || d.type !== 'init_declarator') continue;
    const value = d.childForFieldName('value');
    const declarator = d.childForFieldName('declarator');
    if (value) expressionEvents(value, ctx, out);
    const name = declarator?.text.replace(/^[*\s]+/, '') ?? '';
    if (value && /^\w+$/.test(name)) out.push({ kind: 'assign', name, value: value.text, line: lineOf(d) });
  }
}

function appendAll(paths: ModelEvent[][], events: readonly ModelEvent[]): ModelEvent[][] {
  return events.length === 0 ? paths : paths.map((p) => [...p, ...events]);
}

function bound(paths: ModelEvent[][], ctx: Ctx): ModelEvent[][] {
  if (paths.length <= MAX_PATHS) return paths;
  ctx.truncated = true;
  return paths.slice(0, MAX_PATHS);
}

function emptyFlow(open: ModelEvent[][]): Flow {
  return { open, broken: [], done: [] };
}

function seq(statements: readonly Node[], incoming: ModelEvent[][], ctx: Ctx): Flow {
  const flow = emptyFlow(incoming);
  for (const s of statements) {
    if (flow.open.length === 0) break;
    const r = stmt(s, flow.open, ctx);
    flow.open = bound(r.open, ctx);
    flow.broken.push(...r.broken);
    flow.done.push(...r.done);
  }
  return flow;
}

function conditionEvents(node: Node | null, ctx: Ctx): ModelEvent[] {
  const out: ModelEvent[] = [];
  if (node) expressionEvents(node, ctx, out);
  return out;
}

function switchFlow(node: Node, incoming: ModelEvent[][], ctx: Ctx): Flow {
  const cond = conditionEvents(node.childForFieldName('condition'), ctx);
  const body = node.childForFieldName('body');
  const cases = body ? body.namedChildren.filter((c): c is Node => c !== null && c.type === 'case_statement') : [];
  const start = appendAll(incoming, cond);
  const result = emptyFlow([]);
  let fallthrough: ModelEvent[][] = [];
  let hasDefault = false;
  for (const c of cases) {
    const value = c.childForFieldName('value');
    if (!value) hasDefault = true;
    const label: CaseEvent = { kind: 'case', label: value ? `case ${value.text}` : 'default', line: lineOf(c) };
    const entering = [...appendAll(start, [label]), ...fallthrough];
    const statements = c.namedChildren.filter((s): s is Node => s !== null && s !== value && s.type !== 'comment');
    const r = seq(statements, entering, ctx);
    result.open.push(...r.broken);
    result.done.push(...r.done);
    fallthrough = r.open;
  }
  result.open.push(...fallthrough);
  if (!hasDefault) result.open.push(...start);
  return result;
}

function stmt(node: Node, incoming: ModelEvent[][], ctx: Ctx): Flow {
  switch (node.type) {
    case 'compound_statement':
      return seq(node.namedChildren.filter((n): n is Node => n !== null), incoming, ctx);
    case 'expression_statement': {
      const out: ModelEvent[] = [];
      for (const c of node.namedChildren) if (c) expressionEvents(c, ctx, out);
      return emptyFlow(appendAll(incoming, out));
    }
    case 'declaration': {
      const out: ModelEvent[] = [];
      declarationEvents(node, ctx, out);
      return emptyFlow(appendAll(incoming, out));
    }
    case 'return_statement': {
      const out = conditionEvents(node.namedChildren[0] ?? null, ctx);
      out.push({ kind: 'return', line: lineOf(node) });
      return { open: [], broken: [], done: appendAll(incoming, out).map((events) => ({ events, endLine: lineOf(node) })) };
    }
    case 'goto_statement': {
      const target = ctx.opts.followGoto ? ctx.labels.get(node.namedChildren[0]?.text ?? '') : undefined;
      if (!target || ctx.gotoDepth >= MAX_GOTO_DEPTH) return { open: [], broken: [], done: incoming.map((events) => ({ events, endLine: lineOf(node) })) };
      ctx.gotoDepth++;
      const r = seq(target, incoming, ctx);
      ctx.gotoDepth--;
      return { open: [], broken: [], done: [...r.done, ...r.open.map((events) => ({ events, endLine: ctx.endLine }))] };
    }
    case 'break_statement':
      return { open: [], broken: incoming, done: [] };
    case 'if_statement': {
      const condNode = node.childForFieldName('condition');
      const cond = appendAll(incoming, conditionEvents(condNode, ctx));
      const branch = (taken: boolean): ModelEvent[][] => (ctx.opts.detailed ? appendAll(cond, [{ kind: 'branch', cond: condNode?.text ?? '', taken, line: lineOf(node) }]) : cond);
      const then = node.childForFieldName('consequence');
      const alt = node.childForFieldName('alternative');
      const a = then ? stmt(then, branch(true), ctx) : emptyFlow(branch(true));
      const elseBody = alt ? (alt.type === 'else_clause' ? alt.namedChildren[0] : alt) : null;
      const b = elseBody ? stmt(elseBody, branch(false), ctx) : emptyFlow(branch(false));
      return { open: [...a.open, ...b.open], broken: [...a.broken, ...b.broken], done: [...a.done, ...b.done] };
    }
    case 'switch_statement':
      return switchFlow(node, incoming, ctx);
    case 'for_statement':
    case 'while_statement':
    case 'do_statement': {
      const head: ModelEvent[] = [];
      for (const field of ['initializer', 'condition']) {
        const n = node.childForFieldName(field);
        if (n) expressionEvents(n, ctx, head);
      }
      const entry = appendAll(incoming, head);
      const body = node.childForFieldName('body');
      const once = body ? stmt(body, entry, ctx) : emptyFlow(entry);
      const skip = node.type === 'do_statement' ? [] : entry;
      return { open: [...skip, ...once.open, ...once.broken], broken: [], done: once.done };
    }
    case 'labeled_statement': {
      const inner = node.namedChildren.find((c) => c !== null && c.type !== 'statement_identifier');
      return inner ? stmt(inner, incoming, ctx) : emptyFlow(incoming);
    }
    default: {
      // Unknown statement kinds (kernel iterator macros parse as calls followed by a block): keep
      // the calls they contain, in order.
      const out: ModelEvent[] = [];
      expressionEvents(node, ctx, out);
      return emptyFlow(appendAll(incoming, out));
    }
  }
}

function paramNames(fn: FunctionInfo): string[] {
  const params = fn.node.descendantsOfType('parameter_declaration');
  return params.map((p) => {
    const ids = p?.descendantsOfType('identifier') ?? [];
    return ids.length > 0 ? ids[ids.length - 1]?.text ?? '' : '';
  }).filter((n) => n !== '');
}

/** Top-level labels of a body: each label's statement and the ones after it (where a goto lands). */
function labelsOf(body: Node): Map<string, Node[]> {
  const statements = body.namedChildren.filter((n): n is Node => n !== null);
  const labels = new Map<string, Node[]>();
  statements.forEach((s, i) => {
    if (s.type === 'labeled_statement') labels.set(s.childForFieldName('label')?.text ?? s.namedChildren[0]?.text ?? '', statements.slice(i));
  });
  return labels;
}

export function summarizeFunction(view: ConfigView, fn: FunctionInfo, opts: SummaryOptions = BASIC): FunctionSummary {
  const unsafe = view.annotationTokens.filter((t) => t.kind === 'unsafe-region' && t.start >= fn.node.startIndex && t.start < fn.node.endIndex);
  const ctx: Ctx = { unsafe, truncated: false, opts, guards: [], labels: opts.followGoto ? labelsOf(fn.body) : new Map(), gotoDepth: 0, endLine: fn.endLine };
  const flow = stmt(fn.body, [[]], ctx);
  const endLine = fn.endLine;
  const paths = [...flow.done, ...flow.open.map((events) => ({ events, endLine })), ...flow.broken.map((events) => ({ events, endLine }))];
  return { function: fn.name, params: paramNames(fn), paths, truncated: ctx.truncated };
}

const summaryCache = new WeakMap<ConfigView, Map<string, FunctionSummary>>();
const detailedCache = new WeakMap<ConfigView, Map<string, FunctionSummary>>();
/** By parsed text: views of one image under configurations whose #if resolve alike parse the same text,
 *  and summaries do not depend on the configuration, so they are computed once. */
const basicByText = new Lru<string, Map<string, FunctionSummary>>(16);

/** A view's file and parsed text, as the key of the tables shared by views that parse alike. */
const textKeys = new WeakMap<ConfigView, string>();

function textKeyOf(view: ConfigView): string {
  return kept(textKeys, view, () => `${view.image.path}\u0000${textHash(view.parsedText)}`);
}

/**
 * Summaries by function (functionKey): a function summarises the same wherever it sits (the other image
 * of a patch, another version of the document), so only its lines move. The syntax-tree walk
 * is the costly part of the model; a patch changes few functions.
 */
const byFunctionText = new Lru<string, { startLine: number; summary: FunctionSummary }>(4096);

function shifted<E extends { line: number }>(e: E, dl: number): E {
  return { ...e, line: e.line + dl };
}

const fnKeys = new WeakMap<FunctionInfo, string>();

/**
 * What a function's summary and paths depend on in its own text: its code shape (source/mask.ts: comments removed,
 * blanks collapsed, line breaks kept, so lines inside it keep their offsets), its annotations
 * (blanked in the parsed text) and its `context_unsafe(...)` regions. Editing a comment leaves it.
 */
export function functionKey(view: ConfigView, fn: FunctionInfo): string {
  let key = fnKeys.get(fn);
  if (key !== undefined) return key;
  const regions = view.annotationTokens.filter((t) => t.kind === 'unsafe-region' && t.start >= fn.node.startIndex && t.start < fn.node.endIndex).map((t) => t.text);
  const raw = `${fn.name}\u0000${fn.annotations.join('\u0001')}\u0000${regions.join('\u0001')}\u0000${fn.node.text}`;
  key = keyByRaw.get(raw);
  if (key === undefined) {
    const code = codeShape(fn.node.text);
    key = textHash(`${fn.name}\u0000${fn.annotations.join('\u0001')}\u0000${regions.join('\u0001')}\u0000${code}`);
    keyByRaw.set(raw, key);
  }
  fnKeys.set(fn, key);
  return key;
}

/** The key of a function's exact text (views of one image, the unchanged functions of the next). */
const keyByRaw = new Lru<string, string>(4096);

function functionSummary(view: ConfigView, fn: FunctionInfo, opts: SummaryOptions): FunctionSummary {
  const key = `${opts.detailed ? 'd' : 'b'}${opts.followGoto ? 'g' : ''}\u0000${functionKey(view, fn)}`;
  const hit = byFunctionText.get(key);
  if (!hit) {
    const summary = summarizeFunction(view, fn, opts);
    byFunctionText.set(key, { startLine: fn.startLine, summary });
    return summary;
  }
  const dl = fn.startLine - hit.startLine;
  if (dl === 0) return hit.summary;
  const paths = hit.summary.paths.map((p) => ({ endLine: p.endLine + dl, events: p.events.map((e) => shifted<ModelEvent>(e, dl)) }));
  return { ...hit.summary, paths };
}

const DETAILED: SummaryOptions = { detailed: true, followGoto: true };

/** Detailed summaries by function name, per parsed text (as summarizeView's), filled one function at a
 *  time: the model's walk asks for the functions it enters, and in a series most of a new image's
 *  functions only moved, so summarising them all (moving each one's events) was work for nothing. */
const detailedByTextOne = new Lru<string, Map<string, FunctionSummary | null>>(16);
const detailedTables = new WeakMap<ConfigView, Map<string, FunctionSummary | null>>();

function detailedTable(view: ConfigView): Map<string, FunctionSummary | null> {
  return kept(detailedTables, view, () => kept(detailedByTextOne, textKeyOf(view), () => new Map<string, FunctionSummary | null>()));
}

/** The detailed summary of one function of a view (the one summarizeViewDetailed holds), or undefined. */
export function detailedSummaryOf(view: ConfigView, name: string): FunctionSummary | undefined {
  const summary = kept(detailedTable(view), name, () => {
    const fn = view.functions.get(name);
    return fn ? functionSummary(view, fn, DETAILED) : null;
  });
  return summary ?? undefined;
}

/** Detailed summaries (field accesses, branches, call guards, gotos followed) of every function of a view. */
export function summarizeViewDetailed(view: ConfigView): Map<string, FunctionSummary> {
  return kept(detailedCache, view, () => {
    const out = new Map<string, FunctionSummary>();
    for (const name of view.functions.keys()) {
      const summary = detailedSummaryOf(view, name);
      if (summary) out.set(name, summary);
    }
    return out;
  });
}

/** Summaries of every function of a view. */
export function summarizeView(view: ConfigView): Map<string, FunctionSummary> {
  return kept(summaryCache, view, () => kept(basicByText, textKeyOf(view), () => new Map([...view.functions.values()].map((fn): [string, FunctionSummary] => [fn.name, functionSummary(view, fn, BASIC)]))));
}
