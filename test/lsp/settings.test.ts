import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, defaultTreeDirs, documentPath, hasSettings, parseSettings, reviewOptions } from '../../server/src/lsp/settings';

describe('parseSettings', () => {
  it('reads the section itself or an object holding it', () => {
    expect(parseSettings({ kernelTree: '/t', configs: ['RT'] })).toEqual({ ...DEFAULT_SETTINGS, kernelTree: '/t', configs: ['RT'] });
    expect(parseSettings({ kcovReview: { kernelTree: ' /t ' } })).toEqual({ ...DEFAULT_SETTINGS, kernelTree: '/t', configs: ['!RT', 'RT+BHlock', 'RT'] });
  });

  it('treats an empty tree as unset and drops unknown configs, keeping table order', () => {
    expect(parseSettings({ kernelTree: '', configs: ['RT', 'bogus', '!RT'] })).toEqual({ ...DEFAULT_SETTINGS, kernelTree: null, configs: ['!RT', 'RT'] });
  });

  it('falls back to the base for invalid input', () => {
    const base = { ...DEFAULT_SETTINGS, kernelTree: '/base', configs: ['RT' as const] };
    expect(parseSettings(null, base)).toBe(base);
    expect(parseSettings({ kernelTree: 3, configs: 'RT' }, base)).toEqual(base);
    expect(parseSettings({ configs: ['bogus'] }, base)).toEqual(base);
    expect(parseSettings({ configs: [] }, base)).toEqual({ ...DEFAULT_SETTINGS, kernelTree: '/base', configs: ['!RT', 'RT+BHlock', 'RT'] });
  });

  it('reads kcovReview.inlayHints (off by default), keeping the base for a non-boolean', () => {
    expect(DEFAULT_SETTINGS.inlayHints).toBe(false);
    expect(parseSettings({ kcovReview: { inlayHints: true } }).inlayHints).toBe(true);
    expect(parseSettings({ inlayHints: 'yes' }, { ...DEFAULT_SETTINGS, inlayHints: true }).inlayHints).toBe(true);
  });

  it('hasSettings', () => {
    expect(hasSettings({ kcovReview: { configs: [] } })).toBe(true);
    expect(hasSettings({ inlayHints: false })).toBe(true);
    expect(hasSettings({ other: 1 })).toBe(false);
    expect(hasSettings(undefined)).toBe(false);
  });
});

describe('review options', () => {
  it('default tree dirs: env, next to the bundle, user cache', () => {
    expect(defaultTreeDirs('/repo/dist', { XDG_CACHE_HOME: '/xdg' })).toEqual(['/repo/.cache/linux-6.12', '/xdg/kcov-review/linux-6.12']);
    expect(defaultTreeDirs('/repo/dist', { XDG_CACHE_HOME: '/xdg', KCOV_REVIEW_KERNEL_DIR: '/k' })[0]).toBe('/k');
    expect(defaultTreeDirs('/repo/dist', {})[1]).toMatch(new RegExp(`${path.sep}\\.cache${path.sep}kcov-review${path.sep}linux-6\\.12$`));
  });

  it('maps URIs to paths and settings to ReviewOptions', () => {
    expect(documentPath('file:///a/b%20c.patch')).toBe('/a/b c.patch');
    expect(documentPath('untitled:Untitled-1')).toBeNull();
    expect(reviewOptions('file:///a/x.patch', DEFAULT_SETTINGS, ['/d'])).toEqual({
      documentPath: '/a/x.patch',
      kernelTree: null,
      configs: ['!RT', 'RT+BHlock', 'RT'],
      defaultTreeDirs: ['/d'],
      timeBudgetMs: 2000,
      maxDocumentBytes: 16 * 1024 * 1024,
      nestingDepth: 2,
    });
    expect(reviewOptions('file:///a/x.patch', { ...DEFAULT_SETTINGS, kernelTree: '/t', configs: ['RT'] }, [])).toMatchObject({ kernelTree: '/t', kernelTreeSource: 'setting', configs: ['RT'] });
  });
});

describe('showPreExisting and timeBudgetMs', () => {
  it('reads both, keeps defaults for invalid values, and passes the budget to the review', async () => {
    const { parseSettings, reviewOptions, DEFAULT_SETTINGS } = await import('../../server/src/lsp/settings');
    expect(DEFAULT_SETTINGS.showPreExisting).toBe(true);
    expect(DEFAULT_SETTINGS.timeBudgetMs).toBe(2000);
    const s = parseSettings({ kcovReview: { showPreExisting: false, timeBudgetMs: 500 } });
    expect([s.showPreExisting, s.timeBudgetMs]).toEqual([false, 500]);
    const bad = parseSettings({ kcovReview: { showPreExisting: 'no', timeBudgetMs: -3 } });
    expect([bad.showPreExisting, bad.timeBudgetMs]).toEqual([true, 2000]);
    expect(reviewOptions('file:///x.patch', s, []).timeBudgetMs).toBe(500);
  });
});

describe('maxDocumentBytes', () => {
  it('reads the size limit (at least 1 KiB, else the 16 MiB default) and passes it to the review', async () => {
    const { parseSettings, reviewOptions, hasSettings, DEFAULT_SETTINGS } = await import('../../server/src/lsp/settings');
    expect(DEFAULT_SETTINGS.maxDocumentBytes).toBe(16 * 1024 * 1024);
    expect(parseSettings({ kcovReview: { maxDocumentBytes: 4096 } }).maxDocumentBytes).toBe(4096);
    expect(parseSettings({ kcovReview: { maxDocumentBytes: 10 } }).maxDocumentBytes).toBe(16 * 1024 * 1024);
    expect(parseSettings({ kcovReview: { maxDocumentBytes: 'huge' } }).maxDocumentBytes).toBe(16 * 1024 * 1024);
    expect(hasSettings({ maxDocumentBytes: 4096 })).toBe(true);
    expect(reviewOptions('file:///a/x.patch', parseSettings({ maxDocumentBytes: 4096 }), []).maxDocumentBytes).toBe(4096);
  });
});

describe('nestingDepth', () => {
  it('reads the explorer depth, clamps it to 2..4 and passes it to the review', async () => {
    const { parseSettings, reviewOptions, hasSettings } = await import('../../server/src/lsp/settings');
    expect(parseSettings({ kcovReview: { nestingDepth: 3 } }).nestingDepth).toBe(3);
    expect(parseSettings({ kcovReview: { nestingDepth: 12 } }).nestingDepth).toBe(4);
    expect(parseSettings({ kcovReview: { nestingDepth: 'deep' } }).nestingDepth).toBe(2);
    expect(hasSettings({ nestingDepth: 3 })).toBe(true);
    expect(reviewOptions('file:///a/x.patch', parseSettings({ nestingDepth: 3 }), []).nestingDepth).toBe(3);
  });
});
