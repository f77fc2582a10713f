export interface CircuitBreakerOptions {
  /** One cheap backend operation: resolves when the backend answers. */
  probe(): Promise<unknown>;
  /** The backend answered again: replay what was kept. */
  onClosed(): void;
  /** Time between the end of one probe and the start of the next while the backend is down. */
  probeIntervalMs: number;
  now(): number;
}

/**
 * The probe interval when none is configured. Every call made while the breaker is open goes
 * ahead unreserved (fail-open), so each second the breaker stays open after the backend is back
 * is a second of overspend: a backoff that grew to 5 s let hundreds of tokens through after a
 * restart. One small read every 250 ms costs the backend nothing worth saving.
 */
export const DEFAULT_PROBE_INTERVAL_MS = 250;

/**
 * Whether the meter's backend is known to be down. Once an operation failed for want of the
 * backend, the breaker is open: reserves and reads decide at once (fail open or closed) instead of
 * each waiting for a connect timeout, and settlements go straight to the replay queue. A probe in
 * the background, one at a time at a steady `probeIntervalMs` (no backoff: recovery must be
 * noticed soon), finds out when the backend is back and closes it; no caller ever waits for it.
 */
export class CircuitBreaker {
  private since: number | undefined;
  private lastError: unknown;
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private stopped = false;

  constructor(private readonly options: CircuitBreakerOptions) {}

  /** True while the backend is known to be down. */
  get open(): boolean {
    return this.since !== undefined;
  }

  /** Epoch ms the backend went down, while it is. */
  get downSince(): number | undefined {
    return this.since;
  }

  get error(): unknown {
    return this.lastError;
  }

  /** An operation failed for want of the backend. */
  trip(error: unknown): void {
    this.lastError = error;
    if (this.since !== undefined) return;
    this.since = this.options.now();
    this.schedule();
  }

  /** An operation succeeded: the backend is up. */
  close(): void {
    if (this.since === undefined) return;
    this.since = undefined;
    this.lastError = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.options.onClosed();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.since === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.probe();
    }, this.options.probeIntervalMs);
    // A probe never keeps a finished program alive.
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    if (this.probing || this.stopped) return;
    this.probing = true;
    try {
      await this.options.probe();
      this.close();
    } catch (error) {
      this.lastError = error;
    } finally {
      this.probing = false;
    }
    this.schedule();
  }
}
