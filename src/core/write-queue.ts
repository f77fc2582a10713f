import { ConfigError, StoreError } from './errors.js';
import type { ProblemReporter } from './problem-reporter.js';
import type { CallRecord } from './record.js';
import type { Durability, Spool, SpoolState } from './spool.js';
import type { Store } from './store.js';

export interface WriteQueueOptions {
  /** Records per store write (one transaction). */
  batchSize: number;
  /** Longest a record waits before a flush starts. */
  flushIntervalMs: number;
  /** Above this many pending records a warning is reported (records are kept, never dropped). */
  highWaterMark: number;
  /**
   * Receives records the store refused for good (a non-retryable error on the record alone),
   * for example to append them to a dead-letter file. They are counted in `failed` either way.
   */
  onDeadLetter?: (records: readonly CallRecord[], error: StoreError) => void;
  /**
   * Where records go while the store is failing or the queue is above its high-water mark, and
   * where dead letters are kept. Without one, records wait in memory (never dropped).
   */
  spool?: Spool;
  /** `sync` needs a spool: each record is fsynced to it in `push`. Default `batched`. See Durability. */
  durability?: Durability;
}

export interface WriteQueueStats {
  queued: number;
  written: number;
  failedWrites: number;
  /** Records the store refused with a non-retryable error; set aside (dead letters), never retried. */
  failed: number;
  pending: number;
  /** Records appended to the spool (store down, queue full, or `sync` durability). */
  spooled: number;
  /** Records written to the store from the spool. */
  replayed: number;
  /** The store's last failure message, until a write succeeds again. */
  storeError: string | null;
  /** Records waiting in the spool; absent without a spool. */
  spool?: SpoolState;
}

const MAX_RETRY_DELAY_MS = 30_000;
/** Dead letters kept in memory for inspection when no dead-letter sink is configured. */
const MAX_KEPT_DEAD_LETTERS = 1_000;

/**
 * A queue between callers and the store: `push` is O(1) and synchronous; writes happen in
 * batches on a later turn of the event loop. A failing store keeps the records pending and is
 * retried with exponential backoff: nothing is dropped.
 */
export class WriteQueue {
  /**
   * Pending records are `buffer[head..]`. Batches advance `head` instead of copying the rest of
   * the buffer (which was quadratic with a backlog); the consumed prefix is cut off once it is
   * at least half of the array, so the copying stays linear overall.
   */
  private buffer: CallRecord[] = [];
  private head = 0;
  private readonly deadLetterList: CallRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private flushing: Promise<void> | undefined;
  private retryDelayMs = 0;
  private lastError: StoreError | undefined;
  private readonly counters = { queued: 0, written: 0, failedWrites: 0, failed: 0, spooled: 0, replayed: 0 };
  private readonly spool: Spool | undefined;
  private readonly syncDurability: boolean;
  /** Moves the buffer to the spool while the store is failing (between retries). */
  private spoolTimer: NodeJS.Timeout | undefined;
  private warnedHighWater = false;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly options: WriteQueueOptions,
    private readonly reporter: ProblemReporter,
  ) {
    this.spool = options.spool;
    if (options.durability === 'sync' && this.spool === undefined) {
      // Silently falling back to batched would promise a durability the ledger does not give.
      throw new ConfigError({
        source: 'options',
        path: 'durability',
        expected: '"batched", or "sync" together with a spool (sync durability writes every record to it)',
        received: '"sync" without a spool',
      });
    }
    this.syncDurability = options.durability === 'sync';
    // Records left in the spool by an earlier process are replayed soon after start.
    if (this.spoolPending > 0) this.scheduleFlush(0);
  }

  private get spoolPending(): number {
    return this.spool?.state.pending ?? 0;
  }

  get pending(): number {
    return this.buffer.length - this.head;
  }

  get stats(): WriteQueueStats {
    const stats: WriteQueueStats = {
      ...this.counters,
      pending: this.pending,
      storeError: this.lastError?.message ?? null,
    };
    if (this.spool) stats.spool = { ...this.spool.state };
    return stats;
  }

  /** The last dead letters (at most 1,000), for inspection when no dead-letter sink is set. */
  get deadLetters(): readonly CallRecord[] {
    return this.deadLetterList;
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
    this.counters.queued += 1;
    if (this.syncDurability && this.appendToSpool([record])) {
      // Durable before the caller's complete() returns; the store gets it from the spool.
      this.scheduleFlush(this.spoolPending >= this.options.batchSize ? 0 : this.options.flushIntervalMs);
      return;
    }
    this.buffer.push(record);
    const size = this.pending;
    if (this.spool && (this.retryDelayMs > 0 || size > this.options.highWaterMark)) {
      // The store is failing or not keeping up: bound memory (and crash loss) by spooling.
      if (size > this.options.highWaterMark) this.spoolBuffer();
      else if (this.spoolTimer === undefined) {
        this.spoolTimer = setTimeout(() => {
          this.spoolTimer = undefined;
          this.spoolBuffer();
        }, this.options.flushIntervalMs);
        this.spoolTimer.unref();
      }
      return;
    }
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

  /** Moves every buffered record to the spool, in order. Returns false (records kept) if it failed. */
  spoolBuffer(): boolean {
    if (!this.spool || this.pending === 0) return this.spool !== undefined;
    const records = this.buffer.slice(this.head);
    if (!this.appendToSpool(records)) return false;
    this.buffer = [];
    this.head = 0;
    this.scheduleFlush(this.retryDelayMs || this.options.flushIntervalMs);
    return true;
  }

  private appendToSpool(records: readonly CallRecord[]): boolean {
    try {
      this.spool!.append(records);
      this.counters.spooled += records.length;
      return true;
    } catch (error) {
      // A full or broken disk: the records stay in memory, which is the next best place.
      this.reporter.report({ kind: 'store', subject: 'spool', error });
      return false;
    }
  }

  private scheduleFlush(delayMs: number): void {
    if (this.timer !== undefined || this.immediate !== undefined || this.closed) return;
    if (delayMs === 0 && this.retryDelayMs === 0) {
      this.immediate = setImmediate(() => void this.flushInBackground());
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flushInBackground();
    }, delayMs || this.retryDelayMs);
    this.timer.unref();
  }

  /**
   * Writes everything pushed so far. Rejects with the store's error if it still fails; the
   * records stay queued for the next attempt.
   */
  async flush(): Promise<void> {
    this.cancelTimers();
    while (this.flushing) await this.flushing;
    if (this.pending === 0 && this.spoolPending === 0) return;
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
    // The spool first: its records are older than the buffer's.
    let refused = await this.replaySpool();
    while (this.pending > 0) {
      const batch = this.buffer.slice(this.head, this.head + this.options.batchSize);
      this.head += batch.length;
      try {
        await this.store.write(batch);
        this.succeeded(batch.length);
      } catch (cause) {
        this.head -= batch.length;
        const error = this.toStoreError(cause, batch.length);
        if (error.retryable) {
          this.spoolBuffer();
          throw this.failedRetryably(error);
        }
        // A permanent failure may come from one bad record: retried alone, the good ones go
        // through and only the bad ones are set aside, so they cannot block the queue.
        refused = (await this.isolate(batch.length)) ?? refused;
      }
      this.compact();
    }
    if (this.warnedHighWater && this.pending <= this.options.highWaterMark) {
      // Recovered: a later overflow is a new event and must be logged again, not deduplicated.
      this.warnedHighWater = false;
      this.reporter.forget('store');
    }
    if (refused) throw refused;
  }

  /**
   * Writes the next `count` records one by one. Records refused with a non-retryable error
   * become dead letters; a retryable error stops here (the rest stay pending) and is thrown.
   * Returns the last refusal, if any.
   */
  private async isolate(count: number): Promise<StoreError | undefined> {
    let refused: StoreError | undefined;
    for (let index = 0; index < count; index++) {
      const record = this.buffer[this.head]!;
      this.head += 1;
      try {
        await this.store.write([record]);
        this.succeeded(1);
      } catch (cause) {
        const error = this.toStoreError(cause, 1);
        if (error.retryable) {
          this.head -= 1;
          this.spoolBuffer();
          throw this.failedRetryably(error);
        }
        refused = error;
        this.deadLetter(record, error);
      }
    }
    return refused;
  }

  /** Writes the spool's records to the store in order; a retryable failure leaves them there. */
  private async replaySpool(): Promise<StoreError | undefined> {
    const spool = this.spool;
    let refused: StoreError | undefined;
    while (spool && spool.state.pending > 0) {
      const batch = spool.peek(this.options.batchSize);
      try {
        if (batch.length > 0) await this.store.write(batch);
        this.succeeded(batch.length);
        this.counters.replayed += batch.length;
      } catch (cause) {
        const error = this.toStoreError(cause, batch.length);
        if (error.retryable) {
          this.spoolBuffer();
          throw this.failedRetryably(error);
        }
        // Isolate the bad record(s); a replayed duplicate of a good one is harmless (ids).
        for (const record of batch) {
          try {
            await this.store.write([record]);
            this.succeeded(1);
            this.counters.replayed += 1;
          } catch (singleCause) {
            const single = this.toStoreError(singleCause, 1);
            if (single.retryable) {
              this.spoolBuffer();
              throw this.failedRetryably(single);
            }
            refused = single;
            this.deadLetter(record, single);
          }
        }
      }
      spool.acknowledge();
    }
    return refused;
  }

  private deadLetter(record: CallRecord, error: StoreError): void {
    this.counters.failed += 1;
    this.counters.failedWrites += 1;
    this.lastError = error;
    if (this.deadLetterList.length >= MAX_KEPT_DEAD_LETTERS) this.deadLetterList.shift();
    this.deadLetterList.push(record);
    this.reporter.report({
      kind: 'store',
      subject: this.store.kind,
      error: new StoreError(
        `The ${this.store.kind} store refused record ${record.id} for good; it was set aside as a dead letter: ${error.message}`,
        { retryable: false, cause: error },
      ),
    });
    try {
      this.spool?.deadLetter([record], error.message);
      this.options.onDeadLetter?.([record], error);
    } catch (sinkError) {
      this.reporter.report({ kind: 'store', subject: 'dead-letter', error: sinkError });
    }
  }

  private succeeded(count: number): void {
    this.counters.written += count;
    if (this.lastError) {
      this.lastError = undefined;
      this.reporter.forget('store');
    }
    this.retryDelayMs = 0;
  }

  private failedRetryably(error: StoreError): StoreError {
    this.counters.failedWrites += 1;
    this.lastError = error;
    this.reporter.report({ kind: 'store', subject: this.store.kind, error });
    this.scheduleRetry();
    return error;
  }

  private toStoreError(cause: unknown, count: number): StoreError {
    if (cause instanceof StoreError) return cause;
    return new StoreError(`Writing ${count} records to the ${this.store.kind} store failed: ${errorMessage(cause)}`, {
      retryable: true,
      cause,
    });
  }

  /** Drops the written prefix once it is at least half of the array (amortized O(1) per record). */
  private compact(): void {
    if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
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
    if (this.spoolTimer !== undefined) clearTimeout(this.spoolTimer);
    this.spoolTimer = undefined;
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
