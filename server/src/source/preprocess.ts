/**
 * The C preprocessor, as far as a review needs it: conditional inclusion (C11 6.10.1) evaluated
 * for one configuration row, `#define`/`#undef` tracked, and the text to parse produced with
 * inactive lines and directive lines blanked (same length, same line breaks).
 *
 * Kconfig semantics (include/generated/autoconf.h, include/linux/kconfig.h): a `=y` symbol is
 * `#define CONFIG_X 1`; `=m` defines `CONFIG_X_MODULE 1` instead; `=n` defines nothing; numeric
 * and string symbols are defined to their value. `IS_ENABLED(X)` is 1 for y or m,
 * `IS_BUILTIN(X)` for y, `IS_MODULE(X)` for m.
 */
import { evalIf, parseIf, type IfExpr, type IfResolver } from './ifexpr';
import { blank, isSpliced, lexMask, lineCount, splitLines, type LexMask } from './mask';
import type { MacroDef, PreprocessorProblem } from './types';

export type SymbolValue = boolean | number | string;
export type SymbolTable = Readonly<Record<string, SymbolValue>>;

/** A directive: one logical line, possibly several physical lines. */
export interface Directive {
  /** 0-based first and last physical line. */
  line: number;
  endLine: number;
  /** `if`, `ifdef`, `define`, ... ('' for the null directive `#`). */
  name: string;
  /** Text after the name: comments removed, continuations joined. */
  rest: string;
}

export interface PreprocessResult {
  /** Per 0-based line (see ConfigView.active). */
  active: boolean[];
  /** Per 0-based line: part of a directive. */
  directive: boolean[];
  macros: Map<string, MacroDef>;
  unknownSymbols: string[];
  problems: PreprocessorProblem[];
  /** The image with inactive lines and directive lines blanked. */
  text: string;
}

const CONDITIONALS = new Set(['if', 'ifdef', 'ifndef', 'elif', 'elifdef', 'elifndef', 'else', 'endif']);
const OTHER_DIRECTIVES = new Set(['define', 'undef', 'include', 'include_next', 'error', 'warning', 'pragma', 'line', 'ident', '']);

/** Does a physical line (from the comment-free mask) end with a line splice? */
function continues(maskLine: string): boolean {
  return isSpliced(maskLine + '\n', maskLine.length);
}

/** Find every directive. A directive continues over `\` line ends and over a block comment
 *  that starts on it (comments are removed before directives are read: C11 5.1.1.2). */
export function scanDirectives(text: string, mask: LexMask = lexMask(text)): Directive[] {
  const lines = splitLines(mask.noComments);
  const out: Directive[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*#/.test(lines[i])) continue;
    let end = i;
    while (end + 1 < lines.length && (continues(lines[end]) || mask.endsInComment[end])) end++;
    const joined = lines
      .slice(i, end + 1)
      .map((l) => (continues(l) ? l.replace(/\\\r?$/, '') : l))
      .join(' ');
    const m = /^\s*#\s*([A-Za-z_]\w*)?([\s\S]*)$/.exec(joined);
    out.push({ line: i, endLine: end, name: m?.[1] ?? '', rest: m?.[2] ?? '' });
    i = end;
  }
  return out;
}

/** Parse the text after `#define`. */
export function parseDefine(rest: string, line: number, endLine: number): MacroDef | null {
  const m = /^\s*([A-Za-z_]\w*)/.exec(rest);
  if (!m) return null;
  let after = rest.slice(m[0].length);
  let params: string[] | null = null;
  // Function-like only when `(` follows the name with no white space (C11 6.10.3p3).
  if (after.startsWith('(')) {
    const close = after.indexOf(')');
    if (close < 0) return null;
    const inside = after.slice(1, close).trim();
    params = inside === '' ? [] : inside.split(',').map((p) => p.trim());
    after = after.slice(close + 1);
  }
  return { name: m[1], params, body: after.replace(/\s+/g, ' ').trim(), line, endLine, undefLine: null };
}

function firstIdentifier(rest: string): string | null {
  const m = /^\s*([A-Za-z_]\w*)/.exec(rest);
  return m ? m[1] : null;
}

type Tristate = 'y' | 'm' | 'n';

/** What the preprocessor knows while it walks the file under one configuration. */
class PreprocState {
  readonly defined = new Map<string, MacroDef>();
  readonly macros = new Map<string, MacroDef>();
  readonly unknown: string[] = [];
  readonly problems: PreprocessorProblem[] = [];
  private readonly unknownSet = new Set<string>();

  constructor(private readonly symbols: SymbolTable) {}

  noteUnknown(name: string): void {
    if (this.unknownSet.has(name)) return;
    this.unknownSet.add(name);
    this.unknown.push(name);
  }

  problem(line: number, message: string): void {
    this.problems.push({ line, message });
  }

  private has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.symbols, name);
  }

  /** The row's value for a Kconfig macro name, `undefined` when the row does not say. */
  private configMacro(name: string): SymbolValue | undefined {
    if (this.has(name)) {
      const v = this.symbols[name];
      return v === 'm' ? false : v; // =m defines CONFIG_X_MODULE, not CONFIG_X
    }
    const mod = /^(CONFIG_\w+)_MODULE$/.exec(name);
    if (mod && this.has(mod[1])) return this.symbols[mod[1]] === 'm';
    return undefined;
  }

  isDefined(name: string): boolean {
    if (this.defined.has(name)) return true;
    const v = this.configMacro(name);
    if (v === undefined) {
      this.noteUnknown(name);
      return false;
    }
    return v !== false;
  }

  valueOf(name: string, line: number, expanding: ReadonlySet<string>): bigint {
    const def = this.defined.get(name);
    if (def) return def.params === null ? this.expandObject(def, line, expanding) : 0n;
    const v = this.configMacro(name);
    if (v === undefined) {
      this.noteUnknown(name);
      return 0n;
    }
    if (typeof v === 'boolean') return v ? 1n : 0n;
    if (typeof v === 'number') return BigInt(Math.trunc(v));
    this.problem(line, `${name} is a string symbol ("${v}"); taken as 0 in #if`);
    return 0n;
  }

  private expandObject(def: MacroDef, line: number, expanding: ReadonlySet<string>): bigint {
    if (expanding.has(def.name)) return 0n; // self-reference is not re-expanded (C11 6.10.3.4p2)
    const parsed = parseIf(def.body);
    if (!parsed.ok) {
      this.problem(line, `macro ${def.name} (line ${def.line + 1}) does not expand to an integer expression: ${parsed.error}`);
      return 0n;
    }
    const inner = new Set(expanding);
    inner.add(def.name);
    return evalIf(parsed.expr, this.resolver(line, inner));
  }

  private tristate(name: string): Tristate {
    const def = this.defined.get(name);
    if (def) return def.body === '1' ? 'y' : 'n';
    if (!this.has(name)) {
      this.noteUnknown(name);
      return 'n';
    }
    const v = this.symbols[name];
    if (v === 'm') return 'm';
    return v === true || v === 1 ? 'y' : 'n';
  }

  call(name: string, args: IfExpr[], line: number): bigint {
    const kconfig: Readonly<Record<string, readonly Tristate[]>> = {
      IS_ENABLED: ['y', 'm'],
      IS_REACHABLE: ['y', 'm'],
      IS_BUILTIN: ['y'],
      IS_MODULE: ['m'],
    };
    const accepted = kconfig[name];
    if (accepted) {
      const arg = args[0];
      if (args.length !== 1 || arg.kind !== 'ident') {
        this.problem(line, `${name}() needs one symbol name`);
        return 0n;
      }
      return accepted.includes(this.tristate(arg.name)) ? 1n : 0n;
    }
    if (this.defined.has(name)) {
      this.problem(line, `function-like macro ${name}() is not expanded in #if; taken as 0`);
      return 0n;
    }
    this.noteUnknown(name);
    return 0n;
  }

  resolver(line: number, expanding: ReadonlySet<string> = new Set()): IfResolver {
    return {
      isDefined: (name) => this.isDefined(name),
      valueOf: (name) => this.valueOf(name, line, expanding),
      call: (name, args) => this.call(name, args, line),
      problem: (message) => this.problem(line, message),
    };
  }

  evaluate(src: string, line: number): boolean {
    const parsed = parseIf(src);
    if (!parsed.ok) {
      this.problem(line, `cannot read #if expression '${src.trim()}': ${parsed.error}; taken as false`);
      return false;
    }
    try {
      return evalIf(parsed.expr, this.resolver(line)) !== 0n;
    } catch (e) {
      this.problem(line, `cannot evaluate #if expression: ${e instanceof Error ? e.message : String(e)}; taken as false`);
      return false;
    }
  }

  define(d: Directive): void {
    const def = parseDefine(d.rest, d.line, d.endLine);
    if (!def) {
      this.problem(d.line, '#define without a macro name');
      return;
    }
    this.defined.set(def.name, def);
    this.macros.set(def.name, def);
  }

  undef(d: Directive): void {
    const name = firstIdentifier(d.rest);
    if (!name) {
      this.problem(d.line, '#undef without a macro name');
      return;
    }
    const def = this.defined.get(name);
    if (def) def.undefLine = d.line;
    this.defined.delete(name);
  }
}

interface Frame {
  /** Was the group around this #if active? */
  parentActive: boolean;
  /** Has a branch of this #if been taken (or must none be: the parent is inactive)? */
  taken: boolean;
  active: boolean;
  sawElse: boolean;
  line: number;
}

/** Handle one conditional directive; returns whether the directive's own line is active. */
function conditional(d: Directive, stack: Frame[], st: PreprocState): boolean {
  const top = stack.length > 0 ? stack[stack.length - 1] : undefined;
  const current = top ? top.active : true;
  const test = (): boolean => {
    if (d.name === 'if' || d.name === 'elif') return st.evaluate(d.rest, d.line);
    const name = firstIdentifier(d.rest);
    if (!name) {
      st.problem(d.line, `#${d.name} without a macro name; taken as false`);
      return false;
    }
    const defined = st.isDefined(name);
    return d.name === 'ifdef' || d.name === 'elifdef' ? defined : !defined;
  };
  switch (d.name) {
    case 'if':
    case 'ifdef':
    case 'ifndef': {
      const v = current ? test() : false;
      stack.push({ parentActive: current, taken: v || !current, active: current && v, sawElse: false, line: d.line });
      return current;
    }
    case 'elif':
    case 'elifdef':
    case 'elifndef': {
      if (!top) {
        st.problem(d.line, `#${d.name} without #if; ignored`);
        return current;
      }
      if (top.sawElse) st.problem(d.line, `#${d.name} after #else (opened at line ${top.line + 1})`);
      if (top.taken || top.sawElse) top.active = false;
      else {
        top.active = test();
        top.taken = top.active;
      }
      return top.parentActive;
    }
    case 'else': {
      if (!top) {
        st.problem(d.line, '#else without #if; ignored');
        return current;
      }
      if (top.sawElse) st.problem(d.line, `second #else for #if at line ${top.line + 1}`);
      top.active = !top.taken && !top.sawElse;
      top.taken = true;
      top.sawElse = true;
      return top.parentActive;
    }
    default: {
      // endif
      if (!top) {
        st.problem(d.line, '#endif without #if; ignored');
        return current;
      }
      stack.pop();
      return top.parentActive;
    }
  }
}

/** Handle a non-conditional directive in an active group. */
function otherDirective(d: Directive, st: PreprocState): void {
  if (d.name === 'define') st.define(d);
  else if (d.name === 'undef') st.undef(d);
  else if (d.name === 'error') st.problem(d.line, `#error ${d.rest.trim()}`);
  else if (!OTHER_DIRECTIVES.has(d.name)) st.problem(d.line, `unknown directive #${d.name}`);
}

/**
 * `text` with the lines `kept` rejects blanked (line breaks kept): `text.split('\n')` mapped and
 * joined, built from runs of lines with one verdict instead (per configuration and edit in the
 * editor, a kcov.c split into ~1 200 strings was ~0.1 MB of garbage for a handful of blanked runs).
 */
export function blankLinesExcept(text: string, lines: number, kept: (line: number) => boolean): string {
  const parts: string[] = [];
  let from = 0;
  for (let line = 0; line < lines; ) {
    const keep = kept(line);
    let to = from;
    for (; line < lines && kept(line) === keep; line++) {
      const nl = text.indexOf('\n', to);
      to = nl < 0 ? text.length : nl + 1;
    }
    const run = text.slice(from, to);
    parts.push(keep ? run : blank(run));
    from = to;
  }
  return parts.join('');
}

/** Resolve the file for one configuration's symbols. Never throws. */
export function preprocess(text: string, symbols: SymbolTable, directives: Directive[] = scanDirectives(text)): PreprocessResult {
  const count = lineCount(text);
  const active: boolean[] = new Array<boolean>(count).fill(false);
  const directive: boolean[] = new Array<boolean>(count).fill(false);
  const st = new PreprocState(symbols);
  const stack: Frame[] = [];
  const isActive = (): boolean => (stack.length > 0 ? stack[stack.length - 1].active : true);
  let next = 0;
  for (const d of directives) {
    for (; next < d.line; next++) active[next] = isActive();
    let lineActive: boolean;
    if (CONDITIONALS.has(d.name)) lineActive = conditional(d, stack, st);
    else {
      lineActive = isActive();
      if (lineActive) otherDirective(d, st);
    }
    for (let l = d.line; l <= d.endLine; l++) {
      active[l] = lineActive;
      directive[l] = true;
    }
    next = d.endLine + 1;
  }
  for (; next < count; next++) active[next] = isActive();
  for (const f of stack) st.problem(f.line, '#if without #endif (unterminated at end of file)');
  const out = blankLinesExcept(text, count, (i) => active[i] && !directive[i]);
  return { active, directive, macros: st.macros, unknownSymbols: st.unknown, problems: st.problems, text: out };
}
