import { StoreError } from './errors.js';
import type { ProblemReporter } from './problem-reporter.js';
import type { CallRecord } from './record.js';
import type { Store } from './store.js';

export interface WriteQueueOptions {
  /** Records per store write (one transaction). */
  batchSize: number;
  /** Longest a record waits before a flush starts. */
  flushIntervalMs: number;
  /** Above this many pending records a warning is reported (records are kept, never dropped). */
  highWaterMark: number;
}

export interface WriteQueueStats {
  queued: number;
  written: number;
  failedWrites: number;
  pending: number;
  /** The store's last failure message, until a write succeeds again. */
  storeError: string | null;
}

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * A queue between callers and the store: `push` is O(1) and synchronous; writes happen in
 * batches on a later turn of the event loop. A failing store keeps the records pending and is
 * retried with exponential backoff: nothing is dropped.
 */
export class WriteQueue {
  private buffer: CallRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private flushing: Promise<void> | undefined;
  private retryDelayMs = 0;
  private lastError: StoreError | undefined;
  private readonly counters = { queued: 0, written: 0, failedWrites: 0 };
  private warnedHighWater = false;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly options: WriteQueueOptions,
    private readonly reporter: ProblemReporter,
  ) {}

  get pending(): number {
    return this.buffer.length;
  }

  get stats(): WriteQueueStats {
    return { ...this.counters, pending: this.buffer.length, storeError: this.lastError?.message ?? null };
  }

  /** The last store failure, until a write succeeds again. */
  get error(): StoreError | undefined {
    return this.lastError;
  }

  push(record: CallRecord): void {
    if (this.closed) {
      // The store is closed: retrying it for ever would only hold the record in memory.
      this.reporter.report({
        kind: 'store',
        subject: this.store.kind,
        error: new Error('a call finalized after close() was not written (the ledger was closed while it ran)'),
      });
      return;
    }
    this.buffer.push(record);
    this.counters.queued += 1;
    const size = this.buffer.length;
    if (size >= this.options.batchSize) {
      if (this.immediate === undefined && this.retryDelayMs === 0) {
        this.immediate = setImmediate(() => void this.flushInBackground());
      }
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flushInBackground(), this.options.flushIntervalMs);
      this.timer.unref();
    }
    if (size > this.options.highWaterMark && !this.warnedHighWater) {
      this.warnedHighWater = true;
      this.reporter.report({
        kind: 'store',
        subject: this.store.kind,
        error: new Error(`${size} records are waiting for the store; they are kept in memory until it accepts them`),
      });
    }
  }

  /**
   * Writes everything pushed so far. Rejects with the store's error if it still fails; the
   * records stay queued for the next attempt.
   */
  async flush(): Promise<void> {
    this.cancelTimers();
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    this.flushing = this.writeAll();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  private async flushInBackground(): Promise<void> {
    try {
      await this.flush();
    } catch {
      // already reported; the retry timer is set
    }
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch =
        this.buffer.length <= this.options.batchSize ? this.buffer : this.buffer.slice(0, this.options.batchSize);
      this.buffer = batch === this.buffer ? [] : this.buffer.slice(batch.length);
      try {
        await this.store.write(batch);
      } catch (cause) {
        this.buffer = batch.concat(this.buffer);
        this.counters.failedWrites += 1;
        const error =
          cause instanceof StoreError
            ? cause
            : new StoreError(
                `Writing ${batch.length} records to the ${this.store.kind} store failed: ${errorMessage(cause)}`,
                {
                  retryable: true,
                  cause,
                },
              );
        this.lastError = error;
        this.reporter.report({ kind: 'store', subject: this.store.kind, error });
        this.scheduleRetry();
        throw error;
      }
      this.counters.written += batch.length;
      if (this.lastError) {
        this.lastError = undefined;
        this.reporter.forget('store');
      }
      this.retryDelayMs = 0;
    }
    if (this.buffer.length <= this.options.highWaterMark) this.warnedHighWater = false;
  }

  private scheduleRetry(): void {
    this.retryDelayMs = Math.min(MAX_RETRY_DELAY_MS, this.retryDelayMs === 0 ? 100 : this.retryDelayMs * 2);
    this.cancelTimers();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flushInBackground();
    }, this.retryDelayMs);
    this.timer.unref();
  }

  private cancelTimers(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /** Stops the timers; records pushed afterwards are reported and not kept. */
  close(): void {
    this.closed = true;
    this.cancelTimers();
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
