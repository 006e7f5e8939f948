import { describe, expect, it } from 'vitest';
import { filterConfigurationResults, kernelTreeFor, selectedTreeTarget } from '../../client/src/trust';

const inspected = { defaultValue: '', globalValue: '/home/rev/linux', workspaceValue: '/evil/tree', workspaceFolderValue: '/evil/folder' };

describe('workspace trust: where the kernel tree comes from', () => {
  it('trusted: the effective value (workspace settings count)', () => {
    expect(kernelTreeFor(true, '/evil/folder', inspected)).toBe('/evil/folder');
  });

  it('untrusted: the user setting, never a workspace or folder value', () => {
    expect(kernelTreeFor(false, '/evil/folder', inspected)).toBe('/home/rev/linux');
    expect(kernelTreeFor(false, '/evil/tree', { defaultValue: '', workspaceValue: '/evil/tree' })).toBe('');
    expect(kernelTreeFor(false, '/evil/tree', undefined)).toBe('');
  });

  it('the whole section, the key itself and the root are all filtered; other answers are untouched', () => {
    const items = [{ section: 'kcovReview' }, { section: 'kcovReview.kernelTree' }, { section: null }, { section: 'editor' }];
    const results = [{ kernelTree: '/evil/tree', configs: ['RT'] }, '/evil/tree', { kcovReview: { kernelTree: '/evil/tree', inlayHints: true } }, { tabSize: 8 }];
    const filtered = filterConfigurationResults('kcovReview', items, results, () => '/home/rev/linux');
    expect(filtered).toEqual([
      { kernelTree: '/home/rev/linux', configs: ['RT'] },
      '/home/rev/linux',
      { kcovReview: { kernelTree: '/home/rev/linux', inlayHints: true } },
      { tabSize: 8 },
    ]);
    expect(results[0]).toEqual({ kernelTree: '/evil/tree', configs: ['RT'] });
  });

  it('the item is passed through, so a folder-scoped request is answered for its folder', () => {
    const seen: (string | undefined)[] = [];
    filterConfigurationResults('kcovReview', [{ section: 'kcovReview', scopeUri: 'file:///w/a' }], [{}], (item) => { seen.push(item.scopeUri); return ''; });
    expect(seen).toEqual(['file:///w/a']);
  });

  it('"Select kernel tree" writes to user settings when the workspace is untrusted', () => {
    expect(selectedTreeTarget(true, true)).toBe('workspace');
    expect(selectedTreeTarget(false, true)).toBe('global');
    expect(selectedTreeTarget(true, false)).toBe('global');
  });
});
