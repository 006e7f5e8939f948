/**
 * Where analyses start: every function of the view run in task context (a caller's view of it),
 * and each entry sequence's functions in the contexts they can be called from.
 */
import type { ConfigView } from '../source/types';
import type { ContextName } from './contexts';
import { ENTRY_SEQUENCES } from './explorer';

export interface Root { fn: string; context: ContextName }

export function rootsOf(view: ConfigView): Root[] {
  const roots: Root[] = [...view.functions.keys()].map((fn) => ({ fn, context: 'task' as const }));
  for (const seq of ENTRY_SEQUENCES) {
    for (const fn of seq.functions) {
      if (!view.functions.has(fn)) continue;
      for (const context of seq.contexts) if (context !== 'task') roots.push({ fn, context });
    }
  }
  return roots;
}

export { unreliable } from './reliability';
