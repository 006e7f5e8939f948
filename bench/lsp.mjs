// A minimal LSP client over stdio (Content-Length framing, written by hand) that measures
// didChange → publishDiagnostics latency against `node dist/server.js --stdio`.
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** An environment without the variables set to undefined (to drop one of LAUNCH.env). */
const withoutUndefined = (env) => Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));

/** Node's options and environment the VS Code client starts the server with. */
const LAUNCH = JSON.parse(fs.readFileSync(new URL('../client/src/serverLaunch.json', import.meta.url), 'utf8'));

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function procStatus(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) || [])[1] || NaN);
    return { rssKB: kb('VmRSS'), hwmKB: kb('VmHWM') };
  } catch {
    return { rssKB: NaN, hwmKB: NaN };
  }
}

class Client {
  constructor(serverJs, settings, env = {}) {
    this.settings = settings;
    // As the VS Code client starts it (client/src/launch.ts); KCOV_BENCH_SERVER_NODE_ARGS replaces Node's options.
    const nodeArgs = process.env.KCOV_BENCH_SERVER_NODE_ARGS !== undefined ? process.env.KCOV_BENCH_SERVER_NODE_ARGS.split(' ').filter((a) => a !== '') : LAUNCH.execArgv;
    this.proc = spawn(process.execPath, [...nodeArgs, serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: withoutUndefined({ ...process.env, ...LAUNCH.env, ...env }) });
    this.proc.stderr.on('data', () => {});
    this.buf = Buffer.alloc(0);
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Set();
    this.proc.stdout.on('data', (chunk) => this.onData(chunk));
  }
  onData(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /Content-Length: (\d+)/i.exec(this.buf.subarray(0, end).toString('ascii'));
      const len = Number(m[1]);
      if (this.buf.length < end + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(end + 4, end + 4 + len).toString('utf8'));
      this.buf = this.buf.subarray(end + 4 + len);
      this.onMessage(msg, now());
    }
  }
  onMessage(msg, t) {
    if (msg.id !== undefined && msg.method) {
      // a request from the server
      let result = null;
      if (msg.method === 'workspace/configuration') result = (msg.params.items || []).map(() => this.settings);
      this.write({ jsonrpc: '2.0', id: msg.id, result });
    } else if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (p) {
        this.pending.delete(msg.id);
        p(msg);
      }
    } else {
      for (const l of this.listeners) l(msg, t);
    }
  }
  write(obj) {
    const body = Buffer.from(JSON.stringify(obj), 'utf8');
    this.proc.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }
  request(method, params) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.write({ jsonrpc: '2.0', id, method, params });
    });
  }
  notify(method, params) {
    this.write({ jsonrpc: '2.0', method, params });
  }
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
export function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p95: pct(s, 95), max: s[s.length - 1] ?? NaN, min: s[0] ?? NaN };
}

/**
 * Opens `patchPath`, waits for its first diagnostics, makes one edit at once (timed alone), pauses
 * `pauseAfterOpenMs`, types `edits` characters (one didChange each, `intervalMs` apart) inside the
 * comment on the line matching `anchor`, then a few isolated edits; then, with `codeAnchor`, `edits`
 * more into the code of the line holding it (before its `;`): six letters typed, then deleted one by
 * one, so that the line keeps its length and every word is new (the model and the rules see each
 * change, where a comment edit leaves the code as it was).
 */
export async function lspBench({ serverJs, kernelTree, patchPath, anchor, codeAnchor = null, edits = 200, intervalMs = 20, isolated = 10, env = {}, pauseAfterOpenMs = 1000 }) {
  const settings = { kernelTree, configs: ['!RT', 'RT+BHlock', 'RT'] };
  const c = new Client(serverJs, settings, env);
  const uri = pathToFileURL(patchPath).href;
  const published = []; // {version, t, count}
  const waiters = [];
  c.listeners.add((msg, t) => {
    if (msg.method !== 'textDocument/publishDiagnostics' || msg.params.uri !== uri) return;
    const v = msg.params.version ?? null;
    published.push({ version: v, t, count: msg.params.diagnostics.length });
    for (const w of [...waiters]) if (v !== null && v >= w.version) { waiters.splice(waiters.indexOf(w), 1); w.resolve(t); }
  });
  const waitFor = (version, timeoutMs = 60000) =>
    new Promise((resolve) => {
      const hit = published.find((p) => p.version !== null && p.version >= version);
      if (hit) return resolve(hit.t);
      const w = { version, resolve };
      waiters.push(w);
      setTimeout(() => { const i = waiters.indexOf(w); if (i >= 0) { waiters.splice(i, 1); resolve(null); } }, timeoutMs);
    });

  const t0 = now();
  await c.request('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { textDocument: { publishDiagnostics: { versionSupport: true }, synchronization: { didSave: false } }, workspace: { configuration: true } },
    initializationOptions: { kcovReview: settings },
  });
  c.notify('initialized', {});
  const text = fs.readFileSync(patchPath, 'utf8');
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(anchor));
  if (line < 0) throw new Error(`anchor not found: ${anchor}`);
  let character = lines[line].lastIndexOf(' */');
  let version = 1;
  const tOpen = now();
  c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'patch-mail', version, text } });
  const tFirst = await waitFor(1);
  const coldMs = tFirst === null ? NaN : tFirst - tOpen;
  const startupMs = tFirst === null ? NaN : tFirst - t0;

  /** Replaces `length` characters at (at, from) with `text` (one didChange); returns the version sent. */
  const change = (at, from, length, text) => {
    version++;
    c.notify('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range: { start: { line: at, character: from }, end: { line: at, character: from + length } }, rangeLength: length, text }],
    });
    return version;
  };
  /** Types one character at the cursor (one didChange); returns the version sent. */
  const typeChar = (ch) => {
    const v = change(line, character, 0, ch);
    character++;
    return v;
  };
  /** Types one character and waits for its diagnostics: the latency, NaN after 30 s without. */
  const timedChar = async (ch) => {
    const ts = now();
    const t = await waitFor(typeChar(ch), 30000);
    return t === null ? NaN : t - ts;
  };

  // One edit as soon as the first diagnostics arrive (code running for the first time), then a
  // pause: a reviewer reads before typing, and the server warms up in idle time (lsp/warmUp.ts).
  const firstEditMs = await timedChar('k');
  await sleep(pauseAfterOpenMs);

  /** `count` edits, `send(i)` making the i-th, `intervalMs` apart; then their latencies and what was published. */
  const burst = async (count, send) => {
    const sent = new Map();
    const first = version + 1;
    for (let i = 0; i < count; i++) {
      const target = now();
      const v = send(i);
      sent.set(v, now());
      const wait = target + intervalMs - now();
      if (wait > 0) await sleep(wait);
    }
    const last = version;
    const tLast = await waitFor(last);
    await sleep(200); // let any straggler publications arrive
    // Latency of each version the server published (stale versions are superseded and never published).
    const exact = [];
    for (const p of published) if (p.version !== null && p.version >= first && sent.has(p.version)) exact.push(p.t - sent.get(p.version));
    // For every edit: time until diagnostics for that version or a newer one were published.
    const covering = [];
    for (let v = first; v <= last; v++) {
      const p = published.find((q) => q.version !== null && q.version >= v && q.t >= sent.get(v));
      covering.push(p ? p.t - sent.get(v) : NaN);
    }
    // Versions of the burst published before its last one: fine when the version was still the newest
    // the server knew; "superseded" when the client had sent a newer one at least 10 ms earlier (the
    // server had time to read it and cancel, yet published the older version).
    const intermediate = published.filter((p) => p.version !== null && p.version >= first && p.version < last);
    const superseded = intermediate.filter((p) => [...sent].some(([v, t]) => v > p.version && t <= p.t - 10));
    return {
      publishedVersions: exact.length,
      intermediatePublished: intermediate.length,
      supersededPublished: superseded.length,
      finalVersionLatencyMs: tLast === null ? NaN : tLast - sent.get(last),
      exactVersionLatencyMs: stats(exact),
      perEditLatencyMs: stats(covering.filter((x) => !Number.isNaN(x))),
      // Each edit's latency in the order typed (rounded to 0.1 ms): where the slow ones fall in the burst.
      perEditSeriesMs: covering.map((x) => Math.round(x * 10) / 10),
    };
  };

  // 200 single-character edits at 20 ms intervals: typing "kcov bench " repeatedly into the comment.
  const typed = 'kcov bench ';
  const comments = await burst(edits, (i) => typeChar(typed[i % typed.length]));
  const afterEdits = procStatus(c.proc.pid);

  // Isolated (warm) edits: one character, wait for its diagnostics, pause, repeat.
  const iso = [];
  for (let i = 0; i < isolated; i++) {
    await sleep(100);
    iso.push(await timedChar('x'));
  }
  const afterAll = procStatus(c.proc.pid);

  // Typing into code: six letters before the `;` of the line holding `codeAnchor`, then deleted.
  let code = null;
  if (codeAnchor !== null) {
    const at = lines.findIndex((l) => l.includes(codeAnchor));
    if (at < 0) throw new Error(`code anchor not found: ${codeAnchor}`);
    let cursor = lines[at].indexOf(';', lines[at].indexOf(codeAnchor));
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    await sleep(500);
    const typedIntoCode = await burst(edits, (i) => {
      const phase = i % 12;
      if (phase < 6) return change(at, cursor++, 0, letters[(Math.floor(i / 12) * 7 + phase * 3) % letters.length]);
      return change(at, --cursor, 1, '');
    });
    code = { line: at + 1, ...typedIntoCode, server: procStatus(c.proc.pid) };
  }

  await c.request('shutdown', null);
  c.notify('exit', null);
  await new Promise((r) => { c.proc.once('exit', r); setTimeout(() => { c.proc.kill(); r(); }, 3000); });

  return {
    edits,
    intervalMs,
    startupToFirstDiagnosticsMs: startupMs,
    coldOpenMs: coldMs,
    firstEditMs,
    pauseAfterOpenMs,
    ...comments,
    isolatedEditLatencyMs: stats(iso.filter((x) => !Number.isNaN(x))),
    serverAfterEdits: afterEdits,
    serverAfterAll: afterAll,
    code,
  };
}
