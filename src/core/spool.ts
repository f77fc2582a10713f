import type { CallRecord } from './record.js';

/**
 * Local durable storage for records the store cannot take right now (it is down, or the queue is
 * full), replayed in order when it returns. The core only sees this interface; the file
 * implementation is in src/delivery/file-spool.ts. All methods are synchronous: `append` runs on
 * the caller's path in `sync` durability and when the queue overflows, where nothing can await.
 *
 * Replay is at-least-once (a crash between a store write and `acknowledge` replays those records
 * again); stores write idempotently by record id, so the ledger stays exactly-once.
 */
export interface Spool {
  /** Appends records in order; they are on stable storage (fsync) when it returns. Throws on I/O failure. */
  append(records: readonly CallRecord[]): void;
  /** The oldest unacknowledged records, at most `max`, in append order. Does not remove them. */
  peek(max: number): CallRecord[];
  /** Removes everything the last `peek` returned (and any unreadable line it skipped), once the store has it. */
  acknowledge(): void;
  /** Keeps records the store refused for good, with the reason, apart from the replay queue. */
  deadLetter(records: readonly CallRecord[], reason: string): void;
  /** Unacknowledged records and the bytes they take. */
  readonly state: SpoolState;
  close(): void;
}

export interface SpoolState {
  pending: number;
  bytes: number;
}

/**
 * `batched` (default): records wait in memory and go to the store in batches; a hard crash
 * (SIGKILL, power loss) loses at most the records of the last flush interval, a graceful
 * shutdown none. `sync`: every record is appended and fsynced to the spool before `complete()`
 * (or `fail`/`cancel`) returns, then moved to the store from there: a hard crash loses nothing
 * that was finalized, at the price of one fsync per call.
 */
export type Durability = 'batched' | 'sync';
