/**
 * Configuration views: for one source image and one configuration row, the #if-resolved text,
 * its parse, and an index of the function definitions in it.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { CONFIGS, type ConfigRow } from '../model/configs';
import type { SourceImage } from '../patch/types';
import { blankAnnotations, type BlankedToken } from './annotations';
import { textHash } from '../hash';
import { firstAtLeast } from '../sorted';
import { parseC } from './parser';
import { codeShape, lexMask, sameShapeByLines, splitLines, type LexMask } from './mask';
import { preprocess, scanDirectives, type Directive } from './preprocess';
import { RecentTexts, type ChangedSpan } from './textSpan';
import type { ConfigView, FunctionInfo } from './types';
import { kept, Lru } from '../memo';

/** Views kept across reviews: in the editor the unchanged pre-image's three and the last few
 *  post-images'. A view holds its tree and, through the model's per-view caches, everything derived
 *  from it, so the bound is what keeps the server's memory (and its GC time) bounded. A review holds
 *  the views it works on itself (review/analyze.ts ViewTable), whatever this evicts meanwhile. */
export const VIEW_CACHE_SIZE = 12;
const viewCache = new Lru<string, ConfigView>(VIEW_CACHE_SIZE);
const directiveCache = new Lru<string, Directive[]>(8);
const configKeys = new WeakMap<ConfigRow, string>();

/** A cache key for a row: its name and its symbols (a test may vary the symbols of a name). */
function configKey(config: ConfigRow): string {
  let key = configKeys.get(config);
  if (key === undefined) {
    const symbols = Object.keys(config.symbols)
      .sort()
      .map((k) => `${k}=${String(config.symbols[k])}`);
    key = `${config.name}\u0000${symbols.join('\u0001')}`;
    configKeys.set(config, key);
  }
  return key;
}

const maskCache = new Lru<string, LexMask>(8);

/** The lexical mask of an image's text (source/mask.ts), computed once per text. */
export function imageMask(image: SourceImage): LexMask {
  let mask = maskCache.get(image.hash);
  if (!mask) {
    mask = lexMask(image.text);
    maskCache.set(image.hash, mask);
  }
  return mask;
}

function directivesOf(image: SourceImage): Directive[] {
  let ds = directiveCache.get(image.hash);
  if (!ds) {
    ds = scanDirectives(image.text, imageMask(image));
    directiveCache.set(image.hash, ds);
  }
  return ds;
}

/** Visit nodes depth-first without recursion (trees can be 10 000 levels deep). `enter`
 *  returns false to skip a node's children. */
export function walk(root: Node, enter: (node: Node) => boolean): void {
  const cursor = root.walk();
  try {
    for (;;) {
      if (enter(cursor.currentNode) && cursor.gotoFirstChild()) continue;
      for (;;) {
        if (cursor.gotoNextSibling()) break;
        if (!cursor.gotoParent()) return;
      }
    }
  } finally {
    cursor.delete();
  }
}

/** The declared name of a function definition: the identifier at the bottom of its declarator
 *  chain (`*f(...)`, `(*f(int))(int)` and attributed declarators included). */
export function declaratorName(fn: Node): string | null {
  let d: Node | null = fn.childForFieldName('declarator');
  while (d) {
    if (d.type === 'identifier') return d.text;
    const next: Node | null = d.childForFieldName('declarator') ?? d.namedChildren.find((c): c is Node => c !== null && c.type.endsWith('declarator')) ?? null;
    if (!next && d.type === 'parenthesized_declarator') return d.namedChildren.find((c): c is Node => c !== null && c.type === 'identifier')?.text ?? null;
    d = next;
  }
  return null;
}

/** Closing tokens tree-sitter inserts as MISSING when the C is broken: an unclosed `{` or `(`
 *  leaves no ERROR node, only one of these, and the function then swallows what follows. A MISSING
 *  `;` is left out: kernel iterator macros (`list_for_each(pos, head) {`, `hash_for_each_possible`)
 *  read as a call without its `;` in every kcov.c, and nothing is lost there. */
const MISSING_CLOSERS: ReadonlySet<string> = new Set(['}', ')', ']']);

/** Lines of ERROR nodes, and of missing closing brackets, under a node, sorted, without duplicates. */
export function errorLines(root: Node): number[] {
  const lines = new Set<number>();
  walk(root, (n) => {
    if (n.type === 'ERROR' || (n.isMissing && MISSING_CLOSERS.has(n.type))) lines.add(n.startPosition.row);
    return n.hasError;
  });
  return [...lines].sort((a, b) => a - b);
}

/** Index of the first token starting at or after `index` (tokens are in text order). */
function firstTokenFrom(tokens: readonly BlankedToken[], index: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].start < index) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The annotations written in a function's declaration part: after whatever code precedes it
 *  at its level (a declaration, another function; comments do not count) and before its body. */
function annotationsFor(fn: Node, body: Node, tokens: readonly BlankedToken[]): string[] {
  let prev = fn.previousSibling;
  while (prev && prev.type === 'comment') prev = prev.previousSibling;
  const lo = prev ? prev.endIndex : (fn.parent?.startIndex ?? 0);
  const hi = body.startIndex;
  const out: string[] = [];
  for (let i = firstTokenFrom(tokens, lo); i < tokens.length && tokens[i].start < hi; i++) if (tokens[i].kind === 'annotation') out.push(tokens[i].text);
  return out;
}

/** Syntax-tree depth past which a function is not indexed: the model walks bodies recursively, and
 *  no kernel function comes near it (kcov.c's deepest is under 40), while a 10 000-deep nesting
 *  would exhaust the stack. Such a function is listed in `ConfigView.tooDeep` instead. */
export const MAX_SYNTAX_DEPTH = 400;

/** Whether the subtree under `root` is deeper than `limit` levels (iterative: trees can be 10 000 deep).
 *  A subtree of n nodes is at most n - 1 levels deep, so one that cannot reach past the limit is not
 *  entered: in kcov.c the walk stops at the statements of a body instead of visiting every node. */
export function deeperThan(root: Node, limit: number): boolean {
  const cursor = root.walk();
  let depth = 0;
  try {
    for (;;) {
      const cannotReach = depth + cursor.currentNode.descendantCount - 1 <= limit;
      if (!cannotReach && cursor.gotoFirstChild()) {
        if (++depth > limit) return true;
        continue;
      }
      for (;;) {
        if (cursor.gotoNextSibling()) break;
        if (!cursor.gotoParent()) return false;
        depth--;
      }
    }
  } finally {
    cursor.delete();
  }
}

/** Whether a function is deeper than MAX_SYNTAX_DEPTH, by its text: the depth of a subtree is a
 *  function of the text tree-sitter parsed, and in a series or an edit most functions are the same
 *  text as in the last image (walking them all again was ~40 % of the views of a 30-patch series). */
const tooDeepByText = new Lru<string, boolean>(4096);

function functionTooDeep(fn: Node): boolean {
  const key = textHash(fn.text);
  let deep = tooDeepByText.get(key);
  if (deep === undefined) {
    deep = deeperThan(fn, MAX_SYNTAX_DEPTH);
    tooDeepByText.set(key, deep);
  }
  return deep;
}

/** The depth verdict of each function of a parsed text, by its range (start index -> end, verdict). */
type DepthVerdicts = Map<number, { end: number; deep: boolean }>;

/**
 * The verdicts a close text's functions give for a new text: a function wholly before the changed
 * span, or wholly after it (shifted), is the same text as in the base, so has its depth (without
 * hashing the text again: on every edit in the editor that was all of the file's functions).
 */
function verdictsFrom(base: DepthVerdicts, span: ChangedSpan): (start: number, end: number) => boolean | undefined {
  const shift = span.newEndIndex - span.oldEndIndex;
  return (start, end) => {
    const at = end <= span.startIndex ? 0 : start >= span.newEndIndex ? shift : null;
    if (at === null) return undefined;
    const known = base.get(start - at);
    return known && known.end === end - at ? known.deep : undefined;
  };
}

/** The nodes tree-sitter-c lets hold a function_definition (its node-types.json), less
 *  compound_statement: outside a function (whose body is not searched) only a statement expression
 *  in a file-scope initializer would hold one. Where the parse has an error anything may hold one. */
const HOLDS_FUNCTIONS: ReadonlySet<string> = new Set([
  'translation_unit', 'declaration_list', 'linkage_specification',
  'preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef', 'preproc_else', 'ERROR',
]);

/** Index the function definitions of a tree (not those nested in another function). The first
 *  definition of a name wins. Functions nested deeper than MAX_SYNTAX_DEPTH go to `tooDeep` (their
 *  first lines) instead, when a list is given. `known` gives the depth verdicts known from a close
 *  text; each function's verdict goes to `verdicts`. */
export function indexFunctions(tree: Tree, tokens: readonly BlankedToken[], tooDeep: number[] = [], verdicts: DepthVerdicts = new Map(), known: (start: number, end: number) => boolean | undefined = () => undefined): Map<string, FunctionInfo> {
  const functions = new Map<string, FunctionInfo>();
  walk(tree.rootNode, (n) => {
    if (n.type !== 'function_definition') return HOLDS_FUNCTIONS.has(n.type) || n.hasError;
    const body = n.childForFieldName('body');
    const name = declaratorName(n);
    const { startIndex, endIndex } = n;
    const deep = body ? (known(startIndex, endIndex) ?? functionTooDeep(n)) : false;
    verdicts.set(startIndex, { end: endIndex, deep });
    if (body && deep) tooDeep.push(n.startPosition.row);
    else if (body && name && !functions.has(name)) {
      functions.set(name, {
        name,
        startLine: n.startPosition.row,
        endLine: n.endPosition.row,
        node: n,
        body,
        annotations: annotationsFor(n, body, tokens),
      });
    }
    return false;
  });
  return functions;
}

function bodyErrors(functions: Map<string, FunctionInfo>): number[] {
  const lines = new Set<number>();
  for (const f of functions.values()) for (const l of errorLines(f.body)) lines.add(l);
  return [...lines].sort((a, b) => a - b);
}

/** What depends only on the preprocessed text. Configurations that resolve every #if of an image
 *  the same way (kcov.c never tests CONFIG_PREEMPT_RT_NEEDS_BH_LOCK: RT+BHlock and RT) share one. */
interface ParsedUnit {
  parsedText: string;
  tree: Tree;
  functions: Map<string, FunctionInfo>;
  parseErrors: number[];
  tooDeep: number[];
  tokens: readonly BlankedToken[];
  /** Per function, whether it is too deep (the base of close texts' verdicts). */
  depths: DepthVerdicts;
  /** What its code key was made of, once computed (unitCodeKey; the base of close texts' keys). */
  code?: { noComments: string; tokens: string; key: string };
}

const unitCache = new Lru<string, ParsedUnit>(8);
/** Units parsed last, newest first, by their parsed text: the bases of close texts' depth verdicts
 *  and code keys. */
const recentUnits = new RecentTexts<{ text: string; unit: ParsedUnit }>(4);
/** The unit of a view, by its blanked tokens (views of configurations that preprocess alike share both). */
const unitOfTokens = new WeakMap<readonly BlankedToken[], ParsedUnit>();

function parsedUnit(preprocessed: string): ParsedUnit {
  const key = textHash(preprocessed);
  let unit = unitCache.get(key);
  if (!unit) {
    const blanked = blankAnnotations(preprocessed);
    const tree = parseC(blanked.text);
    const tooDeep: number[] = [];
    const depths: DepthVerdicts = new Map();
    const close = recentUnits.closest(blanked.text);
    const functions = indexFunctions(tree, blanked.tokens, tooDeep, depths, close ? verdictsFrom(close.base.unit.depths, close.span) : undefined);
    unit = { parsedText: blanked.text, tree, functions, parseErrors: bodyErrors(functions), tooDeep, tokens: blanked.tokens, depths };
    unitCache.set(key, unit);
    unitOfTokens.set(blanked.tokens, unit);
    recentUnits.add({ text: blanked.text, unit });
  }
  return unit;
}

function computeView(image: SourceImage, config: ConfigRow): ConfigView {
  const pre = preprocess(image.text, config.symbols, directivesOf(image));
  const unit = parsedUnit(pre.text);
  return {
    image,
    config,
    active: pre.active,
    tree: unit.tree,
    parsedText: unit.parsedText,
    functions: unit.functions,
    macros: pre.macros,
    unknownSymbols: pre.unknownSymbols,
    parseErrors: unit.parseErrors,
    tooDeep: unit.tooDeep,
    preprocessorProblems: pre.problems,
    annotationTokens: unit.tokens,
  };
}

/** The view of an image under one configuration (synchronous; `await initParser()` first).
 *  Cached by (image.hash, configuration). Never throws on bad C. */
export function buildView(image: SourceImage, config: ConfigRow): ConfigView {
  const key = `${image.hash}\u0000${configKey(config)}`;
  let view = viewCache.get(key);
  if (!view) {
    view = computeView(image, config);
    viewCache.set(key, view);
  }
  return view;
}

/** One view per configuration row, in the rows' order. */
export function buildViews(image: SourceImage, configs: readonly ConfigRow[] = CONFIGS): ConfigView[] {
  return configs.map((c) => buildView(image, c));
}

/** The function whose definition spans a 0-based line, if any. */
export function functionAt(view: ConfigView, line0: number): FunctionInfo | undefined {
  for (const f of view.functions.values()) if (f.startLine <= line0 && line0 <= f.endLine) return f;
  return undefined;
}

/** A SourceImage for a text (hash = SHA-1 of the text), for callers that have only text. */
export function sourceImage(path: string, text: string): SourceImage {
  return { path, text, hash: textHash(text) };
}

const codeKeys = new WeakMap<ConfigView, string>();

/** The 0-based line of an offset, in a text whose line starts are `starts`. */
function lineOf(starts: readonly number[], offset: number): number {
  return Math.max(0, firstAtLeast(starts, offset + 1) - 1);
}

/** The offsets at which the lines of a text start. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Blanked tokens as the code keys take them: what each is, and where by `at` (a line, or a rank of one). */
function tokensKey(tokens: readonly BlankedToken[], starts: readonly number[], at: (line: number) => string | number): string {
  return tokens.map((t) => `${t.kind} ${t.name} ${t.text} @${at(lineOf(starts, t.start))}-${at(lineOf(starts, t.end))}`).join('\u0001');
}

/**
 * What the model and the rules can see of a view, as one key: the parsed code with comments removed
 * and runs of blanks collapsed (line breaks kept), the #if outcome per line, the macros,
 * the blanked annotations by line, the problems found, the configuration and the file's path. Two
 * views with one key give the same findings (rules report lines, never columns), so an edit inside a
 * comment, or of blanks between tokens, re-runs no rule (review/analyze.ts). Whatever a finding quotes
 * of a line as written is re-read from its own image there. The code's shape: source/mask.ts codeShape.
 */
export function viewCodeKey(view: ConfigView): string {
  return kept(codeKeys, view, () => {
    const macros = [...view.macros.values()].map((m) => JSON.stringify(m));
    const facts = JSON.stringify([view.unknownSymbols, view.parseErrors, view.tooDeep, view.preprocessorProblems]);
    const active = view.active.map((a) => (a ? '1' : '0')).join('');
    return textHash([view.image.path, configKey(view.config), active, facts, macros.join('\u0001'), unitCodeKey(view)].join('\u0000'));
  });
}

/**
 * The part of viewCodeKey that depends only on the parsed unit (its text and blanked tokens), kept
 * on the unit. A close unit keyed before with the same tokens, whose differing lines shape alike,
 * has the same key (in the editor, typing in a comment): found without shaping and hashing the
 * whole text again.
 */
function unitCodeKey(view: ConfigView): string {
  const unit = unitOfTokens.get(view.annotationTokens);
  if (unit?.code) return unit.code.key;
  const tokens = tokensKey(view.annotationTokens, lineStarts(view.parsedText), (line) => line);
  const noComments = lexMask(view.parsedText).noComments;
  const close = recentUnits.closest(view.parsedText, (e) => e.unit.code !== undefined)?.base.unit.code;
  const key = close && close.tokens === tokens && sameShapeByLines(close.noComments, noComments)
    ? close.key
    : textHash(`${tokens}\u0000${codeShape(view.parsedText)}`);
  if (unit) unit.code = { noComments, tokens, key };
  return key;
}

/**
 * A view's code key without its line numbers, and the lines it was taken at. A view's code lines
 * are those holding code in the image or in the parsed text (not blank once comments are removed:
 * preprocessor lines and code under a false #if count); every line position the key holds is a rank
 * among them (`k`: the k-th code line; `k-`: between code lines k-1 and k); the code lines are
 * compared as written, comments removed. Two views with one key differ only in comments and in
 * lines without code (blank, or comment only), so their findings are the same with the
 * k-th code line of one read as the k-th of the other (review/relocate.ts): in a series, a comment
 * added above a function moves every later finding one line down and changes nothing else.
 */
export interface MovableCodeKey {
  key: string;
  /** The view's code lines (0-based, ascending). */
  codeLines: readonly number[];
}

const movableKeys = new WeakMap<ConfigView, MovableCodeKey>();

/** A line that holds code, once comments are removed. */
const HAS_CODE = /[^ \t\r\v\f]/;

/** The code lines of an image (kept per image: its three views share them). */
const imageCodeLines = new WeakMap<SourceImage, Uint8Array>();

function imageCodeLineFlags(image: SourceImage): Uint8Array {
  return kept(imageCodeLines, image, () => Uint8Array.from(splitLines(imageMask(image).noComments), (line) => (HAS_CODE.test(line) ? 1 : 0)));
}

/** The rank of a line among ascending code lines: "k" when it is the k-th, "k-" when it lies before the k-th. */
function rankOf(codeLines: readonly number[], line: number): string {
  const lo = firstAtLeast(codeLines, line);
  return codeLines[lo] === line ? String(lo) : `${lo}-`;
}

/** What the movable key takes from an image and the unit parsed from it (the same for the views
 *  of configurations that preprocess alike). */
interface MovableUnit { codeLines: number[]; key: string }
const movableUnits = new WeakMap<SourceImage, WeakMap<readonly BlankedToken[], MovableUnit>>();

/** The code lines of a view (the image's and the parsed text's), and a hash of the parsed text's
 *  comment-free lines at them and of its blanked tokens at their ranks. */
function movableUnit(view: ConfigView): MovableUnit {
  const perImage = kept(movableUnits, view.image, () => new WeakMap<readonly BlankedToken[], MovableUnit>());
  return kept(perImage, view.annotationTokens, () => newMovableUnit(view));
}

function newMovableUnit(view: ConfigView): MovableUnit {
  const inImage = imageCodeLineFlags(view.image);
  const codeLines: number[] = [];
  const code: string[] = [];
  splitLines(lexMask(view.parsedText).noComments).forEach((text, line) => {
    if (inImage[line] === 1 || HAS_CODE.test(text)) {
      codeLines.push(line);
      code.push(text);
    }
  });
  const tokens = tokensKey(view.annotationTokens, lineStarts(view.parsedText), (line) => rankOf(codeLines, line));
  return { codeLines, key: textHash(`${tokens}\u0000${code.join('\n')}`) };
}

export function viewMovableKey(view: ConfigView): MovableCodeKey {
  return kept(movableKeys, view, () => {
    const { codeLines, key: unitKey } = movableUnit(view);
    const rank = (line: number): string => rankOf(codeLines, line);
    const active = codeLines.map((l) => (view.active[l] === false ? '0' : '1')).join('');
    const macros = [...view.macros.values()].map((m) => JSON.stringify({ ...m, line: rank(m.line), endLine: rank(m.endLine), undefLine: m.undefLine === null ? null : rank(m.undefLine) }));
    const facts = JSON.stringify([view.unknownSymbols, view.parseErrors.map(rank), view.tooDeep.map(rank), view.preprocessorProblems.map((p) => [rank(p.line), p.message])]);
    return { key: textHash([view.image.path, configKey(view.config), facts, macros.join('\u0001'), active, unitKey].join('\u0000')), codeLines };
  });
}
