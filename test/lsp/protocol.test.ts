/**
 * Protocol tests: the bundled server (dist/server.js, built by `npm run build`) spawned over stdio and
 * driven by a small LSP client, on the seed patches and the kernel tree extracted by scripts/setup-kernel.sh.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-protocol';
import { KERNEL_DIR, SEEDS, TestClient, applyEdits, requireBuild } from './support/lspClient';

const SEED_004 = path.join(SEEDS, '004_5fcad42784cde50b.txt');
const SEED_000 = path.join(SEEDS, '000_47be01f0e2b144b9.txt');
const uriOf = (file: string): string => pathToFileURL(file).href;
const read = (file: string): string => readFileSync(file, 'utf8');
const RULES = 'https://github.com/kcov-review/kcov-review/blob/main/docs/rules/';

function lineOf(text: string, pattern: RegExp): number {
  const line = text.split('\n').findIndex((l) => pattern.test(l));
  if (line < 0) throw new Error(`no line matches ${pattern}`);
  return line;
}

requireBuild();

describe('language server over stdio', () => {
  let client: TestClient;

  beforeAll(async () => {
    client = await TestClient.start({ settings: { kernelTree: KERNEL_DIR, configs: ['!RT', 'RT+BHlock', 'RT'] } });
  });

  afterAll(async () => {
    await client?.stop();
  });

  it('announces incremental sync, hover and quickfix code actions', () => {
    expect(client.capabilities.textDocumentSync).toMatchObject({ openClose: true, change: 2 });
    expect(client.capabilities.hoverProvider).toBe(true);
    expect(client.capabilities.codeActionProvider).toEqual({ codeActionKinds: ['quickfix', 'source.kcovReview.exportLitmus'] });
    expect(client.capabilities.documentSymbolProvider).toBe(true);
    expect(client.capabilities.foldingRangeProvider).toBe(true);
  });

  describe('seed 004 (smp_wmb in kcov_move_area, whitespace-damaged)', () => {
    const text = read(SEED_004);
    const uri = uriOf(SEED_004);
    let diagnostics: Diagnostic[];

    beforeAll(async () => {
      await client.open(uri, 'plaintext', text);
      diagnostics = await client.diagnostics(uri, { version: 1 });
    });

    it('publishes kcov-review diagnostics for the .txt mail, including the damage', () => {
      expect(diagnostics.length).toBeGreaterThan(0);
      for (const d of diagnostics) {
        expect(d.source).toBe('kcov-review');
        expect(d.range.start.line).toBeGreaterThanOrEqual(0);
        expect(d.range.start.line).toBeLessThan(text.split('\n').length);
      }
      const damaged = diagnostics.find((d) => d.code === 'patch-damaged');
      expect(damaged?.severity).toBe(DiagnosticSeverity.Warning);
      expect(damaged?.range.start.line).toBe(lineOf(text, /^@@ -\d+/));
    });

    it('publishes findings with their rule and documentation link', () => {
      const findings = diagnostics.filter((d) => d.codeDescription);
      expect(findings.length).toBeGreaterThan(0);
      for (const f of findings) expect(f.codeDescription!.href).toBe(`${RULES}${f.code}.md`);
    });

    it('reports the missing barrier as fixed, on the added smp_wmb() line, with a trace into kcov.c', () => {
      const line = lineOf(text, /^\+\s*smp_wmb\(\);/);
      const fixed = diagnostics.filter((d) => d.code === 'publish-barrier');
      expect(fixed.length).toBeGreaterThan(0);
      for (const d of fixed) {
        expect(d.severity).toBe(DiagnosticSeverity.Hint);
        expect(d.range.start.line).toBe(line);
        expect(d.message).toMatch(/\(fixed in kcov_move_area; !RT, RT\+BHlock, RT\)$/);
        const targets = (d.relatedInformation ?? []).map((r) => r.location.uri);
        expect(targets).toContain(pathToFileURL(path.join(KERNEL_DIR, 'kernel/kcov.c')).href);
        expect(targets).toContain(uri);
      }
    });

    it('reports the tree and configurations in use', async () => {
      const status = await client.status(uri);
      expect(status).toMatchObject({ tree: KERNEL_DIR, treeSource: 'setting', configs: ['!RT', 'RT+BHlock', 'RT'] });
    });

    it('hovers a kernel primitive in an added line', async () => {
      const line = lineOf(text, /^\+\s*smp_wmb\(\);/);
      const character = text.split('\n')[line].indexOf('smp_wmb') + 2;
      const hover = await client.hover(uri, { line, character });
      expect(hover).not.toBeNull();
      expect(hover!.contents).toMatchObject({ kind: 'markdown' });
      expect((hover!.contents as { value: string }).value).toContain('smp_wmb');
      expect(hover!.range).toEqual({ start: { line, character: character - 2 }, end: { line, character: character - 2 + 'smp_wmb'.length } });
    });

    it('answers document symbols, folding ranges and code lenses over the protocol', async () => {
      const symbols = (await client.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })) as { name: string; children?: { name: string }[] }[];
      expect(symbols[0].name).toBe('[PATCH] smp_wmb() in kcov_move_area() after memcpy()');
      expect(symbols[0].children?.[0].name).toBe('kernel/kcov.c');
      const folds = (await client.connection.sendRequest('textDocument/foldingRange', { textDocument: { uri } })) as { startLine: number; kind?: string }[];
      expect(folds.some((f) => f.kind === 'region' && text.split('\n')[f.startLine].startsWith('@@ '))).toBe(true);
      const lenses = (await client.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as { command?: { title: string } }[];
      expect(lenses.map((l) => l.command?.title)).toContain('!RT: fixes 2 · pre-existing 2  |  RT+BHlock: fixes 2 · pre-existing 2  |  RT: fixes 2 · pre-existing 2');
    });

    it('goes from a hunk line to kcov.c: context to the tree file, added lines to the post-image', async () => {
      const lines = text.split('\n');
      const hunkAt = lines.findIndex((l) => l.startsWith('@@ '));
      const memcpy = lines.findIndex((l, i) => i > hunkAt && l.startsWith('memcpy(dst_entries'));
      const ctx = (await client.connection.sendRequest('textDocument/definition', { textDocument: { uri }, position: { line: memcpy, character: 0 } })) as { uri: string; range: { start: { line: number } } };
      expect(ctx.uri).toBe(`file://${KERNEL_DIR}/kernel/kcov.c`);
      expect(read(path.join(KERNEL_DIR, 'kernel/kcov.c')).split('\n')[ctx.range.start.line]).toBe('\tmemcpy(dst_entries, src_entries, bytes_to_move);');
      const wmb = lines.indexOf('+ smp_wmb();');
      const added = (await client.connection.sendRequest('textDocument/definition', { textDocument: { uri }, position: { line: wmb, character: 2 } })) as { uri: string; range: { start: { line: number } } };
      expect(added.uri.startsWith('kcov-review:/post-image/kernel/kcov.c?')).toBe(true);
      const post = (await client.connection.sendRequest('kcovReview/postImage', { uri: added.uri })) as { text: string | null };
      expect(post.text?.split('\n')[added.range.start.line]).toBe('\tsmp_wmb();');
    });

    it('drafts the review reply on request', async () => {
      const reply = (await client.connection.sendRequest('kcovReview/reply', { uri })) as { text: string | null };
      expect(reply.text?.split('\n')[0]).toBe('Subject: Re: [PATCH] smp_wmb() in kcov_move_area() after memcpy()');
      expect(reply.text).toContain('> + smp_wmb();');
    });

    it('hovers a line with a finding', async () => {
      const finding = diagnostics.find((d) => d.codeDescription)!;
      const hover = await client.hover(uri, finding.range.start);
      const value = (hover!.contents as { value: string }).value;
      expect(value).toContain(`**${String(finding.code)}**`);
      expect(value).toMatch(/Trace:\n\n1\. `kernel\/kcov\.c:\d+`/);
    });

    it('repairs the damaged patch with a code action whose edit leaves no damage', async () => {
      const damaged = diagnostics.find((d) => d.code === 'patch-damaged')!;
      const actions = await client.codeActions(uri, damaged.range, [damaged]);
      const repair = actions.find((a) => a.title === 'Repair damaged patch');
      expect(repair).toMatchObject({ kind: 'quickfix', isPreferred: true });
      expect(repair!.diagnostics?.[0]).toMatchObject({ code: 'patch-damaged', range: damaged.range });
      const edits = repair!.edit!.changes![uri];
      expect(edits).toHaveLength(1);
      const repaired = applyEdits(text, edits);
      expect(repaired).not.toBe(text);
      expect(repaired).toMatch(/^ \tmemcpy\(dst_entries, src_entries, bytes_to_move\);$/m);
      const repairedUri = uri.replace(/\.txt$/, '.repaired.patch');
      await client.open(repairedUri, 'patch-mail', repaired);
      const after = await client.diagnostics(repairedUri, { version: 1 });
      expect(after.map((d) => d.code)).not.toContain('patch-damaged');
    });

    it('re-analyses edits, dropping superseded versions', async () => {
      const before = client.published.length;
      const line = lineOf(text, /^\+\s*smp_wmb\(\);/);
      await client.edit(uri, 2, { start: { line, character: 0 }, end: { line, character: 0 } }, '+\n');
      await client.edit(uri, 3, { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, '');
      const v3 = await client.diagnostics(uri, { version: 3, after: before });
      expect(v3.map((d) => d.code).sort()).toEqual(diagnostics.map((d) => d.code).sort());
      expect(client.published.slice(before).filter((p) => p.uri === uri).map((p) => p.version)).not.toContain(2);
    });

    it('applies a settings change without restart', async () => {
      const before = client.statuses.length;
      await client.changeSettings({ kernelTree: KERNEL_DIR, configs: ['RT'] });
      const status = await client.status(uri, { after: before, accept: (s) => s.configs.length === 1 });
      expect(status.configs).toEqual(['RT']);
      const restored = client.statuses.length;
      await client.changeSettings({ kernelTree: KERNEL_DIR, configs: ['!RT', 'RT+BHlock', 'RT'] });
      await client.status(uri, { after: restored, accept: (s) => s.configs.length === 3 });
    });
  });

  describe('a patch that leaves the barrier missing', () => {
    /** Adds a comment in kcov_move_area() of the tree's kcov.c, between the entries and the count store. */
    function commentPatch(): string {
      const kcov = read(path.join(KERNEL_DIR, 'kernel/kcov.c')).split('\n');
      const at = kcov.indexOf('\tmemcpy(dst_entries, src_entries, bytes_to_move);');
      if (at < 0) throw new Error('kcov_move_area() memcpy line not found in the tree');
      const context = kcov.slice(at, at + 6);
      return [
        'From: T Ester <tester@example.org>',
        'Subject: [PATCH] kcov: comment kcov_move_area()',
        '',
        'Signed-off-by: T Ester <tester@example.org>',
        '---',
        'diff --git a/kernel/kcov.c b/kernel/kcov.c',
        '--- a/kernel/kcov.c',
        '+++ b/kernel/kcov.c',
        `@@ -${at + 1},6 +${at + 1},7 @@ static void kcov_move_area(enum kcov_mode mode, void *dst_area,`,
        ` ${context[0]}`,
        ` ${context[1]}`,
        '+\t/* the entries are in place */',
        ...context.slice(2).map((l) => ` ${l}`),
        '',
      ].join('\n');
    }

    it('offers the preferred smp_wmb() fix, whose edit makes the finding go away', async () => {
      const uri = 'file:///tmp/kcov-review-test/0001-comment.patch';
      const text = commentPatch();
      await client.open(uri, 'patch-mail', text);
      const diagnostics = await client.diagnostics(uri, { version: 1 });
      const standing = diagnostics.filter((d) => d.code === 'publish-barrier');
      expect(standing.length).toBeGreaterThan(0);
      for (const d of standing) expect(d.severity).toBe(DiagnosticSeverity.Information);

      const actions = await client.codeActions(uri, standing[0].range, standing);
      const distinct = actions.map((a) => JSON.stringify([a.title, a.edit]));
      expect(new Set(distinct).size).toBe(distinct.length);
      const preferred = actions.find((a) => a.isPreferred);
      expect(preferred).toMatchObject({ kind: 'quickfix', title: expect.stringMatching(/smp_wmb/) });
      expect(preferred!.diagnostics!.every((d) => d.code === 'publish-barrier')).toBe(true);
      const fixed = applyEdits(text, preferred!.edit!.changes![uri]);
      expect(fixed).toMatch(/^\+\tsmp_wmb\(\);$/m);
      expect(fixed).toMatch(/^@@ -\d+,6 \+\d+,8 @@/m);

      await client.replace(uri, 2, fixed);
      const after = await client.diagnostics(uri, { version: 2 });
      expect(after.filter((d) => d.code === 'publish-barrier' && d.severity !== DiagnosticSeverity.Hint)).toEqual([]);
    });
  });

  describe('seed 000 (PREEMPT_RT per-task state, v2)', () => {
    it('reports the whitespace damage', async () => {
      const uri = uriOf(SEED_000);
      await client.open(uri, 'plaintext', read(SEED_000));
      const diagnostics = await client.diagnostics(uri, { version: 1 });
      expect(diagnostics.map((d) => d.code)).toContain('patch-damaged');
      const lines = read(SEED_000).split('\n');
      for (const miss of diagnostics.filter((d) => d.code === 'hunk-not-found')) {
        expect(miss.severity).toBe(DiagnosticSeverity.Error);
        expect(lines[miss.range.start.line]).toMatch(/^@@ /);
      }
    });
  });

  it('ignores .txt files that are not patches', async () => {
    const notes = 'file:///tmp/kcov-review-notes.txt';
    await client.open(notes, 'plaintext', 'just some notes\n');
    const seed = uriOf(SEED_000).replace(/\.txt$/, '.copy.patch');
    await client.open(seed, 'patch-mail', read(SEED_000));
    await client.diagnostics(seed, { version: 1 });
    expect(client.published.some((p) => p.uri === notes && p.diagnostics.length > 0)).toBe(false);
  });
});
