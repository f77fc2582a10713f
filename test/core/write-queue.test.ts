import { setImmediate as realTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../src/core/errors.js';
import { PendingRecords } from '../../src/core/pending-records.js';
import { ProblemReporter } from '../../src/core/problem-reporter.js';
import type { CallRecord } from '../../src/core/record.js';
import { WriteQueue, type WriteQueueOptions } from '../../src/core/write-queue.js';
import { makeRecord } from '../support/records.js';
import { capturingLogger, deferred, FlakyStore, nextTurn, sleep } from './support.js';

let sequence = 0;
function record(): CallRecord {
  sequence += 1;
  const id = `rec-${String(sequence).padStart(6, '0')}`;
  return makeRecord({ id, traceId: id });
}

function queue(options: Partial<WriteQueueOptions> = {}, store = new FlakyStore()) {
  const logger = capturingLogger();
  const reporter = new ProblemReporter(logger);
  const writeQueue = new WriteQueue(
    store,
    { batchSize: 10, flushIntervalMs: 1_000, highWaterMark: 1_000, ...options },
    reporter,
  );
  return { writeQueue, store, logger };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('batching', () => {
  it('starts a write as soon as a batch is full, in batches of batchSize, in order', async () => {
    const { writeQueue, store } = queue({ batchSize: 10, flushIntervalMs: 60_000 });
    const records = Array.from({ length: 25 }, record);
    for (const item of records) writeQueue.push(item);
    expect(store.attempts).toEqual([]);
    await nextTurn();
    await writeQueue.flush();
    expect(store.attempts.map((attempt) => attempt.ids.length)).toEqual([10, 10, 5]);
    expect(store.accepted).toEqual(records.map((item) => item.id));
  });

  it('starts no flush while one is writing: records arriving meanwhile go with it', async () => {
    const store = new FlakyStore();
    const stuck = deferred();
    const write = store.write.bind(store);
    store.write = async (records) => {
      await stuck.promise;
      return write(records);
    };
    const { writeQueue } = queue({ batchSize: 10, flushIntervalMs: 60_000 }, store);
    const flushes = vi.spyOn(writeQueue, 'flush');
    const records = Array.from({ length: 500 }, record);
    // A full batch in each of 50 turns while the store holds the first one.
    for (let turn = 0; turn < 50; turn++) {
      for (const item of records.slice(turn * 10, turn * 10 + 10)) writeQueue.push(item);
      await nextTurn();
    }
    // Before, each turn scheduled a flush of its own that waited for the running one.
    expect(flushes.mock.calls.length).toBe(1);
    stuck.resolve();
    await vi.waitFor(() => expect(store.accepted).toHaveLength(500), { timeout: 2_000, interval: 5 });
    expect(store.accepted).toEqual(records.map((item) => item.id));
  });

  it('lets the event loop turn between batches of a store that writes at once (a backlog is not one long stall)', async () => {
    const { writeQueue, store } = queue({ batchSize: 100, flushIntervalMs: 60_000 });
    const records = Array.from({ length: 2_000 }, record);
    for (const item of records) writeQueue.push(item);
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await writeQueue.flush();
    ticking = false;
    // 20 batches: the loop turned between them (before, all 20 ran in one turn's microtasks).
    expect(turns).toBeGreaterThanOrEqual(15);
    expect(store.accepted).toEqual(records.map((item) => item.id));
  });

  it('writes a partial batch after flushIntervalMs', async () => {
    vi.useFakeTimers();
    const { writeQueue, store } = queue({ batchSize: 100, flushIntervalMs: 250 });
    writeQueue.push(record());
    writeQueue.push(record());
    await vi.advanceTimersByTimeAsync(200);
    expect(store.attempts).toEqual([]);
    writeQueue.push(record());
    await vi.advanceTimersByTimeAsync(60);
    expect(store.attempts.map((attempt) => attempt.ids.length)).toEqual([3]);
    expect(writeQueue.stats).toEqual({
      queued: 3,
      written: 3,
      failedWrites: 0,
      failed: 0,
      spooled: 0,
      replayed: 0,
      pending: 0,
      storeError: null,
    });
  });

  it('push() is synchronous and never touches the store on the caller path', () => {
    const { writeQueue, store } = queue({ batchSize: 1 });
    writeQueue.push(record());
    writeQueue.push(record());
    expect(store.attempts).toEqual([]);
    expect(writeQueue.pending).toBe(2);
  });

  it('flush() writes everything pushed so far, and a second flush has nothing to do', async () => {
    const { writeQueue, store } = queue({ batchSize: 4 });
    for (let index = 0; index < 9; index++) writeQueue.push(record());
    await writeQueue.flush();
    expect(store.accepted).toHaveLength(9);
    await writeQueue.flush();
    expect(store.attempts).toHaveLength(3);
  });

  it('records pushed during a slow write are written after it, in order', async () => {
    const store = new FlakyStore();
    const gate = deferred();
    const write = store.write.bind(store);
    let first = true;
    store.write = async (records) => {
      if (first) {
        first = false;
        await gate.promise;
      }
      return write(records);
    };
    const { writeQueue } = queue({ batchSize: 2 }, store);
    const records = Array.from({ length: 6 }, record);
    writeQueue.push(records[0]!);
    writeQueue.push(records[1]!);
    await nextTurn();
    for (const item of records.slice(2)) writeQueue.push(item);
    const flushed = writeQueue.flush();
    const concurrent = writeQueue.flush();
    gate.resolve();
    await Promise.all([flushed, concurrent]);
    expect(store.accepted).toEqual(records.map((item) => item.id));
  });
});

describe('failures', () => {
  it('keeps the records of a failed write, in order, and retries with exponential backoff', async () => {
    vi.useFakeTimers();
    const { writeQueue, store, logger } = queue({ batchSize: 5, flushIntervalMs: 10 });
    store.failing = true;
    const records = Array.from({ length: 7 }, record);
    const start = Date.now();
    for (const item of records) writeQueue.push(item);
    await vi.advanceTimersByTimeAsync(0); // the full batch starts at once and fails
    expect(store.attempts).toHaveLength(1);
    const attemptTimes: number[] = [];
    const write = store.write.bind(store);
    store.write = (batch) => {
      attemptTimes.push(Date.now() - start);
      return write(batch);
    };
    await vi.advanceTimersByTimeAsync(100 + 200 + 400 + 800 + 5);
    expect(attemptTimes).toEqual([100, 300, 700, 1500]);
    expect(writeQueue.pending).toBe(7);
    expect(logger.problems('disk full')).toHaveLength(1);

    store.failing = false;
    await vi.advanceTimersByTimeAsync(1600);
    // Between two batches the queue lets the event loop turn (a real turn, not a fake timer).
    await realTurn();
    expect(writeQueue.pending).toBe(0);
    expect(store.accepted).toEqual(records.map((item) => item.id));
    expect(writeQueue.stats).toMatchObject({ queued: 7, written: 7, failedWrites: 5 });
    expect(writeQueue.error).toBeUndefined();
  });

  it('caps the backoff at 30 seconds', async () => {
    vi.useFakeTimers();
    const { writeQueue, store } = queue();
    store.failing = true;
    writeQueue.push(record());
    await writeQueue.flush().catch(() => undefined);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    const failuresInTenMinutes = store.attempts.length;
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(store.attempts.length - failuresInTenMinutes).toBe(10);
  });

  it('never drops nor duplicates records across repeated failures and new pushes', async () => {
    const { writeQueue, store } = queue({ batchSize: 3, flushIntervalMs: 1 });
    const pushed: string[] = [];
    for (let round = 0; round < 5; round++) {
      store.failing = round % 2 === 0;
      for (let index = 0; index < 4; index++) {
        const item = record();
        pushed.push(item.id);
        writeQueue.push(item);
      }
      await writeQueue.flush().catch(() => undefined);
    }
    store.failing = false;
    await writeQueue.flush();
    expect(store.accepted).toEqual(pushed);
    expect(writeQueue.stats).toMatchObject({ queued: 20, written: 20, pending: 0 });
  });

  it('flush() rejects with a StoreError naming the store; a thrown StoreError is kept as is', async () => {
    const { writeQueue, store } = queue();
    store.failing = true;
    writeQueue.push(record());
    const error = await writeQueue.flush().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain('flaky');
    expect((error as Error).message).toContain('disk full');
    expect(writeQueue.error).toBe(error);
    store.failure = new StoreError('locked', { retryable: false });
    await expect(writeQueue.flush()).rejects.toBe(store.failure);
    writeQueue.close();
  });

  it('survives a store whose write throws synchronously', async () => {
    const store = new FlakyStore();
    const { writeQueue } = queue({}, store);
    store.write = () => {
      throw new Error('sync failure');
    };
    writeQueue.push(record());
    await expect(writeQueue.flush()).rejects.toThrow('sync failure');
    expect(writeQueue.pending).toBe(1);
    writeQueue.close();
  });

  it('warns once above the high-water mark and keeps every record', async () => {
    const { writeQueue, store, logger } = queue({ batchSize: 2, highWaterMark: 5 });
    store.failing = true;
    for (let index = 0; index < 12; index++) writeQueue.push(record());
    await sleep(1);
    const warnings = logger.problems('records are waiting for the store');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('6 records');
    expect(writeQueue.pending).toBe(12);
    store.failing = false;
    await writeQueue.flush();
    expect(store.accepted).toHaveLength(12);
    // below the mark again: a later overflow warns again
    store.failing = true;
    for (let index = 0; index < 6; index++) writeQueue.push(record());
    expect(logger.problems('records are waiting for the store')).toHaveLength(2);
    writeQueue.close();
  });

  it('close() stops the timers; pending records stay counted', async () => {
    vi.useFakeTimers();
    const { writeQueue, store } = queue({ flushIntervalMs: 10 });
    writeQueue.push(record());
    writeQueue.close();
    await vi.advanceTimersByTimeAsync(100);
    expect(store.attempts).toEqual([]);
    expect(writeQueue.pending).toBe(1);
  });
});

describe('records after they are written', () => {
  /** The collector, reached at run time (the test runner's processes are not started with --expose-gc). */
  function collector(): () => void {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  }

  it('are no longer held by the queue once written, while later records still wait', async () => {
    const gc = collector();
    const records = new PendingRecords();
    // Made in a function: a local of this async test would be held across its await.
    const pushFirst = () => {
      const first = makeRecord();
      records.push(first);
      return new WeakRef(first);
    };
    const written = pushFirst();
    records.take(1);
    records.push(makeRecord()); // arrived during the write: the buffer is not emptied
    records.compact();
    expect(records.size).toBe(1);
    // A WeakRef holds its target until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(written.deref()).toBeUndefined();
    expect(records.take(1)).toHaveLength(1);
  });

  it('a failed batch put back is taken again whole, after written ones were released', () => {
    const records = new PendingRecords();
    const batch = [makeRecord(), makeRecord(), makeRecord()];
    for (const record of batch) records.push(record);
    records.take(1);
    records.compact();
    const failed = records.take(2);
    records.putBack(() => failed);
    records.compact();
    expect(records.take(5)).toEqual(batch.slice(1));
  });
});
