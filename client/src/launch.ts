/**
 * The environment the VS Code client starts the server with (the protocol tests start it the same
 * way: test/lsp/support/lspClient.ts).
 *
 * glibc's malloc: `MALLOC_MMAP_THRESHOLD_=16384` serves allocations from 16 KiB up with their own
 * mappings, returned to the system when freed, and `MALLOC_TRIM_THRESHOLD_=65536` gives back free
 * memory at the top of its heap past 64 KiB. Node reads the server's input in 64 KiB chunks; a 50 MB
 * document arrives as ~800 of them, which glibc's default (a threshold that rises to 32 MiB) keeps in
 * its heap after they are freed: with V8's heap back to 20 MB after the document was closed, the
 * server stayed at 135-140 MB against a 95 MB baseline; with only the first variable at 65536, ~20 MB
 * above a 75 MB one; with both, within 7 % (test/lsp/faults.test.ts, several runs). glibc reads them
 * at start-up only, so whoever starts the server sets them; other C libraries ignore them.
 */
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '16384', MALLOC_TRIM_THRESHOLD_: '65536' };
