import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, defaultTreeDirs, documentPath, hasSettings, parseSettings, reviewOptions } from '../../server/src/lsp/settings';

describe('parseSettings', () => {
  it('reads the section itself or an object holding it', () => {
    expect(parseSettings({ kernelTree: '/t', configs: ['RT'] })).toEqual({ kernelTree: '/t', configs: ['RT'] });
    expect(parseSettings({ kcovReview: { kernelTree: ' /t ' } })).toEqual({ kernelTree: '/t', configs: ['!RT', 'RT+BHlock', 'RT'] });
  });

  it('treats an empty tree as unset and drops unknown configs, keeping table order', () => {
    expect(parseSettings({ kernelTree: '', configs: ['RT', 'bogus', '!RT'] })).toEqual({ kernelTree: null, configs: ['!RT', 'RT'] });
  });

  it('falls back to the base for invalid input', () => {
    const base = { kernelTree: '/base', configs: ['RT' as const] };
    expect(parseSettings(null, base)).toBe(base);
    expect(parseSettings({ kernelTree: 3, configs: 'RT' }, base)).toEqual(base);
    expect(parseSettings({ configs: ['bogus'] }, base)).toEqual(base);
    expect(parseSettings({ configs: [] }, base)).toEqual({ kernelTree: '/base', configs: ['!RT', 'RT+BHlock', 'RT'] });
  });

  it('hasSettings', () => {
    expect(hasSettings({ kcovReview: { configs: [] } })).toBe(true);
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
    });
    expect(reviewOptions('file:///a/x.patch', { kernelTree: '/t', configs: ['RT'] }, [])).toMatchObject({ kernelTree: '/t', kernelTreeSource: 'setting', configs: ['RT'] });
  });
});
