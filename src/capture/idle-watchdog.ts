/**
 * One shared, unref'd timer that finds streams the application stopped reading. Per chunk a
 * stream only bumps a counter; the sweep compares counters, so the hot path pays no timer reset.
 */
export interface Watched {
  /** Bumped on every chunk delivered. */
  activity: number;
  /** Reads in flight: a stream waiting on the network is slow, not abandoned. */
  pending: number;
  readonly idleTimeoutMs: number;
  /** Called once when idle past the timeout; the watchdog forgets the entry first. */
  onIdle(): void;
}

interface Entry {
  seen: number;
  idleSince: number;
}

const MIN_SWEEP_MS = 10;
const MAX_SWEEP_MS = 30_000;

class IdleWatchdog {
  private readonly entries = new Map<Watched, Entry>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private sweepMs = MAX_SWEEP_MS;

  add(watched: Watched): void {
    if (!(watched.idleTimeoutMs > 0)) return;
    this.entries.set(watched, { seen: watched.activity, idleSince: Date.now() });
    const wanted = Math.min(MAX_SWEEP_MS, Math.max(MIN_SWEEP_MS, Math.floor(watched.idleTimeoutMs / 4)));
    if (!this.timer || wanted < this.sweepMs) this.schedule(wanted);
  }

  /**
   * Forgets a stream. The timer stays until a sweep finds nothing to watch: sequential streams
   * would otherwise create and clear an interval each, which costs more than the sweep itself.
   */
  delete(watched: Watched): void {
    this.entries.delete(watched);
  }

  private schedule(sweepMs: number): void {
    if (this.timer) clearInterval(this.timer);
    this.sweepMs = sweepMs;
    this.timer = setInterval(() => this.sweep(), sweepMs);
    this.timer.unref();
  }

  private sweep(): void {
    if (this.entries.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.sweepMs = MAX_SWEEP_MS;
      return;
    }
    const now = Date.now();
    for (const [watched, entry] of this.entries) {
      if (watched.activity !== entry.seen || watched.pending > 0) {
        entry.seen = watched.activity;
        entry.idleSince = now;
      } else if (now - entry.idleSince >= watched.idleTimeoutMs) {
        this.delete(watched);
        watched.onIdle();
      }
    }
  }
}

export const idleWatchdog = new IdleWatchdog();
