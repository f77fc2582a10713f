import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/errors.js';
import { ProblemReporter } from '../../src/core/problem-reporter.js';
import type { CallRecord } from '../../src/core/record.js';
import { WriteQueue } from '../../src/core/write-queue.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { capturingLogger } from '../core/support.js';
import { makeRecord } from '../support/records.js';

/** Refuses, for good, any batch that contains a record whose model is `poison`. */
class PickyStore extends MemoryStore {
  writes = 0;
  override async write(records: readonly CallRecord[]): Promise<void> {
    this.writes += 1;
    if (records.some((record) => record.model === 'poison')) {
      throw new StoreError('value out of range', { retryable: false });
    }
    await super.write(records);
  }
}

function setup(store = new PickyStore()) {
  const logger = capturingLogger();
  const dead: string[] = [];
  const queue = new WriteQueue(
    store,
    {
      batchSize: 10,
      flushIntervalMs: 60_000,
      highWaterMark: 1_000_000,
      onDeadLetter: (records) => dead.push(...records.map((record) => record.id)),
    },
    new ProblemReporter(logger),
  );
  return { queue, store, logger, dead };
}

describe('WriteQueue with a permanently bad record', () => {
  it('sets the bad record aside, writes the rest of its batch and everything behind it', async () => {
    const { queue, store, logger, dead } = setup();
    const records = Array.from({ length: 25 }, (_unused, index) =>
      makeRecord({ model: index === 3 || index === 17 ? 'poison' : 'ok' }),
    );
    for (const record of records) queue.push(record);
    const error = await queue.flush().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(dead).toEqual([records[3]!.id, records[17]!.id]);
    expect(queue.deadLetters.map((record) => record.id)).toEqual(dead);
    const stored = (await store.list({ limit: 1000 })).records.map((record) => record.id).sort();
    expect(stored).toEqual(
      records
        .filter((record) => record.model !== 'poison')
        .map((record) => record.id)
        .sort(),
    );
    expect(queue.stats).toMatchObject({ queued: 25, written: 23, failed: 2, pending: 0 });
    expect(logger.entries.some((entry) => entry.message.includes('dead letter'))).toBe(true);
    // Nothing is retried for ever: the next flush has nothing to do.
    const writes = store.writes;
    await queue.flush();
    expect(store.writes).toBe(writes);
    queue.close();
  });

  it('keeps records pending when a retryable error interrupts the isolation', async () => {
    const store = new PickyStore();
    const { queue } = setup(store);
    const records = Array.from({ length: 5 }, (_unused, index) => makeRecord({ model: index === 0 ? 'poison' : 'ok' }));
    for (const record of records) queue.push(record);
    let calls = 0;
    const original = store.write.bind(store);
    store.write = async (batch) => {
      calls += 1;
      // the batch fails for good, the first single record too, the second one is "busy"
      if (calls === 3) throw new StoreError('busy', { retryable: true });
      return original(batch);
    };
    await expect(queue.flush()).rejects.toThrow('busy');
    expect(queue.stats).toMatchObject({ failed: 1, written: 0, pending: 4 });
    store.write = original;
    await queue.flush();
    expect(queue.stats).toMatchObject({ failed: 1, written: 4, pending: 0 });
    queue.close();
  });
});

describe('WriteQueue with a backlog', () => {
  it('drains a large backlog in linear time', async () => {
    const store = new MemoryStore();
    const timings: number[] = [];
    for (const size of [20_000, 80_000]) {
      const queue = new WriteQueue(
        { ...store, kind: 'null', write: async () => {} } as unknown as MemoryStore,
        { batchSize: 10, flushIntervalMs: 60_000, highWaterMark: 1_000_000 },
        new ProblemReporter(capturingLogger()),
      );
      const record = makeRecord();
      for (let index = 0; index < size; index++) queue.push(record);
      const started = performance.now();
      await queue.flush();
      timings.push(performance.now() - started);
      expect(queue.pending).toBe(0);
      queue.close();
    }
    // 4x the records: about 4x the time when linear, 16x when quadratic. Generous for CI noise.
    expect(timings[1]!).toBeLessThan(timings[0]! * 9 + 20);
  });
});
