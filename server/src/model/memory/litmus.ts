/**
 * Parser for the C litmus-test format herd7 reads with the kernel's linux-kernel.cfg
 * (tools/memory-model/litmus-tests/*.litmus): a `C name` line, `(* ... *)` comments, an
 * optional `{ init }` block, processes `P0(int *x, ...) { ... }`, then `locations [...]`,
 * `filter (...)` and the final `exists` / `~exists` / `forall` clause.
 *
 * The parser is syntactic only: any call `f(args)` is accepted here, and the executor decides
 * whether it is a primitive it models (unknown ones yield an `Unsupported` verdict).
 */

/** A syntax error, with the 1-based line of the offending token. */
export class LitmusParseError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'LitmusParseError';
    this.line = line;
  }
}

/** A constant in the init block or the final condition: an integer or the address of a location. */
export type LitValue =
  /** `atomicInit`: written `ATOMIC_INIT(n)` (atomic_t initialisers). */
  | { kind: 'int'; value: number; atomicInit?: boolean }
  /** `y` or `&y`: herd7 reads a location name in an initializer as its address (litmus-tests.txt). */
  | { kind: 'addr'; name: string; ampersand: boolean };

/** A location (`x`) or a process register (`1:r0`) named in init, `locations` or conditions. */
export type StateRef = { kind: 'loc'; name: string } | { kind: 'reg'; thread: number; reg: string };

export interface InitEntry {
  target: StateRef;
  /** Declared type such as `int`, `int *`, `spinlock_t`; absent for `x=1;`. */
  type?: string;
  value?: LitValue;
}

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>'
  | '==' | '!=' | '<' | '>' | '<=' | '>=' | '&&' | '||';

export type Expr =
  | { kind: 'int'; value: number }
  /** A register, a process parameter (a pointer to the shared location of that name) or a constant. */
  | { kind: 'var'; name: string }
  /** `*e`: a plain load when used as a value, a location when passed to READ_ONCE() and friends. */
  | { kind: 'deref'; addr: Expr }
  | { kind: 'addrof'; name: string }
  | { kind: 'unary'; op: '-' | '!' | '~'; arg: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'call'; name: string; args: Expr[] };

export type Stmt =
  | { kind: 'decl'; type: string; name: string; init?: Expr; line: number }
  | { kind: 'assign'; reg: string; value: Expr; line: number }
  /** `*addr = value;`: a plain store. */
  | { kind: 'store'; addr: Expr; value: Expr; line: number }
  | { kind: 'expr'; expr: Expr; line: number }
  | { kind: 'if'; cond: Expr; then: Stmt[]; else?: Stmt[]; line: number }
  | { kind: 'while'; cond: Expr; body: Stmt[]; line: number }
  | { kind: 'block'; body: Stmt[]; line: number };

export interface Param {
  type: string;
  name: string;
}

export interface Process {
  /** N of `PN`. */
  id: number;
  params: Param[];
  body: Stmt[];
  line: number;
}

export type Prop =
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'eq'; target: StateRef; value: LitValue }
  | { kind: 'not'; arg: Prop }
  | { kind: 'and' | 'or'; left: Prop; right: Prop };

export type Quantifier = 'exists' | 'not exists' | 'forall';

export interface Condition {
  quantifier: Quantifier;
  prop: Prop;
}

export interface LitmusTest {
  name: string;
  /** Inner text of the first top-level `(* ... *)` comment (holds the `Result:` line in kernel tests). */
  comment?: string;
  init: InitEntry[];
  processes: Process[];
  locations: StateRef[];
  filter?: Prop;
  condition: Condition;
}

// ---------------------------------------------------------------------------------------------
// Lexer

type TokenKind = 'id' | 'num' | 'punct' | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  line: number;
}

interface Comment {
  text: string;
  line: number;
}

const PUNCTS: readonly string[] = [
  '/\\', '\\/', '==', '!=', '<=', '>=', '&&', '||', '<<', '>>', '->', '++', '--', '+=', '-=',
  '(', ')', '{', '}', '[', ']', ';', ',', '*', '&', '=', '<', '>', '+', '-', '/', '%', '!', '~',
  '|', '^', ':', '?', '.',
];

interface LexResult {
  tokens: Token[];
  /** `(* *)` comments seen outside braces, before the first `{`. */
  leadingComments: Comment[];
}

/**
 * Splits the text after the `C name` line into tokens. `(* ... *)` is a comment only outside
 * braces (in process bodies `(*p)` is C); `//` and `/* *\/` are comments everywhere.
 */
function tokenize(text: string, firstLine: number): LexResult {
  const tokens: Token[] = [];
  const leadingComments: Comment[] = [];
  let line = firstLine;
  let depth = 0;
  let seenBrace = false;
  let i = 0;
  const skipUntil = (end: string, startLine: number): string => {
    const close = text.indexOf(end, i);
    if (close < 0) throw new LitmusParseError(`unterminated comment (missing '${end}')`, startLine);
    const body = text.slice(i, close);
    line += countNewlines(body);
    i = close + end.length;
    return body;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const start = line;
      i += 2;
      skipUntil('*/', start);
    } else if (depth === 0 && text.startsWith('(*', i)) {
      const start = line;
      i += 2;
      const body = skipUntil('*)', start);
      if (!seenBrace) leadingComments.push({ text: body, line: start });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256));
      const word = m ? m[0] : c;
      tokens.push({ kind: 'id', text: word, line });
      i += word.length;
    } else if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*/.exec(text.slice(i, i + 64));
      const lit = m ? m[0] : c;
      tokens.push({ kind: 'num', text: lit.replace(/[uUlL]+$/, ''), line });
      i += lit.length;
    } else {
      const p = PUNCTS.find((s) => text.startsWith(s, i));
      if (!p) throw new LitmusParseError(`unexpected character '${c}'`, line);
      if (p === '{') {
        depth++;
        seenBrace = true;
      } else if (p === '}') {
        depth = Math.max(0, depth - 1);
      }
      tokens.push({ kind: 'punct', text: p, line });
      i += p.length;
    }
  }
  tokens.push({ kind: 'eof', text: '<end of file>', line });
  return { tokens, leadingComments };
}

function countNewlines(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === '\n') n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Parser

/** Words that start a declaration inside a process body. */
const TYPE_WORDS: ReadonlySet<string> = new Set([
  'int', 'unsigned', 'signed', 'long', 'short', 'char', 'bool', '_Bool', 'const', 'volatile',
  'intptr_t', 'uintptr_t', 'size_t', 'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64',
  'atomic_t', 'atomic_long_t', 'spinlock_t',
]);

/** Statements herd7's C fragment does not have (litmus-tests.txt, LIMITATIONS). */
const REJECTED_KEYWORDS: ReadonlySet<string> = new Set(['for', 'do', 'switch', 'goto', 'return', 'case', 'break', 'continue']);

/** Binary operators from loosest to tightest binding. */
const BINARY_LEVELS: readonly (readonly BinaryOp[])[] = [
  ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%'],
];

class Parser {
  private pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }
  next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }
  isPunct(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'punct' && t.text === text;
  }
  isWord(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'id' && t.text === text;
  }
  accept(text: string): boolean {
    if (this.isPunct(text)) {
      this.next();
      return true;
    }
    return false;
  }
  expect(text: string, what?: string): Token {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== text) this.fail(`expected '${text}'${what ? ` ${what}` : ''}, found '${t.text}'`, t);
    return this.next();
  }
  expectId(what: string): Token {
    const t = this.peek();
    if (t.kind !== 'id') this.fail(`expected ${what}, found '${t.text}'`, t);
    return this.next();
  }
  expectInt(what: string): number {
    const t = this.peek();
    if (t.kind !== 'num') this.fail(`expected ${what}, found '${t.text}'`, t);
    return parseIntLiteral(this.next());
  }
  fail(message: string, at: Token = this.peek()): never {
    throw new LitmusParseError(message, at.line);
  }

  // ----- init block

  parseInit(): InitEntry[] {
    this.expect('{', 'to open the init block');
    const entries: InitEntry[] = [];
    while (!this.isPunct('}')) {
      if (this.peek().kind === 'eof') this.fail("unterminated init block (missing '}')");
      if (this.accept(';')) continue;
      entries.push(this.parseInitEntry());
      if (!this.isPunct('}')) this.expect(';', 'after an init entry');
    }
    this.expect('}');
    return entries;
  }

  private parseInitEntry(): InitEntry {
    const typeWords: string[] = [];
    let target: StateRef | undefined;
    while (!target) {
      const t = this.peek();
      if (t.kind === 'num' && this.isPunct(':', 1)) {
        const thread = parseIntLiteral(this.next());
        this.next();
        target = { kind: 'reg', thread, reg: this.expectId('a register name').text };
      } else if (t.kind === 'id' && (this.isPunct('=', 1) || this.isPunct(';', 1) || this.isPunct('}', 1))) {
        target = { kind: 'loc', name: this.next().text };
      } else if (t.kind === 'id' || this.isPunct('*')) {
        typeWords.push(this.next().text);
      } else {
        this.fail(`unexpected '${t.text}' in the init block`);
      }
    }
    const entry: InitEntry = { target };
    if (typeWords.length > 0) entry.type = formatType(typeWords);
    if (this.accept('=')) entry.value = this.parseLitValue();
    return entry;
  }

  parseLitValue(): LitValue {
    if (this.accept('&')) return { kind: 'addr', name: this.expectId('a location name').text, ampersand: true };
    if (this.accept('-')) return { kind: 'int', value: -this.expectInt('a number') };
    const t = this.peek();
    if (t.kind === 'num') return { kind: 'int', value: parseIntLiteral(this.next()) };
    if (t.kind === 'id' && t.text === 'ATOMIC_INIT' && this.isPunct('(', 1)) {
      this.next();
      this.next();
      const inner = this.parseLitValue();
      this.expect(')', 'to close ATOMIC_INIT(');
      if (inner.kind !== 'int') this.fail('ATOMIC_INIT() takes an integer', t);
      return { kind: 'int', value: inner.value, atomicInit: true };
    }
    if (t.kind === 'id') return { kind: 'addr', name: this.next().text, ampersand: false };
    return this.fail(`expected a value, found '${t.text}'`);
  }

  // ----- processes

  parseProcess(): Process {
    const head = this.next();
    const id = Number(head.text.slice(1));
    this.expect('(', `after ${head.text}`);
    const params: Param[] = [];
    while (!this.isPunct(')')) {
      const words: string[] = [];
      while (this.peek().kind === 'id' || this.isPunct('*')) words.push(this.next().text);
      if (words.length === 0 || words[words.length - 1] === '*') this.fail(`expected a parameter declaration in ${head.text}`);
      const name = words.pop() as string;
      params.push({ type: formatType(words), name });
      if (!this.isPunct(')')) this.expect(',', 'between parameters');
    }
    this.expect(')');
    const body = this.parseBlockBody();
    return { id, params, body, line: head.line };
  }

  private parseBlockBody(): Stmt[] {
    this.expect('{');
    const body: Stmt[] = [];
    while (!this.isPunct('}')) {
      if (this.peek().kind === 'eof') this.fail("unterminated block (missing '}')");
      body.push(...this.parseStatement());
    }
    this.expect('}');
    return body;
  }

  /** One source statement; a declaration `int a, b;` yields several. */
  private parseStatement(): Stmt[] {
    const t = this.peek();
    if (this.isPunct('{')) return [{ kind: 'block', body: this.parseBlockBody(), line: t.line }];
    if (this.accept(';')) return [];
    if (t.kind === 'id' && t.text === 'if') return [this.parseIf()];
    if (t.kind === 'id' && t.text === 'while') {
      this.next();
      this.expect('(', "after 'while'");
      const cond = this.parseExpr();
      this.expect(')');
      return [{ kind: 'while', cond, body: this.parseArm(), line: t.line }];
    }
    if (t.kind === 'id' && REJECTED_KEYWORDS.has(t.text)) this.fail(`'${t.text}' is not part of herd7's C litmus fragment`);
    if (t.kind === 'id' && TYPE_WORDS.has(t.text)) return this.parseDeclaration();
    const lhs = this.parseExpr();
    if (this.accept('=')) {
      const value = this.parseExpr();
      this.expect(';', 'after an assignment');
      if (lhs.kind === 'var') return [{ kind: 'assign', reg: lhs.name, value, line: t.line }];
      if (lhs.kind === 'deref') return [{ kind: 'store', addr: lhs.addr, value, line: t.line }];
      this.fail('the left side of an assignment must be a register or *pointer', t);
    }
    this.expect(';', 'after a statement');
    return [{ kind: 'expr', expr: lhs, line: t.line }];
  }

  private parseIf(): Stmt {
    const t = this.next();
    this.expect('(', "after 'if'");
    const cond = this.parseExpr();
    this.expect(')', 'to close the if condition');
    const thenArm = this.parseArm();
    if (this.isWord('else')) {
      this.next();
      return { kind: 'if', cond, then: thenArm, else: this.parseArm(), line: t.line };
    }
    return { kind: 'if', cond, then: thenArm, line: t.line };
  }

  private parseArm(): Stmt[] {
    if (this.isPunct('{')) return this.parseBlockBody();
    return this.parseStatement();
  }

  private parseDeclaration(): Stmt[] {
    const line = this.peek().line;
    const base: string[] = [];
    while (this.peek().kind === 'id' && TYPE_WORDS.has(this.peek().text)) base.push(this.next().text);
    const out: Stmt[] = [];
    for (;;) {
      const stars: string[] = [];
      while (this.isPunct('*')) stars.push(this.next().text);
      const name = this.expectId('a variable name').text;
      const type = formatType([...base, ...stars]);
      if (this.accept('=')) out.push({ kind: 'decl', type, name, init: this.parseExpr(), line });
      else out.push({ kind: 'decl', type, name, line });
      if (!this.accept(',')) break;
    }
    this.expect(';', 'after a declaration');
    return out;
  }

  // ----- expressions

  parseExpr(level = 0): Expr {
    if (level >= BINARY_LEVELS.length) return this.parseUnary();
    let left = this.parseExpr(level + 1);
    for (;;) {
      const t = this.peek();
      const op = BINARY_LEVELS[level].find((o) => t.kind === 'punct' && t.text === o);
      if (!op) return left;
      this.next();
      left = { kind: 'binary', op, left, right: this.parseExpr(level + 1) };
    }
  }

  /** At `(`: is this a cast `( type-words *... )`? */
  private isCast(): boolean {
    let k = 1;
    if (!(this.peek(k).kind === 'id' && (TYPE_WORDS.has(this.peek(k).text) || this.peek(k).text === 'void'))) return false;
    while (this.peek(k).kind === 'id' || this.isPunct('*', k)) {
      const t = this.peek(k);
      if (t.kind === 'id' && !TYPE_WORDS.has(t.text) && t.text !== 'void') return false;
      k++;
    }
    return this.isPunct(')', k);
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t.kind === 'punct') {
      if (t.text === '*') {
        this.next();
        return { kind: 'deref', addr: this.parseUnary() };
      }
      if (t.text === '-' || t.text === '!' || t.text === '~') {
        this.next();
        const arg = this.parseUnary();
        if (t.text === '-' && arg.kind === 'int') return { kind: 'int', value: -arg.value };
        return { kind: 'unary', op: t.text, arg };
      }
      if (t.text === '&') {
        this.next();
        return { kind: 'addrof', name: this.expectId("a name after '&'").text };
      }
      if (t.text === '(' && this.isCast()) {
        // `(void)f(x)`, `(int *)p`: herd7 understands only int and pointer types, so a cast changes nothing.
        this.next();
        while (!this.isPunct(')')) this.next();
        this.next();
        return this.parseUnary();
      }
      if (t.text === '(') {
        this.next();
        const inner = this.parseExpr();
        this.expect(')', 'to close a parenthesis');
        return inner;
      }
    }
    if (t.kind === 'num') return { kind: 'int', value: parseIntLiteral(this.next()) };
    if (t.kind === 'id') {
      this.next();
      if (!this.accept('(')) return { kind: 'var', name: t.text };
      const args: Expr[] = [];
      while (!this.isPunct(')')) {
        args.push(this.parseExpr());
        if (!this.isPunct(')')) this.expect(',', `between the arguments of ${t.text}()`);
      }
      this.expect(')');
      return { kind: 'call', name: t.text, args };
    }
    return this.fail(`expected an expression, found '${t.text}'`);
  }

  // ----- postlude: locations, filter, condition

  parseStateRef(): StateRef {
    const t = this.peek();
    if (t.kind === 'num' && this.isPunct(':', 1)) {
      const thread = parseIntLiteral(this.next());
      this.next();
      return { kind: 'reg', thread, reg: this.expectId('a register name').text };
    }
    if (t.kind === 'id') return { kind: 'loc', name: this.next().text };
    return this.fail(`expected a location or N:register, found '${t.text}'`);
  }

  parseLocations(): StateRef[] {
    this.next();
    this.expect('[', "after 'locations'");
    const refs: StateRef[] = [];
    while (!this.isPunct(']')) {
      if (this.accept(';')) continue;
      refs.push(this.parseStateRef());
    }
    this.expect(']');
    return refs;
  }

  parseProp(): Prop {
    let left = this.parseConj();
    while (this.accept('\\/')) left = { kind: 'or', left, right: this.parseConj() };
    return left;
  }

  private parseConj(): Prop {
    let left = this.parseAtomProp();
    while (this.accept('/\\')) left = { kind: 'and', left, right: this.parseAtomProp() };
    return left;
  }

  private parseAtomProp(): Prop {
    if (this.accept('~')) return { kind: 'not', arg: this.parseAtomProp() };
    if (this.accept('(')) {
      const inner = this.parseProp();
      this.expect(')', 'to close the condition');
      return inner;
    }
    if (this.isWord('true')) {
      this.next();
      return { kind: 'true' };
    }
    if (this.isWord('false')) {
      this.next();
      return { kind: 'false' };
    }
    const target = this.parseStateRef();
    const op = this.peek();
    if (op.kind !== 'punct' || (op.text !== '=' && op.text !== '==' && op.text !== '!=')) {
      this.fail(`expected '=' after ${stateRefText(target)}, found '${op.text}'`);
    }
    this.next();
    const eq: Prop = { kind: 'eq', target, value: this.parseLitValue() };
    return op.text === '!=' ? { kind: 'not', arg: eq } : eq;
  }
}

function parseIntLiteral(t: Token): number {
  const v = t.text.startsWith('0x') || t.text.startsWith('0X') ? parseInt(t.text.slice(2), 16) : parseInt(t.text, 10);
  if (!Number.isSafeInteger(v)) throw new LitmusParseError(`number out of range: ${t.text}`, t.line);
  return v;
}

/** `['int', '*']` → `int *`; `['int', '*', '*']` → `int **`. */
function formatType(words: readonly string[]): string {
  return words.join(' ').replace(/\s+\*/g, '*').replace(/(\w)\*/, '$1 *');
}

export function stateRefText(ref: StateRef): string {
  return ref.kind === 'loc' ? ref.name : `${ref.thread}:${ref.reg}`;
}

/** Parses the text of a `.litmus` file. Throws LitmusParseError on malformed input. */
export function parseLitmus(text: string): LitmusTest {
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') first++;
  const header = /^\s*C\s+(\S+)\s*$/.exec(lines[first] ?? '');
  if (!header) throw new LitmusParseError("expected 'C <test name>' as the first line", first + 1);
  const rest = lines.slice(first + 1).join('\n');
  const { tokens, leadingComments } = tokenize(rest, first + 2);
  const p: Parser = new Parser(tokens);

  const init = p.isPunct('{') ? p.parseInit() : [];
  const processes: Process[] = [];
  while (p.peek().kind === 'id' && /^P\d+$/.test(p.peek().text)) {
    const proc = p.parseProcess();
    if (proc.id !== processes.length) throw new LitmusParseError(`expected P${processes.length}, found P${proc.id}`, proc.line);
    processes.push(proc);
  }
  if (processes.length === 0) p.fail(`expected a process P0(...), found '${p.peek().text}'`);

  let locations: StateRef[] = [];
  let filter: Prop | undefined;
  let condition: Condition | undefined;
  while (p.peek().kind !== 'eof') {
    const t = p.peek();
    if (condition) p.fail(`unexpected '${t.text}' after the final condition`);
    if (p.isWord('locations')) {
      locations = locations.concat(p.parseLocations());
    } else if (p.isWord('filter')) {
      p.next();
      filter = p.parseProp();
    } else if (p.isWord('exists')) {
      p.next();
      condition = { quantifier: 'exists', prop: p.parseProp() };
    } else if (p.isPunct('~') && p.isWord('exists', 1)) {
      p.next();
      p.next();
      condition = { quantifier: 'not exists', prop: p.parseProp() };
    } else if (p.isWord('forall')) {
      p.next();
      condition = { quantifier: 'forall', prop: p.parseProp() };
    } else {
      p.fail(`expected 'exists', '~exists', 'forall', 'locations' or 'filter', found '${t.text}'`);
    }
  }
  if (!condition) p.fail("missing final condition ('exists', '~exists' or 'forall')");

  const test: LitmusTest = { name: header[1], init, processes, locations, condition };
  if (leadingComments.length > 0) test.comment = leadingComments[0].text;
  if (filter) test.filter = filter;
  return test;
}
