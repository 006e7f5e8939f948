import type { Node, Tree } from 'web-tree-sitter';
import type { ConfigRow } from '../model/configs';
import type { SourceImage } from '../patch/types';
import type { BlankedToken } from './annotations';

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
   *  `__must_hold(&x)`, `__acquires(x)`, `__releases(x)`, `notrace`, `__always_inline`...
   *  As written, with runs of white space collapsed to one space, in source order. */
  annotations: string[];
}

/** A function-like or object-like #define active in a view. */
export interface MacroDef {
  name: string;
  /** null for an object-like macro. Variadic: `...` or `args...` as written. */
  params: string[] | null;
  /** Replacement text: continuations joined, comments removed, white space runs collapsed, trimmed. */
  body: string;
  /** 0-based line of the `#define`. */
  line: number;
  /** 0-based last physical line of the directive (continuation lines `\`). */
  endLine: number;
  /** 0-based line of an active `#undef` after the definition, or null. */
  undefLine: number | null;
}

/** Something wrong with the preprocessor structure of the file (it never throws). */
export interface PreprocessorProblem {
  /** 0-based line. */
  line: number;
  message: string;
}

/** One configuration's view of a source image: #if resolved, parsed, functions indexed. */
export interface ConfigView {
  image: SourceImage;
  config: ConfigRow;
  /** Per 0-based line: is it compiled under this configuration? A conditional directive line
   *  (`#if`, `#else`, `#endif`...) counts as active when the group enclosing it is. */
  active: boolean[];
  /** Parse of `parsedText`: the image with inactive lines, preprocessor lines and kernel
   *  annotations blanked (same length, same line breaks: positions are the image's). */
  tree: Tree;
  /** The text that was parsed (see `tree`). */
  parsedText: string;
  functions: Map<string, FunctionInfo>;
  /** Every `#define` processed in an active region (last definition of a name wins). */
  macros: Map<string, MacroDef>;
  /** Symbols the file tests in #if/#ifdef that neither the configuration table nor the file
   *  defines (CONFIG_ symbols missing from the row, and others such as `__KERNEL__`), in order
   *  of first evaluation. They were taken as undefined (0): reported, not guessed. */
  unknownSymbols: string[];
  /** Lines of ERROR nodes inside function bodies (C the parser could not read there).
   *  Kernel iterator macros (`list_for_each(...) {`) are not errors: they parse as an
   *  expression_statement whose `;` is MISSING, followed by a compound_statement. */
  parseErrors: number[];
  /** First lines of function definitions nested deeper than the model walks (views.ts
   *  MAX_SYNTAX_DEPTH): not in `functions`, so not analysed. */
  tooDeep: number[];
  /** Unbalanced #if/#endif, #else after #else, unreadable #if expressions, active #error... */
  preprocessorProblems: PreprocessorProblem[];
  /** The kernel annotations blanked before parsing, with their offsets: `__guarded_by(&lock)` on struct
   *  members, `context_unsafe(...)` regions, function attributes... (source/annotations.ts). */
  annotationTokens: readonly BlankedToken[];
}
