import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { textHash } from '../../server/src/hash';

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

describe('textHash (chunked SHA-1)', () => {
  it('is the SHA-1 of the whole text, whatever its length and wherever a surrogate pair falls', () => {
    for (const text of ['', 'a', 'x'.repeat(4096), 'x'.repeat(4097), 'y'.repeat(45_000), `${'a'.repeat(4095)}😀${'b'.repeat(5000)}`, '😀'.repeat(5000), `${'é'.repeat(4095)}\u{1F600}`]) {
      expect(textHash(text)).toBe(sha1(text));
    }
  });

  it('tells apart texts that differ only in an astral character across a chunk boundary', () => {
    const a = `${'a'.repeat(4095)}😀`;
    const b = `${'a'.repeat(4095)}😁`;
    expect(textHash(a)).not.toBe(textHash(b));
  });
});
