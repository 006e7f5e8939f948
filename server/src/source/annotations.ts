/**
 * Kernel annotation macros that tree-sitter-c cannot read (they expand to attributes or to
 * nothing: include/linux/compiler_types.h, compiler_attributes.h, init.h, and the context
 * analysis macros of compiler-context-analysis.h). Left in place they split or swallow function
 * definitions (`void notrace f(void)` parses as a declaration plus a K&R-style definition), so
 * they are blanked before parsing, keeping every position, and recorded so that the functions
 * they belong to keep them as `FunctionInfo.annotations`.
 */
import { blank, lexMask } from './mask';

export type BlankedKind =
  /** An attribute of a function or variable declaration: recorded on the function. */
  | 'annotation'
  /** A sparse address-space or placement qualifier (`__user`, `__rcu`...): not recorded. */
  | 'qualifier'
  /** `struct`/`union`/`enum` dropped from a type passed as a macro argument
   *  (`list_entry(pos, struct kcov_remote_area, list)`), so that the call parses. */
  | 'type-keyword'
  /** `context_unsafe(...)` (include/linux/compiler-context-analysis.h): code the Clang context analysis
   *  does not check. Only the name and its parentheses are blanked, so the enclosed expression or
   *  statements parse in place; `start`/`end` span the whole region. */
  | 'unsafe-region';

export interface BlankedToken {
  kind: BlankedKind;
  /** The macro name (or keyword). */
  name: string;
  /** Its text as written, white space runs collapsed: `__must_hold(&kcov_percpu_data.lock)`. */
  text: string;
  /** Offsets (JS string indexes, as tree-sitter's `startIndex`) of the blanked span. */
  start: number;
  end: number;
}

export interface BlankResult {
  text: string;
  tokens: BlankedToken[];
}

/** Annotations written without arguments. */
export const BARE_ANNOTATIONS: ReadonlySet<string> = new Set([
  'notrace', 'noinstr', 'noinline', 'noinline_for_stack', 'nokprobe_inline', '__always_inline',
  '__init', '__exit', '__meminit', '__ref', '__init_or_module', '__irq_entry', '__softirq_entry',
  '__must_check', '__maybe_unused', '__always_unused', '__used', '__cold', '__hot', '__weak',
  '__visible', '__noreturn', '__pure', '__attribute_const__', '__flatten', '__malloc', '__sched',
  '__kprobes', '__latent_entropy', '__no_sanitize_address', '__no_kcsan', '__no_sanitize_thread',
  '__no_sanitize_memory', '__no_sanitize_coverage', '__nocfi', '__naked', '__noclone', 'asmlinkage',
  '__no_context_analysis', '__acquires_ret', '__acquires_shared_ret', '__fastpath_inline',
]);

/** Annotations with a parenthesized argument list. */
export const ARG_ANNOTATIONS: ReadonlySet<string> = new Set([
  '__must_hold', '__must_not_hold', '__acquires', '__releases', '__cond_acquires',
  '__must_hold_shared', '__acquires_shared', '__releases_shared', '__cond_acquires_shared',
  '__guarded_by', '__pt_guarded_by', '__context_unsafe',
  '__acquires_ctx_lock', '__acquires_shared_ctx_lock', '__releases_ctx_lock', '__releases_shared_ctx_lock',
  '__try_acquires_ctx_lock', '__try_acquires_shared_ctx_lock', '__returns_ctx_lock',
  '__requires_ctx_lock', '__requires_shared_ctx_lock', '__excludes_ctx_lock',
  '__printf', '__scanf', '__section', '__aligned', '__alloc_size', '__assume_aligned', '__counted_by',
  '__nonstring_array', '__diagnose_as',
]);

/** Type qualifiers and placement attributes (sparse, include/linux/compiler_types.h, cache.h). */
export const QUALIFIERS: ReadonlySet<string> = new Set([
  '__user', '__kernel', '__iomem', '__percpu', '__rcu', '__force', '__bitwise', '__nocast', '__safe',
  '__private', '__data_racy', '__read_mostly', '__ro_after_init', '__initdata', '__initconst',
  '__exitdata', '__cacheline_aligned', '__cacheline_aligned_in_smp', '____cacheline_aligned',
  '____cacheline_aligned_in_smp', '__packed', '__randomize_layout', '__nonstring',
]);

const TYPE_KEYWORDS: ReadonlySet<string> = new Set(['struct', 'union', 'enum']);

/** Macros whose argument is code exempt from context analysis: `context_unsafe(expr)` or `context_unsafe(stmt; ...)`. */
export const UNSAFE_REGION_MACROS: ReadonlySet<string> = new Set(['context_unsafe']);

/**
 * Where blankAnnotations looks: an identifier token (as `[A-Za-z_]\w*` scanned left to right finds
 * them: not inside a longer token) that is one of the names above. Matching only these names, not
 * every identifier, keeps the scan of a file from making an object per identifier (~0.5 MB per edit
 * of seed 000 in the editor) and makes it ~3x faster (kcov.c: 0.22 -> 0.08 ms). Longest names first:
 * `__acquires_shared` is tried before `__acquires`, which the `(?!\w)` would reject there.
 */
const ANNOTATION_NAMES = new RegExp(
  `(?<![A-Za-z_]\\w*)(?:${[...BARE_ANNOTATIONS, ...QUALIFIERS, ...ARG_ANNOTATIONS, ...UNSAFE_REGION_MACROS, ...TYPE_KEYWORDS].sort((a, b) => b.length - a.length).join('|')})(?!\\w)`,
  'g',
);

interface Span { start: number; end: number }

/** The text with the spans blanked (line breaks kept); spans in order, not overlapping. */
function blankSpans(text: string, tokens: readonly Span[]): string {
  const parts: string[] = [];
  let from = 0;
  for (const t of tokens) {
    parts.push(text.slice(from, t.start), blank(text.slice(t.start, t.end)));
    from = t.end;
  }
  parts.push(text.slice(from));
  return parts.join('');
}

/** Index of the `)` matching the `(` at `open` in the code mask, or -1. */
function matchParen(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
    else if ((c === ';' || c === '{' || c === '}') && depth > 0) return -1; // annotation args never hold these
  }
  return -1;
}

/** Index of the `)` matching the `(` at `open`, across statements (a region may hold several), or -1. */
function matchRegion(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '(') depth++;
    else if (code[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

function skipSpace(code: string, i: number): number {
  while (i < code.length && /\s/.test(code[i])) i++;
  return i;
}

function prevNonSpace(code: string, i: number): string {
  let j = i - 1;
  while (j >= 0 && /\s/.test(code[j])) j--;
  return j >= 0 ? code[j] : '';
}

/** `struct X` as a macro argument: after `(` and before `,`, or after `,` and before `,`/`)`.
 *  Real C never has a bare struct type there except an unnamed prototype parameter, which
 *  parses the same without the keyword. Casts (`(struct x *)`) and `sizeof(struct x)` are left. */
function isTypeArgument(code: string, start: number, end: number): boolean {
  const before = prevNonSpace(code, start);
  if (before !== '(' && before !== ',') return false;
  const idStart = skipSpace(code, end);
  if (idStart === end) return false;
  const id = /^[A-Za-z_]\w*/.exec(code.slice(idStart, idStart + 256));
  if (!id) return false;
  const after = code[skipSpace(code, idStart + id[0].length)];
  return after === ',' || (after === ')' && before === ',');
}

/** Blank kernel annotations in (already preprocessed) C text. Positions are unchanged. */
export function blankAnnotations(text: string): BlankResult {
  const code = lexMask(text).code;
  const tokens: BlankedToken[] = [];
  const spans: Span[] = [];
  const ident = new RegExp(ANNOTATION_NAMES);
  const record = (kind: BlankedKind, name: string, start: number, end: number): void => {
    tokens.push({ kind, name, text: text.slice(start, end).replace(/\s+/g, ' '), start, end });
    spans.push({ start, end });
  };
  for (let m = ident.exec(code); m !== null; m = ident.exec(code)) {
    const name = m[0];
    const start = m.index;
    const end = start + name.length;
    if (BARE_ANNOTATIONS.has(name)) record('annotation', name, start, end);
    else if (QUALIFIERS.has(name)) record('qualifier', name, start, end);
    else if (ARG_ANNOTATIONS.has(name)) {
      const open = skipSpace(code, end);
      const close = code[open] === '(' ? matchParen(code, open) : -1;
      if (close < 0) continue;
      record('annotation', name, start, close + 1);
      ident.lastIndex = close + 1;
    } else if (UNSAFE_REGION_MACROS.has(name)) {
      const open = skipSpace(code, end);
      const close = code[open] === '(' ? matchRegion(code, open) : -1;
      if (close < 0) continue;
      tokens.push({ kind: 'unsafe-region', name, text: text.slice(start, close + 1).replace(/\s+/g, ' '), start, end: close + 1 });
      spans.push({ start, end: open + 1 }, { start: close, end: close + 1 });
      ident.lastIndex = open + 1;
    } else if (TYPE_KEYWORDS.has(name) && isTypeArgument(code, start, end)) record('type-keyword', name, start, end);
  }
  return { text: blankSpans(text, spans.sort((a, b) => a.start - b.start)), tokens };
}
