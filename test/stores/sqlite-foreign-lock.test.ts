import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLedger } from '../../src/create-ledger.js';
import { StoreError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { makeRecord } from '../support/records.js';

/*
 * Another connection or process holding the write lock (a purge, a backup, a DB browser) must
 * not stall the application's event loop. Each test releases the foreign lock from a timer on
 * this test's own event loop: if the store slept in SQLite's busy handler on that loop, the timer
 * could not run before the busy timeout expired and the operation would fail with SQLITE_BUSY.
 */

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'llm-ledger-foreign-lock-'));
});
afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});
let fileCount = 0;
const nextPath = () => join(directory, `lock-${fileCount++}.db`);

/** Takes the write lock on another connection and releases it from a timer `afterMs` later. */
function lockFor(path: string, afterMs: number): { released: Promise<void>; ticks: () => number } {
  const other = new Database(path);
  other.exec('BEGIN IMMEDIATE');
  let ticks = 0;
  const ticker = setInterval(() => (ticks += 1), 10);
  const released = new Promise<void>((resolve) =>
    setTimeout(() => {
      clearInterval(ticker);
      other.exec('COMMIT');
      other.close();
      resolve();
    }, afterMs),
  );
  return { released, ticks: () => ticks };
}

describe('SqliteStore while another connection holds the write lock', () => {
  it('waits for the lock in its write worker, with the event loop free to release it', async () => {
    const path = nextPath();
    const store = new SqliteStore({ path, busyTimeoutMs: 10_000 });
    const record = makeRecord();
    const lock = lockFor(path, 400);
    await store.write([record]);
    await lock.released;
    expect(lock.ticks()).toBeGreaterThan(0);
    expect(await store.get(record.id)).toStrictEqual(record);
    await store.close();
  });

  it('retries a main-thread write asynchronously instead of sleeping in the busy handler', async () => {
    const path = nextPath();
    const store = new SqliteStore({ path, busyTimeoutMs: 10_000, writeThread: 'main' });
    const record = makeRecord();
    const lock = lockFor(path, 300);
    await store.write([record]);
    await lock.released;
    expect(await store.get(record.id)).toStrictEqual(record);
    await store.close();
  });

  it('retries purge and cost updates asynchronously, and still fails retryably once busyTimeoutMs has passed', async () => {
    const path = nextPath();
    const store = new SqliteStore({ path, busyTimeoutMs: 10_000 });
    const old = makeRecord({ startedAt: '2020-01-01T00:00:00.000Z', endedAt: '2020-01-01T00:00:01.000Z' });
    await store.write([old, makeRecord()]);
    const lock = lockFor(path, 300);
    expect(await store.purge('2021-01-01T00:00:00.000Z')).toBe(1);
    await lock.released;

    const impatient = new SqliteStore({ path, busyTimeoutMs: 50 });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const error = await impatient.purge('2030-01-01T00:00:00.000Z').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).retryable).toBe(true);
      expect((error as StoreError).message).toMatch(/SQLITE_BUSY/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await impatient.close();
    await store.close();
  });

  it('answers a summary at once while rollups cannot be repaired, by scanning the rows', async () => {
    const path = nextPath();
    const store = new SqliteStore({ path, busyTimeoutMs: 60_000 });
    await store.write([makeRecord(), makeRecord()]);
    // Deleting rows marks their hours dirty; the next summary would repair them under the lock.
    const writer = new Database(path);
    writer.prepare('DELETE FROM llm_request_logs WHERE id = ?').run((await store.list({})).records[0]!.id);
    writer.exec('BEGIN IMMEDIATE');
    try {
      const rows = await store.summary({ groupBy: ['model'] });
      expect(rows.reduce((total, row) => total + row.calls, 0)).toBe(1);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
    await store.close();
  });
});

describe('a ledger on SQLite while another process holds the write lock', () => {
  it('keeps recording, loses nothing, and writes everything once the lock is gone', async () => {
    const path = nextPath();
    await new SqliteStore({ path }).close();
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require(${JSON.stringify(driver)}))(${JSON.stringify(path)});
         db.exec('BEGIN IMMEDIATE');
         process.stdout.write('locked\\n');
         process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once('data', () => resolve());
      holder.once('error', reject);
    });
    const exited = new Promise<number | null>((resolve) => holder.once('exit', resolve));
    const store = new SqliteStore({ path, busyTimeoutMs: 200 });
    const ledger = createLedger({
      store,
      configFile: false,
      env: {},
      logger: silentLogger,
      shutdownHooks: false,
      deadLetters: false,
      flushIntervalMs: 5,
    });
    const ids: string[] = [];
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 5);
    // 30 rounds of 20 calls, one round per timer turn, while the writes are refused as busy.
    for (let round = 0; round < 30; round++) {
      for (let index = 0; index < 20; index++) {
        ids.push(
          ledger.start({ provider: 'openai', model: 'gpt-4o-mini' }).complete({ tokens: { input: 1, output: 1 } }).id,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(0);
    // The writes were refused as busy (after 200 ms in the worker each) while the lock was held.
    await vi.waitFor(() => expect(ledger.stats().failedWrites).toBeGreaterThan(0), { timeout: 20_000 });
    expect(ledger.stats().written).toBe(0);
    holder.stdin.write('release\n');
    expect(await exited).toBe(0);
    await ledger.flush();
    const stored = await ledger.calls.list({ limit: 1_000 });
    expect(stored.records.map((record) => record.id).sort()).toEqual([...ids].sort());
    expect(ledger.stats().failed).toBe(0);
    await ledger.close();
  });
});
