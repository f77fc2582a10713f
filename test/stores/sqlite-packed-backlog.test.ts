import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ProblemReporter } from '../../src/core/problem-reporter.js';
import type { CallRecord } from '../../src/core/record.js';
import { WriteQueue } from '../../src/core/write-queue.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { capturingLogger } from '../core/support.js';
import { makeRecord } from '../support/records.js';

/*
 * Records wait packed (as bytes outside the heap) for a store with a write worker, and a backlog
 * behind a foreign write lock does for any; the SQLite store hands those bytes to its write worker,
 * which decodes them there. Every record must arrive whole, also when the worker is replaced
 * between two packed batches (its key tables start empty).
 */

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-packed-backlog-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let sequence = 0;
function record(keyPrefix: string): CallRecord {
  sequence += 1;
  const id = `backlog-${String(sequence).padStart(6, '0')}`;
  return makeRecord({
    id,
    traceId: id,
    metadata: { [`${keyPrefix}-${sequence % 40}`]: sequence, shared: { deep: [sequence, 'x'] } },
    messages: [{ role: 'user', content: `n° ${sequence}: "quoted" \\ ✓ \u{1F600}` }],
  });
}

async function backlogBehindLock(store: SqliteStore, path: string, queue: WriteQueue, records: readonly CallRecord[]) {
  const other = new Database(path);
  other.exec('BEGIN IMMEDIATE');
  for (const item of records.slice(0, 60)) queue.push(item);
  // The first batch reaches the worker and waits for the lock; the rest wait in the queue.
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (const item of records.slice(60)) queue.push(item);
  await new Promise((resolve) => setTimeout(resolve, 50));
  other.exec('COMMIT');
  other.close();
  await queue.flush();
  for (const item of records) expect(await store.get(item.id)).toStrictEqual(item);
}

describe('a SQLite backlog kept packed', () => {
  it('is written by the worker from the packed bytes, every record whole, also after the worker is replaced', async () => {
    const path = join(directory, 'backlog.db');
    const store = new SqliteStore({ path, busyTimeoutMs: 10_000 });
    const packedWrites = vi.spyOn(store, 'writePacked');
    const queue = new WriteQueue(
      store,
      { batchSize: 50, flushIntervalMs: 5, highWaterMark: 100_000, packAbove: 100 },
      new ProblemReporter(capturingLogger()),
    );
    await backlogBehindLock(
      store,
      path,
      queue,
      Array.from({ length: 2_000 }, () => record('first')),
    );
    expect(packedWrites.mock.calls.length).toBeGreaterThan(10);

    // A new worker knows none of the packed queue's keys: they are sent to it again.
    const worker = (store as unknown as { worker: { worker: Worker } }).worker.worker;
    await worker.terminate();
    const before = packedWrites.mock.calls.length;
    await backlogBehindLock(
      store,
      path,
      queue,
      Array.from({ length: 1_000 }, () => record('second')),
    );
    expect(packedWrites.mock.calls.length).toBeGreaterThan(before);
    expect(queue.stats).toMatchObject({ written: 3_000, pending: 0, failed: 0 });
    await store.close();
  });

  it('takes packed batches only from its write worker: written on the main thread, records are not packed to be decoded again', async () => {
    const inWorker = new SqliteStore({ path: join(directory, 'worker.db') });
    const onMain = new SqliteStore({ path: join(directory, 'main.db'), writeThread: 'main' });
    const inMemory = new SqliteStore({ path: ':memory:' });
    expect(typeof inWorker.writePacked).toBe('function');
    expect(onMain.writePacked).toBeUndefined();
    expect(inMemory.writePacked).toBeUndefined();
    // Written on the main thread, a batch reaches `write` as the record objects queued.
    const writes = vi.spyOn(onMain, 'write');
    const queue = new WriteQueue(
      onMain,
      { batchSize: 50, flushIntervalMs: 5, highWaterMark: 100_000 },
      new ProblemReporter(capturingLogger()),
    );
    const records = Array.from({ length: 3 }, () => record('main'));
    for (const item of records) queue.push(item);
    await queue.flush();
    expect(writes.mock.calls.map(([batch]) => batch)).toEqual([records]);
    expect(writes.mock.calls[0]![0][0]).toBe(records[0]);
    await Promise.all([inWorker.close(), onMain.close(), inMemory.close()]);
  });
});
