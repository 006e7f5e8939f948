import { describe, expect, it } from 'vitest';
import { CrashTracker, DEFAULT_RESTART_POLICY } from '../../client/src/restart';

const MIN = 60_000;

describe('restarting a crashed server', () => {
  it('defaults to 5 restarts in 3 minutes', () => {
    expect(DEFAULT_RESTART_POLICY).toEqual({ maxRestarts: 5, windowMs: 3 * MIN });
  });

  it('restarts and announces the first crash once; later crashes of the episode are silent', () => {
    const t = new CrashTracker();
    const first = t.crashed(0);
    expect(first).toMatchObject({ restart: true, crashesInWindow: 1, message: { kind: 'information' } });
    expect(first.message?.text).toMatch(/stopped unexpectedly and was restarted/);
    for (let i = 1; i < 5; i++) expect(t.crashed(i * 1000)).toEqual({ restart: true, crashesInWindow: i + 1, message: null });
  });

  it('gives up on the sixth crash within the window, says so once', () => {
    const t = new CrashTracker();
    for (let i = 0; i < 5; i++) t.crashed(i * 1000);
    const sixth = t.crashed(10_000);
    expect(sixth).toMatchObject({ restart: false, crashesInWindow: 6, message: { kind: 'error' } });
    expect(sixth.message?.text).toMatch(/6 times in 3 minutes/);
    expect(t.crashed(11_000)).toEqual({ restart: false, crashesInWindow: 7, message: null });
  });

  it('crashes spread wider than the window never give up, and each new episode is announced', () => {
    const t = new CrashTracker();
    for (let i = 0; i < 20; i++) {
      const d = t.crashed(i * (3 * MIN + 1));
      expect(d.restart).toBe(true);
      expect(d.crashesInWindow).toBe(1);
      expect(d.message?.kind).toBe('information');
    }
  });

  it('only crashes inside the window count', () => {
    const t = new CrashTracker({ maxRestarts: 2, windowMs: 1000 });
    t.crashed(0);
    t.crashed(500);
    expect(t.crashed(1200)).toMatchObject({ restart: true, crashesInWindow: 2, message: null });
    expect(t.crashed(1300).restart).toBe(false);
  });
});
