/** The `kcovReview/status` notification: which tree and configurations the last review used. */
import type { ConfigName } from '../model/configs';
import type { Review, TreeSource } from '../review/types';

export const STATUS_NOTIFICATION = 'kcovReview/status';

export interface StatusParams {
  uri: string;
  tree: string | null;
  treeSource: TreeSource | null;
  configs: ConfigName[];
}

export function statusOf(uri: string, review: Review): StatusParams {
  return { uri, tree: review.tree?.path ?? null, treeSource: review.tree?.source ?? null, configs: [...review.configs] };
}
