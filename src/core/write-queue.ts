// Not the global setImmediate, which test runners' fake timers replace: this turn must come by itself.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DeadLetters, type DeadLetterFile } from './dead-letters.js';
import { ConfigError, type StoreError } from './errors.js';
import type { PackedBatch } from './packed-batch.js';
import { PendingRecords } from './pending-records.js';
import type { ProblemReporter } from './problem-reporter.js';
import type { CallRecord } from './record.js';
import { nextRetryDelayMs } from './retry-backoff.js';
import type { Durability, Spool, SpoolState } from './spool.js';
import { replaySpool, type WriteOutcomes } from './spool-replay.js';
import type { Store } from './store.js';
import { toStoreError } from './store-write-error.js';

export interface WriteQueueOptions {
  /** Records per store write (one transaction). */
  batchSize: number;
  /** Longest a record waits before a flush starts. */
  flushIntervalMs: number;
  /** Above this many pending records a warning is reported (records are kept, never dropped). */
  highWaterMark: number;
  /**
   * From this many pending records on, new ones wait packed as bytes outside the heap (see
   * PendingRecords). Default: 0 (every record) for a store that reads packed batches
   * (`writePacked`), otherwise two batches, at least 1,000.
   */
  packAbove?: number;
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
  /**
   * Receives what is left at `close()` when the store and the spool could not take it, and the
   * records refused for good when there is no spool. Without one, such records are reported
   * and lost with the process.
   */
  deadLetterFile?: DeadLetterFile;
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

/** See WriteQueueOptions.packAbove: under it, records wait as objects (a normal batch never packs). */
const DEFAULT_PACK_ABOVE = 1_000;

/**
 * A queue between callers and the store: `push` is O(1) and synchronous; writes happen in
 * batches on a later turn of the event loop. A failing store keeps the records pending and is
 * retried with exponential backoff: nothing is dropped.
 */
export class WriteQueue {
  private readonly records: PendingRecords;
  private readonly deadLetterSet: DeadLetters;
  private readonly outcomes: WriteOutcomes;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private flushing: Promise<void> | undefined;
  /** A full batch arrived while a flush was running: it may have stopped short of it. */
  private flushAgain = false;
  private retryDelayMs = 0;
  private lastError: StoreError | undefined;
  private readonly counters = { queued: 0, written: 0, failedWrites: 0, failed: 0, spooled: 0, replayed: 0 };
  private readonly spool: Spool | undefined;
  private readonly syncDurability: boolean;
  /** Moves the buffer to the spool while the store is failing (between retries). */
  private spoolTimer: NodeJS.Timeout | undefined;
  private warnedHighWater = false;
  private closed = false;
  /** The batch the store is writing now: kept by `saveForExit` too, since the write may never finish. */
  private inFlight: readonly CallRecord[] | PackedBatch = [];

  constructor(
    private readonly store: Store,
    private readonly options: WriteQueueOptions,
    private readonly reporter: ProblemReporter,
  ) {
    // A store that reads packed batches gets every record packed as it is queued: the encoding its
    // handoff needs anyway, done earlier, and the record object dies young. Left waiting as objects
    // for the flush, the records of the last quarter second were alive at each young-generation
    // collection, which copied and promoted them (400 kB per collection behind the proxy at 1,000
    // calls/s, pauses of 2 to 4 ms, and mark-compacts later for the dead promoted records).
    const packAbove = store.writePacked ? 0 : Math.max(DEFAULT_PACK_ABOVE, 2 * options.batchSize);
    this.records = new PendingRecords(options.packAbove ?? packAbove);
    this.spool = options.spool;
    this.syncDurability = isSyncDurability(options);
    this.deadLetterSet = new DeadLetters(store, reporter, this.spool, options.onDeadLetter, options.deadLetterFile);
    this.outcomes = {
      replayed: (count) => {
        this.succeeded(count);
        this.counters.replayed += count;
      },
      retryLater: (error) => this.retryLater(error),
      deadLetter: (record, error) => this.deadLetter(record, error),
    };
    // Records left in the spool by an earlier process are replayed soon after start.
    if (this.spoolPending > 0) this.scheduleFlush(0);
  }

  private get spoolPending(): number {
    return this.spool?.state.pending ?? 0;
  }

  get pending(): number {
    return this.records.size;
  }

  /** A batch is being written to the store. */
  get writing(): boolean {
    return inFlightCount(this.inFlight) > 0;
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
    return this.deadLetterSet.records;
  }

  /** The last store failure, until a write succeeds again. */
  get error(): StoreError | undefined {
    return this.lastError;
  }

  push(record: CallRecord): void {
    if (this.closed) {
      // The store is closed: retrying it for ever would only hold the record in memory. A call
      // that was still running at close() (a process stopping without a drain of its own) is kept
      // in the dead-letter file when there is one, for `llm-ledger replay`.
      const saved = this.saveLate(record);
      this.reporter.report({
        kind: 'store',
        subject: this.store.kind,
        error: new Error(
          saved === undefined
            ? 'a call finalized after close() was not written (the ledger was closed while it ran)'
            : `a call finalized after close() was saved to ${saved}: write it back with \`llm-ledger replay ${saved}\``,
        ),
      });
      return;
    }
    this.counters.queued += 1;
    if (this.syncDurability && this.appendToSpool([record])) {
      // Durable before the caller's complete() returns; the store gets it from the spool.
      this.scheduleFlush(this.spoolPending >= this.options.batchSize ? 0 : this.options.flushIntervalMs);
      return;
    }
    this.records.push(record);
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
      // A running flush writes what arrives meanwhile. A flush scheduled now would only wait for it:
      // behind a store stuck for seconds, thousands of them did, every one woken at each batch.
      if (this.flushing !== undefined) this.flushAgain = true;
      else if (this.immediate === undefined && this.retryDelayMs === 0) {
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
    if (!this.appendToSpool(this.records.all())) return false;
    this.records.clear();
    this.scheduleFlush(this.retryDelayMs || this.options.flushIntervalMs);
    return true;
  }

  /**
   * At close, after the spool (if any) was tried: moves the records still pending to the
   * dead-letter file. Returns its path and how many went there, or undefined when there is no
   * file or writing it failed (reported; the records stay pending).
   */
  saveToDeadLetterFile(): { path: string; count: number } | undefined {
    const file = this.options.deadLetterFile;
    if (file === undefined || this.pending === 0) return undefined;
    const records = this.records.all();
    try {
      const path = file.write(
        records,
        `not written before close: ${this.lastError?.message ?? 'the store did not answer'}`,
      );
      this.records.clear();
      return { path, count: records.length };
    } catch (error) {
      this.reporter.report({ kind: 'store', subject: 'dead-letter', error });
      return undefined;
    }
  }

  private saveLate(record: CallRecord): string | undefined {
    const file = this.options.deadLetterFile;
    if (file === undefined) return undefined;
    try {
      return file.write([record], 'finalized after the ledger was closed');
    } catch (error) {
      this.reporter.report({ kind: 'store', subject: 'dead-letter', error });
      return undefined;
    }
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
      if (this.flushAgain) {
        this.flushAgain = false;
        // Records pushed after the flush's last batch (in the same turn as it ended) are not left
        // for the next push or interval to find. After a failure the retry timer is set already.
        if (this.pending > 0) this.scheduleFlush(0);
      }
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
    let refused = await replaySpool(this.spool, this.store, this.options.batchSize, this.outcomes);
    while (this.pending > 0) {
      // A packed backlog goes to a store that reads bytes as it is, never decoded here.
      const packed = this.store.writePacked ? this.records.takePacked(this.options.batchSize) : undefined;
      const batch = packed ?? this.records.take(this.options.batchSize);
      const count = inFlightCount(batch);
      this.inFlight = batch;
      try {
        await (packed ? this.store.writePacked!(packed) : this.store.write(batch as readonly CallRecord[]));
        this.succeeded(count);
      } catch (cause) {
        this.records.putBack(() => inFlightRecords(batch));
        const error = toStoreError(cause, count, this.store.kind);
        if (error.retryable) throw this.retryLater(error);
        // A permanent failure may come from one bad record: retried alone, the good ones go
        // through and only the bad ones are set aside, so they cannot block the queue.
        refused = (await this.isolate(count)) ?? refused;
      } finally {
        this.inFlight = [];
      }
      this.records.compact();
      // A store that writes on this thread resolves at once: without a turn of the event loop
      // between batches, a backlog of 25,000 records was written in one 1.7 s stall.
      if (this.pending > 0) await nextTurn();
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
      const record = this.records.takeOne();
      try {
        await this.store.write([record]);
        this.succeeded(1);
      } catch (cause) {
        const error = toStoreError(cause, 1, this.store.kind);
        if (error.retryable) {
          this.records.putBack(() => [record]);
          throw this.retryLater(error);
        }
        refused = error;
        this.deadLetter(record, error);
      }
    }
    return refused;
  }

  private deadLetter(record: CallRecord, error: StoreError): void {
    this.counters.failed += 1;
    this.counters.failedWrites += 1;
    this.lastError = error;
    this.deadLetterSet.add(record, error);
  }

  private succeeded(count: number): void {
    this.counters.written += count;
    if (this.lastError) {
      this.lastError = undefined;
      this.reporter.forget('store');
    }
    this.retryDelayMs = 0;
  }

  /** A retryable failure: the buffer goes to the spool (if any) and the write is retried later. */
  private retryLater(error: StoreError): StoreError {
    this.spoolBuffer();
    return this.failedRetryably(error);
  }

  private failedRetryably(error: StoreError): StoreError {
    this.counters.failedWrites += 1;
    this.lastError = error;
    this.reporter.report({ kind: 'store', subject: this.store.kind, error });
    this.scheduleRetry();
    return error;
  }

  private scheduleRetry(): void {
    this.retryDelayMs = nextRetryDelayMs(this.retryDelayMs);
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

  /**
   * The process is exiting (the 'exit' event, where nothing can be awaited): appends every record
   * not known to be in the store, the batch being written included, to `spool` synchronously. A
   * record the interrupted write did store is replayed once more, harmlessly (ids). Returns how
   * many were saved; on a spool failure the records stay here and the error is reported.
   */
  saveForExit(spool: Spool): number {
    const records = [...inFlightRecords(this.inFlight), ...this.records.all()];
    if (records.length === 0) return 0;
    try {
      spool.append(records);
    } catch (error) {
      this.reporter.report({ kind: 'store', subject: 'spool', error });
      return 0;
    }
    this.counters.spooled += records.length;
    this.records.clear();
    this.inFlight = [];
    return records.length;
  }

  /** Stops the timers; records pushed afterwards are reported and kept only in the dead-letter file. */
  close(): void {
    this.closed = true;
    this.cancelTimers();
  }
}

function inFlightCount(batch: readonly CallRecord[] | PackedBatch): number {
  return 'parts' in batch ? batch.count : batch.length;
}

function inFlightRecords(batch: readonly CallRecord[] | PackedBatch): readonly CallRecord[] {
  return 'parts' in batch ? batch.records() : batch;
}

/** True for `sync` durability; throws a ConfigError when it is asked for without a spool. */
function isSyncDurability(options: WriteQueueOptions): boolean {
  if (options.durability === 'sync' && options.spool === undefined) {
    // Silently falling back to batched would promise a durability the ledger does not give.
    throw new ConfigError({
      source: 'options',
      path: 'durability',
      expected: '"batched", or "sync" together with a spool (sync durability writes every record to it)',
      received: '"sync" without a spool',
    });
  }
  return options.durability === 'sync';
}
