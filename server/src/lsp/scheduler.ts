/**
 * Version-aware analysis of documents. A newer version supersedes an older one: a pending run is
 * dropped, a run in flight is cancelled (its token says so; the analysis stops at its next stage
 * boundary) and the results of stale versions are never published. The new version starts after
 * `delayMs` without waiting for the cancelled run, so no edit waits behind a stale analysis.
 * Reviews are cached per URI and version; requests for the current version wait for its run
 * (starting it at once if still pending).
 */
import type { CancelToken } from '../review/types';

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Read by the analysis at its stage boundaries (review/types.ts): set once the version it analyses is superseded. */
export type { CancelToken };

export interface SchedulerOptions<R> {
  /** Wait after a change before analysing (a burst of changes within it runs once). 0: at the next turn of the event loop. */
  delayMs: number;
  analyze: (uri: string, version: number, text: string, token: CancelToken) => Promise<R>;
  /** Called once per completed run of the document's current version. */
  onResult: (uri: string, version: number, text: string, outcome: Outcome<R>) => void;
}

interface Entry<R> {
  version: number;
  text: string;
  timer: ReturnType<typeof setTimeout> | null;
  run: Promise<Outcome<R>> | null;
  outcome: Outcome<R> | null;
  token: { cancelled: boolean };
}

export class AnalysisScheduler<R> {
  private readonly entries = new Map<string, Entry<R>>();

  constructor(private readonly options: SchedulerOptions<R>) {}

  /** Schedules analysis of a document version, superseding (and cancelling) any older one. */
  schedule(uri: string, version: number, text: string): void {
    this.supersede(uri);
    const entry: Entry<R> = { version, text, timer: null, run: null, outcome: null, token: { cancelled: false } };
    entry.timer = setTimeout(() => this.start(uri, entry), this.options.delayMs);
    this.entries.set(uri, entry);
  }

  /** The outcome for this version: cached, in flight, or started now; null when the version is not the current one. */
  async get(uri: string, version: number): Promise<Outcome<R> | null> {
    const entry = this.entries.get(uri);
    if (!entry || entry.version !== version) return null;
    if (entry.outcome) return entry.outcome;
    return this.start(uri, entry);
  }

  /** The cached outcome of the current version, without waiting. */
  cached(uri: string): { version: number; outcome: Outcome<R> } | null {
    const entry = this.entries.get(uri);
    return entry?.outcome ? { version: entry.version, outcome: entry.outcome } : null;
  }

  has(uri: string): boolean {
    return this.entries.has(uri);
  }

  forget(uri: string): void {
    this.supersede(uri);
    this.entries.delete(uri);
  }

  /** URIs and versions of all known documents (to re-run them after a settings change). */
  documents(): { uri: string; version: number; text: string }[] {
    return [...this.entries].map(([uri, e]) => ({ uri, version: e.version, text: e.text }));
  }

  /** Drops the current entry's pending run and cancels its run in flight. */
  private supersede(uri: string): void {
    const entry = this.entries.get(uri);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    entry.token.cancelled = true;
  }

  private isCurrent(uri: string, entry: Entry<R>): boolean {
    return this.entries.get(uri) === entry;
  }

  private start(uri: string, entry: Entry<R>): Promise<Outcome<R>> {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    if (entry.run) return entry.run;
    const run = Promise.resolve()
      .then(() => this.options.analyze(uri, entry.version, entry.text, entry.token))
      .then(
        (value): Outcome<R> => ({ ok: true, value }),
        (error: unknown): Outcome<R> => ({ ok: false, error }),
      )
      .then((outcome) => {
        if (this.isCurrent(uri, entry)) {
          entry.outcome = outcome;
          this.options.onResult(uri, entry.version, entry.text, outcome);
        }
        return outcome;
      });
    entry.run = run;
    return run;
  }
}
