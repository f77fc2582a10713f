export interface CircuitBreakerOptions {
  /** One cheap backend operation: resolves when the backend answers. */
  probe(): Promise<unknown>;
  /** The backend answered again: replay what was kept. */
  onClosed(): void;
  baseDelayMs: number;
  maxDelayMs: number;
  now(): number;
}

/** Probes are spaced at most this far apart, whatever the retry backoff allows: recovery is noticed soon. */
const MAX_PROBE_DELAY_MS = 5_000;

/**
 * Whether the meter's backend is known to be down. Once an operation failed for want of the
 * backend, the breaker is open: reserves and reads decide at once (fail open or closed) instead of
 * each waiting for a connect timeout, and settlements go straight to the replay queue. One probe
 * at a time, with backoff, finds out when the backend is back and closes it.
 */
export class CircuitBreaker {
  private since: number | undefined;
  private lastError: unknown;
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private delayMs: number;
  private stopped = false;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.delayMs = options.baseDelayMs;
  }

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
    this.delayMs = this.options.baseDelayMs;
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
    }, this.delayMs);
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
      this.delayMs = Math.min(this.delayMs * 2, this.options.maxDelayMs, MAX_PROBE_DELAY_MS);
      this.schedule();
    } finally {
      this.probing = false;
    }
  }
}
