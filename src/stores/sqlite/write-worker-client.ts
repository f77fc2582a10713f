import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { StoreError } from '../../core/errors.js';
import type { CallRecord } from '../../core/record.js';
import { toStoreError } from './store-errors.js';
import type { WorkerFailure, WriteWorkerData, WriteWorkerReply, WriteWorkerRequest } from './write-worker-protocol.js';

/**
 * Records per message to the worker. Copying a message (structured clone) runs on the event loop,
 * about 4 to 5 µs of CPU per realistic record (~1.5 kB): a whole 500-record batch took 3 to 10 ms,
 * one chunk of 25 about 0.1 ms, with the loop free between chunks. Sending the chunks as JSON text
 * instead was measured and cost the event loop more (JSON.stringify plus copying the string).
 */
const CHUNK_RECORDS = 25;

interface PendingWrite {
  resolve: () => void;
  reject: (error: StoreError) => void;
  count: number;
}

/**
 * Where the worker's code is: the compiled `.js` beside this file (dist/), or, when the library
 * runs from its TypeScript sources (tests, tsx), the `.ts` file loaded through tsx's loader.
 */
function startWorker(data: WriteWorkerData): Worker {
  const compiled = new URL('./sqlite-write-worker.js', import.meta.url);
  // No execArgv from the application: the worker needs none of its flags, and some break a
  // worker (`--input-type` of a `node -e` script, for one).
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled, { workerData: data, execArgv: [] });
  // `--import tsx` in a worker's execArgv, or tsx's ESM hooks registered from inside one, are not
  // honoured by Node 20's workers; tsx's require() API, which compiles on load, is.
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const source = fileURLToPath(new URL('./sqlite-write-worker.ts', import.meta.url));
  const bootstrap = `require(${JSON.stringify(tsx)}).require(${JSON.stringify(source)}, __filename);`;
  return new Worker(bootstrap, { eval: true, workerData: data, execArgv: [] });
}

/**
 * The main thread's side of the write worker: `write` posts a batch and resolves when the worker
 * has committed it. The worker starts on the first write (a store only read, as by the CLI,
 * never starts one), holds the event loop open only while a write is in flight (a ledger that is
 * never closed does not keep its process alive), and is started again after a crash, with the
 * batches it held failed as retryable (writes are idempotent by record id).
 */
export class WriteWorkerClient {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, PendingWrite>();
  private nextId = 1;

  constructor(private readonly data: WriteWorkerData) {}

  async write(records: readonly CallRecord[]): Promise<void> {
    const worker = this.start();
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, count: records.length });
    });
    // Rejected while chunks are still being sent (the worker died), before the caller awaits it.
    done.catch(() => {});
    if (this.pending.size === 1) worker.ref();
    try {
      for (let offset = 0; ; offset += CHUNK_RECORDS) {
        const last = offset + CHUNK_RECORDS >= records.length;
        this.post(worker, { kind: 'write', id, records: records.slice(offset, offset + CHUNK_RECORDS), last });
        if (last) break;
        // Copying a chunk to the worker is work on this thread: other tasks run between chunks.
        await new Promise((resolve) => setImmediate(resolve));
        if (!this.pending.has(id)) break; // the worker died meanwhile: `done` is rejected
      }
    } catch (error) {
      const write = this.settle(id);
      write?.reject(toStoreError(error, `Sending ${records.length} records to the SQLite write worker failed`));
    }
    return done;
  }

  /** Lets the worker finish the writes in flight, then closes its connection and waits for it to exit. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ kind: 'close' } satisfies WriteWorkerRequest);
    await exited;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(this.data);
    worker.unref();
    worker.on('message', (reply: WriteWorkerReply) => {
      const write = this.settle(reply.id);
      if (!write) return;
      if (reply.ok) write.resolve();
      else write.reject(fromFailure(reply.error, write.count));
    });
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the SQLite write worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private post(worker: Worker, request: WriteWorkerRequest): void {
    try {
      worker.postMessage(request);
    } catch (error) {
      // A value the structured clone cannot copy (a function in user metadata): the row mapping
      // stores such values as JSON anyway, so the batch is sent as its JSON form.
      if ((error as { name?: unknown } | null)?.name !== 'DataCloneError' || request.kind !== 'write') throw error;
      worker.postMessage({ ...request, records: JSON.parse(JSON.stringify(request.records)) as CallRecord[] });
    }
  }

  private settle(id: number): PendingWrite | undefined {
    const write = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    return write;
  }

  /** The worker died: every write it held fails as retryable, and the next write starts a new one. */
  private lost(worker: Worker, cause: unknown): void {
    if (this.worker === worker) this.worker = undefined;
    for (const [id, write] of this.pending) {
      this.pending.delete(id);
      write.reject(
        new StoreError(`The SQLite write worker stopped before writing ${write.count} records: ${String(cause)}`, {
          retryable: true,
          cause,
        }),
      );
    }
  }
}

function fromFailure(failure: WorkerFailure, count: number): StoreError {
  const action = `Writing ${count} records to SQLite failed`;
  if (failure.retryable !== undefined) {
    return new StoreError(`${action}: ${failure.message}`, { retryable: failure.retryable });
  }
  const error = Object.assign(new Error(failure.message), failure.code === undefined ? {} : { code: failure.code });
  return toStoreError(error, action);
}
