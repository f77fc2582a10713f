import type { PackedPart } from '../../core/packed-batch.js';

/** What the SQLite write worker is started with (its `workerData`). */
export interface WriteWorkerData {
  path: string;
  busyTimeoutMs: number;
  maxFieldChars: number;
}

/**
 * A batch arrives in chunks of the same `id` (see CHUNK_RECORDS in write-worker-client.ts): each
 * is `count` records encoded by RecordEncoder in the first `bytes` bytes of `buffer`, which the
 * worker decodes at once and answers with `read` (the buffer is free for the next chunk). It
 * writes the batch in one transaction when the chunk marked `last` has arrived.
 */
export type WriteWorkerRequest =
  | { kind: 'write'; id: number; buffer: SharedArrayBuffer; bytes: number; count: number; last: boolean }
  | WritePackedRequest
  | { kind: 'close' };

/**
 * A batch the ledger kept packed (core/packed-records.ts: every record queued for a store with
 * this worker), written as one transaction: the records are in `parts`, encoded with the key
 * table of the packed queue `source`, of which `keys` are the entries this worker has not been
 * sent yet.
 */
export interface WritePackedRequest {
  kind: 'write-packed';
  id: number;
  source: number;
  keys: string[];
  parts: readonly PackedPart[];
}

/** A driver error, as plain data: an Error's class does not survive the thread boundary. */
export interface WorkerFailure {
  message: string;
  code?: string;
  /** Set when the failure is already a StoreError (its own `retryable` decision). */
  retryable?: boolean;
}

export type WriteWorkerReply =
  | { kind: 'read'; id: number }
  | { kind: 'done'; id: number; ok: true }
  | { kind: 'done'; id: number; ok: false; error: WorkerFailure };
