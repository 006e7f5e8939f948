/**
 * The resident CLI process (`kcov-review serve`) and its clients (`bin/kcov-review.js` through
 * dist/cli-client.js) meet on a Unix socket: where it is, who may use it, and the frames they
 * exchange. Shared by both sides; Node built-ins only, so that the client bundle stays small (a
 * client's start is part of every check it serves).
 *
 * Who may connect: only the user. The socket lives in a folder of that user's with mode 0700
 * (`$XDG_RUNTIME_DIR/kcov-review`, else `$TMPDIR/kcov-review-<uid>`); a folder that is a symbolic
 * link, belongs to someone else or lets others in is not used, by either side.
 *
 * Which build: the socket's name is a digest of the CLI bundle's path, size and modification time,
 * so a rebuilt or another checkout's CLI never talks to a resident process running other code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `KCOV_REVIEW_RESIDENT`: auto (use a resident process when one is listening), off, require. */
export type ResidentMode = 'auto' | 'off' | 'require';

export function residentMode(env: NodeJS.ProcessEnv): ResidentMode {
  const v = env.KCOV_REVIEW_RESIDENT;
  return v === 'off' || v === 'require' ? v : 'auto';
}

/** The commands a resident process runs for a client (the others run in the client's process). */
export const RESIDENT_COMMANDS: readonly string[] = ['check', 'repair', 'reply', 'litmus'];

/** The folder holding the sockets: KCOV_REVIEW_RESIDENT_DIR (tests), else the user's runtime folder. */
export function residentDir(env: NodeJS.ProcessEnv): string {
  if (env.KCOV_REVIEW_RESIDENT_DIR) return path.resolve(env.KCOV_REVIEW_RESIDENT_DIR);
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'kcov-review');
  return path.join(os.tmpdir(), `kcov-review-${process.getuid?.() ?? 'user'}`);
}

/** 64-bit FNV-1a of a string's UTF-16 code units, as 16 hex digits. A name, not a secret: loading
 *  node:crypto for it would cost the client a few ms of its start. */
export function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) hash = BigInt.asUintN(64, (hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
  return hash.toString(16).padStart(16, '0');
}

/** The socket of the resident process running the CLI bundle `bundleFile`. */
export function socketPath(bundleFile: string, env: NodeJS.ProcessEnv): string {
  const stat = fs.statSync(bundleFile);
  const id = fnv1a64(`${fs.realpathSync(bundleFile)}\u0000${stat.size}\u0000${stat.mtimeMs}`);
  return path.join(residentDir(env), `${id}.sock`);
}

/** Why a folder may not hold the socket, or null when it is the user's own and closed to others. */
export function unsafeDirReason(dir: string): string | null {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dir);
  } catch {
    return `${dir} does not exist`;
  }
  if (stat.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!stat.isDirectory()) return `${dir} is not a folder`;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) return `${dir} belongs to uid ${stat.uid}, not to you (uid ${uid})`;
  if ((stat.mode & 0o077) !== 0) return `${dir} has mode ${(stat.mode & 0o777).toString(8)}; it must be 700 (others could reach the socket)`;
  return null;
}

/** Creates the socket folder (mode 0700) when missing; returns why it cannot be used, or null. */
export function preparePrivateDir(dir: string): string | null {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    return `cannot create ${dir}: ${(e as Error).message}`;
  }
  return unsafeDirReason(dir);
}

/** Variables outside KCOV_REVIEW_* that a review reads: where the default kernel tree is looked for
 *  (patch/tree.ts defaultTreeDirs: $XDG_CACHE_HOME, else $HOME/.cache). */
const REVIEW_VARIABLES: ReadonlySet<string> = new Set(['HOME', 'XDG_CACHE_HOME']);

/**
 * The environment a review depends on, beyond its arguments: the KCOV_REVIEW_* variables read at
 * start-up (fault injection, the wasm folder, ...) and REVIEW_VARIABLES. A client whose variables
 * differ from the resident process's runs in its own process instead. The ones about the resident
 * mechanism itself, the code cache and the per-request stage file are not part of it.
 */
export function reviewEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const ignored = new Set(['KCOV_REVIEW_RESIDENT', 'KCOV_REVIEW_RESIDENT_DIR', 'KCOV_REVIEW_CODE_CACHE', 'KCOV_REVIEW_STAGES']);
  const out: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) {
    const value = env[key];
    if ((REVIEW_VARIABLES.has(key) || (key.startsWith('KCOV_REVIEW_') && !ignored.has(key))) && value !== undefined) out[key] = value;
  }
  return out;
}

/** Client to resident process: one line of JSON. */
export type ResidentRequest =
  | { kind: 'run'; argv: string[]; cwd: string; environment: Record<string, string>; stages: string | null }
  | { kind: 'stop' };

/** Resident process to client: lines of JSON, ending with `exit` or `fallback`. */
export type ResidentFrame =
  | { out: string }
  | { err: string }
  | { exit: number }
  /** The resident process will not run this request (another environment): run it in your own process. */
  | { fallback: string };

/** The longest request line accepted (the argument list of a check of many patches fits easily). */
export const MAX_REQUEST_BYTES = 1 << 20;

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

const isStringRecord = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string');

/** Reads a request line; throws with what is wrong with it. */
export function parseRequest(line: string): ResidentRequest {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error('the request is not JSON');
  }
  if (typeof v !== 'object' || v === null) throw new Error('the request is not an object');
  const r = v as Record<string, unknown>;
  if (r.kind === 'stop') return { kind: 'stop' };
  if (r.kind !== 'run') throw new Error('the request has no known kind (run or stop)');
  if (!isStringArray(r.argv) || r.argv.length === 0) throw new Error('argv must be a non-empty list of strings');
  if (typeof r.cwd !== 'string' || !path.isAbsolute(r.cwd)) throw new Error('cwd must be an absolute path');
  if (!isStringRecord(r.environment)) throw new Error('environment must map names to strings');
  if (r.stages !== null && typeof r.stages !== 'string') throw new Error('stages must be a path or null');
  return { kind: 'run', argv: r.argv, cwd: r.cwd, environment: r.environment, stages: r.stages };
}

/** Reads a frame line; null when it is none of the frames. */
export function parseFrame(line: string): ResidentFrame | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const f = v as Record<string, unknown>;
  if (typeof f.out === 'string') return { out: f.out };
  if (typeof f.err === 'string') return { err: f.err };
  if (typeof f.exit === 'number' && Number.isInteger(f.exit)) return { exit: f.exit };
  if (typeof f.fallback === 'string') return { fallback: f.fallback };
  return null;
}

/** Splits a byte stream into lines of UTF-8 text (a line may arrive in several chunks). */
export class LineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** The complete lines in `chunk` and before it; throws when a line grows past `maxBytes`. */
  push(chunk: Buffer, maxBytes = Number.POSITIVE_INFINITY): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.pending.push(chunk.subarray(start, nl));
      lines.push(Buffer.concat(this.pending).toString('utf8'));
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > maxBytes) throw new Error(`a line is longer than ${maxBytes} bytes`);
    }
    return lines;
  }
}
