/** Proof steps of the model rendered as the review's trace (1-based lines; config and table row in the text). */
import type { ProofStep } from '../model/explorer';
import type { TraceStep } from '../review/types';

export function toTrace(file: string, proof: readonly ProofStep[]): TraceStep[] {
  return proof.map((p, i) => ({ file, line: p.line + 1, context: p.context, text: `${i + 1}. [${p.config}] ${p.fn}(): ${p.text}${p.row ? ` — row: ${p.row}` : ''}` }));
}
