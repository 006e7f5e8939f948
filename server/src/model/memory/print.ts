/**
 * Writes a LitmusTest back in the kernel's `.litmus` C format, for herd7 with linux-kernel.cfg.
 * C11 builtins are lowered to LKMM macros first (herd7's linux-kernel.def does not define them).
 */
import { lowerC11 } from './c11';
import { stateRefText, type Expr, type InitEntry, type LitValue, type LitmusTest, type Param, type Prop, type Stmt } from './litmus';

function litValueText(v: LitValue): string {
  if (v.kind === 'int') return v.atomicInit ? `ATOMIC_INIT(${v.value})` : String(v.value);
  return v.ampersand ? `&${v.name}` : v.name;
}

/** `int *` + `p` → `int *p`; `int` + `x` → `int x`. */
function declText(type: string, name: string): string {
  if (type === '') return name;
  return type.endsWith('*') ? `${type}${name}` : `${type} ${name}`;
}

function initEntryText(e: InitEntry): string {
  const target = e.target.kind === 'loc' && e.type ? declText(e.type, e.target.name) : stateRefText(e.target);
  return e.value ? `${target} = ${litValueText(e.value)};` : `${target};`;
}

function paramText(p: Param): string {
  return declText(p.type, p.name);
}

/** Prints an expression; compound operands of operators are parenthesised. */
export function exprText(e: Expr): string {
  switch (e.kind) {
    case 'int':
      return String(e.value);
    case 'var':
      return e.name;
    case 'addrof':
      return `&${e.name}`;
    case 'deref':
      return `*${operandText(e.addr)}`;
    case 'unary':
      return `${e.op}${operandText(e.arg)}`;
    case 'binary':
      return `${operandText(e.left)} ${e.op} ${operandText(e.right)}`;
    case 'call':
      return `${e.name}(${e.args.map(exprText).join(', ')})`;
  }
}

function operandText(e: Expr): string {
  return e.kind === 'binary' || (e.kind === 'int' && e.value < 0) ? `(${exprText(e)})` : exprText(e);
}

function stmtLines(s: Stmt, indent: string): string[] {
  switch (s.kind) {
    case 'decl':
      return [`${indent}${declText(s.type, s.name)}${s.init ? ` = ${exprText(s.init)}` : ''};`];
    case 'assign':
      return [`${indent}${s.reg} = ${exprText(s.value)};`];
    case 'store':
      return [`${indent}*${operandText(s.addr)} = ${exprText(s.value)};`];
    case 'expr':
      return [`${indent}${exprText(s.expr)};`];
    case 'block':
      return [`${indent}{`, ...blockLines(s.body, indent + '\t'), `${indent}}`];
    case 'while':
      return [`${indent}while (${exprText(s.cond)}) {`, ...blockLines(s.body, indent + '\t'), `${indent}}`];
    case 'if': {
      const lines = [`${indent}if (${exprText(s.cond)}) {`, ...blockLines(s.then, indent + '\t')];
      if (s.else) lines.push(`${indent}} else {`, ...blockLines(s.else, indent + '\t'));
      lines.push(`${indent}}`);
      return lines;
    }
  }
}

function blockLines(body: readonly Stmt[], indent: string): string[] {
  return body.flatMap((s) => stmtLines(s, indent));
}

function propText(p: Prop): string {
  switch (p.kind) {
    case 'true':
      return 'true';
    case 'false':
      return 'false';
    case 'eq':
      return `${stateRefText(p.target)}=${litValueText(p.value)}`;
    case 'not':
      return `~(${propText(p.arg)})`;
    case 'and':
    case 'or': {
      const op = p.kind === 'and' ? ' /\\ ' : ' \\/ ';
      const side = (q: Prop): string => ((q.kind === 'and' || q.kind === 'or') && q.kind !== p.kind ? `(${propText(q)})` : propText(q));
      return `${side(p.left)}${op}${side(p.right)}`;
    }
  }
}

const QUANTIFIER_TEXT = { exists: 'exists', 'not exists': '~exists', forall: 'forall' } as const;

/** The test in `.litmus` syntax; `parseLitmus(printLitmus(t))` has the same meaning as `t`. */
export function printLitmus(input: LitmusTest): string {
  const test = lowerC11(input);
  const out: string[] = [`C ${test.name}`, ''];
  if (test.comment !== undefined) out.push(`(*${test.comment.replace(/\*\)/g, '* )')}*)`, '');
  if (test.init.length === 0) out.push('{}');
  else out.push('{', ...test.init.map(initEntryText), '}');
  out.push('');
  for (const p of test.processes) {
    out.push(`P${p.id}(${p.params.map(paramText).join(', ')})`, '{', ...blockLines(p.body, '\t'), '}', '');
  }
  if (test.locations.length > 0) out.push(`locations [${test.locations.map(stateRefText).join('; ')}]`);
  if (test.filter) out.push(`filter (${propText(test.filter)})`);
  out.push(`${QUANTIFIER_TEXT[test.condition.quantifier]} (${propText(test.condition.prop)})`);
  return out.join('\n') + '\n';
}
