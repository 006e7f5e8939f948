/**
 * What the Clang context analysis annotations of a view say about data: struct members declared
 * `__guarded_by(lock)` (Documentation/dev-tools/context-analysis.rst), the struct types of members and
 * local variables (to tell `kcov->size` from `area->size`), the per-CPU variables' types, and the
 * Read from the syntax tree and the blanked annotation tokens (the summaries mark accesses inside
 * `context_unsafe(...)` regions); nothing here knows kcov.c.
 */
import type { Node } from 'web-tree-sitter';
import { imageMask, walk } from '../source/views';
import type { ConfigView, FunctionInfo } from '../source/types';
import { percpuPointerPattern, readAnnotation } from './semantics';

/** A member that may only be accessed with its guard held. */
export interface GuardedMember {
  struct: string;
  field: string;
  /** The guard as written, `&` dropped: `lock`, `kcov_remote_lock`. */
  guard: string;
  /** The guard is a member of the same object (`__guarded_by(&lock)` inside the struct). */
  memberRelative: boolean;
  /** 0-based line of the member's declaration. */
  line: number;
}

export interface StructTable {
  /** struct name → member → struct name of its type (null: not a struct or pointer to one). */
  members: Map<string, Map<string, string | null>>;
  guarded: GuardedMember[];
  /** Per-CPU variable → its struct type (`DEFINE_PER_CPU(struct kcov_percpu_data, kcov_percpu_data)`). */
  percpu: Map<string, string>;
}

/** The struct named by a type node (`struct kcov`, `struct kcov *` through the declarator), or null. */
function structName(type: Node | null): string | null {
  if (!type || type.type !== 'struct_specifier') return null;
  return type.childForFieldName('name')?.text ?? null;
}

/** The identifier a declarator declares (`*area`, `t`, `buf[4]`, `(*fn)(void)`). */
function declaredName(d: Node | null): string | null {
  let n: Node | null = d;
  while (n) {
    if (n.type === 'identifier' || n.type === 'field_identifier') return n.text;
    n = n.childForFieldName('declarator') ?? n.namedChildren.find((c): c is Node => c !== null && /declarator|identifier/.test(c.type)) ?? null;
  }
  return null;
}

function declarators(decl: Node): Node[] {
  return decl.childrenForFieldName('declarator').filter((d): d is Node => d !== null);
}

const tables = new WeakMap<ConfigView, StructTable>();

export function structTable(view: ConfigView): StructTable {
  const hit = tables.get(view);
  if (hit) return hit;
  const members = new Map<string, Map<string, string | null>>();
  const guarded: GuardedMember[] = [];
  const guards = view.annotationTokens.filter((t) => t.kind === 'annotation' && readAnnotation(t.text)?.role === 'guarded-member');
  // Nothing is guarded (kcov.c before the context analysis): the member types are never asked for.
  if (guards.length === 0) {
    const none: StructTable = { members, guarded, percpu: new Map() };
    tables.set(view, none);
    return none;
  }
  walk(view.tree.rootNode, (n) => {
    if (n.type === 'function_definition') return false;
    if (n.type !== 'struct_specifier') return true;
    const name = n.childForFieldName('name')?.text;
    const body = n.childForFieldName('body');
    if (!name || !body) return true;
    const fields = members.get(name) ?? new Map<string, string | null>();
    members.set(name, fields);
    for (const fd of body.namedChildren) {
      if (!fd || fd.type !== 'field_declaration') continue;
      const type = structName(fd.childForFieldName('type'));
      const names = declarators(fd).map(declaredName).filter((x): x is string => x !== null);
      for (const f of names) fields.set(f, type);
      for (const g of guards.filter((t) => t.start >= fd.startIndex && t.start < fd.endIndex)) {
        const arg = readAnnotation(g.text)?.arg ?? '';
        for (const f of names) guarded.push({ struct: name, field: f, guard: arg, memberRelative: false, line: fd.startPosition.row });
      }
    }
    return true;
  });
  for (const g of guarded) g.memberRelative = members.get(g.struct)?.has(g.guard) ?? false;
  const percpu = new Map<string, string>();
  // Read from the code of the lines compiled under this configuration, not from comments or
  // #if'd-out lines (the parsed text has `struct` blanked here: source/annotations.ts type-keyword).
  const code = imageMask(view.image).code;
  for (const m of code.matchAll(/DEFINE_PER_CPU(?:_ALIGNED)?\(\s*struct\s+(\w+)\s*,\s*(\w+)\s*\)/g)) {
    const line = code.slice(0, m.index).split('\n').length - 1;
    if (view.active[line] !== false) percpu.set(m[2], m[1]);
  }
  const table = { members, guarded, percpu };
  tables.set(view, table);
  return table;
}

const varCache = new WeakMap<FunctionInfo, Map<string, string>>();

/** Parameters and locals of a function declared with a struct type: name → struct. */
export function structVars(fn: FunctionInfo): Map<string, string> {
  const hit = varCache.get(fn);
  if (hit) return hit;
  const out = new Map<string, string>();
  walk(fn.node, (n) => {
    if (n.type !== 'parameter_declaration' && n.type !== 'declaration') return true;
    const type = structName(n.childForFieldName('type'));
    if (type) for (const d of declarators(n)) { const v = declaredName(d); if (v) out.set(v, type); }
    return n.type !== 'parameter_declaration';
  });
  varCache.set(fn, out);
  return out;
}

/** Splits `a->b.c` into its base and member chain at depth 0. */
function chain(expr: string): { base: string; members: string[] } {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '(' || c === '[') depth++;
    if (c === ')' || c === ']') depth--;
    if (depth === 0 && (c === '.' || (c === '-' && expr[i + 1] === '>'))) {
      parts.push(cur);
      cur = '';
      if (c === '-') i++;
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return { base: parts[0], members: parts.slice(1) };
}

const PERCPU_BASE = new RegExp(`^${percpuPointerPattern()}\\(&(\\w+)(?:,.*)?\\)$`, 's');

/** The struct type of an expression as written (`kcov`, `remote->kcov`, `this_cpu_ptr(&v)`), or null. */
export function structOf(expr: string, vars: ReadonlyMap<string, string>, table: StructTable): string | null {
  const e = expr.replace(/\s+/g, '').replace(/^\((.*)\)$/s, '$1').replace(/^\*/, '');
  const { base, members } = chain(e);
  const b = base.replace(/^\((.*)\)$/s, '$1').replace(/^\*/, '');
  const pc = PERCPU_BASE.exec(b);
  let type: string | null = pc ? table.percpu.get(pc[1]) ?? null : /^\w+$/.test(b) ? vars.get(b) ?? null : null;
  for (const m of members) type = type ? table.members.get(type)?.get(m) ?? null : null;
  return type;
}
