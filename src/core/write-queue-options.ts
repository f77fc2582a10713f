import type { DeadLetterFile } from './dead-letters.js';
import { ConfigError, type StoreError } from './errors.js';
import type { CallRecord } from './record.js';
import type { Durability, Spool, SpoolState } from './spool.js';

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

/** True for `sync` durability; throws a ConfigError when it is asked for without a spool. */
export function isSyncDurability(options: WriteQueueOptions): boolean {
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
