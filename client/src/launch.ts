/**
 * How the VS Code client starts the server: Node's options and the environment (the protocol tests,
 * the Neovim test and bench/lsp.mjs start it the same way, from serverLaunch.json beside this file).
 *
 * `--min-semi-space-size=8`: V8's young generation starts at 8 MB per semi-space instead of 1 MB
 * (lsp/heap.ts keeps it from growing further). An analysis of seed 000 allocates a few MB of
 * short-lived objects; with 1 MB the server ran ~6 scavenges per analysis (1 500 over bench/lsp.mjs's
 * 250 analyses, 650-700 ms of GC) and the p95 of "didChange to diagnostics of that version or a newer
 * one" was 33-41 ms in three runs; with 8 MB, ~210 scavenges (300-330 ms) and 19-22 ms, for 121 MB
 * VmRSS after the edits instead of ~107 MB (16 MB: 20-21 ms, 137 MB). V8 reads the size when the heap
 * is set up, so it is a command-line option: NODE_OPTIONS refuses it, and setting it at run time
 * changes nothing.
 *
 * glibc's malloc: `MALLOC_MMAP_THRESHOLD_=40960` serves allocations from 40 KiB up with their own
 * mappings, returned to the system when freed, and `MALLOC_TRIM_THRESHOLD_=65536` gives back free
 * memory at the top of its heap past 64 KiB. Node reads the server's input in 64 KiB chunks; a 50 MB
 * document arrives as ~800 of them, which glibc's default (a threshold that rises to 32 MiB) keeps in
 * its heap after they are freed: with V8's heap back to 20 MB after the document was closed, the
 * server stayed at 135-140 MB against a 95 MB baseline (test/lsp/faults.test.ts). The threshold was
 * 16 KiB until V8's optimizing compiler showed under it: each compilation takes 36 KiB zone segments
 * from malloc, and at 16 KiB every one was an mmap/munmap pair (13 800 of each over bench/lsp.mjs's
 * 200-edit burst, `strace -c`; 520 at 40 KiB), and the burst's p95 was 124-231 ms against 25-51 ms in
 * three alternating runs each. At 40 KiB the 64 KiB chunks still get their own mappings, and the
 * faults test passed four runs out of four (at 64 KiB it failed one of three: the memory came back to
 * 31 % above the baseline). glibc reads them at start-up only, so whoever starts the server sets
 * them; other C libraries ignore them.
 */
import launch from './serverLaunch.json';

export const SERVER_EXEC_ARGV: readonly string[] = launch.execArgv;
export const SERVER_ENV: Readonly<Record<string, string>> = launch.env;
