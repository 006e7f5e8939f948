/**
 * Loading the parser the way the esbuild bundle does: both .wasm files in one folder next to the
 * bundle, passed as wasmDir. (Each test file runs in a fresh process, so this is the first load.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initParser, isParserReady, locateWasm, parseC } from '../../server/src/source';

describe('initParser', () => {
  it('finds the .wasm files in node_modules without options', () => {
    const found = locateWasm();
    expect(path.basename(found.runtime)).toBe('web-tree-sitter.wasm');
    expect(fs.existsSync(found.language)).toBe(true);
  });

  it('says where it looked when wasmDir is wrong', () => {
    expect(() => locateWasm({ wasmDir: '/nonexistent/kcov-review' })).toThrow(/not both found in \/nonexistent/);
  });

  it('refuses to parse before it is loaded, then loads from a bundle-like folder', async () => {
    expect(isParserReady()).toBe(false);
    expect(() => parseC('int x;')).toThrow(/initParser/);
    const found = locateWasm();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-wasm-'));
    fs.copyFileSync(found.runtime, path.join(dir, 'web-tree-sitter.wasm'));
    fs.copyFileSync(found.language, path.join(dir, 'tree-sitter-c.wasm'));
    try {
      const first = initParser({ wasmDir: dir });
      expect(initParser()).toBe(first);
      await first;
      expect(isParserReady()).toBe(true);
      expect(parseC('int f(void) { return 0; }').rootNode.child(0)?.type).toBe('function_definition');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
