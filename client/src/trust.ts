/**
 * Workspace trust, as pure decisions the client applies (no `vscode` import, so vitest can test it).
 * In an untrusted workspace the kernel tree comes only from the user's own settings (or the default):
 * a workspace or folder value of `kcovReview.kernelTree` is never forwarded to the server, since the
 * workspace's author chose it. Walking up from the patch file to a tree holding kernel/kcov.c still
 * happens: it only reads files, never runs anything from them (see README "Reliability").
 */

export const KERNEL_TREE_KEY = 'kernelTree';

/** The parts of `WorkspaceConfiguration.inspect('kernelTree')` the decision needs. */
export interface TreeInspection {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** The kernel tree to give the server: the effective value when trusted, else the user's or the default. */
export function kernelTreeFor(trusted: boolean, effective: unknown, inspected: TreeInspection | undefined): string {
  if (trusted) return typeof effective === 'string' ? effective : '';
  if (typeof inspected?.globalValue === 'string') return inspected.globalValue;
  return typeof inspected?.defaultValue === 'string' ? inspected.defaultValue : '';
}

/** One item of a workspace/configuration request (LSP ConfigurationItem). */
export interface ConfigurationRequestItem { section?: string | null; scopeUri?: string }

/**
 * The answers to a workspace/configuration request with the kernel tree replaced by `treeFor(item)`
 * wherever it appears: the whole `kcovReview` section, `kcovReview.kernelTree` itself, or the root.
 */
export function filterConfigurationResults(
  section: string,
  items: readonly ConfigurationRequestItem[],
  results: readonly unknown[],
  treeFor: (item: ConfigurationRequestItem) => string,
): unknown[] {
  return results.map((result, i) => {
    const item = items[i] ?? {};
    const name = item.section ?? '';
    if (name === `${section}.${KERNEL_TREE_KEY}`) return treeFor(item);
    if (name === section && isRecord(result)) return { ...result, [KERNEL_TREE_KEY]: treeFor(item) };
    if (name === '' && isRecord(result) && isRecord(result[section])) return { ...result, [section]: { ...result[section], [KERNEL_TREE_KEY]: treeFor(item) } };
    return result;
  });
}

/** Where "Select kernel tree" stores the choice: an untrusted workspace's settings would be ignored. */
export function selectedTreeTarget(trusted: boolean, hasWorkspaceFolders: boolean): 'workspace' | 'global' {
  return trusted && hasWorkspaceFolders ? 'workspace' : 'global';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
