import type { ConfigView } from '../source/types';

/** A function whose text the view cannot read reliably: a parse error or a preprocessor problem
 *  (an #endif without its #if, from a partly applied patch) inside it. Its paths would end where
 *  the parser gave up, so the rules that reason about path ends skip it. */
export function unreliable(view: ConfigView, fn: string): boolean {
  const f = view.functions.get(fn);
  if (!f) return true;
  const inside = (l: number): boolean => l >= f.startLine && l <= f.endLine;
  return view.parseErrors.some(inside) || view.preprocessorProblems.some((p) => inside(p.line));
}
