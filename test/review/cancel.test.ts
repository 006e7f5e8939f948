import { describe, expect, it } from 'vitest';
import { Cancelled, reviewDocument } from '../../server/src/review/review';
import { addStageListener } from '../../server/src/review/stages';
import { readKcov, readSeed, tempTree } from '../support/kernel';

const tree = tempTree({ 'kernel/kcov.c': readKcov() });

describe('a cancellable review', () => {
  it('stops with Cancelled at the first stage boundary once its token is set', async () => {
    await expect(reviewDocument(readSeed('004'), { documentPath: null, kernelTree: tree, cancel: { cancelled: true } })).rejects.toBeInstanceOf(Cancelled);
  });

  it('stops at the next boundary when cancelled while running, naming the stage', async () => {
    const token = { cancelled: false };
    const running = reviewDocument(readSeed('000'), { documentPath: null, kernelTree: tree, cancel: token });
    // three turns of the event loop: the review is past its first boundaries (before parse, before locate)
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    token.cancelled = true;
    const error = await running.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(Cancelled);
    expect((error as Cancelled).stage).toMatch(/^(locate|source views|model and rules|place)/);
  });

  it('builds the views one configuration at a time, with a boundary between them (a newer edit waits for one configuration\'s views at most)', async () => {
    const token = { cancelled: false };
    // Cancel as soon as the first view has been built.
    const remove = addStageListener((stage) => {
      if (stage === 'source views') token.cancelled = true;
    });
    try {
      const error = await reviewDocument(readSeed('000'), { documentPath: null, kernelTree: tree, cancel: token }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(Cancelled);
      expect((error as Cancelled).stage).toBe('source views (RT+BHlock)');
    } finally {
      remove();
    }
  });

  it('gives the same review with a token that is never set as without one', async () => {
    const plain = await reviewDocument(readSeed('000'), { documentPath: null, kernelTree: tree });
    const tokened = await reviewDocument(readSeed('000'), { documentPath: null, kernelTree: tree, cancel: { cancelled: false } });
    expect(tokened.findings).toEqual(plain.findings);
    expect(tokened.problems).toEqual(plain.problems);
  });
});
