/**
 * `kcov-review serve`: a resident CLI process. A check run from the shell pays for Node's start,
 * loading the bundle and the grammar, and running every rule's code for the first time, each
 * time (bench/run.mjs: ~80 ms of a seed's ~330 ms is the process, most of the rest cold code).
 * A resident process pays that once: the client (bin/kcov-review.js with dist/cli-client.js) hands
 * it the command line and working folder over a Unix socket, and prints what comes back. The
 * caches are keyed by content (trees and views by the text's hash, findings by the code the rules
 * see), so a changed tree or patch is analysed again, never answered from a stale result.
 *
 * Requests run one at a time, in the client's working folder, through the same `main` as a
 * command run in its own process, so the output and exit code are the same (test/cli/resident.test.ts).
 * The process ends after `--idle` seconds without a request, on `kcov-review stop`, or on SIGTERM/SIGINT.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  LineReader,
  MAX_REQUEST_BYTES,
  parseFrame,
  parseRequest,
  preparePrivateDir,
  RESIDENT_COMMANDS,
  reviewEnvironment,
  socketPath,
  type ResidentFrame,
  type ResidentRequest,
} from './residentProtocol';
import type { CliIo } from './main';
import type { CancelToken } from '../review/types';

/** Runs one command line as the CLI does; `stages` is the KCOV_REVIEW_STAGES file of the request;
 *  `cancel` is set once the client has gone away (its review stops at the next stage boundary). */
export type RunCommand = (argv: readonly string[], io: CliIo, stages: string | undefined, cancel: CancelToken) => Promise<number>;

/** What the resident process reviews before it listens (cli/warmUp.ts), given the tree of
 *  `--tree` or null for the default one; resolves with a line for the log. */
export type WarmUp = (tree: string | null) => Promise<string>;

/** What `serve` needs from the CLI it runs in. */
export interface ResidentHost {
  run: RunCommand;
  warmUp: WarmUp;
}

/** Seconds without a request after which a resident process ends (15 minutes). */
export const DEFAULT_IDLE_SECONDS = 900;

export const SERVE_SYNOPSIS = `  kcov-review serve [--detach] [--idle SECONDS] [--tree DIR] [--no-warm-up]
        keep a resident process that runs check/repair/reply/litmus for this build's CLI; it first reviews
        DIR's kernel/kcov.c (default: the embedded tree) and a few patches of its own, then listens until
        idle for SECONDS (default ${DEFAULT_IDLE_SECONDS}); with --detach, returns once it listens
  kcov-review stop
        end it`;

const SERVE_USAGE = `usage:\n${SERVE_SYNOPSIS}`;

/** The CLI bundle this code runs in (the socket's name is derived from it). */
function bundleFile(): string {
  return typeof __filename === 'string' && __filename.endsWith('.js') ? __filename : process.argv[1];
}

interface ServeArgs {
  detach: boolean;
  idleSeconds: number;
  tree: string | null;
  warmUp: boolean;
}

function parseServeArgs(argv: readonly string[]): ServeArgs | string {
  const args: ServeArgs = { detach: false, idleSeconds: DEFAULT_IDLE_SECONDS, tree: null, warmUp: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--detach') args.detach = true;
    else if (a === '--no-warm-up') args.warmUp = false;
    else if (a === '--tree') {
      const dir = argv[++i];
      if (dir === undefined) return '--tree needs a folder';
      args.tree = path.resolve(dir);
    }
    else if (a === '--idle') {
      const n = Number(argv[++i]);
      if (!Number.isSafeInteger(n) || n < 1) return `--idle takes a whole number of seconds ≥ 1, not ${argv[i]}`;
      args.idleSeconds = n;
    } else return `unknown argument ${a}`;
  }
  return args;
}

/** Does something accept connections on `socket`? */
function listening(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** `kcov-review serve ...` and `kcov-review stop`. */
export async function residentCommand(argv: readonly string[], host: ResidentHost, io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  let socket: string;
  try {
    socket = socketPath(bundleFile(), process.env);
  } catch (e) {
    io.err(`kcov-review: cannot name the resident process's socket: ${(e as Error).message}\n`);
    return 2;
  }
  if (command === 'stop') {
    if (rest.length > 0) {
      io.err(`kcov-review: stop takes no arguments\n${SERVE_USAGE}\n`);
      return 2;
    }
    return stop(socket, io);
  }
  const args = parseServeArgs(rest);
  if (typeof args === 'string') {
    io.err(`kcov-review: ${args}\n${SERVE_USAGE}\n`);
    return 2;
  }
  const unsafe = preparePrivateDir(path.dirname(socket));
  if (unsafe) {
    io.err(`kcov-review: not serving: ${unsafe}\n`);
    return 2;
  }
  if (await listening(socket)) {
    io.err(`kcov-review: a resident process already listens on ${socket}\n`);
    return 0;
  }
  return args.detach ? detach(socket, args, io) : serve(socket, args, host, io);
}

/** Asks the resident process to end and waits until it has. */
async function stop(socket: string, io: CliIo): Promise<number> {
  const answered = await new Promise<boolean>((resolve) => {
    const c = net.connect(socket);
    const reader = new LineReader();
    c.once('connect', () => c.write(JSON.stringify({ kind: 'stop' } satisfies ResidentRequest) + '\n'));
    c.on('data', (chunk: Buffer) => {
      for (const line of reader.push(chunk)) if (parseFrame(line) !== null) resolve(true);
    });
    c.once('error', () => resolve(false));
    c.once('close', () => resolve(false));
  });
  if (!answered) {
    io.err(`kcov-review: no resident process listens on ${socket}\n`);
    return 0;
  }
  for (let i = 0; i < 100 && (await listening(socket)); i++) await new Promise((r) => setTimeout(r, 20));
  io.err(`kcov-review: stopped the resident process on ${socket}\n`);
  return 0;
}

/** Starts `serve` in a detached process (its stderr in a log beside the socket) and waits until it listens. */
async function detach(socket: string, args: ServeArgs, io: CliIo): Promise<number> {
  const log = socket.replace(/\.sock$/, '.log');
  const fd = fs.openSync(log, 'a', 0o600);
  const serveArgs = ['serve', '--idle', String(args.idleSeconds), ...(args.tree ? ['--tree', args.tree] : []), ...(args.warmUp ? [] : ['--no-warm-up'])];
  const child = spawn(process.execPath, [bundleFile(), ...serveArgs], { detached: true, stdio: ['ignore', 'ignore', fd] });
  fs.closeSync(fd);
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? 1;
  });
  child.unref();
  const deadline = Date.now() + 60_000; // the warm-up takes a few seconds on a busy machine
  while (Date.now() < deadline) {
    if (await listening(socket)) {
      io.err(`kcov-review: resident process ${child.pid} listens on ${socket} (log: ${log}; ends after ${args.idleSeconds} s idle or with kcov-review stop)\n`);
      return 0;
    }
    if (exited !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  io.err(`kcov-review: the resident process did not start listening on ${socket}; see ${log}\n`);
  return 2;
}

/** Warms up, then listens on `socket` until idle, stopped or signalled; resolves with the exit code. */
async function serve(socket: string, args: ServeArgs, host: ResidentHost, io: CliIo): Promise<number> {
  if (args.warmUp) {
    const t0 = performance.now();
    try {
      io.err(`kcov-review: resident process ${process.pid} warming up: ${await host.warmUp(args.tree)} in ${Math.round(performance.now() - t0)} ms\n`);
    } catch (e) {
      io.err(`kcov-review: resident process ${process.pid}: warm-up failed (${(e as Error).message}); serving anyway\n`);
    }
  }
  return new Promise<number>((resolve) => new ResidentServer(socket, args.idleSeconds, host.run, io, resolve).listen(false));
}

type RunRequest = Extract<ResidentRequest, { kind: 'run' }>;

/**
 * One listening resident process: requests run one after another (a queue of promises), each in
 * its client's working folder; the idle timer runs only while nothing is queued.
 */
class ResidentServer {
  private readonly server = net.createServer((conn) => this.accept(conn));
  /** Where the process was started: the working folder between requests. */
  private readonly home = process.cwd();
  /** The environment a review reads, as this process started with it (a client with another is declined). */
  private readonly environment = JSON.stringify(reviewEnvironment(process.env));
  private queue: Promise<void> = Promise.resolve();
  private waiting = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** The inode of the socket this process created (only that one is removed at the end). */
  private ownInode: number | null = null;

  constructor(
    private readonly socket: string,
    private readonly idleSeconds: number,
    private readonly run: RunCommand,
    private readonly io: CliIo,
    private readonly done: (code: number) => void,
  ) {
    process.once('SIGTERM', () => this.shutdown('SIGTERM'));
    process.once('SIGINT', () => this.shutdown('SIGINT'));
  }

  listen(retried: boolean): void {
    this.server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE' && !retried) void this.replaceStaleSocket();
      else {
        this.io.err(`kcov-review: cannot listen on ${this.socket}: ${e.message}\n`);
        this.done(2);
      }
    });
    this.server.listen(this.socket, () => {
      fs.chmodSync(this.socket, 0o600);
      this.ownInode = fs.statSync(this.socket).ino;
      this.io.err(`kcov-review: resident process ${process.pid} listens on ${this.socket}\n`);
      this.armIdle();
    });
  }

  /** A socket file is in the way: a resident process that started meanwhile (then this one ends), or a stale file (removed). */
  private async replaceStaleSocket(): Promise<void> {
    if (await listening(this.socket)) {
      this.io.err(`kcov-review: a resident process already listens on ${this.socket}\n`);
      this.done(0);
      return;
    }
    try {
      fs.unlinkSync(this.socket);
    } catch {
      /* removed meanwhile */
    }
    this.listen(true);
  }

  private shutdown(why: string): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.server.close();
    try {
      if (this.ownInode !== null && fs.statSync(this.socket).ino === this.ownInode) fs.unlinkSync(this.socket);
    } catch {
      /* already gone */
    }
    this.io.err(`kcov-review: resident process ${process.pid} ends (${why})\n`);
    this.done(0);
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.shutdown(`${this.idleSeconds} s without a request`), this.idleSeconds * 1000);
  }

  /** Reads one request line from a connection and queues it; a bad one is answered at once. */
  private accept(conn: net.Socket): void {
    const reader = new LineReader();
    let taken = false;
    const send = (frame: ResidentFrame): void => {
      if (!conn.destroyed) conn.write(JSON.stringify(frame) + '\n');
    };
    const refuse = (why: string): void => {
      send({ err: `kcov-review: resident process: bad request: ${why}\n` });
      send({ exit: 2 });
      conn.end();
    };
    conn.on('error', () => conn.destroy()); // a client that went away: its output is dropped
    conn.on('data', (chunk: Buffer) => {
      if (taken) return;
      let request: ResidentRequest;
      try {
        const lines = reader.push(chunk, MAX_REQUEST_BYTES);
        if (lines.length === 0) return;
        taken = true;
        request = parseRequest(lines[0]);
      } catch (e) {
        taken = true;
        refuse((e as Error).message);
        return;
      }
      this.enqueue(() => (request.kind === 'run' ? this.handle(request, conn, send) : this.stop(conn, send)));
    });
  }

  private enqueue(job: () => Promise<void>): void {
    this.waiting++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.queue = this.queue
      .then(job)
      .catch((e: unknown) => this.io.err(`kcov-review: resident process: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`))
      .finally(() => {
        if (--this.waiting === 0 && !this.stopping) this.armIdle();
      });
  }

  private async stop(conn: net.Socket, send: (f: ResidentFrame) => void): Promise<void> {
    send({ exit: 0 });
    conn.end();
    this.shutdown('kcov-review stop');
  }

  /** The output of a client's command, as frames; once the client has gone away, its error output
   *  goes to this process's log instead (a cancelled review says there where it stopped). */
  private clientIo(conn: net.Socket, send: (f: ResidentFrame) => void): CliIo {
    return {
      out: (s) => send({ out: s }),
      err: (s) => (conn.destroyed ? this.io.err(`kcov-review: resident process, for a client that went away: ${s.replace(/^kcov-review: /, '')}`) : send({ err: s })),
    };
  }

  /** Runs a command line for a client, in its working folder, its output sent as frames. */
  private async handle(request: RunRequest, conn: net.Socket, send: (f: ResidentFrame) => void): Promise<void> {
    if (conn.destroyed) {
      this.io.err(`kcov-review: resident process: a client went away before its turn; its ${request.argv[0]} was not run\n`);
      return;
    }
    const declined = !RESIDENT_COMMANDS.includes(request.argv[0])
      ? `${request.argv[0]} is not run by a resident process`
      : JSON.stringify(request.environment) !== this.environment
        ? "the KCOV_REVIEW_* environment (or HOME, XDG_CACHE_HOME) differs from the resident process's"
        : null;
    if (declined) {
      send({ fallback: declined });
      conn.end();
      return;
    }
    // A client that goes away (Ctrl-C, a CI job cancelled) leaves nobody to answer: its review stops
    // at the next stage boundary, and the requests queued behind it start.
    const cancel = { cancelled: false, why: 'the client went away' };
    conn.once('close', () => {
      cancel.cancelled = true;
    });
    let code: number;
    try {
      process.chdir(request.cwd);
      code = await this.run(request.argv, this.clientIo(conn, send), request.stages ?? undefined, cancel);
    } catch (e) {
      send({ err: `kcov-review: ${(e as Error).message}\n` });
      code = 2;
    } finally {
      process.chdir(this.home);
    }
    send({ exit: code });
    conn.end();
  }
}
