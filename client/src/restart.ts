/**
 * When the client restarts a crashed server, and when it tells the reviewer (pure, tested without
 * `vscode`). Up to `maxRestarts` crashes within `windowMs` are restarted; one more and the server is
 * left stopped. The reviewer is told once per crash episode: the first crash after a quiet window
 * shows one message, later crashes of the same episode only update the status bar; giving up shows
 * one error.
 */

export interface RestartPolicy { maxRestarts: number; windowMs: number }

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 5, windowMs: 3 * 60_000 };

export interface CrashDecision {
  restart: boolean;
  /** The message to show now, or null when this episode was already announced. */
  message: { kind: 'information' | 'error'; text: string } | null;
  /** Crashes within the window, this one included (for the status bar). */
  crashesInWindow: number;
}

export class CrashTracker {
  private crashes: number[] = [];

  constructor(private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY) {}

  /** Records a crash at `now` (ms) and decides what to do. */
  crashed(now: number): CrashDecision {
    const recent = this.crashes.filter((t) => now - t < this.policy.windowMs);
    const firstOfEpisode = recent.length === 0;
    recent.push(now);
    this.crashes = recent;
    const minutes = Math.round(this.policy.windowMs / 60_000);
    if (recent.length > this.policy.maxRestarts) {
      const gaveUp = recent.length === this.policy.maxRestarts + 1;
      return {
        restart: false,
        crashesInWindow: recent.length,
        message: gaveUp ? { kind: 'error', text: `kcov-review: the language server crashed ${recent.length} times in ${minutes} minutes and is no longer restarted. Reload the window to start it again; its output channel has the details.` } : null,
      };
    }
    return {
      restart: true,
      crashesInWindow: recent.length,
      message: firstOfEpisode ? { kind: 'information', text: 'kcov-review: the language server stopped unexpectedly and was restarted; diagnostics will be refreshed.' } : null,
    };
  }
}
