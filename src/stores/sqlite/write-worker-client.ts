import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { StoreError } from '../../core/errors.js';
import type { PackedBatch } from '../../core/packed-batch.js';
import type { CallRecord } from '../../core/record.js';
import { RecordEncoder } from '../../core/record-codec.js';
import { toStoreError } from './store-errors.js';
import type { WorkerFailure, WriteWorkerData, WriteWorkerReply, WriteWorkerRequest } from './write-worker-protocol.js';

/**
 * Records encoded per turn of the event loop. Encoding a realistic record (~1.5 kB) into the
 * shared buffer costs the event loop about 3 µs of CPU (postMessage's structured clone, used
 * before, 4 to 5 µs; JSON text more), so a chunk of 50 is about 0.15 ms, with the loop free
 * between chunks (the client waits for the worker to have read one before it writes the next).
 */
const CHUNK_RECORDS = 50;
/** The shared buffer's first size: a chunk of realistic records fits; it doubles for larger ones. */
const BUFFER_BYTES = 256 * 1024;

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
  /** Per worker: its key table matches the worker's decoder. */
  private encoder: RecordEncoder | undefined;
  private readonly pending = new Map<number, PendingWrite>();
  private nextId = 1;
  /** The shared buffer serves one batch at a time: settled once the previous batch is sent. */
  private sending: Promise<void> = Promise.resolve();
  /** Packed queues by number (the worker keeps a key table per number)... */
  private readonly packedSourceIds = new WeakMap<object, number>();
  private nextPackedSource = 1;
  /** ...and, per worker, how many keys of each table it was sent. */
  private packedKeysSent = new Map<number, number>();
  /** Waits for the worker to have decoded the chunk in the buffer. */
  private reading: { resolve: () => void; reject: (error: unknown) => void } | undefined;

  constructor(private readonly data: WriteWorkerData) {}

  write(records: readonly CallRecord[]): Promise<void> {
    return this.queue(records.length, (id) => this.send(id, records));
  }

  /**
   * Hands a packed batch to the worker where it lies (shared memory): the worker decodes it, the
   * event loop only posts the message, with the keys of the batch's table the worker lacks.
   */
  writePacked(batch: PackedBatch): Promise<void> {
    return this.queue(batch.count, async (id) => {
      const worker = this.worker;
      // The worker died meanwhile: the write is failed already.
      if (!this.pending.has(id) || worker === undefined) return;
      let source = this.packedSourceIds.get(batch.source);
      if (source === undefined) {
        source = this.nextPackedSource++;
        this.packedSourceIds.set(batch.source, source);
      }
      const sent = this.packedKeysSent.get(source) ?? 0;
      this.packedKeysSent.set(source, batch.keys.length);
      worker.postMessage({
        kind: 'write-packed',
        id,
        source,
        keys: batch.keys.slice(sent),
        parts: batch.parts,
      } satisfies WriteWorkerRequest);
    });
  }

  /** One batch after the other: `send` posts it once the batch before it was sent. */
  private async queue(count: number, send: (id: number) => Promise<void>): Promise<void> {
    const worker = this.start();
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, count });
    });
    // Rejected while chunks are still being sent (the worker died), before the caller awaits it.
    done.catch(() => {});
    if (this.pending.size === 1) worker.ref();
    const previous = this.sending;
    let sent!: () => void;
    this.sending = new Promise<void>((resolve) => (sent = resolve));
    try {
      await previous;
      await send(id);
    } catch (error) {
      const write = this.settle(id);
      write?.reject(toStoreError(error, `Sending ${count} records to the SQLite write worker failed`));
    } finally {
      sent();
    }
    return done;
  }

  /** Encodes `records` into the shared buffer a chunk at a time, each read by the worker before the next. */
  private async send(id: number, records: readonly CallRecord[]): Promise<void> {
    for (let index = 0; index < records.length;) {
      // The worker died (the write is failed already) or was replaced meanwhile.
      const worker = this.worker;
      const encoder = this.encoder;
      if (!this.pending.has(id) || worker === undefined || encoder === undefined) return;
      encoder.reset();
      const first = index;
      while (index < records.length && index - first < CHUNK_RECORDS) {
        if (encoder.write(records[index]!)) index++;
        else if (index === first) encoder.grow();
        else break;
      }
      const read = new Promise<void>((resolve, reject) => (this.reading = { resolve, reject }));
      const last = index === records.length;
      worker.postMessage({
        kind: 'write',
        id,
        buffer: encoder.shared,
        bytes: encoder.length,
        count: index - first,
        last,
      } satisfies WriteWorkerRequest);
      await read;
    }
  }

  /** Lets the worker finish the writes in flight, then closes its connection and waits for it to exit. */
  async close(): Promise<void> {
    // A batch still being sent chunk by chunk: its last chunk must reach the worker before `close`.
    await this.sending;
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
    this.encoder = new RecordEncoder(new SharedArrayBuffer(BUFFER_BYTES));
    this.packedKeysSent = new Map();
    worker.on('message', (reply: WriteWorkerReply) => {
      if (reply.kind === 'read') {
        const reading = this.reading;
        this.reading = undefined;
        reading?.resolve();
        return;
      }
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

  private settle(id: number): PendingWrite | undefined {
    const write = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    return write;
  }

  /** The worker died: every write it held fails as retryable, and the next write starts a new one. */
  private lost(worker: Worker, cause: unknown): void {
    if (this.worker === worker) {
      this.worker = undefined;
      this.encoder = undefined;
      const reading = this.reading;
      this.reading = undefined;
      reading?.reject(cause);
    }
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
