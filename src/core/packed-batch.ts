import type { CallRecord } from './record.js';

/** The bytes of consecutive records in one segment. */
export interface PackedPart {
  readonly memory: SharedArrayBuffer;
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

/**
 * Records taken as bytes, for a store that reads them where they are (the SQLite write worker):
 * the main thread neither decodes them nor encodes them again.
 */
export interface PackedBatch {
  readonly count: number;
  readonly parts: readonly PackedPart[];
  /**
   * The encoder's key table, shared and growing: each key number in `parts` is below its length
   * when the batch is taken. A reader keeps one table per `source`.
   */
  readonly keys: readonly string[];
  /** The PackedRecords the bytes come from (one key table each). */
  readonly source: object;
  /** The records themselves, decoded (for a failure, or a store that reads objects). */
  records(): CallRecord[];
}
