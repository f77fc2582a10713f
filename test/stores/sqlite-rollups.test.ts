import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PERCENTILE_RELATIVE_ERROR } from '../../src/stores/rollup/latency-histogram.js';
import { planRollup } from '../../src/stores/rollup/rollup-plan.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { applyMigrations, MIGRATIONS } from '../../src/stores/sqlite/migrations.js';
import { COLUMN_COUNT, COLUMNS, writeRow } from '../../src/stores/sqlite/row-mapping.js';
import { makeRecord } from '../support/records.js';
import { expectedSummary, expectSummary } from '../../src/extend/contract/store/expectations.js';
import { buildDataset } from '../../src/extend/contract/store/data.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

describe('SQLite rollups', () => {
  it('answer the summaries they can (a tampered rollup shows through), and only those', async () => {
    const db = new Database(':memory:');
    const store = new SqliteStore({ database: db });
    const dataset = buildDataset(200);
    await store.write(dataset);
    const before = await store.summary({ groupBy: ['model'] });
    db.exec('UPDATE llm_usage_daily SET calls = calls + 1000');
    const after = await store.summary({ groupBy: ['model'] });
    expect(after.map((row) => row.calls)).toEqual(before.map((row) => row.calls + 1000 * rowsPerModel(db, row)));
    // By hour, the hourly table answers, untouched; a session filter scans.
    expectSummary(
      expect,
      await store.summary({ groupBy: ['hour'] }),
      expectedSummary(dataset, ['hour']),
      PERCENTILE_RELATIVE_ERROR,
    );
    expectSummary(
      expect,
      await store.summary({ groupBy: ['model'], where: { sessionId: 's-1' } }),
      expectedSummary(dataset, ['model'], { sessionId: 's-1' }),
    );
    // By tenant, its daily table answers (errors and unpriced calls are columns there).
    for (const [table, key] of [['llm_usage_daily_tenants', 'tenant']] as const) {
      const exact = await store.summary({ groupBy: [key] });
      db.exec(`UPDATE ${table} SET errors = errors + 1, unpriced_calls = unpriced_calls + 2`);
      const tampered = await store.summary({ groupBy: [key] });
      const days = (group: string | null | undefined) =>
        db
          .prepare(`SELECT COUNT(*) FROM ${table} WHERE ${key}_id IS ?`)
          .pluck()
          .get(group ?? null) as number;
      expect(tampered.map((row) => [row.errors, row.unpricedCalls])).toEqual(
        exact.map((row) => [row.errors + days(row.group[key]), row.unpricedCalls + 2 * days(row.group[key])]),
      );
    }
    await store.close();
    db.close();
  });

  it('pick the narrowest table that has every dimension and period', () => {
    const table = (query: Parameters<typeof planRollup>[0]) => planRollup(query)?.table.name;
    expect(table({ groupBy: ['model', 'day'] })).toBe('llm_usage_daily');
    expect(table({ groupBy: ['model'], from: '2025-03-01T00:00:00.000Z' })).toBe('llm_usage_daily');
    expect(table({ groupBy: ['model'], from: '2025-03-01T05:00:00.000Z' })).toBe('llm_usage_hourly');
    expect(table({ groupBy: ['hour'] })).toBe('llm_usage_hourly');
    // By tenant alone (and the day): its own daily table. By user: a scan (no user table).
    expect(table({ groupBy: ['day'], where: { userId: 'u' } })).toBeUndefined();
    expect(table({ groupBy: ['user'], from: '2025-03-01T00:00:00.000Z' })).toBeUndefined();
    expect(table({ groupBy: ['tenant'] })).toBe('llm_usage_daily_tenants');
    expect(table({ groupBy: ['tenant', 'day'], where: { tenantId: null as unknown as string } })).toBe(
      'llm_usage_daily_tenants',
    );
    // What those tables lack: hours, the other attribution, models, statuses.
    expect(table({ groupBy: ['tenant'], from: '2025-03-01T05:00:00.000Z' })).toBeUndefined();
    expect(table({ groupBy: ['tenant', 'hour'] })).toBeUndefined();
    expect(table({ groupBy: ['user', 'tenant'] })).toBeUndefined();
    expect(table({ groupBy: ['user'], where: { tenantId: 't' } })).toBeUndefined();
    expect(table({ groupBy: ['tenant', 'model'] })).toBeUndefined();
    expect(table({ groupBy: ['user'], where: { status: 'error' } })).toBeUndefined();
    expect(table({ groupBy: ['tenant'], where: { costStatus: 'unpriced' } })).toBeUndefined();
    expect(table({ groupBy: ['model'], from: '2025-03-01T05:00:00.001Z' })).toBeUndefined();
    expect(table({ groupBy: ['session'] })).toBeUndefined();
    expect(table({ where: { tags: ['prod'] } })).toBeUndefined();
    expect(table({ where: { tags: [] } })).toBe('llm_usage_daily');
  });

  it('are backfilled from the rows of a database written before them', async () => {
    const db = new Database(':memory:');
    applyMigrations(db, MIGRATIONS.slice(0, 1));
    const dataset = buildDataset(300);
    // The columns of schema version 1 (`problems` came with version 3, as the last column).
    const columns = COLUMNS.filter(
      (column) => column !== 'problems' && column !== 'cache_hit' && column !== 'cost_saved',
    );
    const insert = db.prepare(
      `INSERT INTO llm_request_logs (${columns.join(', ')}) VALUES (${'?, '.repeat(columns.length - 1)}?)`,
    );
    const values = new Array<unknown>(COLUMN_COUNT);
    for (const record of dataset) {
      writeRow(record, values, 1_000_000);
      insert.run(values.slice(0, columns.length));
    }
    const store = new SqliteStore({ database: db });
    expect(db.prepare('SELECT COUNT(*) FROM llm_usage_dirty_hours').pluck().get()).toBe(0);
    for (const groupBy of [['model', 'day'], ['status', 'hour'], [], ['tenant'], ['user', 'day']] as const) {
      expectSummary(
        expect,
        await store.summary({ groupBy: [...groupBy] }),
        expectedSummary(dataset, [...groupBy]),
        PERCENTILE_RELATIVE_ERROR,
      );
    }
    await store.close();
    db.close();
  });

  it('by tenant and by user are backfilled when a database of the previous schema opens', async () => {
    const db = new Database(':memory:');
    let store = new SqliteStore({ database: db });
    const dataset = buildDataset(300);
    await store.write(dataset);
    await store.close();
    // Back to schema version 6: no table by tenant.
    db.exec('DROP TABLE llm_usage_daily_tenants');
    db.exec('DELETE FROM schema_migrations WHERE version >= 7');
    store = new SqliteStore({ database: db });
    expect(db.prepare('SELECT COUNT(*) FROM llm_usage_dirty_hours').pluck().get()).toBe(0);
    expect(db.prepare('SELECT SUM(calls) FROM llm_usage_daily_tenants').pluck().get()).toBe(dataset.length);
    for (const groupBy of [['tenant'], ['user', 'day'], ['model', 'day'], ['hour']] as const) {
      expectSummary(
        expect,
        await store.summary({ groupBy: [...groupBy] }),
        expectedSummary(dataset, [...groupBy]),
        PERCENTILE_RELATIVE_ERROR,
      );
    }
    await store.close();
    db.close();
  });

  it('follow deletions made by other connections (the CLI purges the file directly)', async () => {
    const db = new Database(':memory:');
    const store = new SqliteStore({ database: db });
    const dataset = buildDataset(300);
    await store.write(dataset);
    const cutoff = '2025-03-04T07:31:00.000Z';
    db.prepare('DELETE FROM llm_request_logs WHERE started_at < ?').run(cutoff);
    const remaining = dataset.filter((record) => record.startedAt >= cutoff);
    expectSummary(
      expect,
      await store.summary({ groupBy: ['model', 'day'] }),
      expectedSummary(remaining, ['model', 'day']),
      PERCENTILE_RELATIVE_ERROR,
    );
    for (const groupBy of [['hour'], ['tenant'], ['user', 'day']] as const) {
      expectSummary(
        expect,
        await store.summary({ groupBy: [...groupBy] }),
        expectedSummary(remaining, [...groupBy]),
        PERCENTILE_RELATIVE_ERROR,
      );
    }
    expect(db.prepare('SELECT COUNT(*) FROM llm_usage_dirty_hours').pluck().get()).toBe(0);
    await store.close();
    db.close();
  });

  it('keep counting a stored cost that is no decimal, by sending the summary to the scan, which skips it', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const odd = makeRecord({
      cost: { total: 'abc', breakdown: {}, currency: 'USD', pricingVersion: null, status: 'priced' },
    });
    const good = makeRecord();
    await store.write([odd, good]); // the write itself must not fail
    // One malformed row must not fail the summary of the whole database: its amount is left out.
    const [row] = await store.summary({});
    expect(row?.calls).toBe(2);
    expect(row?.cost).toBe(good.cost?.total ?? '0');
    await store.close();
  });
});

function rowsPerModel(db: BetterSqlite3.Database, row: { group: { model?: string | null } }): number {
  return db.prepare('SELECT COUNT(*) FROM llm_usage_daily WHERE model = ?').pluck().get(row.group.model) as number;
}
