/**
 * Memory-ordering executor for the Linux-kernel memory model (LKMM): parse kernel `.litmus`
 * tests, decide them as herd7 + linux-kernel.cat would, and print them back.
 * See docs/memory-model.md for the formulation and its limits.
 */
export {
  parseLitmus,
  LitmusParseError,
  stateRefText,
  type LitmusTest,
  type Process,
  type Param,
  type Stmt,
  type Expr,
  type BinaryOp,
  type InitEntry,
  type LitValue,
  type StateRef,
  type Prop,
  type Condition,
  type Quantifier,
} from './litmus';
export { runLitmus, unsupportedReason, type LitmusVerdict, type Observation, type RunOptions } from './executor';
export { printLitmus } from './print';
export { lowerC11 } from './c11';
