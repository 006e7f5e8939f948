import type { Node, Tree } from 'web-tree-sitter';
import type { ConfigRow } from '../model/configs';
import type { SourceImage } from '../patch/types';

/** A function definition found in one configuration's view of a file. Lines are 0-based. */
export interface FunctionInfo {
  name: string;
  startLine: number;
  endLine: number;
  /** The `function_definition` node (in the view's tree). */
  node: Node;
  /** The function's `compound_statement` body. */
  body: Node;
  /** Annotations written between the declarator and the body or before the name:
   *  `__must_hold(&x)`, `__acquires(x)`, `__releases(x)`, `notrace`, `__always_inline`... */
  annotations: string[];
}

/** A function-like or object-like #define active in a view. */
export interface MacroDef {
  name: string;
  /** null for an object-like macro. */
  params: string[] | null;
  body: string;
  line: number;
}

/** One configuration's view of a source image: #if resolved, parsed, functions indexed. */
export interface ConfigView {
  image: SourceImage;
  config: ConfigRow;
  /** Per 0-based line: is it compiled under this configuration? */
  active: boolean[];
  /** Parse of the image with inactive lines and preprocessor lines blanked (positions preserved). */
  tree: Tree;
  functions: Map<string, FunctionInfo>;
  macros: Map<string, MacroDef>;
  /** CONFIG_ symbols the file tests that the configuration table does not set (reported, not guessed). */
  unknownSymbols: string[];
  /** Lines of ERROR nodes inside function bodies (C the parser could not read there). */
  parseErrors: number[];
}
