/**
 * Security (issue 7): nothing from a patch reaches a shell; the kernel tree is only read; paths a
 * patch names never lead a read outside the tree; symlinks leaving the tree are not followed; files
 * the CLI and the export action write go only where the user asked.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { codeActions, litmusUri } from '../../server/src/lsp/codeActions';
import { repairDocument } from '../../server/src/patch/repair';
import { readTreeFileChecked } from '../../server/src/patch/tree';
import { draftReply } from '../../server/src/review/reply';
import { reviewDocument } from '../../server/src/review/review';
import type { Review } from '../../server/src/review/types';
import { readKcov, readKernelFile, readSeed, seedPath } from '../support/kernel';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'bin', 'kcov-review.js');

function runCli(...args: string[]): { code: number | null; out: string } {
  if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kcov-review-sec-${prefix}-`));
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}

async function review(text: string, tree: string, documentPath: string | null = null): Promise<Review> {
  return reviewDocument(text, { documentPath, kernelTree: tree, kernelTreeSource: 'cli', defaultTreeDirs: [] });
}

const codes = (r: Review): string[] => r.problems.map((p) => p.code);

/** One file's diff whose headers use `name`, with one hunk of `context` around an added line. */
function diffOf(name: string, context: string, extraHeader = ''): string {
  return [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    'From: Mallory <m@example.org>',
    'Subject: [PATCH] kcov: $(touch /tmp/PWNED-subject) `touch /tmp/PWNED-tick`; rm -rf /tmp/x',
    '',
    '---',
    `diff --git a/${name} b/${name}`,
    ...(extraHeader ? [extraHeader] : []),
    `--- a/${name}`,
    `+++ b/${name}`,
    '@@ -1,1 +1,2 @@',
    ` ${context}`,
    '+added',
    '-- ',
    '2.39.5',
    '',
  ].join('\n');
}

describe('nothing from a patch is executed', () => {
  const marker = path.join(os.tmpdir(), `PWNED-${process.pid}`);
  const hostile = [
    `index $(touch ${marker})..\`touch ${marker}\` 100644`,
    `index 1234abcd;touch${marker}..5678 100644`,
    `index -c..--output=${marker} 100644`,
  ];
  const names = [`kernel/$(touch ${marker}).c`, `kernel/\`touch ${marker}\`.c`, `kernel/x.c; touch ${marker}`, `-rf --output=${marker}`];

  afterEach(() => fs.rmSync(marker, { force: true }));

  it('git is run with an argument array only, the blob id checked as hex; the only other process started is Node on the CLI bundle (source audit of server/src)', () => {
    const sources = execFileSync('grep', ['-rlE', "child_process|require\\(['\"]child", path.join(root, 'server', 'src')], { encoding: 'utf8' }).trim().split('\n');
    expect(sources.map((f) => path.relative(root, f)).sort()).toEqual(['server/src/cli/residentServer.ts', 'server/src/patch/tree.ts']);
    // The resident process's --detach starts Node itself on the CLI bundle, with an argument array and no shell.
    const resident = fs.readFileSync(path.join(root, 'server/src/cli/residentServer.ts'), 'utf8');
    expect(resident).not.toMatch(/\bexecSync\b|\bexec\(|\bexecFile|shell:\s*true/);
    expect(resident.match(/\bspawn\(/g)).toHaveLength(1);
    expect(resident).toMatch(/spawn\(process\.execPath, \[bundleFile\(\), \.\.\.serveArgs\], \{ detached: true/);
    const tree = fs.readFileSync(path.join(root, 'server/src/patch/tree.ts'), 'utf8');
    expect(tree).not.toMatch(/\bexecSync\b|\bexec\(|shell:\s*true/);
    expect(tree).toMatch(/\/\^\[0-9a-f\]\{4,64\}\$\/\.test\(blob\)/);
    for (const call of tree.match(/execFileSync\('git', \[[^\]]*\]/g) ?? []) expect(call).toMatch(/'--', blob\]$/);
  });

  it('a patch with shell metacharacters in its index line, file names and subject leaves no marker (reviewDocument, in a git tree)', async () => {
    const tree = tempDir('git');
    writeFiles(tree, { 'kernel/kcov.c': readKcov() });
    execFileSync('git', ['init', '-q', tree]);
    for (const header of hostile) {
      for (const name of [...names, 'kernel/kcov.c']) {
        const r = await review(diffOf(name, 'x', header), tree);
        expect(r.problems.length).toBeGreaterThan(0);
      }
    }
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('the same patches through the CLI (check, repair, reply) leave no marker and exit normally', () => {
    const dir = tempDir('cli');
    const tree = path.join(dir, 'tree');
    writeFiles(tree, { 'kernel/kcov.c': readKcov() });
    execFileSync('git', ['init', '-q', tree]);
    const patch = path.join(dir, 'evil.patch');
    fs.writeFileSync(patch, hostile.map((h, i) => diffOf(names[i], 'x', h)).join('\n'));
    for (const cmd of ['check', 'repair', 'reply']) {
      const r = runCli(cmd, patch, '--tree', tree);
      expect(r.code === 0 || r.code === 1).toBe(true);
      expect(r.out).not.toMatch(/TypeError|at .*\.js:\d+/);
    }
    expect(fs.existsSync(marker)).toBe(false);
  });
});

/** Every file and directory under `dir` with its mode, mtime and content hash (links as their target). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      const what = e.isSymbolicLink() ? `link:${fs.readlinkSync(p)}` : e.isFile() ? crypto.createHash('sha1').update(fs.readFileSync(p)).digest('hex') : 'dir';
      out.set(path.relative(dir, p), `${st.mode}:${st.mtimeMs}:${st.size}:${what}`);
      if (e.isDirectory()) walk(p);
    }
  };
  out.set('.', `${fs.statSync(dir).mtimeMs}`);
  walk(dir);
  return out;
}

describe('the kernel tree is only read', () => {
  it('review, repair, reply, code actions and litmus export write nothing under a (git) tree', async () => {
    const dir = tempDir('ro');
    const tree = path.join(dir, 'tree');
    writeFiles(tree, { 'kernel/kcov.c': readKcov(), 'Documentation/dev-tools/kcov.rst': readKernelFile('Documentation/dev-tools/kcov.rst') });
    execFileSync('git', ['init', '-q', tree]);
    execFileSync('git', ['-C', tree, 'add', '.']);
    execFileSync('git', ['-C', tree, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'base']);
    const before = snapshot(tree);

    const patch = path.join(dir, 'seed004.patch');
    fs.copyFileSync(seedPath('004'), patch);
    const text = readSeed('004');
    const r = await review(text, tree, patch);
    expect(r.tree?.path).toBe(tree);
    expect(r.findings.length).toBeGreaterThan(0);
    expect(repairDocument(text, r.hunks).text).not.toBe(text);
    expect(draftReply(text, r).length).toBeGreaterThan(0);
    const all = { start: { line: 0, character: 0 }, end: { line: text.split('\n').length, character: 0 } };
    const actions = codeActions(r, `file://${patch}`, text, all, (t, rv) => repairDocument(t, rv.hunks).text);
    expect(actions.length).toBeGreaterThan(0);
    for (const cmd of [['check', patch], ['repair', patch, '-o', path.join(dir, 'repaired.patch')], ['reply', patch]]) {
      expect(runCli(...cmd, '--tree', tree).code).not.toBe(2);
    }
    expect(fs.existsSync(path.join(dir, 'repaired.patch'))).toBe(true);
    expect(snapshot(tree)).toEqual(before);
  });

  it('an exported litmus file goes beside the patch whatever name the test carries', () => {
    const patch = 'file:///home/rev/mail/x.patch';
    expect(litmusUri(patch, 'C ../../../etc/cron.d/evil\n{}')).toBe('file:///home/rev/mail/.._.._.._etc_cron.d_evil.litmus');
    expect(litmusUri(patch, 'C /etc/passwd\n')).toBe('file:///home/rev/mail/_etc_passwd.litmus');
    expect(litmusUri(patch, 'C a\\..\\b$(x)\n')).toBe('file:///home/rev/mail/a_.._b__x_.litmus');
  });
});

describe('paths a patch names stay inside the tree', () => {
  const SECRET = 'SECRET-0f9e8d7c-outside-the-tree';
  const escapes = ['../secret.txt', '../../etc/passwd', 'a/../../secret.txt', 'kernel/../../secret.txt', '/etc/passwd'];

  it('each escaping name gets a path-outside-tree diagnostic and no read happens outside the tree', async () => {
    const dir = tempDir('escape');
    const tree = path.join(dir, 'tree');
    writeFiles(tree, { 'kernel/kcov.c': readKcov() });
    writeFiles(dir, { 'secret.txt': `${SECRET}\n` });
    const secretAbs = path.join(dir, 'secret.txt');
    const spy = vi.spyOn(fs, 'readFileSync');
    try {
      for (const name of [...escapes, secretAbs]) {
        const r = await review(diffOf(name, SECRET), tree);
        const note = r.problems.find((p) => p.code === 'path-outside-tree');
        expect(note?.message, name).toMatch(/outside the kernel tree/);
        expect(JSON.stringify(r)).not.toContain(`${SECRET}\n`);
      }
      const reads = spy.mock.calls.map((c) => String(c[0]));
      expect(reads.filter((p) => p.includes('secret') || p.startsWith('/etc'))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('the CLI prints the diagnostic and never the secret (check json, repair, reply)', () => {
    const dir = tempDir('escape-cli');
    const tree = path.join(dir, 'tree');
    writeFiles(tree, { 'kernel/kcov.c': readKcov() });
    // The secret's line would be restored as context by repair if it were read.
    writeFiles(dir, { 'secret.txt': `${SECRET}\nmore\n` });
    const patch = path.join(dir, 'escape.patch');
    fs.writeFileSync(patch, diffOf('../secret.txt', 'more').replace('@@ -1,1 +1,2 @@', '@@ -2,1 +2,2 @@'));
    const check = runCli('check', patch, '--tree', tree, '--format', 'json');
    expect(check.out).toMatch(/path-outside-tree/);
    for (const cmd of ['repair', 'reply']) expect(runCli(cmd, patch, '--tree', tree).out).not.toContain(SECRET);
    expect(check.out).not.toContain(SECRET);
  });

  it('nothing is written outside the tree either: review, repair, reply and code actions on escaping names, in process and through the CLI', async () => {
    const dir = tempDir('escape-write');
    const tree = path.join(dir, 'tree');
    writeFiles(tree, { 'kernel/kcov.c': readKcov() });
    writeFiles(dir, { 'secret.txt': `${SECRET}\nmore\n`, 'kernel/kcov.c': 'outside\n' });
    const patches = path.join(dir, 'mail');
    fs.mkdirSync(patches);
    const before = snapshot(dir);
    const etcPasswd = fs.statSync('/etc/passwd');
    const outputs: string[] = [];
    for (const [k, name] of [...escapes, path.join(dir, 'secret.txt')].entries()) {
      const text = diffOf(name, 'more').replace('@@ -1,1 +1,2 @@', '@@ -2,1 +2,2 @@');
      const patch = path.join(patches, `escape-${k}.patch`);
      fs.writeFileSync(patch, text);
      outputs.push(path.relative(dir, patch));
      const r = await review(text, tree, patch);
      expect(codes(r), name).toContain('path-outside-tree');
      const repaired = repairDocument(text, r.hunks);
      expect(repaired.unrepaired.length, name).toBeGreaterThan(0); // nothing located outside the tree, so nothing claimed
      draftReply(text, r);
      const all = { start: { line: 0, character: 0 }, end: { line: text.split('\n').length, character: 0 } };
      codeActions(r, `file://${patch}`, text, all, (t, rv) => repairDocument(t, rv.hunks).text);
      const out = path.join(patches, `escape-${k}.repaired`);
      expect(runCli('repair', patch, '--tree', tree, '-o', out).code, name).toBe(1);
      outputs.push(path.relative(dir, out));
      for (const cmd of ['check', 'reply']) expect(runCli(cmd, patch, '--tree', tree).code, `${cmd} ${name}`).not.toBe(2);
    }
    // Only the files this test wrote itself, in the folder it named, are new; nothing else changed.
    const after = snapshot(dir);
    const changed = [...after.keys()].filter((p) => after.get(p) !== before.get(p));
    expect(changed.filter((p) => !outputs.includes(p))).toEqual(['mail']); // the folder of the outputs
    expect([...before.keys()].filter((p) => !after.has(p))).toEqual([]);
    expect(fs.statSync('/etc/passwd').mtimeMs).toBe(etcPasswd.mtimeMs);
  });

  it('readTreeFileChecked refuses escaping names before touching the file system', () => {
    const spy = vi.spyOn(fs, 'realpathSync');
    try {
      for (const name of escapes) {
        const read = readTreeFileChecked('/nonexistent-tree', name.replace(/^a\//, ''));
        expect(read.text === null ? read.refused : 'read').toMatch(/outside the kernel tree/);
      }
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('symlinks leaving the tree are not followed', () => {
  const OUTSIDE = '/* OUTSIDE-MARKER-7c1d */';

  function layout(link: 'file' | 'dir' | 'inside'): { tree: string; outside: string } {
    const dir = tempDir(`link-${link}`);
    const tree = path.join(dir, 'tree');
    const outside = path.join(dir, 'outside');
    writeFiles(outside, { 'kernel/kcov.c': `${readKcov()}${OUTSIDE}\n` });
    fs.mkdirSync(path.join(tree, 'kernel'), { recursive: true });
    if (link === 'file') fs.symlinkSync(path.join(outside, 'kernel', 'kcov.c'), path.join(tree, 'kernel', 'kcov.c'));
    if (link === 'dir') { fs.rmdirSync(path.join(tree, 'kernel')); fs.symlinkSync(path.join(outside, 'kernel'), path.join(tree, 'kernel')); }
    if (link === 'inside') {
      writeFiles(tree, { 'src/kcov.c': readKcov() });
      fs.symlinkSync('../src/kcov.c', path.join(tree, 'kernel', 'kcov.c'));
    }
    return { tree, outside };
  }

  for (const link of ['file', 'dir'] as const) {
    it(`kernel/${link === 'file' ? 'kcov.c' : ''} linked outside: not read, and the diagnostic says why`, async () => {
      const { tree, outside } = layout(link);
      const spy = vi.spyOn(fs, 'readFileSync');
      try {
        const r = await review(readSeed('004'), tree);
        const note = r.problems.find((p) => p.code === 'path-outside-tree');
        expect(note?.message).toMatch(/symlink .*leading outside the tree.*not followed/);
        expect(r.images.map((i) => i.baseFrom)).toEqual(['hunks-only']);
        expect(JSON.stringify(r)).not.toContain('OUTSIDE-MARKER');
        expect(spy.mock.calls.map((c) => String(c[0])).filter((p) => p.startsWith(outside))).toEqual([]);
      } finally {
        spy.mockRestore();
      }
    });
  }

  it('a symlink staying inside the tree is followed', async () => {
    const { tree } = layout('inside');
    const spy = vi.spyOn(fs, 'readFileSync');
    try {
      const r = await review(readSeed('004'), tree);
      expect(codes(r)).not.toContain('path-outside-tree');
      expect(r.images.map((i) => i.baseFrom)).toEqual(['tree']);
      // The spy sees the tree module's reads (so the "no read outside" checks above can fail).
      expect(spy.mock.calls.map((c) => String(c[0]))).toContain(fs.realpathSync(path.join(tree, 'src', 'kcov.c')));
    } finally {
      spy.mockRestore();
    }
  });

  it('Documentation/dev-tools/kcov.rst linked outside is not read, and says so', async () => {
    const dir = tempDir('rst');
    const tree = path.join(dir, 'tree');
    writeFiles(tree, { 'kernel/kcov.c': readKcov() });
    writeFiles(dir, { 'kcov.rst': readKernelFile('Documentation/dev-tools/kcov.rst') });
    fs.mkdirSync(path.join(tree, 'Documentation', 'dev-tools'), { recursive: true });
    fs.symlinkSync(path.join(dir, 'kcov.rst'), path.join(tree, 'Documentation', 'dev-tools', 'kcov.rst'));
    const spy = vi.spyOn(fs, 'readFileSync');
    try {
      const r = await review(readSeed('004'), tree);
      expect(r.problems.find((p) => p.code === 'path-outside-tree')?.message).toMatch(/kcov\.rst .*symlink.*reader is taken from kcov-review's default/);
      expect(r.hunks.some((h) => h.where.located)).toBe(true);
      expect(spy.mock.calls.map((c) => String(c[0])).filter((p) => p === path.join(dir, 'kcov.rst'))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});
