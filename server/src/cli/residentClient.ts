/**
 * The client side of the resident CLI process (residentServer.ts), bundled on its own as
 * dist/cli-client.js so that bin/kcov-review.js can try it before loading the whole CLI bundle:
 * when a resident process of the same build listens, the command runs there and this process only
 * prints what comes back; otherwise (KCOV_REVIEW_RESIDENT=off, no process, a folder others can
 * reach, another environment: residentProtocol.ts reviewEnvironment) the caller runs the command itself.
 * KCOV_REVIEW_RESIDENT=require makes "no resident process" an error instead (exit 2), so that a
 * benchmark or a script knows which path it measured.
 */
import net from 'node:net';
import path from 'node:path';
import {
  LineReader,
  parseFrame,
  RESIDENT_COMMANDS,
  residentMode,
  reviewEnvironment,
  socketPath,
  unsafeDirReason,
  type ResidentRequest,
} from './residentProtocol';
import type { CliIo } from './main'; // a type only: the client bundle does not load the CLI

const stdio: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Exits once stdout and stderr are flushed: process.exit() right after a large write to a pipe
 *  drops what the pipe has not taken yet (`check --format json | wc -c` gave 65536 bytes). Used by
 *  bin/kcov-review.js after a resident process's answer and by the CLI bundle's entry (scripts/build.mjs). */
export function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** What a connection attempt came to: the command's exit code, or why it did not run there. */
type Outcome = { code: number } | { notRun: string };

/**
 * Runs `argv` in the resident process of the CLI bundle `bundleFile`. Resolves with the exit
 * code, or null when the caller must run the command in its own process.
 */
export async function runThroughResident(argv: readonly string[], bundleFile: string, env: NodeJS.ProcessEnv = process.env, io: CliIo = stdio): Promise<number | null> {
  const mode = residentMode(env);
  if (mode === 'off' || !RESIDENT_COMMANDS.includes(argv[0])) return null;
  const outcome = await attempt(argv, bundleFile, env, io);
  if ('code' in outcome) return outcome.code;
  if (mode === 'auto') return null;
  io.err(`kcov-review: KCOV_REVIEW_RESIDENT=require, but ${outcome.notRun} (start one with: kcov-review serve --detach)\n`);
  return 2;
}

async function attempt(argv: readonly string[], bundleFile: string, env: NodeJS.ProcessEnv, io: CliIo): Promise<Outcome> {
  let socket: string;
  try {
    socket = socketPath(bundleFile, env);
  } catch (e) {
    return { notRun: `the socket cannot be named (${(e as Error).message})` };
  }
  const unsafe = unsafeDirReason(path.dirname(socket));
  if (unsafe) return { notRun: `no resident process can be used: ${unsafe}` };
  const request: ResidentRequest = {
    kind: 'run',
    argv: [...argv],
    cwd: process.cwd(),
    environment: reviewEnvironment(env),
    stages: env.KCOV_REVIEW_STAGES ? path.resolve(env.KCOV_REVIEW_STAGES) : null,
  };
  return new Promise<Outcome>((resolve) => {
    const conn = net.connect(socket);
    const reader = new LineReader();
    let printed = false;
    let settled = false;
    const settle = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      conn.destroy();
      resolve(o);
    };
    conn.once('connect', () => conn.write(JSON.stringify(request) + '\n'));
    conn.on('data', (chunk: Buffer) => {
      for (const line of reader.push(chunk)) {
        const frame = parseFrame(line);
        if (frame === null) continue;
        if ('out' in frame) {
          printed = true;
          io.out(frame.out);
        } else if ('err' in frame) {
          printed = true;
          io.err(frame.err);
        } else if ('exit' in frame) settle({ code: frame.exit });
        else settle({ notRun: `the resident process declined: ${frame.fallback}` });
      }
    });
    conn.once('error', (e: NodeJS.ErrnoException) => {
      if (!printed) settle({ notRun: `no resident process listens on ${socket} (${e.code ?? e.message})` });
    });
    conn.once('close', () => {
      if (settled) return;
      if (!printed) settle({ notRun: `the resident process on ${socket} closed the connection without an answer` });
      else {
        // Half a result was printed: running again here would print it twice.
        io.err(`kcov-review: the resident process on ${socket} ended during the command; its output above is incomplete\n`);
        settle({ code: 2 });
      }
    });
  });
}
