/** The tables the model and the rules share between views, forgotten: what a check in a fresh
 *  process would compute (tests compare reused results with it). */
import { clearSharedActivations } from '../../server/src/model/activation';
import { clearConeFindings } from '../../server/src/rules/byCone';

export function forgetSharedModel(): void {
  clearSharedActivations();
  clearConeFindings();
}
