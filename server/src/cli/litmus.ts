/** One line (or JSON object) per litmus test: `NAME: Sometimes|Never|Always|Unsupported (reason)`. */
import { runLitmus, type LitmusTest } from '../model/memory';

export interface LitmusRow { name: string; result: string; reason?: string }

export function litmusRow(test: LitmusTest): LitmusRow {
  const v = runLitmus(test);
  return v.result === 'Unsupported' ? { name: v.name, result: v.result, reason: v.reason } : { name: v.name, result: v.result };
}
