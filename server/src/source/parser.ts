/**
 * tree-sitter-c on web-tree-sitter: loaded once per process, then parses synchronously.
 * Trees are cached by a hash of the exact text parsed (so configurations whose preprocessed
 * text is identical share one tree) in a small LRU. Trees are not deleted on eviction: a view
 * may still hold one, and web-tree-sitter frees unreachable trees through a FinalizationRegistry.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Language, Parser, type Tree } from 'web-tree-sitter';

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

/** A bounded map that forgets the least recently used entry. */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}

const treeCache = new Lru<string, Tree>(8);
let parses = 0;

export function textHash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** Parse C text (synchronous; needs `await initParser()` first). Cached by content. */
export function parseC(text: string): Tree {
  const key = textHash(text);
  const cached = treeCache.get(key);
  if (cached) return cached;
  const p = readyParser();
  p.reset();
  const tree = p.parse(text);
  if (!tree) throw new Error('kcov-review: tree-sitter returned no tree');
  parses++;
  treeCache.set(key, tree);
  return tree;
}

/** How many real parses ran (cache misses): for tests and benchmarks. */
export function parseCount(): number {
  return parses;
}
