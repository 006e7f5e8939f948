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
