/**
 * The server's V8 heap, for a long-lived process that analyses on every keystroke, which makes much
 * short-lived garbage:
 * - the young generation keeps its initial size instead of doubling whenever much of it survives a
 *   scavenge (up to 16 MB per semi-space on 64-bit Node 20, not given back while the server is
 *   busy). The initial size is the launcher's: 8 MB per semi-space (client/src/launch.ts, a
 *   command-line option V8 reads only when it sets the heap up), which cut the scavenges of an edit
 *   burst by seven and its p95 latency from 33-41 to 19-22 ms;
 * - the old generation may grow to 1.8x what the last full GC kept, not V8's adaptive 1.1-4x,
 *   which let it reach 150-230 MB between full GCs (bench/lsp.mjs: VmRSS/VmHWM after 200 edits
 *   141-191/156-191 MB -> 109-113/114-126 MB) for ~10% longer warm edits (more full GCs).
 * V8 reads both at each resize, so setting them at start-up takes effect.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const HEAP_FLAGS = '--semi-space-growth-factor=1 --heap-growing-percent=80';

setFlagsFromString(HEAP_FLAGS);

/**
 * A full collection after a large document goes (closed, or refused for its size): its text, the
 * JSON-RPC message that carried it and the buffers it was read into are tens of MB in V8's large
 * object space, which a full GC unmaps, but the heap's next full GC is far off after such a
 * jump (the limit grew with it), so the server would sit on them: 93 MB before a 50 MB document,
 * 269 MB after closing it (test/lsp/faults.test.ts). `--expose-gc` set at run time installs `gc`
 * in contexts created afterwards; one is created to fetch it.
 */
setFlagsFromString('--expose-gc');
/** V8's `gc()`: a full collection, or with `{ type: 'minor' }` a scavenge of the young generation. */
const v8Gc = runInNewContext('gc') as ((options?: { type: 'minor' }) => void) | undefined;

/** Documents from this size on are followed by a full collection when they go. */
export const LARGE_DOCUMENT_CHARS = 4 * 1024 * 1024;

let pending: NodeJS.Immediate | null = null;

/** Collects once the current messages are handled (several large documents: one collection). */
export function collectAfterLargeDocument(chars: number): void {
  if (chars < LARGE_DOCUMENT_CHARS || typeof v8Gc !== 'function' || pending) return;
  pending = setImmediate(() => {
    pending = null;
    v8Gc();
  });
}

/**
 * Idle time after a published review before the young generation is collected. An edit's analysis
 * fills part of it (seed 000: ~1-3 MB) and leaves it there; roughly every third edit then met a full
 * semi-space and paid a 2-4 ms scavenge inside its own analysis. Collected while the reviewer reads,
 * the next edit starts with an empty one (in process with the launcher's 8 MB semi-spaces, 50 edits
 * 100 ms apart: p95 10.7-11.6 -> 9.2-9.7 ms, 15-16 of them with a scavenge -> 0-1). A change within
 * this time cancels it, so an edit burst is never interrupted and collects as before.
 */
export const IDLE_SCAVENGE_MS = 50;

let idleScavenge: NodeJS.Timeout | null = null;

/** A scavenge of V8's young generation, or nothing when `gc` is not available. */
function scavenge(): void {
  if (typeof v8Gc === 'function') v8Gc({ type: 'minor' });
}

/** Collects the young generation once the server has been idle IDLE_SCAVENGE_MS (called after a
 *  review is published; `collect` is for tests). */
export function scavengeWhenIdle(collect: () => void = scavenge): void {
  cancelPendingScavenge();
  idleScavenge = setTimeout(() => {
    idleScavenge = null;
    collect();
  }, IDLE_SCAVENGE_MS);
  idleScavenge.unref();
}

/** A change arrived: the pending scavenge (idle or soon), if any, is not needed now. */
export function cancelPendingScavenge(): void {
  if (idleScavenge !== null) clearTimeout(idleScavenge);
  idleScavenge = null;
  if (soonScavenge !== null) clearImmediate(soonScavenge);
  soonScavenge = null;
}

/** V8's young generation now: bytes it holds and bytes it can still allocate before a scavenge. */
export interface YoungGeneration { used: number; available: number }

export function youngGeneration(): YoungGeneration {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return space ? { used: space.space_used_size, available: space.space_available_size } : { used: 0, available: Number.POSITIVE_INFINITY };
}

/** Margin over the last analysis's allocation before the room left is called too small. */
export const ROOM_MARGIN = 1.25;

/**
 * When to collect the young generation after a published review, from what an analysis allocates:
 * during an edit burst (keystrokes 20 ms apart) the idle scavenge never comes, and an edit of seed
 * 000 allocates ~3.5 MB of the 8 MB semi-space, so every second edit met a full one and paid a ~2 ms
 * scavenge inside its analysis (in process: 9-10 ms against 7.5-8). When the room left after a review
 * would not hold the next analysis, the scavenge is made at once, in the gap before the next keystroke.
 */
export class ScavengePlanner {
  private usedAtStart: number | null = null;
  /** Bytes the last analysis allocated without a scavenge in between (none measured yet: 0). */
  private lastAllocation = 0;

  analysisStarts(young: YoungGeneration): void {
    this.usedAtStart = young.used;
  }

  /** 'now' when the next analysis would not fit in what is left, else 'idle'. */
  afterReview(young: YoungGeneration): 'now' | 'idle' {
    // Used fell: a scavenge came in between, the difference is not the analysis's allocation.
    if (this.usedAtStart !== null && young.used >= this.usedAtStart) this.lastAllocation = young.used - this.usedAtStart;
    this.usedAtStart = null;
    return this.lastAllocation > 0 && young.available < this.lastAllocation * ROOM_MARGIN ? 'now' : 'idle';
  }
}

let soonScavenge: NodeJS.Immediate | null = null;
const planner = new ScavengePlanner();

/** Called as an analysis starts (the planner measures what it allocates). */
export function analysisStarts(): void {
  planner.analysisStarts(youngGeneration());
}

/** Called after a review is published: a scavenge at once (once the current messages are handled)
 *  when the next analysis would not fit in the young generation, else one in idle time. */
export function scavengeAfterReview(collect: () => void = scavenge, young: YoungGeneration = youngGeneration()): 'now' | 'idle' {
  const when = planner.afterReview(young);
  if (when === 'idle') {
    scavengeWhenIdle(collect);
    return when;
  }
  cancelPendingScavenge();
  soonScavenge = setImmediate(() => {
    soonScavenge = null;
    collect();
  });
  return when;
}
