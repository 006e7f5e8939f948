/**
 * Lowering of the C11/GCC builtins user-space threads use (`__atomic_load_n`, `__atomic_store_n`)
 * to LKMM macros. The executor and the printer both go through this one function, so a printed
 * test means exactly what the executor checked.
 *
 * Mapping (docs/memory-model.md, "C11 accesses"):
 *   load  RELAXED | CONSUME -> READ_ONCE(*p)          (consume: only dependency ordering, as READ_ONCE)
 *   load  ACQUIRE | SEQ_CST -> smp_load_acquire(p)
 *   store RELAXED           -> WRITE_ONCE(*p, v)
 *   store RELEASE           -> smp_store_release(p, v)
 *   store SEQ_CST           -> smp_store_release(p, v); smp_mb();
 * The seq_cst mapping is the trailing-fence one (x86: mov; mfence): every pair of seq_cst accesses
 * in one thread is ordered, but IRIW among seq_cst loads is not forbidden (conservative), while a
 * seq_cst store is also ordered before later *non*-seq_cst accesses (stronger than C11 requires).
 */
import type { Expr, LitmusTest, Stmt } from './litmus';

const LOAD_ORDERS: Readonly<Record<string, 'once' | 'acquire'>> = {
  __ATOMIC_RELAXED: 'once',
  __ATOMIC_CONSUME: 'once',
  __ATOMIC_ACQUIRE: 'acquire',
  __ATOMIC_SEQ_CST: 'acquire',
};

const STORE_ORDERS: Readonly<Record<string, 'once' | 'release' | 'seq_cst'>> = {
  __ATOMIC_RELAXED: 'once',
  __ATOMIC_RELEASE: 'release',
  __ATOMIC_SEQ_CST: 'seq_cst',
};

function orderName(e: Expr | undefined): string {
  return e && e.kind === 'var' ? e.name : '';
}

function call(name: string, args: Expr[]): Expr {
  return { kind: 'call', name, args };
}

/** Rewrites `__atomic_load_n(p, ORDER)` where ORDER is known; anything else is left for the executor to reject. */
function lowerExpr(e: Expr): Expr {
  switch (e.kind) {
    case 'deref':
      return { kind: 'deref', addr: lowerExpr(e.addr) };
    case 'unary':
      return { kind: 'unary', op: e.op, arg: lowerExpr(e.arg) };
    case 'binary':
      return { kind: 'binary', op: e.op, left: lowerExpr(e.left), right: lowerExpr(e.right) };
    case 'call': {
      const args = e.args.map(lowerExpr);
      if (e.name === '__atomic_load_n' && args.length === 2) {
        const order = LOAD_ORDERS[orderName(args[1])];
        if (order === 'once') return call('READ_ONCE', [{ kind: 'deref', addr: args[0] }]);
        if (order === 'acquire') return call('smp_load_acquire', [args[0]]);
      }
      return call(e.name, args);
    }
    default:
      return e;
  }
}

function lowerStmt(s: Stmt): Stmt[] {
  switch (s.kind) {
    case 'decl':
      return [s.init ? { ...s, init: lowerExpr(s.init) } : s];
    case 'assign':
      return [{ ...s, value: lowerExpr(s.value) }];
    case 'store':
      return [{ ...s, addr: lowerExpr(s.addr), value: lowerExpr(s.value) }];
    case 'if':
      return [{ ...s, cond: lowerExpr(s.cond), then: lowerStmts(s.then), ...(s.else ? { else: lowerStmts(s.else) } : {}) }];
    case 'while':
      return [{ ...s, cond: lowerExpr(s.cond), body: lowerStmts(s.body) }];
    case 'block':
      return [{ ...s, body: lowerStmts(s.body) }];
    case 'expr': {
      const e = s.expr;
      if (e.kind === 'call' && e.name === '__atomic_store_n' && e.args.length === 3) {
        const [ptr, value] = e.args.map(lowerExpr);
        const order = STORE_ORDERS[orderName(e.args[2])];
        if (order === 'once') return [{ ...s, expr: call('WRITE_ONCE', [{ kind: 'deref', addr: ptr }, value]) }];
        if (order === 'release') return [{ ...s, expr: call('smp_store_release', [ptr, value]) }];
        if (order === 'seq_cst') {
          return [
            { ...s, expr: call('smp_store_release', [ptr, value]) },
            { kind: 'expr', expr: call('smp_mb', []), line: s.line },
          ];
        }
      }
      return [{ ...s, expr: lowerExpr(e) }];
    }
  }
}

function lowerStmts(body: readonly Stmt[]): Stmt[] {
  return body.flatMap(lowerStmt);
}

/** The same test with C11 builtins replaced by their LKMM equivalents. */
export function lowerC11(test: LitmusTest): LitmusTest {
  return { ...test, processes: test.processes.map((p) => ({ ...p, body: lowerStmts(p.body) })) };
}
