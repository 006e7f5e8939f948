/**
 * Protocol tests of inlay hints, the model-state request and the post-image's diagnostics: the
 * bundled server over stdio, on the seeds and the tree extracted by scripts/setup-kernel.sh.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol';
import { KERNEL_DIR, SEEDS, TestClient, requireBuild } from './support/lspClient';

const SEED_004 = path.join(SEEDS, '004_5fcad42784cde50b.txt');
const SEED_000 = path.join(SEEDS, '000_47be01f0e2b144b9.txt');
const uriOf = (file: string): string => pathToFileURL(file).href;
const ALL = { start: { line: 0, character: 0 }, end: { line: 100_000, character: 0 } };
const SETTINGS = { kernelTree: KERNEL_DIR, configs: ['!RT', 'RT+BHlock', 'RT'], inlayHints: true };

function lineOf(text: string, re: RegExp): number {
  const line = text.split('\n').findIndex((l) => re.test(l));
  if (line < 0) throw new Error(`no line matches ${re}`);
  return line;
}

requireBuild();

describe('the model over the protocol', () => {
  let client: TestClient;
  const text = readFileSync(SEED_004, 'utf8');
  const uri = uriOf(SEED_004);
  const smpWmb = lineOf(text, /^\+\s*smp_wmb\(\);/);

  beforeAll(async () => {
    client = await TestClient.start({ settings: { ...SETTINGS } });
    await client.open(uri, 'plaintext', text);
    await client.diagnostics(uri, { version: 1 });
  });

  afterAll(async () => {
    await client?.stop();
  });

  it('announces inlay hints', () => {
    expect(client.capabilities.inlayHintProvider).toEqual({ resolveProvider: false });
  });

  it('answers textDocument/inlayHint with the state per config on the added line (seed 004)', async () => {
    const hints = await client.inlayHints(uri, ALL);
    const hint = hints.find((h) => h.position.line === smpWmb);
    expect(hint?.label).toBe('[task|softirq] !RT: preempt off · migrate on · hardirq off · bh on|off · L kcov_percpu_data.lock · L kcov->lock'
      + ' ‖ RT+BHlock: preempt on · migrate off · bh on|off · rcu · L kcov_percpu_data.lock · L kcov->lock · L? softirq_ctrl.lock'
      + ' ‖ RT: preempt on · migrate off · rcu · L kcov_percpu_data.lock · L kcov->lock');
    expect(hint?.paddingLeft).toBe(true);
  });

  it('turns hints off and on again without restart, asking the client to refresh each time', async () => {
    const before = client.inlayHintRefreshes;
    await client.changeSettings({ ...SETTINGS, inlayHints: false });
    await client.inlayHintRefresh(before);
    expect(await client.inlayHints(uri, ALL)).toEqual([]);
    await client.changeSettings({ ...SETTINGS, inlayHints: true });
    await client.inlayHintRefresh(before + 1);
    expect((await client.inlayHints(uri, ALL)).some((h) => h.position.line === smpWmb)).toBe(true);
  });

  it('follows kcovReview.configs: with RT only, the hint has only RT', async () => {
    const before = client.inlayHintRefreshes;
    await client.changeSettings({ ...SETTINGS, configs: ['RT'] });
    await client.inlayHintRefresh(before);
    const hint = (await client.inlayHints(uri, ALL)).find((h) => h.position.line === smpWmb);
    expect(hint?.label).toBe('[task|softirq] RT: preempt on · migrate off · rcu · L kcov_percpu_data.lock · L kcov->lock');
    await client.changeSettings({ ...SETTINGS });
    await client.inlayHintRefresh(before + 1);
  });

  it('answers kcovReview/modelState with markdown tables of the state and the preemption rows', async () => {
    const reply: { markdown: string | null } = await client.connection.sendRequest('kcovReview/modelState', { textDocument: { uri }, position: { line: smpWmb, character: 2 } });
    expect(reply.markdown).toContain('in `kcov_move_area()`');
    expect(reply.markdown).toContain('| task | hardirq | no | `hardirq-interrupts-task` | hardirq is off here |');
    expect(reply.markdown).toContain('| softirq | softirq | no | `RT+BHlock-softirq-preempts-softirq` | softirq_ctrl.lock is held |');
    const unknown: { markdown: string | null } = await client.connection.sendRequest('kcovReview/modelState', { textDocument: { uri: 'file:///nowhere.patch' }, position: { line: 0, character: 0 } });
    expect(unknown.markdown).toBeNull();
  });

  it('publishes the post-image\'s findings under the URI the client opened, and withdraws them when it closes', async () => {
    const postUri = `kcov-review:/post-image/kernel/kcov.c?${encodeURIComponent(uri)}`;
    const after = client.published.length;
    const reply: { text: string | null } = await client.connection.sendRequest('kcovReview/postImage', { uri: postUri });
    const post = (reply.text ?? '').split('\n');
    expect(post).toContain('\tsmp_wmb();');
    const ds = await client.diagnostics(postUri, { after });
    expect(ds.map((d) => [d.code, d.severity])).toEqual([['publish-reader', DiagnosticSeverity.Information], ['publish-reader', DiagnosticSeverity.Information]]);
    for (const d of ds) expect(post[d.range.start.line]).toMatch(/WRITE_ONCE\(\*\((unsigned long|u64) \*\)dst_area, dst_len \+ entries_moved\);/);
    // Hiding pre-existing findings hides them on the post-image too.
    const hidden = client.published.length;
    await client.changeSettings({ ...SETTINGS, showPreExisting: false });
    expect(await client.diagnostics(postUri, { after: hidden })).toEqual([]);
    await client.changeSettings({ ...SETTINGS });
    expect((await client.diagnostics(postUri, { after: client.published.length })).length).toBe(2);
    const closed = client.published.length;
    await client.connection.sendNotification('kcovReview/postImageClosed', { uri: postUri });
    expect(await client.diagnostics(postUri, { after: closed })).toEqual([]);
  });

  it('seed 000: hints on the removed lines of kcov_remote_start (pre-image) and the post-image findings outside the hunks', async () => {
    const text0 = readFileSync(SEED_000, 'utf8');
    const uri0 = uriOf(SEED_000);
    await client.open(uri0, 'plaintext', text0);
    await client.diagnostics(uri0, { version: 1 });
    const hints = await client.inlayHints(uri0, ALL);
    const lock = lineOf(text0, /^-\s*local_lock_irqsave\(&kcov_percpu_data\.lock, flags\);/);
    const unlock = text0.split('\n').findIndex((l, i) => i > lock && /^-\s*local_unlock_irqrestore/.test(l));
    const label = String(hints.find((h) => h.position.line === unlock)?.label);
    expect(label).toMatch(/^before: .*!RT: preempt on · migrate on · hardirq off · .*L kcov_percpu_data\.lock/);
    expect(label).toMatch(/(RT\+BHlock, )?RT: preempt on · migrate off · .*L kcov_percpu_data\.lock/);
    const postUri = `kcov-review:/post-image/kernel/kcov.c?${encodeURIComponent(uri0)}`;
    const after = client.published.length;
    await client.connection.sendRequest('kcovReview/postImage', { uri: postUri });
    const ds = await client.diagnostics(postUri, { after });
    expect(ds.filter((d) => d.code === 'publish-barrier').map((d) => d.message)).toEqual([
      expect.stringMatching(/case KCOV_MODE_TRACE_PC.*\(pre-existing in kcov_move_area; !RT\)$/),
      expect.stringMatching(/case KCOV_MODE_TRACE_CMP.*\(pre-existing in kcov_move_area; !RT\)$/),
    ]);
  });
});

describe('kernel/kcov.c opened as a file over the protocol', () => {
  let client: TestClient;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcov-review-file-'));
  const file = path.join(dir, 'kernel', 'kcov.c');
  mkdirSync(path.dirname(file), { recursive: true });
  copyFileSync(path.join(KERNEL_DIR, 'kernel', 'kcov.c'), file);
  const text = readFileSync(file, 'utf8');
  const uri = uriOf(file);

  beforeAll(async () => {
    client = await TestClient.start({ settings: { ...SETTINGS } });
    await client.open(uri, 'c', text);
    await client.diagnostics(uri, { version: 1 });
  });

  afterAll(async () => {
    await client?.stop();
  });

  it('hints the lines of the range and answers the model state at a line of the file', async () => {
    const line = lineOf(text, /if \(WARN_ON\(in_task\(\) && kcov_mode_enabled\(mode\)\)\) \{/);
    const hints = await client.inlayHints(uri, { start: { line: line - 2, character: 0 }, end: { line: line + 2, character: 0 } });
    expect(hints.map((h) => h.position.line).every((l) => l >= line - 2 && l <= line + 2)).toBe(true);
    expect(String(hints.find((h) => h.position.line === line)?.label)).toBe('[task|softirq] !RT: preempt on · migrate on · hardirq off · bh on|off · L kcov_percpu_data.lock'
      + ' ‖ RT+BHlock: preempt on · migrate off · bh on|off · rcu · L kcov_percpu_data.lock · L? softirq_ctrl.lock ‖ RT: preempt on · migrate off · rcu · L kcov_percpu_data.lock');
    const reply: { markdown: string | null } = await client.connection.sendRequest('kcovReview/modelState', { textDocument: { uri }, position: { line, character: 0 } });
    expect(reply.markdown).toMatch(/model state before kernel\/kcov\.c:\d+ in `kcov_remote_start\(\)`/);
    expect(reply.markdown).toContain('| task | softirq | no | `!RT-softirq-on-irq-exit` | hardirq is off here |');
  });
});
