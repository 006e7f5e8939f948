import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filterConfigurationResults, KERNEL_TREE_KEY, kernelTreeFor, selectedTreeTarget } from '../../client/src/trust';

interface Manifest {
  capabilities?: { untrustedWorkspaces?: { supported?: unknown; restrictedConfigurations?: unknown; description?: unknown } };
  contributes?: { configuration?: { properties?: Record<string, unknown> } };
}

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

  it('the manifest declares limited support in untrusted workspaces, restricting exactly the setting the client filters', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as Manifest;
    const untrusted = manifest.capabilities?.untrustedWorkspaces;
    expect(untrusted?.supported).toBe('limited');
    expect(untrusted?.restrictedConfigurations).toEqual([`kcovReview.${KERNEL_TREE_KEY}`]);
    expect(Object.keys(manifest.contributes?.configuration?.properties ?? {})).toContain(`kcovReview.${KERNEL_TREE_KEY}`);
    expect(String(untrusted?.description)).toMatch(/user settings/);
  });
});

