import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { ProblemReporter } from '../../src/core/problem-reporter.js';
import { WriteQueue } from '../../src/core/write-queue.js';
import type { CallRecord } from '../../src/core/record.js';
import { FileSpool } from '../../src/delivery/file-spool.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { recordCall, spooledLedger, spoolDirectory } from './support.js';

/** A memory store that can be taken down, counting every id it accepts (duplicates included). */
class SwitchableStore extends MemoryStore {
  down = false;
  accepted: string[] = [];
  override async write(records: readonly CallRecord[]): Promise<void> {
    if (this.down) throw new StoreError('connection refused', { retryable: true });
    if (records.some((record) => record.model === 'poison')) throw new StoreError('bad value', { retryable: false });
    const fresh = [];
    for (const record of records) if ((await this.get(record.id)) === null) fresh.push(record);
    this.accepted.push(...fresh.map((record) => record.id));
    await super.write(records);
  }
}

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});
const fresh = () => {
  const directory = spoolDirectory('delivery');
  directories.push(directory);
  return directory;
};

describe('delivery through the spool', () => {
  it('spools while the store is down and replays in order when it returns', async () => {
    const store = new SwitchableStore();
    const ledger = spooledLedger(store, fresh(), { batchSize: 50 });
    store.down = true;
    const ids = Array.from({ length: 300 }, (_unused, index) => recordCall(ledger, index));
    await ledger.flush();
    const during = ledger.stats();
    expect(during.spool!.pending).toBe(300);
    expect(during.spooled).toBe(300);
    expect(during.pending).toBe(0);
    expect(during.storeError).toContain('connection refused');
    expect((await ledger.health()).spool.status).toBe('degraded');
    store.down = false;
    await ledger.flush();
    expect(store.accepted).toEqual(ids);
    expect(ledger.stats()).toMatchObject({ replayed: 300, written: 300, storeError: null, spool: { pending: 0 } });
    await ledger.close();
  });

  it('refuses sync durability without a spool', () => {
    expect(
      () =>
        new WriteQueue(
          new MemoryStore(),
          { batchSize: 1, flushIntervalMs: 1, highWaterMark: 1, durability: 'sync' },
          new ProblemReporter(silentLogger),
        ),
    ).toThrow(ConfigError);
  });

  it('sync durability: the record is in the spool file when complete() returns', async () => {
    const directory = fresh();
    const store = new SwitchableStore();
    const ledger = spooledLedger(store, directory, { durability: 'sync', flushIntervalMs: 60_000 });
    const id = recordCall(ledger, 0);
    expect(readFileSync(join(directory, 'spool.jsonl'), 'utf8')).toContain(id);
    await ledger.flush();
    expect(store.accepted).toEqual([id]);
    expect(ledger.stats().spool!.pending).toBe(0);
    await ledger.close();
  });

  it('a new process replays what an earlier one left in the spool, without duplicates', async () => {
    const directory = fresh();
    const store = new SwitchableStore();
    store.down = true;
    const first = spooledLedger(store, directory);
    const ids = Array.from({ length: 40 }, (_unused, index) => recordCall(first, index));
    await first.close(); // the store is down: everything goes to the spool
    const left = new FileSpool({ directory });
    expect(left.state.pending).toBe(40);
    left.close();
    // The next process opens its own connection to the store.
    const reopened = new SwitchableStore();
    const second = spooledLedger(reopened, directory);
    await second.flush();
    expect(reopened.accepted).toEqual(ids);
    expect(second.stats().replayed).toBe(40);
    await second.close();
  });

  it('keeps a record the store refuses for good in the dead-letter file and goes on', async () => {
    const directory = fresh();
    const store = new SwitchableStore();
    const ledger = spooledLedger(store, directory, { batchSize: 10 });
    const good = recordCall(ledger, 1);
    const call = ledger.start({ provider: 'test', model: 'poison' });
    call.complete();
    const after = recordCall(ledger, 2);
    await ledger.flush();
    expect(store.accepted).toEqual([good, after]);
    expect(ledger.stats().failed).toBe(1);
    const dead = readFileSync(join(directory, 'dead-letters.jsonl'), 'utf8');
    expect(dead).toContain(call.id);
    expect(dead).toContain('bad value');
    await ledger.close();
  });

  it('spools instead of growing memory without bound when the queue is full', async () => {
    const store = new SwitchableStore();
    const ledger = spooledLedger(store, fresh(), { batchSize: 10, highWaterMark: 1_000 });
    store.down = true;
    // Past the high-water mark synchronously, before any flush could run.
    for (let index = 0; index < 5_010; index++) recordCall(ledger, index);
    expect(ledger.stats().pending).toBeLessThanOrEqual(1_000);
    expect(ledger.stats().spool!.pending).toBeGreaterThan(0);
    store.down = false;
    await ledger.flush();
    expect(store.accepted).toHaveLength(5_010);
    await ledger.close();
  });

  it('keeps a batch that fails after the queue was moved to the spool during its write: every record once', async () => {
    const store = new SwitchableStore();
    let failFirst: (() => void) | undefined;
    const write = store.write.bind(store);
    store.write = async (records) => {
      if (failFirst === undefined && store.accepted.length === 0) {
        // The first batch hangs until released, then fails as retryable.
        await new Promise<void>((resolve) => (failFirst = resolve));
        throw new StoreError('connection reset', { retryable: true });
      }
      return write(records);
    };
    const ledger = spooledLedger(store, fresh(), { batchSize: 10, highWaterMark: 20 });
    const ids = Array.from({ length: 10 }, (_unused, index) => recordCall(ledger, index));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(failFirst).toBeDefined();
    // Past the high-water mark while the first batch is in the store: the rest goes to the spool.
    for (let index = 10; index < 45; index++) ids.push(recordCall(ledger, index));
    expect(ledger.stats().spool!.pending).toBeGreaterThan(0);
    failFirst!();
    // The first flush may meet the failure and leave the retry to the next.
    await ledger.flush().catch(() => {});
    await ledger.flush();
    expect([...store.accepted].sort()).toEqual([...ids].sort());
    expect(ledger.stats()).toMatchObject({ pending: 0, spool: { pending: 0 } });
    await ledger.close();
  });
});
