/**
 * tree-sitter-c on web-tree-sitter: loaded once per process, then parses synchronously.
 * Trees are cached by a hash of the exact text parsed (so configurations whose preprocessed
 * text is identical share one tree) in a small LRU. Trees are not deleted on eviction: a view
 * may still hold one, and web-tree-sitter frees unreachable trees through a FinalizationRegistry.
 */
import { textHash } from '../hash';
import { Lru } from '../memo';
import { RecentTexts, type ChangedSpan } from './textSpan';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Edit, Language, Parser, type Node, type Point, type Tree } from 'web-tree-sitter';

export interface InitOptions {
  /** A folder holding both `web-tree-sitter.wasm` and `tree-sitter-c.wasm` (the esbuild bundle
   *  copies them next to itself). Defaults to env KCOV_REVIEW_WASM_DIR, then a search. */
  wasmDir?: string;
}

interface WasmPaths {
  runtime: string;
  language: string;
}

const RUNTIME_WASM = 'web-tree-sitter.wasm';
const LANGUAGE_WASM = 'tree-sitter-c.wasm';

let initPromise: Promise<void> | null = null;
let parser: Parser | null = null;

function pathsIn(dir: string): WasmPaths {
  return { runtime: path.join(dir, RUNTIME_WASM), language: path.join(dir, LANGUAGE_WASM) };
}

function nodeModulesPaths(dir: string): WasmPaths {
  return {
    runtime: path.join(dir, 'node_modules', 'web-tree-sitter', RUNTIME_WASM),
    language: path.join(dir, 'node_modules', 'tree-sitter-c', LANGUAGE_WASM),
  };
}

const exists = (p: WasmPaths): boolean => fs.existsSync(p.runtime) && fs.existsSync(p.language);

/** Folders to search from: this module's folder (a CJS bundle, or vitest which defines it)
 *  and the working directory. */
function startDirs(): string[] {
  const dirs: string[] = [];
  if (typeof __dirname === 'string') dirs.push(__dirname);
  dirs.push(process.cwd());
  return dirs;
}

/** Where the two .wasm files are. Throws with the places looked at when they are nowhere. */
export function locateWasm(opts: InitOptions = {}): WasmPaths {
  const explicit = opts.wasmDir ?? process.env.KCOV_REVIEW_WASM_DIR;
  if (explicit) {
    const p = pathsIn(explicit);
    if (!exists(p)) throw new Error(`kcov-review: ${RUNTIME_WASM} and ${LANGUAGE_WASM} not both found in ${explicit}`);
    return p;
  }
  const tried: string[] = [];
  for (const start of startDirs()) {
    if (exists(pathsIn(start))) return pathsIn(start);
    tried.push(start);
    for (let dir = start; ; dir = path.dirname(dir)) {
      const p = nodeModulesPaths(dir);
      if (exists(p)) return p;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`kcov-review: cannot find ${RUNTIME_WASM} and ${LANGUAGE_WASM} (looked next to and above: ${tried.join(', ')})`);
}

async function load(opts: InitOptions): Promise<void> {
  const wasm = locateWasm(opts);
  await Parser.init({ locateFile: (name: string) => (name === RUNTIME_WASM ? wasm.runtime : path.join(path.dirname(wasm.runtime), name)) });
  const language = await Language.load(new Uint8Array(fs.readFileSync(wasm.language)));
  const p = new Parser();
  p.setLanguage(language);
  parser = p;
}

/** Load the parser once. Later calls return the same promise (options of later calls are
 *  ignored); a failed load can be retried. */
export function initParser(opts: InitOptions = {}): Promise<void> {
  if (!initPromise) {
    initPromise = load(opts).catch((e: unknown) => {
      initPromise = null;
      throw e;
    });
  }
  return initPromise;
}

export function isParserReady(): boolean {
  return parser !== null;
}

function readyParser(): Parser {
  if (!parser) throw new Error('kcov-review: await initParser() before parsing');
  return parser;
}

const treeCache = new Lru<string, Tree>(8);


/** Row and column (UTF-16 code units, as web-tree-sitter counts them) of a string index. */
function pointAt(text: string, index: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < index; nl = text.indexOf('\n', nl + 1)) {
    row++;
    lineStart = nl + 1;
  }
  return { row, column: index - lineStart };
}

/** The tree-sitter edit of a changed span (rows and columns added). */
function editOf(before: string, after: string, span: ChangedSpan): Edit {
  return new Edit({
    ...span,
    startPosition: pointAt(before, span.startIndex),
    oldEndPosition: pointAt(before, span.oldEndIndex),
    newEndPosition: pointAt(after, span.newEndIndex),
  });
}

interface ErrorSite {
  kind: string;
  start: number;
  end: number;
}

/** Error sites per tree: a result's become its base's when the next text is parsed from it. */
const errorSitesOf = new WeakMap<Tree, readonly ErrorSite[]>();

/** ERROR and MISSING nodes of a tree as `kind@start-end`, in document order. */
function errorSites(tree: Tree): readonly ErrorSite[] {
  const known = errorSitesOf.get(tree);
  if (known) return known;
  const out: ErrorSite[] = [];
  const cursor = tree.walk();
  try {
    for (;;) {
      const n: Node = cursor.currentNode;
      if (n.isError || n.isMissing) out.push({ kind: n.isMissing ? `MISSING ${n.type}` : 'ERROR', start: n.startIndex, end: n.endIndex });
      if (n.hasError && cursor.gotoFirstChild()) continue;
      for (;;) {
        if (cursor.gotoNextSibling()) break;
        if (!cursor.gotoParent()) {
          errorSitesOf.set(tree, out);
          return out;
        }
      }
    }
  } finally {
    cursor.delete();
  }
}

/** The range of the top-level declaration of a tree that holds an index; empty at the index when
 *  it is between two of them. */
function topLevelAt(tree: Tree, index: number): { start: number; end: number } {
  const root = tree.rootNode;
  let n: Node | null = root.descendantForIndex(index);
  if (!n || n.equals(root)) return { start: index, end: index };
  while (n.parent && !n.parent.equals(root)) n = n.parent;
  return { start: n.startIndex, end: n.endIndex };
}

/**
 * Is an incremental parse known to give what a fresh parse gives? tree-sitter reuses unchanged
 * subtrees, which is exact for text that parses, but error recovery may place an ERROR node
 * differently. So the result is kept only when every error site of the base (a trusted tree)
 * reappears unchanged, shifted by the edit, no other appears, and none lies in the edited
 * top-level declaration (of the base or of the result); otherwise the text is parsed afresh.
 */
function sameErrorsShifted(base: Tree, edit: Edit, result: Tree): boolean {
  const shift = edit.newEndIndex - edit.oldEndIndex;
  const before = errorSites(base);
  const after = errorSites(result);
  if (before.length !== after.length) return false;
  const editedBase = topLevelAt(base, edit.startIndex);
  const editedResult = topLevelAt(result, edit.startIndex);
  for (let i = 0; i < before.length; i++) {
    const b = before[i];
    const a = after[i];
    if (b.end > edit.startIndex && b.start < edit.oldEndIndex) return false;
    if (b.end > editedBase.start && b.start < editedBase.end) return false;
    if (a.end > editedResult.start && a.start < editedResult.end) return false;
    const moved = b.start >= edit.oldEndIndex ? shift : 0;
    if (a.kind !== b.kind || a.start !== b.start + moved || a.end !== b.end + moved) return false;
  }
  return true;
}

/** Texts parsed last (fresh, or incrementally with the check above), newest first: the bases of
 *  incremental parses of close texts (the next version of a document, its next post-image).
 *  tree-sitter then reuses the unchanged subtrees: the parse is faster and the new tree shares
 *  their memory (trees otherwise wait for the garbage collector to be freed). */
const recent = new RecentTexts<{ text: string; tree: Tree }>(4);

/** The recent text closest to `text` and the edit from it. */
function closestBase(text: string): { tree: Tree; edit: Edit } | null {
  const close = recent.closest(text);
  return close ? { tree: close.base.tree, edit: editOf(close.base.text, text, close.span) } : null;
}

function incrementalParse(p: Parser, text: string, base: { tree: Tree; edit: Edit }): Tree | null {
  const old = base.tree.copy();
  old.edit(base.edit);
  const tree = p.parse(text, old);
  old.delete();
  if (tree && sameErrorsShifted(base.tree, base.edit, tree)) return tree;
  tree?.delete();
  return null;
}

let parses = 0;
let incrementalParses = 0;

/** Parse C text (synchronous; needs `await initParser()` first). Cached by content; parsed
 *  incrementally from a recent close text when the result is known to equal a fresh parse. */
export function parseC(text: string): Tree {
  const key = textHash(text);
  const cached = treeCache.get(key);
  if (cached) return cached;
  const p = readyParser();
  const base = closestBase(text);
  p.reset();
  let tree = base ? incrementalParse(p, text, base) : null;
  if (tree) incrementalParses++;
  else {
    p.reset();
    tree = p.parse(text);
  }
  if (!tree) throw new Error('kcov-review: tree-sitter returned no tree');
  parses++;
  treeCache.set(key, tree);
  recent.add({ text, tree });
  return tree;
}

/** A parse from scratch, not cached and not incremental: the reference parseC must equal (tests). */
export function parseFresh(text: string): Tree {
  const p = readyParser();
  p.reset();
  const tree = p.parse(text);
  if (!tree) throw new Error('kcov-review: tree-sitter returned no tree');
  return tree;
}

/** How many of the parses were incremental (for tests and benchmarks). */
export function incrementalParseCount(): number {
  return incrementalParses;
}

/** How many real parses ran (cache misses): for tests and benchmarks. */
export function parseCount(): number {
  return parses;
}
