/**
 * The server's V8 heap, for a long-lived process that analyses on every keystroke, which makes much
 * short-lived garbage:
 * - the young generation keeps its initial size instead of doubling whenever much of it survives a
 *   scavenge (up to 16 MB per semi-space on 64-bit Node 20, not given back while the server is
 *   busy): it bought no time but held 25-40 MB;
 * - the old generation may grow to 1.8x what the last full GC kept, not V8's adaptive 1.1-4x,
 *   which let it reach 150-230 MB between full GCs (bench/lsp.mjs: VmRSS/VmHWM after 200 edits
 *   141-191/156-191 MB -> 109-113/114-126 MB) for ~10% longer warm edits (more full GCs).
 * V8 reads both at each resize, so setting them at start-up takes effect.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_FLAGS = '--semi-space-growth-factor=1 --heap-growing-percent=80';

setFlagsFromString(HEAP_FLAGS);
