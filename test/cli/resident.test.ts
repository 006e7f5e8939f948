/**
 * The resident CLI process (`kcov-review serve`): the real bin/kcov-review.js and dist bundles,
 * spawned as a user would, each test with its own socket folder (KCOV_REVIEW_RESIDENT_DIR).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WARM_UP_PATCHES, warmUpPatches } from '../../server/src/cli/warmUp';
import { reviewEnvironment, type ResidentRequest } from '../../server/src/cli/residentProtocol';
import { makeGenTree, makeHunkPatch } from '../../bench/gen.mjs';
import { reviewDocument } from '../../server/src/review/review';
import { initParser } from '../../server/src/source';
import { kernelDir, readKcov, seedPath, tempTree } from '../support/kernel';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'bin', 'kcov-review.js');
const tree = tempTree({ 'kernel/kcov.c': readKcov() });

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(env: NodeJS.ProcessEnv, args: string[], cwd = root): Run {
  for (const f of ['cli.js', 'cli-client.js']) if (!fs.existsSync(path.join(root, 'dist', f))) throw new Error(`dist/${f} is missing: run \`npm run build\` first`);
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, cwd, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A socket folder of the test's own; stopped and removed after each test. */
const folders: string[] = [];
function residentEnv(): NodeJS.ProcessEnv {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kr-res-')), 'sock');
  folders.push(dir);
  return { KCOV_REVIEW_RESIDENT_DIR: dir };
}

afterEach(() => {
  for (const dir of folders.splice(0)) {
    run({ KCOV_REVIEW_RESIDENT_DIR: dir }, ['stop']);
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

/** Waits (polling every 50 ms, at most 60 s) until `ready()` holds. */
async function until(ready: () => boolean): Promise<void> {
  for (let waited = 0; !ready(); waited += 50) {
    if (waited > 60_000) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const socketIn = (dir: string): string | undefined => fs.readdirSync(dir).find((f) => f.endsWith('.sock'));

/** Sends raw bytes to the socket and collects the reply until the server closes the connection. */
function rawExchange(socket: string, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket);
    let reply = '';
    c.on('connect', () => c.write(bytes));
    c.on('data', (d) => (reply += d.toString('utf8')));
    c.on('close', () => resolve(reply));
    c.on('error', reject);
  });
}

describe('kcov-review serve: a resident process gives what a check in its own process gives', () => {
  it('serves check, repair, reply and litmus with the same output and exit code, from another working folder, and stops', () => {
    const env = residentEnv();
    const started = run(env, ['serve', '--detach', '--no-warm-up']);
    expect(started.code).toBe(0);
    expect(started.stderr).toMatch(/resident process \d+ listens on .*\.sock/);
    const dir = env.KCOV_REVIEW_RESIDENT_DIR as string;
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const sock = socketIn(dir);
    expect(sock).toBeDefined();
    expect(fs.statSync(path.join(dir, sock as string)).mode & 0o777).toBe(0o600);

    // A relative patch path, resolved in the client's folder (not the resident process's).
    const seedDir = path.dirname(seedPath('004'));
    const cases: string[][] = [
      ['check', path.basename(seedPath('004')), '--tree', tree],
      ['check', path.basename(seedPath('000')), '--tree', tree, '--format', 'json', '--explain'],
      ['check', 'no-such.patch', '--tree', tree],
      ['check', '--format', 'yaml', 'x'],
      ['repair', path.basename(seedPath('004')), '--tree', tree],
      ['litmus', path.join(kernelDir(), 'tools/memory-model/litmus-tests/MP+pooncerelease+poacquireonce.litmus')],
      ['reply', path.basename(seedPath('004')), '--tree', tree],
      // More than a pipe holds (64 KiB): the frames arrive in many chunks.
      ['check', ...Array(4).fill(path.basename(seedPath('000'))), '--tree', tree, '--format', 'sarif'],
    ];
    for (const args of cases) {
      const there = run({ ...env, KCOV_REVIEW_RESIDENT: 'require' }, args, seedDir);
      const here = run({ ...env, KCOV_REVIEW_RESIDENT: 'off' }, args, seedDir);
      if (args.includes('sarif')) expect(there.stdout.length).toBeGreaterThan(65536);
      expect(there.code, args.join(' ')).toBe(here.code);
      expect(there.stdout, args.join(' ')).toBe(here.stdout);
      expect(there.stderr, args.join(' ')).toBe(here.stderr);
    }
    expect(run({ ...env, KCOV_REVIEW_RESIDENT: 'require' }, cases[0], seedDir).stdout).toMatch(/fixed \(!RT, RT\+BHlock, RT\)/);

    const stopped = run(env, ['stop']);
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/stopped the resident process/);
    expect(socketIn(dir)).toBeUndefined();
    // Nothing listens now: auto runs the check here; require says so and exits 2.
    expect(run(env, cases[0], seedDir).stdout).toMatch(/fixed \(!RT, RT\+BHlock, RT\)/);
    const required = run({ ...env, KCOV_REVIEW_RESIDENT: 'require' }, cases[0], seedDir);
    expect(required.code).toBe(2);
    expect(required.stderr).toMatch(/KCOV_REVIEW_RESIDENT=require, but no resident process listens on .*ENOENT/);
  });

  it('warms up on the tree before it listens: kcov.c as a file and patches of its own, each located exactly', async () => {
    const env = residentEnv();
    const started = run(env, ['serve', '--detach', '--tree', tree]);
    expect(started.code).toBe(0);
    const dir = env.KCOV_REVIEW_RESIDENT_DIR as string;
    const log = fs.readFileSync(path.join(dir, (socketIn(dir) as string).replace(/\.sock$/, '.log')), 'utf8');
    expect(log).toContain(`warming up: ${1 + WARM_UP_PATCHES} reviews on ${tree}`);
    expect(log.indexOf('warming up')).toBeLessThan(log.indexOf('listens on'));
    await initParser();
    const patches = warmUpPatches(readKcov());
    expect(patches).toHaveLength(WARM_UP_PATCHES);
    for (const patch of patches) {
      const review = await reviewDocument(patch, { documentPath: null, kernelTree: tree, kernelTreeSource: 'cli' });
      expect(review.hunks.map((h) => (h.where.located ? h.where.how : h.where.reason))).toEqual(['exact']);
      expect(review.problems).toEqual([]);
    }
  });

  it('writes the stage times of a check it served to the client\'s KCOV_REVIEW_STAGES file', () => {
    const env = residentEnv();
    expect(run(env, ['serve', '--detach', '--no-warm-up']).code).toBe(0);
    const stages = path.join(path.dirname(env.KCOV_REVIEW_RESIDENT_DIR as string), 'stages.json');
    const r = run({ ...env, KCOV_REVIEW_RESIDENT: 'require', KCOV_REVIEW_STAGES: stages }, ['check', seedPath('004'), '--tree', tree]);
    expect(r.code).toBe(0);
    const written = JSON.parse(fs.readFileSync(stages, 'utf8')) as { totalMs: number; stages: Record<string, { calls: number }> };
    expect(written.totalMs).toBeGreaterThan(0);
    expect(written.stages.parse.calls).toBe(1);
  });

  it('declines a client whose KCOV_REVIEW_* environment differs (the check runs in the client, with that environment)', () => {
    const env = residentEnv();
    expect(run(env, ['serve', '--detach', '--no-warm-up']).code).toBe(0);
    const faulty = { ...env, KCOV_REVIEW_FAULT_RULE: 'publish-barrier' };
    const auto = run(faulty, ['check', seedPath('004'), '--tree', tree]);
    expect(auto.stdout).toMatch(/rule publish-barrier failed/); // the fault was injected: it ran in the client
    const required = run({ ...faulty, KCOV_REVIEW_RESIDENT: 'require' }, ['check', seedPath('004'), '--tree', tree]);
    expect(required.code).toBe(2);
    expect(required.stderr).toMatch(/declined: the KCOV_REVIEW_\* environment \(or HOME, XDG_CACHE_HOME\) differs/);
    // Where the default tree is looked for is part of it too.
    const otherCache = run({ ...env, XDG_CACHE_HOME: path.join(os.tmpdir(), 'kcov-review-other-cache'), KCOV_REVIEW_RESIDENT: 'require' }, ['check', seedPath('004'), '--tree', tree]);
    expect(otherCache.code).toBe(2);
    expect(otherCache.stderr).toMatch(/declined/);
    expect(run({ ...env, KCOV_REVIEW_RESIDENT: 'require' }, ['check', seedPath('004'), '--tree', tree]).code).toBe(0);
  });

  it('answers a malformed or oversized request with exit 2 and keeps serving', async () => {
    const env = residentEnv();
    expect(run(env, ['serve', '--detach', '--no-warm-up']).code).toBe(0);
    const dir = env.KCOV_REVIEW_RESIDENT_DIR as string;
    const socket = path.join(dir, socketIn(dir) as string);
    const notJson = await rawExchange(socket, 'hello\n');
    expect(notJson).toContain('"exit":2');
    expect(notJson).toContain('bad request: the request is not JSON');
    const relative = await rawExchange(socket, JSON.stringify({ kind: 'run', argv: ['check', 'x'], cwd: 'rel', environment: {}, stages: null }) + '\n');
    expect(relative).toContain('cwd must be an absolute path');
    const huge = await rawExchange(socket, 'x'.repeat(2 * 1024 * 1024));
    expect(huge).toContain('bad request: a line is longer than');
    const after = run({ ...env, KCOV_REVIEW_RESIDENT: 'require' }, ['check', seedPath('004'), '--tree', tree]);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/fixed \(!RT, RT\+BHlock, RT\)/);
  });

  it('stops the review of a client that went away (Ctrl-C) at its next stage boundary, logs it, and serves the next client', async () => {
    const env = residentEnv();
    const dir = env.KCOV_REVIEW_RESIDENT_DIR as string;
    const child = spawn(process.execPath, [cli, 'serve', '--no-warm-up'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kr-cancel-'));
    try {
      await until(() => log.includes('listens on'));
      // A review that takes seconds: a generated kcov.c of 3 000 functions, a hunk in each.
      const bigTree = path.join(work, 'tree');
      const patch = makeHunkPatch(path.join(work, 'big.patch'), makeGenTree(bigTree, 3000), 3000);
      const socket = path.join(dir, socketIn(dir) as string);
      const request: ResidentRequest = { kind: 'run', argv: ['check', patch, '--tree', bigTree], cwd: root, environment: reviewEnvironment({ ...process.env, ...env }), stages: null };
      const conn = net.connect(socket);
      conn.on('error', () => undefined);
      conn.on('connect', () => conn.write(JSON.stringify(request) + '\n'));
      await new Promise((resolve) => setTimeout(resolve, 400));
      conn.destroy(); // the client is gone, as after Ctrl-C
      await until(() => /for a client that went away: analysis cancelled before stage "[^"]+" \(the client went away\)/.test(log));
      expect(log).not.toMatch(/kcov\.c: \d+ hunk/); // nothing of the abandoned review was printed anywhere
      const next = run({ ...env, KCOV_REVIEW_RESIDENT: 'require' }, ['check', seedPath('004'), '--tree', tree]);
      expect(next.code).toBe(0);
      expect(next.stdout).toMatch(/fixed \(!RT, RT\+BHlock, RT\)/);
    } finally {
      child.kill('SIGTERM');
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it('replaces a stale socket (its process killed) and the client falls back meanwhile', async () => {
    const env = residentEnv();
    const dir = env.KCOV_REVIEW_RESIDENT_DIR as string;
    const child = spawn(process.execPath, [cli, 'serve', '--no-warm-up'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => d.toString().includes('listens on') && resolve()));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(socketIn(dir)).toBeDefined(); // left behind by the killed process
    const fallback = run(env, ['check', seedPath('004'), '--tree', tree]);
    expect(fallback.code).toBe(0);
    expect(fallback.stdout).toMatch(/fixed \(!RT, RT\+BHlock, RT\)/);
    const required = run({ ...env, KCOV_REVIEW_RESIDENT: 'require' }, ['check', seedPath('004'), '--tree', tree]);
    expect(required.stderr).toMatch(/ECONNREFUSED/);
    expect(run(env, ['serve', '--detach', '--no-warm-up']).code).toBe(0);
    expect(run({ ...env, KCOV_REVIEW_RESIDENT: 'require' }, ['check', seedPath('004'), '--tree', tree]).code).toBe(0);
  });

  it('ends by itself after --idle seconds without a request, removing its socket', async () => {
    const env = residentEnv();
    const dir = env.KCOV_REVIEW_RESIDENT_DIR as string;
    const child = spawn(process.execPath, [cli, 'serve', '--idle', '1', '--no-warm-up'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toMatch(/ends \(1 s without a request\)/);
    expect(socketIn(dir)).toBeUndefined();
  });

  it('uses no folder that others can reach: serve refuses, the client runs the check itself', () => {
    const env = residentEnv();
    const dir = env.KCOV_REVIEW_RESIDENT_DIR as string;
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.chmodSync(dir, 0o777);
    const serve = run(env, ['serve', '--detach', '--no-warm-up']);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toMatch(/not serving: .* has mode 777; it must be 700/);
    const link = `${dir}-link`;
    fs.chmodSync(dir, 0o700);
    fs.symlinkSync(dir, link);
    const viaLink = run({ KCOV_REVIEW_RESIDENT_DIR: link }, ['serve', '--detach', '--no-warm-up']);
    expect(viaLink.code).toBe(2);
    expect(viaLink.stderr).toMatch(/is a symbolic link/);
    fs.chmodSync(dir, 0o755);
    const checked = run({ ...env, KCOV_REVIEW_RESIDENT: 'require' }, ['check', seedPath('004'), '--tree', tree]);
    expect(checked.code).toBe(2);
    expect(checked.stderr).toMatch(/no resident process can be used: .* has mode 755/);
    expect(run(env, ['check', seedPath('004'), '--tree', tree]).code).toBe(0);
  });
});
