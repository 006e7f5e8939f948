#!/usr/bin/env node
'use strict';
// kcov-review command line: the bundled CLI (run `npm run build` first).
//
// The bundle is run through vm.Script with V8's code cache: the bytecode of every function the last
// run compiled (the bundle itself and, lazily, the model) is read back instead of being compiled
// again, which saves ~30 ms of a check (bench/run.mjs). V8 checks the cache against its own version
// and flags but of the source only its length, so the cache starts with the SHA-1 of the bundle it
// was made from; a stale or rejected cache is rewritten, one that cannot be read or written is not used. KCOV_REVIEW_CODE_CACHE=off runs the bundle with plain require().
const path = require('node:path');
const fs = require('node:fs');
// node:os, node:vm, node:crypto and node:v8 are required where the bundle is run: a command a resident
// process serves never loads them (each is a few ms of this process's start).

const serving = process.argv[2] === 'serve';

const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(`kcov-review: ${cli} is missing; run \`npm run build\` in ${path.dirname(__dirname)} first\n`);
  process.exit(2);
}

/** Where the cache may live: KCOV_REVIEW_CODE_CACHE=FILE, else beside the bundle, else in the user's cache folder. */
function cacheFiles() {
  if (process.env.KCOV_REVIEW_CODE_CACHE) return [path.resolve(process.env.KCOV_REVIEW_CODE_CACHE)];
  const userCache = process.env.XDG_CACHE_HOME || path.join(require('node:os').homedir(), '.cache');
  return [cli + '.v8cache', path.join(userCache, 'kcov-review', 'cli.js.v8cache')];
}

const DIGEST_BYTES = 20;

/** The cached data for this bundle (its digest first), or undefined. */
function readCache(files, digest) {
  for (const file of files) {
    let data;
    try {
      data = fs.readFileSync(file);
    } catch {
      continue; // try the next place
    }
    return data.subarray(0, DIGEST_BYTES).equals(digest) ? data.subarray(DIGEST_BYTES) : undefined;
  }
  return undefined;
}

/** Writes atomically (a concurrent run reads the old cache or the new one, never half of one). */
function writeCache(files, data) {
  for (const file of files) {
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(tmp, data);
      fs.renameSync(tmp, file);
      return;
    } catch {
      try { fs.unlinkSync(tmp); } catch { /* nothing written */ }
    }
  }
}

// JIT policy, part 1 (part 2: server/src/cli/jit.ts). tree-sitter runs as WebAssembly: V8 compiles
// it with its baseline compiler (Liftoff), then recompiles hot functions with TurboFan, which in a
// run of a few seconds costs more than it saves (the first parses of kcov.c took ~70 ms, not ~19 ms):
// the CLI stays on Liftoff. The JavaScript optimizing compiler starts off and is turned on after
// OPTIMIZE_AFTER_MS. Set before the bundle is compiled: V8's code cache must see the same flags.
// (The language server, long-lived, keeps V8's defaults.)
// `kcov-review serve` is the exception: a resident process lives long enough for both compilers to pay
// off. A command a resident process runs never compiles the bundle here and never loads node:v8.
function setJitFlags() {
  if (!serving) require('node:v8').setFlagsFromString('--liftoff-only --no-opt');
}

/** Runs the CLI bundle in this process (through V8's code cache unless it is off). */
function runBundle() {
  setJitFlags();
  if (serving || process.env.KCOV_REVIEW_CODE_CACHE === 'off') {
    require(cli);
    return;
  }
  const files = cacheFiles();
  const source = fs.readFileSync(cli, 'utf8');
  const digest = require('node:crypto').createHash('sha1').update(source).digest();
  const cachedData = readCache(files, digest);
  const script = new (require('node:vm').Script)(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: cli, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    // After the run, so that the functions it compiled are in the cache too; or just before the
    // bundle turns the optimizing compiler on (cli/jit.ts), while the flags are still those the
    // next run starts with (V8 rejects a cache made under other flags).
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      writeCache(files, Buffer.concat([digest, script.createCachedData()]));
    };
    process.once('kcov-review:optimize', write);
    process.once('exit', write);
  }
  const bundle = { exports: {} };
  process.argv.splice(1, 1, cli); // the bundle reads process.argv.slice(2), as when run directly
  script.runInThisContext().call(bundle.exports, bundle.exports, require, bundle, cli, path.dirname(cli));
}

// A resident process of this build (`kcov-review serve`, server/src/cli/residentServer.ts) runs the
// command when one listens: this process then loads only the small client, not the bundle.
const client = path.join(__dirname, '..', 'dist', 'cli-client.js');
if (serving || process.env.KCOV_REVIEW_RESIDENT === 'off' || !fs.existsSync(client)) runBundle();
else {
  const { runThroughResident, exitWhenFlushed } = require(client);
  runThroughResident(process.argv.slice(2), cli).then(
    (code) => {
      if (code === null) runBundle();
      else exitWhenFlushed(code);
    },
    (error) => {
      process.stderr.write(`kcov-review: resident client: ${error instanceof Error ? error.message : String(error)}; running here\n`);
      runBundle();
    },
  );
}
