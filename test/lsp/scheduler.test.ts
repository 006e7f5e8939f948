import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AnalysisScheduler, type Outcome } from '../../server/src/lsp/scheduler';

interface Published {
  uri: string;
  version: number;
  outcome: Outcome<string>;
}

function setup(analyze: (uri: string, version: number, text: string) => Promise<string> = async (_u, v, t) => `${t}@${v}`) {
  const published: Published[] = [];
  const calls: number[] = [];
  const scheduler = new AnalysisScheduler<string>({
    delayMs: 50,
    analyze: (uri, version, text) => {
      calls.push(version);
      return analyze(uri, version, text);
    },
    onResult: (uri, version, _text, outcome) => published.push({ uri, version, outcome }),
  });
  return { scheduler, published, calls };
}

describe('AnalysisScheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('debounces: only the last version of a burst is analysed', async () => {
    const { scheduler, published, calls } = setup();
    scheduler.schedule('u', 1, 'a');
    await vi.advanceTimersByTimeAsync(20);
    scheduler.schedule('u', 2, 'ab');
    await vi.advanceTimersByTimeAsync(20);
    scheduler.schedule('u', 3, 'abc');
    await vi.advanceTimersByTimeAsync(60);
    expect(calls).toEqual([3]);
    expect(published).toEqual([{ uri: 'u', version: 3, outcome: { ok: true, value: 'abc@3' } }]);
    expect(await scheduler.get('u', 3)).toEqual({ ok: true, value: 'abc@3' });
    expect(await scheduler.get('u', 2)).toBeNull();
  });

  it('drops the result of a run superseded while in flight', async () => {
    let release: (v: string) => void = () => undefined;
    const { scheduler, published } = setup((_u, v, t) => (v === 1 ? new Promise<string>((r) => (release = r)) : Promise.resolve(`${t}@${v}`)));
    scheduler.schedule('u', 1, 'a');
    await vi.advanceTimersByTimeAsync(60);
    scheduler.schedule('u', 2, 'ab');
    release('stale');
    await vi.advanceTimersByTimeAsync(60);
    expect(published.map((p) => p.version)).toEqual([2]);
  });

  it('get() starts a pending run at once and shares it', async () => {
    const { scheduler, calls, published } = setup();
    scheduler.schedule('u', 1, 'a');
    const [a, b] = await Promise.all([scheduler.get('u', 1), scheduler.get('u', 1)]);
    expect(a).toEqual({ ok: true, value: 'a@1' });
    expect(b).toBe(a);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toEqual([1]);
    expect(published).toHaveLength(1);
  });

  it('reports a thrown analysis as a failed outcome', async () => {
    const { scheduler, published } = setup(() => Promise.reject(new Error('boom')));
    scheduler.schedule('u', 1, 'a');
    await vi.advanceTimersByTimeAsync(60);
    expect(published[0].outcome.ok).toBe(false);
  });

  it('forget() cancels the pending run', async () => {
    const { scheduler, calls } = setup();
    scheduler.schedule('u', 1, 'a');
    scheduler.forget('u');
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toEqual([]);
    expect(scheduler.has('u')).toBe(false);
  });
});

describe('AnalysisScheduler cancellation', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('cancels the token of a run superseded in flight and starts the new version without waiting for it', async () => {
    const tokens = new Map<number, { readonly cancelled: boolean }>();
    const releases = new Map<number, (v: string) => void>();
    const published: number[] = [];
    const scheduler = new AnalysisScheduler<string>({
      delayMs: 0,
      analyze: (_uri, version, _text, token) => {
        tokens.set(version, token);
        return new Promise<string>((r) => releases.set(version, r));
      },
      onResult: (_uri, version) => published.push(version),
    });
    scheduler.schedule('u', 1, 'a');
    await vi.advanceTimersByTimeAsync(1);
    expect(tokens.get(1)?.cancelled).toBe(false);
    scheduler.schedule('u', 2, 'ab');
    expect(tokens.get(1)?.cancelled).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    // version 2 runs while version 1 has not finished
    expect(tokens.get(2)?.cancelled).toBe(false);
    releases.get(2)?.('ab@2');
    await vi.advanceTimersByTimeAsync(1);
    expect(published).toEqual([2]);
    releases.get(1)?.('a@1');
    await vi.advanceTimersByTimeAsync(1);
    expect(published).toEqual([2]);
  });

  it('forget() cancels a run in flight', async () => {
    let token: { readonly cancelled: boolean } | null = null;
    const scheduler = new AnalysisScheduler<string>({
      delayMs: 0,
      analyze: (_u, _v, _t, t) => { token = t; return new Promise<string>(() => undefined); },
      onResult: () => undefined,
    });
    scheduler.schedule('u', 1, 'a');
    await vi.advanceTimersByTimeAsync(1);
    expect(token).not.toBeNull();
    scheduler.forget('u');
    expect(token?.['cancelled']).toBe(true);
  });
});
