/**
 * The TextMate grammar and the extension manifest: every regex compiles, the rules match the lines of
 * a patch mail they are meant for, and the manifest points at files that exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_NAMES } from '../../server/src/model/configs';
import { DEFAULT_SETTINGS } from '../../server/src/lsp/settings';

const root = path.resolve(__dirname, '../..');

interface Rule {
  match?: string;
  begin?: string;
  end?: string;
  while?: string;
  patterns?: Rule[];
  captures?: Record<string, Rule>;
  beginCaptures?: Record<string, Rule>;
  name?: string;
}

interface Grammar {
  scopeName: string;
  patterns: Rule[];
  repository: Record<string, Rule>;
}

const grammar = JSON.parse(readFileSync(path.join(root, 'syntaxes/patch-mail.tmLanguage.json'), 'utf8')) as Grammar;

function regexes(rule: Rule, out: string[] = []): string[] {
  for (const key of ['match', 'begin', 'end', 'while'] as const) if (rule[key]) out.push(rule[key]!);
  for (const sub of rule.patterns ?? []) regexes(sub, out);
  for (const group of [rule.captures, rule.beginCaptures]) for (const sub of Object.values(group ?? {})) regexes(sub, out);
  return out;
}

/** Oniguruma's ^ and $ are line anchors, and vscode-textmate matches each line with its "\n" appended. */
const re = (src: string) => new RegExp(src, 'm');
const line = (text: string) => `${text}\n`;

describe('patch-mail grammar', () => {
  it('compiles every regex', () => {
    const all = [...grammar.patterns.flatMap((r) => regexes(r)), ...Object.values(grammar.repository).flatMap((r) => regexes(r))];
    expect(all.length).toBeGreaterThan(20);
    for (const src of all) expect(() => re(src), src).not.toThrow();
  });

  it('matches headers, the title, trailers, separator and diffstat', () => {
    const r = grammar.repository;
    expect(re(r.subject.match!).exec('Subject: [PATCH v2 1/3] kcov: fix')?.[3]).toBe('[PATCH v2 1/3] kcov: fix');
    expect(re(r.title.match!).exec('[PATCH] smp_wmb() in kcov_move_area() after memcpy()')?.[1]).toBe('[PATCH]');
    expect(re(r.header.match!).test('Date: Wed Jul 16 2025 - 22:49:53 EST')).toBe(true);
    for (const t of ['Signed-off-by: A <a@b>', 'Fixes: 5ff3b30ab57d ("kcov: collect coverage from interrupts")', 'Analyzed-by: AI', 'Link: https://x']) {
      expect(re(r.trailer.match!).test(t), t).toBe(true);
    }
    expect(re(r.trailer.match!).test('Problem: x')).toBe(false);
    expect(re(r.separator.match!).test('---')).toBe(true);
    expect(re(r.diffstat.patterns![0].match!).exec('kernel/kcov.c | 87 ++++++++++---')?.slice(1)).toEqual(['kernel/kcov.c', '|', '87', '++++++++++', '---']);
    expect(re(r.diffstat.patterns![1].match!).test('2 files changed, 79 insertions(+), 18 deletions(-)')).toBe(true);
  });

  it('reads a hunk: header, added/removed/context lines with embedded C, and where it ends', () => {
    const hunk = grammar.repository.hunk;
    const m = re(hunk.begin!).exec('@@ -978,6 +978,15 @@ static void kcov_move_area(enum kcov_mode mode, void *dst_area,');
    expect(m?.slice(2, 6)).toEqual(['-978,6', '+978,15', '@@', ' static void kcov_move_area(enum kcov_mode mode, void *dst_area,']);
    const end = re(hunk.end!);
    for (const ends of ['diff --git a/x b/x', '@@ -1 +1 @@', '--- a/kernel/kcov.c', '--', '-- ', 'unprefixed text']) expect(end.test(line(ends)), ends).toBe(true);
    for (const goes of ['+\tsmp_wmb();', '-\tx;', ' \tcontext', '', '\\ No newline at end of file']) expect(end.test(line(goes)), goes).toBe(false);
    const blocks = hunk.patterns!.filter((p) => p.while);
    expect(blocks.map((b) => [b.name, (b as { contentName?: string }).contentName, b.patterns])).toEqual([
      ['markup.inserted.diff', 'meta.embedded.line.c', [{ include: 'source.c' }]],
      ['markup.deleted.diff', 'meta.embedded.line.c', [{ include: 'source.c' }]],
      ['meta.diff.context.patch-mail', 'meta.embedded.line.c', [{ include: 'source.c' }]],
    ]);
  });
});

describe('extension manifest', () => {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

  it('points at existing files and the grammar scope', () => {
    for (const lang of manifest.contributes.languages) if (lang.configuration) expect(existsSync(path.join(root, lang.configuration))).toBe(true);
    const [g] = manifest.contributes.grammars;
    expect(existsSync(path.join(root, g.path))).toBe(true);
    expect(g.scopeName).toBe(grammar.scopeName);
    expect(existsSync(path.join(root, manifest.bin['kcov-review']))).toBe(true);
    expect(manifest.main).toBe('./dist/client.js');
  });

  it('declares the settings and the command the client uses', () => {
    const props = manifest.contributes.configuration.properties;
    expect(props['kcovReview.kernelTree']).toMatchObject({ type: 'string', default: '' });
    expect(props['kcovReview.configs'].items.enum).toEqual([...CONFIG_NAMES]);
    expect(props['kcovReview.configs'].default).toEqual([...CONFIG_NAMES]);
    expect(manifest.contributes.commands.map((c: { command: string }) => c.command)).toContain('kcovReview.selectKernelTree');
  });

  it('declares every setting the server reads, with its default, and every command the client registers', () => {
    const props = manifest.contributes.configuration.properties;
    expect(Object.keys(props).sort()).toEqual(Object.keys(DEFAULT_SETTINGS).map((k) => `kcovReview.${k}`).sort());
    expect(props['kcovReview.inlayHints']).toMatchObject({ type: 'boolean', default: DEFAULT_SETTINGS.inlayHints });
    expect(props['kcovReview.showPreExisting']).toMatchObject({ type: 'boolean', default: DEFAULT_SETTINGS.showPreExisting });
    expect(props['kcovReview.timeBudgetMs']).toMatchObject({ type: 'number', default: DEFAULT_SETTINGS.timeBudgetMs });
    const client = readFileSync(path.join(root, 'client/src/extension.ts'), 'utf8');
    const registered = [...client.matchAll(/const \w+_COMMAND = '(kcovReview\.\w+)'/g)].map((m) => m[1]).sort();
    const declared = manifest.contributes.commands.map((c: { command: string; title: string }) => c.command).sort();
    expect(declared).toEqual(registered);
    expect(manifest.contributes.commands.map((c: { title: string }) => c.title).sort()).toEqual(['Draft review reply', 'Export litmus test', 'Open post-image', 'Select kernel tree', 'Show model state at cursor']);
  });
});
