/**
 * The server's V8 heap, for a long-lived process that analyses on every keystroke: the young
 * generation keeps its initial size instead of doubling whenever much of it survives a scavenge
 * (up to 16 MB per semi-space on 64-bit Node 20, not given back while the server is busy). The
 * analyses make short-lived garbage, so the larger young generation bought no time but held
 * 25-40 MB (bench/lsp.mjs: VmRSS after 200 edits). V8 reads the factor each time it would grow
 * the young generation, so setting it at start-up takes effect.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_FLAGS = '--semi-space-growth-factor=1';

setFlagsFromString(HEAP_FLAGS);
