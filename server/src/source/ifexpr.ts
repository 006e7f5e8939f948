/**
 * `#if` / `#elif` controlling expressions: tokenize, parse to a small tree, evaluate with 64-bit
 * integer arithmetic (C11 6.10.1: the expression is evaluated in intmax_t). Symbol lookup is
 * delegated to a resolver so that the caller decides what a configuration defines and records
 * what it does not know. Nothing here throws: errors come back as values.
 */

export type IfExpr =
  | { kind: 'num'; value: bigint }
  | { kind: 'ident'; name: string }
  | { kind: 'defined'; name: string }
  | { kind: 'call'; name: string; args: IfExpr[] }
  | { kind: 'unary'; op: string; arg: IfExpr }
  | { kind: 'binary'; op: string; left: IfExpr; right: IfExpr }
  | { kind: 'cond'; test: IfExpr; then: IfExpr; otherwise: IfExpr };

export type IfParse = { ok: true; expr: IfExpr } | { ok: false; error: string };

export interface IfResolver {
  /** `defined X` / `defined(X)`. */
  isDefined(name: string): boolean;
  /** An identifier used as a value (macro expansion, else 0). */
  valueOf(name: string): bigint;
  /** A function-like macro used in the expression: `IS_ENABLED(CONFIG_X)`, `KERNEL_VERSION(...)`. */
  call(name: string, args: IfExpr[]): bigint;
  /** A problem found while evaluating (division by zero...). */
  problem(message: string): void;
}

type Token =
  | { t: 'num'; value: bigint }
  | { t: 'id'; name: string }
  | { t: 'op'; op: string };

const PUNCTUATORS = ['||', '&&', '==', '!=', '<=', '>=', '<<', '>>', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '?', ':', '(', ')', ','];

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11 };

function parseNumber(digits: string): bigint | null {
  try {
    if (/^0[xX][0-9a-fA-F]+$/.test(digits)) return BigInt(digits);
    if (/^0[bB][01]+$/.test(digits)) return BigInt(digits);
    if (/^0[0-7]+$/.test(digits)) return BigInt('0o' + digits.slice(1));
    if (/^\d+$/.test(digits)) return BigInt(digits);
  } catch {
    return null;
  }
  return null;
}

function charValue(body: string): bigint | null {
  if (body.length === 1) return BigInt(body.charCodeAt(0));
  if (body.startsWith('\\') && body.length === 2 && body[1] in SIMPLE_ESCAPES) return BigInt(SIMPLE_ESCAPES[body[1]]);
  if (/^\\x[0-9a-fA-F]+$/.test(body)) return BigInt('0x' + body.slice(2));
  if (/^\\[0-7]{1,3}$/.test(body)) return BigInt('0o' + body.slice(1));
  return null;
}

/** Split an expression into tokens, or say what could not be read. */
export function tokenizeIf(src: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const rest = src.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)[uUlL]*(?![\w.])/.exec(rest);
    if (num) {
      const value = parseNumber(num[1]);
      if (value === null) return `bad number '${num[0]}'`;
      tokens.push({ t: 'num', value });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_]\w*/.exec(rest);
    if (id) {
      tokens.push({ t: 'id', name: id[0] });
      i += id[0].length;
      continue;
    }
    const chr = /^'((?:\\.|[^'\\])+)'/.exec(rest);
    if (chr) {
      const value = charValue(chr[1]);
      if (value === null) return `bad character constant ${chr[0]}`;
      tokens.push({ t: 'num', value });
      i += chr[0].length;
      continue;
    }
    const op = PUNCTUATORS.find((p) => rest.startsWith(p));
    if (!op) return `unexpected '${rest[0]}'`;
    tokens.push({ t: 'op', op });
    i += op.length;
  }
  return tokens;
}

/** Binary operator precedence levels, lowest first (C11 6.5). */
const BINARY_LEVELS: readonly (readonly string[])[] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '>', '<=', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

class IfParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parseAll(): IfExpr {
    const expr = this.conditional();
    if (this.pos < this.tokens.length) throw new SyntaxError(`unexpected ${this.describe(this.tokens[this.pos])}`);
    return expr;
  }

  private describe(tok: Token | undefined): string {
    if (!tok) return 'end of expression';
    if (tok.t === 'num') return `number ${tok.value}`;
    if (tok.t === 'id') return `'${tok.name}'`;
    return `'${tok.op}'`;
  }

  private peekOp(): string | null {
    const tok = this.tokens[this.pos];
    return tok && tok.t === 'op' ? tok.op : null;
  }

  private expectOp(op: string): void {
    if (this.peekOp() !== op) throw new SyntaxError(`expected '${op}', found ${this.describe(this.tokens[this.pos])}`);
    this.pos++;
  }

  private conditional(): IfExpr {
    const test = this.binary(0);
    if (this.peekOp() !== '?') return test;
    this.pos++;
    const then = this.conditional();
    this.expectOp(':');
    const otherwise = this.conditional();
    return { kind: 'cond', test, then, otherwise };
  }

  private binary(level: number): IfExpr {
    if (level >= BINARY_LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = this.peekOp();
      if (op === null || !BINARY_LEVELS[level].includes(op)) return left;
      this.pos++;
      const right = this.binary(level + 1);
      left = { kind: 'binary', op, left, right };
    }
  }

  private unary(): IfExpr {
    const op = this.peekOp();
    if (op === '!' || op === '~' || op === '-' || op === '+') {
      this.pos++;
      return { kind: 'unary', op, arg: this.unary() };
    }
    return this.primary();
  }

  private primary(): IfExpr {
    const tok = this.tokens[this.pos];
    if (!tok) throw new SyntaxError('expression ends too early');
    this.pos++;
    if (tok.t === 'num') return { kind: 'num', value: tok.value };
    if (tok.t === 'op') {
      if (tok.op !== '(') throw new SyntaxError(`unexpected '${tok.op}'`);
      const inner = this.conditional();
      this.expectOp(')');
      return inner;
    }
    if (tok.name === 'defined') return this.definedOperand();
    if (this.peekOp() === '(') return { kind: 'call', name: tok.name, args: this.callArgs() };
    return { kind: 'ident', name: tok.name };
  }

  private definedOperand(): IfExpr {
    const paren = this.peekOp() === '(';
    if (paren) this.pos++;
    const tok = this.tokens[this.pos];
    if (!tok || tok.t !== 'id') throw new SyntaxError("'defined' needs a macro name");
    this.pos++;
    if (paren) this.expectOp(')');
    return { kind: 'defined', name: tok.name };
  }

  private callArgs(): IfExpr[] {
    this.expectOp('(');
    const args: IfExpr[] = [];
    if (this.peekOp() === ')') {
      this.pos++;
      return args;
    }
    for (;;) {
      args.push(this.conditional());
      if (this.peekOp() === ',') {
        this.pos++;
        continue;
      }
      this.expectOp(')');
      return args;
    }
  }
}

/** Parse a controlling expression (comments already removed, continuations joined). */
export function parseIf(src: string): IfParse {
  const tokens = tokenizeIf(src);
  if (typeof tokens === 'string') return { ok: false, error: tokens };
  if (tokens.length === 0) return { ok: false, error: 'empty expression' };
  try {
    return { ok: true, expr: new IfParser(tokens).parseAll() };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);
const bool = (b: boolean): bigint => (b ? 1n : 0n);

function evalBinary(op: string, l: bigint, r: bigint, res: IfResolver): bigint {
  switch (op) {
    case '|': return l | r;
    case '^': return l ^ r;
    case '&': return l & r;
    case '==': return bool(l === r);
    case '!=': return bool(l !== r);
    case '<': return bool(l < r);
    case '>': return bool(l > r);
    case '<=': return bool(l <= r);
    case '>=': return bool(l >= r);
    // Shift counts outside 0..63 are undefined in C; clamp so a bad count cannot blow up BigInt.
    case '<<': return wrap(l << BigInt(Math.min(Math.max(Number(r), 0), 63)));
    case '>>': return l >> BigInt(Math.min(Math.max(Number(r), 0), 63));
    case '+': return wrap(l + r);
    case '-': return wrap(l - r);
    case '*': return wrap(l * r);
    case '/':
    case '%':
      if (r === 0n) {
        res.problem(`division by zero in #if`);
        return 0n;
      }
      return wrap(op === '/' ? l / r : l % r);
    default:
      res.problem(`unknown operator '${op}'`);
      return 0n;
  }
}

/** Evaluate with C's short-circuit rules: the resolver is not asked about operands that are
 *  not evaluated, so only symbols whose value mattered get reported as unknown. */
export function evalIf(expr: IfExpr, res: IfResolver): bigint {
  switch (expr.kind) {
    case 'num': return expr.value;
    case 'ident': return res.valueOf(expr.name);
    case 'defined': return bool(res.isDefined(expr.name));
    case 'call': return res.call(expr.name, expr.args);
    case 'unary': {
      const v = evalIf(expr.arg, res);
      if (expr.op === '!') return bool(v === 0n);
      if (expr.op === '~') return ~v;
      if (expr.op === '-') return wrap(-v);
      return v;
    }
    case 'cond':
      return evalIf(expr.test, res) !== 0n ? evalIf(expr.then, res) : evalIf(expr.otherwise, res);
    case 'binary': {
      if (expr.op === '&&') return bool(evalIf(expr.left, res) !== 0n && evalIf(expr.right, res) !== 0n);
      if (expr.op === '||') return bool(evalIf(expr.left, res) !== 0n || evalIf(expr.right, res) !== 0n);
      return evalBinary(expr.op, evalIf(expr.left, res), evalIf(expr.right, res), res);
    }
  }
}
