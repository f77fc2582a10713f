import type { CallRecord } from '../../core/record.js';

/** What the SQLite write worker is started with (its `workerData`). */
export interface WriteWorkerData {
  path: string;
  busyTimeoutMs: number;
  maxFieldChars: number;
}

/**
 * A batch arrives in chunks of the same `id` (see CHUNK_RECORDS in write-worker-client.ts); the
 * worker writes them in one transaction when the chunk marked `last` arrives.
 */
export type WriteWorkerRequest =
  { kind: 'write'; id: number; records: readonly CallRecord[]; last: boolean } | { kind: 'close' };

/** A driver error, as plain data: an Error's class does not survive the thread boundary. */
export interface WorkerFailure {
  message: string;
  code?: string;
  /** Set when the failure is already a StoreError (its own `retryable` decision). */
  retryable?: boolean;
}

export type WriteWorkerReply = { id: number; ok: true } | { id: number; ok: false; error: WorkerFailure };
