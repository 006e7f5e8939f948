/**
 * The server's settings (`kcovReview.kernelTree`, `configs`, `showPreExisting`, `timeBudgetMs`, `maxDocumentBytes`,
 * `nestingDepth`, `inlayHints`)
 * from initializationOptions, workspace/configuration or a pushed didChangeConfiguration, validated into one shape.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_NAMES, type ConfigName } from '../model/configs';
import { DEFAULT_NESTING_DEPTH, nestingDepth } from '../model/explorer';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../review/review';
import type { ReviewOptions } from '../review/types';

export const SETTINGS_SECTION = 'kcovReview';

export interface Settings {
  /** Kernel tree from the setting; null when unset (the review then walks up or uses a default). */
  kernelTree: string | null;
  configs: ConfigName[];
  /** Show findings the patch neither fixes nor introduces (Information). */
  showPreExisting: boolean;
  /** An analysis running longer is abandoned with a diagnostic naming the stage. */
  timeBudgetMs: number;
  /** A larger document is not analysed (one diagnostic says so). */
  maxDocumentBytes: number;
  /** Activations the context explorer nests on one CPU (2–4). */
  nestingDepth: number;
  /** Inlay hints with the model's state on each hunk line (off by default). */
  inlayHints: boolean;
}

export const DEFAULT_SETTINGS: Settings = { kernelTree: null, configs: [...CONFIG_NAMES], showPreExisting: true, timeBudgetMs: 2000, maxDocumentBytes: DEFAULT_MAX_DOCUMENT_BYTES, nestingDepth: DEFAULT_NESTING_DEPTH, inlayHints: false };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a settings object: either the `kcovReview` section itself or an object holding it (as pushed
 * by didChangeConfiguration or given as initializationOptions). Invalid fields fall back to `base`.
 */
export function parseSettings(raw: unknown, base: Settings = DEFAULT_SETTINGS): Settings {
  if (!isRecord(raw)) return base;
  const section = isRecord(raw[SETTINGS_SECTION]) ? (raw[SETTINGS_SECTION] as Record<string, unknown>) : raw;
  const settings: Settings = { ...base, configs: [...base.configs] };
  const tree = section.kernelTree;
  if (typeof tree === 'string') settings.kernelTree = tree.trim() === '' ? null : tree.trim();
  else if (tree === null) settings.kernelTree = null;
  const configs = section.configs;
  if (Array.isArray(configs)) {
    const valid = CONFIG_NAMES.filter((name) => configs.some((c) => c === name));
    if (valid.length > 0 || configs.length === 0) settings.configs = valid.length > 0 ? valid : [...CONFIG_NAMES];
  }
  if (typeof section.showPreExisting === 'boolean') settings.showPreExisting = section.showPreExisting;
  if (typeof section.inlayHints === 'boolean') settings.inlayHints = section.inlayHints;
  const budget = section.timeBudgetMs;
  if (typeof budget === 'number' && Number.isFinite(budget) && budget > 0) settings.timeBudgetMs = Math.round(budget);
  const maxBytes = section.maxDocumentBytes;
  if (typeof maxBytes === 'number' && Number.isFinite(maxBytes) && maxBytes >= 1024) settings.maxDocumentBytes = Math.round(maxBytes);
  const depth = section.nestingDepth;
  if (typeof depth === 'number' && Number.isFinite(depth)) settings.nestingDepth = nestingDepth(depth);
  return settings;
}

/** True when the raw value holds at least one recognised settings field. */
export function hasSettings(raw: unknown): boolean {
  if (!isRecord(raw)) return false;
  const section = isRecord(raw[SETTINGS_SECTION]) ? (raw[SETTINGS_SECTION] as Record<string, unknown>) : raw;
  return ['kernelTree', 'configs', 'showPreExisting', 'timeBudgetMs', 'maxDocumentBytes', 'nestingDepth', 'inlayHints'].some((key) => key in section);
}

/**
 * Where the embedded default tree may be: $KCOV_REVIEW_KERNEL_DIR, the checkout's .cache next to the
 * bundle, and the user cache ($XDG_CACHE_HOME or ~/.cache)/kcov-review/linux-6.12.
 */
export function defaultTreeDirs(bundleDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const cacheHome = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  const dirs = [path.resolve(bundleDir, '..', '.cache', 'linux-6.12'), path.join(cacheHome, 'kcov-review', 'linux-6.12')];
  const fromEnv = env.KCOV_REVIEW_KERNEL_DIR;
  return fromEnv && fromEnv !== '' ? [path.resolve(fromEnv), ...dirs] : dirs;
}

/** The file path of a document URI, or null for untitled and remote documents. */
export function documentPath(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

export function reviewOptions(uri: string, settings: Settings, treeDirs: string[]): ReviewOptions {
  const options: ReviewOptions = {
    documentPath: documentPath(uri),
    kernelTree: settings.kernelTree,
    configs: settings.configs,
    defaultTreeDirs: treeDirs,
    timeBudgetMs: settings.timeBudgetMs,
    maxDocumentBytes: settings.maxDocumentBytes,
    nestingDepth: settings.nestingDepth,
  };
  if (settings.kernelTree !== null) options.kernelTreeSource = 'setting';
  return options;
}
