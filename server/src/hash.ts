/**
 * The content hash every cache is keyed by (trees, views, findings, images): SHA-1 of the text's UTF-8.
 *
 * Fed in chunks: Node converts each string given to update() to UTF-8 in a buffer of its own, which
 * under 16 KiB comes from malloc's heap. A whole 45 KB kcov.c at once took a fresh mapping each time
 * under the MALLOC_MMAP_THRESHOLD_ the language server runs with (client/src/launch.ts), and an edit
 * of seed 000 hashes several such texts. A chunk never ends between the two halves of a surrogate
 * pair (each half alone would be encoded as U+FFFD, and two texts could hash alike).
 */
import { createHash } from 'node:crypto';

const CHUNK = 4096;

export function textHash(text: string): string {
  const hash = createHash('sha1');
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + CHUNK);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++; // keep a high surrogate with its low one
    hash.update(text.slice(at, end));
    at = end;
  }
  return hash.digest('hex');
}
