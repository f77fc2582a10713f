import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLedger } from '../../src/create-ledger.js';
import { ConfigError, StoreError } from '../../src/core/errors.js';
import type { CallRecord } from '../../src/core/record.js';
import { GROUP_KEYS, type CallFilter, type GroupKey, type ListQuery } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { LATEST_SCHEMA_VERSION } from '../../src/stores/sqlite/migrations.js';
import { at, makeCost, makeRecord } from '../support/records.js';
import { PERCENTILE_RELATIVE_ERROR } from '../../src/stores/rollup/latency-histogram.js';
import { expectLatency } from '../../src/extend/contract/store/expectations.js';
import { buildDataset } from '../../src/extend/contract/store/data.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
// Made in beforeAll rather than at import, so that a run that filters out every test here
// (vitest -t) leaves no empty directory behind.
let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'llm-ledger-sqlite-'));
});
let fileCount = 0;
const nextPath = () => join(directory, `store-${fileCount++}.db`);

afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});

describe('SqliteStore file handling', () => {
  it('lets two stores share one file', async () => {
    const path = nextPath();
    const writer = new SqliteStore({ path });
    const reader = new SqliteStore({ path });
    const record = makeRecord();
    await writer.write([record]);
    expect(await reader.get(record.id)).toStrictEqual(record);
    await writer.close();
    await reader.close();
  });

  it('refuses a file whose schema is newer than it knows', async () => {
    const path = nextPath();
    await new SqliteStore({ path }).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      LATEST_SCHEMA_VERSION + 1,
      'from the future',
      new Date().toISOString(),
    );
    db.close();
    expect(() => new SqliteStore({ path })).toThrow(StoreError);
    expect(() => new SqliteStore({ path })).toThrow(/newer/);
  });

  it('creates an index for every filtered column', () => {
    const db = new Database(':memory:');
    const store = new SqliteStore({ database: db });
    const plan = (sql: string, ...params: unknown[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>)
        .map((row) => row.detail)
        .join('\n');
    const select = 'SELECT id FROM llm_request_logs WHERE';
    expect(plan(`${select} user_id = ? AND started_at >= ?`, 'u', 'x')).toMatch(/llm_request_logs_user/);
    expect(plan(`${select} session_id = ?`, 's')).toMatch(/llm_request_logs_session/);
    expect(plan(`${select} tenant_id = ?`, 't')).toMatch(/llm_request_logs_tenant/);
    expect(plan(`${select} trace_id = ? ORDER BY started_at, id`, 't')).toMatch(/llm_request_logs_trace/);
    expect(plan(`${select} model = ? AND started_at < ?`, 'm', 'x')).toMatch(/llm_request_logs_model/);
    expect(plan(`${select} started_at >= ? AND started_at < ?`, 'a', 'b')).toMatch(/started_at/);
    void store.close();
    db.close();
  });

  it('rejects options without a path or database', () => {
    expect(() => new SqliteStore({})).toThrow(ConfigError);
    expect(() => new SqliteStore({ path: '' })).toThrow(ConfigError);
  });

  it('wraps an unopenable path in a non-retryable StoreError', () => {
    let caught: unknown;
    try {
      new SqliteStore({ path: join(directory, 'missing-directory', 'x.db') });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).retryable).toBe(false);
  });
});

describe('SqliteStore with a user-provided database', () => {
  it('uses the connection and leaves it open on close', async () => {
    const db = new Database(':memory:');
    const store = new SqliteStore({ database: db });
    const record = makeRecord();
    await store.write([record]);
    expect(await store.get(record.id)).toStrictEqual(record);
    await store.close();
    expect(db.open).toBe(true);
    expect(db.prepare('SELECT COUNT(*) FROM llm_request_logs').pluck().get()).toBe(1);
    await expect(store.get(record.id)).rejects.toBeInstanceOf(StoreError);
    db.close();
  });
});

describe('SqliteStore errors', () => {
  it('reports a locked database as retryable', async () => {
    const path = nextPath();
    const store = new SqliteStore({ path, busyTimeoutMs: 20 });
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const error = await store.write([makeRecord()]).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).retryable).toBe(true);
      expect((error as StoreError).message).toMatch(/SQLITE_BUSY/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    // Once the lock is gone, the same write succeeds.
    const record = makeRecord();
    await store.write([record]);
    expect(await store.get(record.id)).toStrictEqual(record);
    await store.close();
  });

  it('reports an invalid record as not retryable and writes none of its batch', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const good = makeRecord();
    const broken = { ...makeRecord(), traceId: null } as unknown as CallRecord;
    const error = await store.write([good, broken]).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).retryable).toBe(false);
    expect(await store.get(good.id)).toBeNull();
    await store.close();
  });
});

describe('SqliteStore sanitization', () => {
  let store: SqliteStore;

  beforeEach(() => {
    store = new SqliteStore({ path: ':memory:', maxFieldChars: 1000 });
  });

  afterEach(async () => {
    await store.close();
  });

  it('stores circular, BigInt and other non-JSON values without throwing', async () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const record = makeRecord({
      metadata: { circular, count: 10n, set: new Set(['a']), map: new Map([['k', 1]]), fn: () => 1 },
      params: { temperature: 0.1, seed: 12345678901234567890n } as unknown as CallRecord['params'],
      messages: [{ role: 'user', content: 'hi', when: new Date('2025-01-01T00:00:00.000Z') }],
    });
    await store.write([record]);
    const stored = (await store.get(record.id))!;
    expect(stored.metadata).toEqual({
      circular: { name: 'loop', self: '[Circular]' },
      count: '10',
      set: ['a'],
      map: { k: 1 },
    });
    expect(stored.params).toEqual({ temperature: 0.1, seed: '12345678901234567890' });
    expect(stored.messages).toEqual([{ role: 'user', content: 'hi', when: '2025-01-01T00:00:00.000Z' }]);
  });

  it('caps long text with a visible marker and repairs lone surrogates in text columns', async () => {
    const record = makeRecord({
      systemPrompt: 'x'.repeat(5000),
      errorMessage: 'broken \ud800 text',
      messages: [{ role: 'user', content: 'y'.repeat(3000) + ' \udc00' }],
    });
    await store.write([record]);
    const stored = (await store.get(record.id))!;
    expect(stored.systemPrompt).toMatch(/^x{1000}…\[llm-ledger: truncated 4000 of 5000 chars\]$/);
    expect(stored.errorMessage).toBe('broken \ufffd text');
    const content = (stored.messages[0] as { content: string }).content;
    expect(content.startsWith('y'.repeat(1000))).toBe(true);
    expect(content).toMatch(/truncated 2002 of 3002 chars/);
  });

  it('repairs lone surrogates inside JSON columns too', async () => {
    const record = makeRecord({ metadata: { note: 'half \ud83d emoji' }, tags: ['\udfff', 'ok 😀'] });
    await store.write([record]);
    const stored = (await store.get(record.id))!;
    expect(stored.metadata).toEqual({ note: 'half \ufffd emoji' });
    expect(stored.tags).toEqual(['\ufffd', 'ok 😀']);
  });

  it('converts values the driver cannot bind instead of failing the batch', async () => {
    const record = {
      ...makeRecord(),
      userId: true as unknown as string,
      sessionId: 42 as unknown as string,
      httpStatus: '429' as unknown as number,
      latencyMs: Number.NaN,
    };
    await store.write([record]);
    const stored = (await store.get(record.id))!;
    expect(stored.userId).toBe('true');
    expect(stored.sessionId).toBe('42');
    expect(stored.httpStatus).toBeNull();
    expect(stored.latencyMs).toBe(0);
  });
});

describe('SqliteStore matches the memory store', () => {
  let sqlite: SqliteStore;
  let memory: MemoryStore;
  const dataset = buildDataset(500, 2024).concat(
    // Same start time and ties in every group to exercise ordering.
    Array.from({ length: 20 }, (_, index) =>
      makeRecord({ startedAt: at(600), model: index % 2 ? 'tie-a' : 'tie-b', cost: makeCost(null) }),
    ),
  );

  beforeEach(async () => {
    sqlite = new SqliteStore({ path: ':memory:' });
    memory = new MemoryStore();
    await sqlite.write(dataset);
    await memory.write(dataset);
  });

  afterEach(async () => {
    await sqlite.close();
    await memory.close();
  });

  it('gives identical summaries for every group key, pair of keys and filter', async () => {
    const groupings: GroupKey[][] = [[], ...GROUP_KEYS.map((key) => [key])];
    for (const a of GROUP_KEYS) for (const b of GROUP_KEYS) if (a !== b) groupings.push([a, b]);
    const filters: CallFilter[] = [{}, { provider: 'openai', tags: ['prod'] }, { status: 'error', from: at(3000) }];
    for (const where of filters) {
      for (const groupBy of groupings) {
        const query = { groupBy, where };
        // Exact but for latency percentiles, which rollups estimate within a documented bound.
        const [left, right] = [await sqlite.summary(query), await memory.summary(query)];
        expect(
          left.map(({ latencyMs: _l, ...exact }) => exact),
          JSON.stringify(query),
        ).toEqual(right.map(({ latencyMs: _l, ...exact }) => exact));
        left.forEach((row, index) =>
          expectLatency(expect, row.latencyMs, right[index]!.latencyMs, PERCENTILE_RELATIVE_ERROR),
        );
      }
    }
  });

  it('gives identical pages for the same queries', async () => {
    const queries: ListQuery[] = [
      {},
      { order: 'asc', limit: 33 },
      { userId: 'u-2', limit: 7 },
      { costStatus: ['unpriced', 'estimated'], order: 'asc', limit: 11 },
      { tags: ['beta', "it's"], from: at(1200), to: at(15000) },
      { model: ['tie-a', 'tie-b'], limit: 3 },
    ];
    for (const query of queries) {
      let cursor: string | undefined;
      let pages = 0;
      do {
        const [left, right] = await Promise.all([sqlite.list({ ...query, cursor }), memory.list({ ...query, cursor })]);
        expect(left, JSON.stringify(query)).toEqual(right);
        cursor = left.nextCursor ?? undefined;
        pages += 1;
      } while (cursor !== undefined && pages <= dataset.length);
      expect(cursor, 'pagination ended').toBeUndefined();
    }
    for (const traceId of ['trace-0', 'trace-100', dataset.at(-1)!.traceId]) {
      expect(await sqlite.byTrace(traceId)).toEqual(await memory.byTrace(traceId));
    }
  });
});

describe('SqliteStore under a ledger', () => {
  it('stores what a ledger records, exactly', async () => {
    const path = nextPath();
    const ledger = createLedger({ store: new SqliteStore({ path }), configFile: false, env: {} });
    const call = ledger.start({
      provider: 'openai',
      model: 'gpt-4o-mini',
      systemPrompt: 'Be brief.',
      messages: [{ role: 'user', content: 'Hi 👋' }],
      userId: 'u-1',
      tags: ['smoke'],
    });
    const record = call.complete({
      responseMessage: 'Hello!',
      tokens: { prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4, audio_tokens: 1 } },
      cost: '0.0000021',
    });
    await ledger.flush();
    expect(await ledger.calls.get(record.id)).toStrictEqual(record);
    await ledger.close();
  });
});

describe('lazy loading', () => {
  it('does not load better-sqlite3 for a memory ledger', () => {
    const script = join(directory, 'lazy-load.mts');
    const root = resolve(import.meta.dirname, '../..');
    writeFileSync(
      script,
      `
      import { createRequire } from 'node:module';
      const { createLedger } = await import(${JSON.stringify(join(root, 'src/index.ts'))});
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((key) => key.includes('better-sqlite3'));
      const ledger = createLedger({ store: 'memory', configFile: false, env: {} });
      ledger.start({ model: 'm' }).complete();
      await ledger.close();
      const before = loaded();
      const sqlite = createLedger({ store: ':memory:', configFile: false, env: {} });
      await sqlite.close();
      process.stdout.write(JSON.stringify({ before, after: loaded() }));
      `,
    );
    const output = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ before: false, after: true });
  });
});
