/**
 * The worker thread that owns the SQLite store's write connection. A write that waits for a
 * foreign lock (busy timeout) or spends milliseconds in B-tree work and checkpoints does so here,
 * never on the application's event loop. Started by write-worker-client.ts.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { StoreError } from '../../core/errors.js';
import type { CallRecord } from '../../core/record.js';
import { loadDriver, type SqliteDatabase } from './driver.js';
import { SqliteRollups } from './rollup-sqlite.js';
import { RowWriter } from './row-writer.js';
import { decodePart } from '../../core/packed-records.js';
import { RecordDecoder } from '../../core/record-codec.js';
import { registerSqlFunctions } from './sql-functions.js';
import type {
  WorkerFailure,
  WritePackedRequest,
  WriteWorkerData,
  WriteWorkerReply,
  WriteWorkerRequest,
} from './write-worker-protocol.js';

const { path, busyTimeoutMs, maxFieldChars } = workerData as WriteWorkerData;
const port = parentPort!;

/**
 * How much lower than the application's threads this one is scheduled (a nice value). On a busy
 * machine the writes (about 20 µs of CPU per record) otherwise take turns on a core with the
 * event loop and delay it; a lower priority lets the loop run first and the writes fill the idle
 * time, which a write batch, waited for by nobody, can afford.
 */
const WORKER_NICE_INCREMENT = 10;

/**
 * Linux schedules each thread on its own, and `setpriority` on a thread id changes that thread
 * only. Elsewhere (or when /proc is not mounted) the worker keeps the process's priority.
 */
function lowerOwnPriority(): void {
  try {
    const threadId = Number(/\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
    if (!Number.isInteger(threadId) || threadId <= 0) return;
    setPriority(threadId, Math.min(19, getPriority(threadId) + WORKER_NICE_INCREMENT));
  } catch {
    // No per-thread priority here: nothing to change.
  }
}
lowerOwnPriority();

let db: SqliteDatabase | undefined;
/** Chunks of batches not yet complete, by batch id. */
const partial = new Map<number, CallRecord[]>();
let writer: RowWriter | undefined;
/** Holds the object keys the client's encoder has sent: chunks must be decoded in order. */
const decoder = new RecordDecoder();
/** Per packed queue of the main thread: its key table as sent so far, and a decoder reading with it. */
const packedSources = new Map<number, { keys: string[]; decoder: RecordDecoder }>();

/** Opened on the first write, so that a failure to open is answered like any failed write. */
function openWriter(): RowWriter {
  if (writer) return writer;
  const Database = loadDriver();
  db = new Database(path, { timeout: busyTimeoutMs });
  try {
    // The main thread's connection has created the schema and set WAL (a property of the file).
    db.pragma('synchronous = NORMAL');
    registerSqlFunctions(db);
    writer = new RowWriter(db, maxFieldChars, new SqliteRollups(db));
    return writer;
  } catch (error) {
    db.close();
    db = undefined;
    throw error;
  }
}

function failure(error: unknown): WorkerFailure {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
    ...(error instanceof StoreError ? { retryable: error.retryable } : {}),
  };
}

port.on('message', (request: WriteWorkerRequest) => {
  if (request.kind === 'close') {
    try {
      db?.close();
    } finally {
      port.close();
    }
    return;
  }
  if (request.kind === 'write-packed') {
    port.postMessage(writeBatch(request.id, readPacked(request)));
    return;
  }
  // A chunk that cannot be decoded is a bug, and the key table may be out of step: the error ends
  // this worker, the client fails its writes as retryable and starts a fresh one.
  const chunk = decoder.read(request.buffer, request.bytes, request.count);
  // Decoded before anything else: the client may fill the buffer again while this batch waits
  // for a lock.
  port.postMessage({ kind: 'read', id: request.id } satisfies WriteWorkerReply);
  if (!request.last) {
    const chunks = partial.get(request.id);
    if (chunks) for (const record of chunk) chunks.push(record);
    else partial.set(request.id, chunk);
    return;
  }
  const earlier = partial.get(request.id);
  partial.delete(request.id);
  port.postMessage(writeBatch(request.id, earlier ? earlier.concat(chunk) : chunk));
});

function writeBatch(id: number, records: CallRecord[]): WriteWorkerReply {
  try {
    openWriter().write(records);
    return { kind: 'done', id, ok: true };
  } catch (error) {
    return { kind: 'done', id, ok: false, error: failure(error) };
  }
}

/** Decodes a packed batch where the main thread left it. Corrupt bytes end the worker, as for a chunk. */
function readPacked(request: WritePackedRequest): CallRecord[] {
  let source = packedSources.get(request.source);
  if (source === undefined) {
    const keys: string[] = [];
    source = { keys, decoder: new RecordDecoder(keys) };
    packedSources.set(request.source, source);
  }
  for (const key of request.keys) source.keys.push(key);
  const records: CallRecord[] = [];
  for (const part of request.parts) decodePart(source.decoder, part, records);
  return records;
}
