import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PackedRecords } from '../../src/core/packed-records.js';
import { PendingRecords } from '../../src/core/pending-records.js';
import { ProblemReporter } from '../../src/core/problem-reporter.js';
import type { CallRecord } from '../../src/core/record.js';
import { toSafeJson } from '../../src/core/sanitize.js';
import type { Store } from '../../src/core/store.js';
import { WriteQueue } from '../../src/core/write-queue.js';
import { makeRecord } from '../support/records.js';
import { capturingLogger, deferred, FlakyStore } from './support.js';

/*
 * A backlog (the store stuck behind a lock, or down) is kept packed as bytes outside the heap once
 * it passes a threshold; for a store that reads packed batches (SQLite's worker), every record is.
 * What goes in must come out: every record, in order, as the store would keep it, through failed
 * writes, re-takes and releases.
 */

let sequence = 0;
function record(overrides: Partial<CallRecord> = {}): CallRecord {
  sequence += 1;
  const id = `packed-${String(sequence).padStart(6, '0')}`;
  return makeRecord({
    id,
    traceId: id,
    userId: `user-${sequence % 7}`,
    metadata: { [`key-${sequence % 50}`]: sequence, nested: { list: [1, 'two', null, true] } },
    messages: [{ role: 'user', content: `question ${sequence} — ünïcödé ✓ \u0000 <b>` }],
    ...overrides,
  });
}

/** What a store keeps of a record: its JSON form. */
const stored = (records: readonly CallRecord[]) => JSON.parse(JSON.stringify(records)) as unknown;

describe('records waiting packed', () => {
  it('come back equal and in order, across segments, including one larger than a segment', () => {
    const packed = new PackedRecords();
    const huge = record({ systemPrompt: 'x'.repeat(3 << 20) });
    const records = [
      ...Array.from({ length: 1_500 }, () => record()),
      huge,
      ...Array.from({ length: 500 }, () => record()),
    ];
    for (const item of records) packed.push(item);
    expect(packed.size).toBe(records.length);
    expect(stored(packed.all())).toEqual(stored(records));
    // all() does not take them.
    expect(packed.size).toBe(records.length);
    const taken: CallRecord[] = [];
    while (packed.size > 0) {
      taken.push(...packed.take(333));
      packed.release();
    }
    expect(stored(taken)).toEqual(stored(records));
  });

  it('a take put back is taken again whole, also after earlier segments were let go', () => {
    const packed = new PackedRecords();
    const records = Array.from({ length: 2_000 }, () => record());
    for (const item of records) packed.push(item);
    expect(packed.take(900)).toHaveLength(900);
    packed.release();
    const failed = packed.take(700);
    packed.putBack();
    expect(packed.size).toBe(1_100);
    expect(stored(packed.take(700))).toEqual(stored(failed));
    expect(stored(packed.take(10_000))).toEqual(stored(records.slice(1_600)));
    packed.release();
    expect(packed.size).toBe(0);
    // Empty again: it takes new records as a fresh queue.
    const later = [record(), record()];
    for (const item of later) packed.push(item);
    expect(stored(packed.take(5))).toEqual(stored(later));
  });

  it('keep what is not plain data as its JSON form, and a field that throws when read as what toSafeJson makes of it', () => {
    const packed = new PackedRecords();
    const throwing = {
      get secret(): string {
        throw new Error('not readable');
      },
    };
    const when = new Date(Date.UTC(2026, 11, 6));
    packed.push(record({ metadata: { when, big: 10n, throwing } as unknown as CallRecord['metadata'] }));
    const [back] = packed.take(1);
    expect(back!.metadata).toEqual(JSON.parse(toSafeJson({ when, big: 10n, throwing })));
    expect((back!.metadata as { when: unknown }).when).toBe(when.toISOString());
  });
});

describe('the pending records of a write queue', () => {
  it('pack past the threshold, and a batch spanning objects and packed records is put back whole', () => {
    const pending = new PendingRecords(10);
    const records = Array.from({ length: 25 }, () => record());
    for (const item of records) pending.push(item);
    expect(pending.size).toBe(25);
    const first = pending.take(15);
    // The first ten are the objects pushed, the rest decoded copies.
    expect(first.slice(0, 10).every((item, index) => item === records[index])).toBe(true);
    expect(first[10]).not.toBe(records[10]);
    pending.putBack(() => first);
    expect(stored(pending.all())).toEqual(stored(records));
    expect(stored(pending.take(15))).toEqual(stored(records.slice(0, 15)));
    pending.compact();
    // Pushed while packed records wait: after them, in order.
    const late = record();
    pending.push(late);
    expect(stored(pending.take(100))).toEqual(stored([...records.slice(15), late]));
    pending.compact();
    expect(pending.size).toBe(0);
  });

  it('hand a packed batch over as bytes once the objects before it are taken, and take it back after a failure, also when everything was cleared meanwhile', () => {
    const pending = new PendingRecords(5);
    const records = Array.from({ length: 30 }, () => record());
    for (const item of records) pending.push(item);
    expect(pending.takePacked(10)).toBeUndefined();
    expect(pending.take(5)).toEqual(records.slice(0, 5));
    pending.compact();
    const batch = pending.takePacked(10)!;
    expect(batch.count).toBe(10);
    expect(stored(batch.records())).toEqual(stored(records.slice(5, 15)));
    pending.putBack(() => batch.records());
    expect(pending.size).toBe(25);
    const again = pending.takePacked(10)!;
    expect(stored(again.records())).toEqual(stored(records.slice(5, 15)));
    // Moved to the spool while the batch was being written (see WriteQueue.spoolBuffer), and then
    // the write failed: the batch is pending again, in front of what came since.
    pending.clear();
    const since = record();
    pending.push(since);
    pending.putBack(() => again.records());
    expect(stored(pending.all())).toEqual(stored([...records.slice(5, 15), since]));
  });

  it('do not hold the record objects of a backlog', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const pending = new PendingRecords(10);
    for (let index = 0; index < 10; index++) pending.push(record());
    // Made in a function: a local of this async test would be held across its await.
    const pushBacklog = () => {
      const refs: Array<WeakRef<CallRecord>> = [];
      for (let index = 0; index < 100; index++) {
        const item = record();
        pending.push(item);
        refs.push(new WeakRef(item));
      }
      return refs;
    };
    const refs = pushBacklog();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(pending.size).toBe(110);
  });

  it('for a store that reads packed batches, are packed from the first one: the store gets bytes and the objects die young', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const store = new FlakyStore();
    const batches: number[] = [];
    let objectWrites = 0;
    const write = store.write.bind(store);
    store.write = (records) => {
      objectWrites++;
      return write(records);
    };
    (store as Store).writePacked = (batch) => {
      batches.push(batch.count);
      return write(batch.records());
    };
    const queue = new WriteQueue(
      store,
      { batchSize: 50, flushIntervalMs: 60_000, highWaterMark: 100_000 },
      new ProblemReporter(capturingLogger()),
    );
    const records = Array.from({ length: 3 }, () => record());
    const pushAll = () => {
      const refs = records.map((item) => new WeakRef(item));
      for (const item of records) queue.push(item);
      records.length = 0;
      return refs;
    };
    const kept = stored([...records]);
    const refs = pushAll();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    // Three records waiting for the flush, none of them held as an object.
    expect(queue.pending).toBe(3);
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    await queue.flush();
    expect(batches).toEqual([3]);
    expect(objectWrites).toBe(0);
    const ids = (kept as CallRecord[]).map((item) => item.id);
    expect(stored((await Promise.all(ids.map((id) => store.inner.get(id)))) as CallRecord[])).toEqual(kept);
  });

  it('reach a store stuck for a while (every record, once, in order, as stored) while calls go on', async () => {
    const store = new FlakyStore();
    const release = deferred<void>();
    const write = store.write.bind(store);
    let stuck = true;
    store.write = async (records) => {
      if (stuck) await release.promise;
      return write(records);
    };
    const reporter = new ProblemReporter(capturingLogger());
    const queue = new WriteQueue(
      store,
      { batchSize: 50, flushIntervalMs: 5, highWaterMark: 100_000, packAbove: 100 },
      reporter,
    );
    const records = Array.from({ length: 3_000 }, () => record());
    for (const item of records.slice(0, 60)) queue.push(item);
    // The first batch is stuck in the store; the rest wait, most of them packed.
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const item of records.slice(60)) queue.push(item);
    expect(queue.pending).toBe(3_000 - 50);
    stuck = false;
    release.resolve();
    await queue.flush();
    expect(store.accepted).toEqual(records.map((item) => item.id));
    const kept = await Promise.all(records.map((item) => store.inner.get(item.id)));
    expect(stored(kept as CallRecord[])).toEqual(stored(records));
    expect(queue.stats).toMatchObject({ written: 3_000, pending: 0, failed: 0 });
  });
});
