import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/core/record.js';
import { applyPgMigrations, PG_MIGRATIONS } from '../../src/stores/postgres/migrations.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { NULL_DIMENSION } from '../../src/stores/postgres/pg-rollup-sql.js';
import { COLUMNS } from '../../src/stores/sqlite/row-mapping.js';
import { PERCENTILE_RELATIVE_ERROR } from '../../src/stores/rollup/latency-histogram.js';
import { makeRecord } from '../support/records.js';
import { expectedSummary, expectSummary } from '../../src/extend/contract/store/expectations.js';
import { adminQuery, dropSchema, PG_URL, postgresAvailable, uniqueSchema } from './postgres-support.js';
import { buildDataset, seeded } from '../../src/extend/contract/store/data.js';

const available = await postgresAvailable();
const schemas: string[] = [];
afterAll(async () => {
  if (available) for (const schema of schemas) await dropSchema(schema);
});

function newSchema(label: string): string {
  const schema = uniqueSchema(label);
  schemas.push(schema);
  return schema;
}

describe.skipIf(!available)('PostgreSQL rollups', () => {
  it('answer the summaries they can (a tampered rollup shows through)', async () => {
    const schema = newSchema('rollup_used');
    const store = new PostgresStore({ connectionString: PG_URL, schema });
    try {
      const dataset = buildDataset(200);
      await store.write(dataset);
      const before = await store.summary({});
      await adminQuery(`UPDATE "${schema}".llm_usage_daily SET calls = calls + 1`);
      const rows = await adminQuery<{ n: number }>(`SELECT COUNT(*)::int AS n FROM "${schema}".llm_usage_daily`);
      expect((await store.summary({}))[0]!.calls).toBe(before[0]!.calls + rows[0]!.n);
      const where = { sessionId: 's-2' };
      expectSummary(
        expect,
        await store.summary({ groupBy: ['model'], where }),
        expectedSummary(dataset, ['model'], where),
      );
      // By tenant, its daily table answers (errors and unpriced calls are columns there).
      for (const [table, key] of [['llm_usage_daily_tenants', 'tenant']] as const) {
        const exact = await store.summary({ groupBy: [key] });
        await adminQuery(`UPDATE "${schema}".${table} SET errors = errors + 1, unpriced_calls = unpriced_calls + 2`);
        const days = await adminQuery<{ id: string; n: number }>(
          `SELECT ${key}_id AS id, COUNT(*)::int AS n FROM "${schema}".${table} GROUP BY 1`,
        );
        const daysOf = (group: string | null | undefined) =>
          days.find((row) => row.id === (group ?? NULL_DIMENSION))?.n ?? 0;
        const tampered = await store.summary({ groupBy: [key] });
        expect(tampered.map((row) => [row.errors, row.unpricedCalls])).toEqual(
          exact.map((row) => [row.errors + daysOf(row.group[key]), row.unpricedCalls + 2 * daysOf(row.group[key])]),
        );
      }
    } finally {
      await store.close();
    }
  });

  it('are backfilled by the migration from rows written before them', async () => {
    const schema = newSchema('rollup_backfill');
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    const dataset = buildDataset(300);
    try {
      // Rows written by a version without rollups: migrate to 1, write through a store of that
      // schema version by inserting what the store would (its rollup upserts fail and roll back,
      // so the rows go in with plain INSERTs copied from the table of a second schema).
      const staging = newSchema('rollup_staging');
      const writer = new PostgresStore({ pool, schema: staging });
      await writer.write(dataset);
      await writer.close();
      await applyPgMigrations(pool, schema, PG_MIGRATIONS.slice(0, 1));
      // The columns of schema version 1 (`problems` came with version 3).
      const columns = COLUMNS.filter(
        (column) => column !== 'problems' && column !== 'cache_hit' && column !== 'cost_saved',
      ).join(', ');
      await pool.query(
        `INSERT INTO "${schema}".llm_request_logs (${columns}) SELECT ${columns} FROM "${staging}".llm_request_logs`,
      );
      const store = new PostgresStore({ pool, schema });
      for (const groupBy of [['model', 'day'], ['status', 'hour'], [], ['tenant'], ['user', 'day']] as const) {
        expectSummary(
          expect,
          await store.summary({ groupBy: [...groupBy] }),
          expectedSummary(dataset, [...groupBy]),
          PERCENTILE_RELATIVE_ERROR,
        );
      }
      await store.close();
    } finally {
      await pool.end();
    }
  });

  it('by tenant and by user are backfilled by their migration in a schema of the previous version', async () => {
    const schema = newSchema('rollup_backfill_attribution');
    const dataset = buildDataset(300);
    let store = new PostgresStore({ connectionString: PG_URL, schema });
    try {
      await store.write(dataset);
      await store.close();
      // Back to schema version 5: no table by tenant.
      await adminQuery(`DROP TABLE "${schema}".llm_usage_daily_tenants`);
      await adminQuery(`DELETE FROM "${schema}".schema_migrations WHERE version >= 6`);
      store = new PostgresStore({ connectionString: PG_URL, schema });
      await store.migrate();
      const [tenants] = await adminQuery<{ calls: number }>(
        `SELECT SUM(calls)::int AS calls FROM "${schema}".llm_usage_daily_tenants`,
      );
      expect(tenants!.calls).toBe(dataset.length);
      for (const groupBy of [['tenant'], ['user', 'day'], ['model', 'day']] as const) {
        expectSummary(
          expect,
          await store.summary({ groupBy: [...groupBy] }),
          expectedSummary(dataset, [...groupBy]),
          PERCENTILE_RELATIVE_ERROR,
        );
      }
    } finally {
      await store.close();
    }
  });

  it('stay exact under concurrent writers replaying overlapping batches', async () => {
    const schema = newSchema('rollup_concurrent');
    const pool = new pg.Pool({ connectionString: PG_URL, max: 8 });
    try {
      const dataset = buildDataset(400, 17);
      const stores = Array.from({ length: 6 }, () => new PostgresStore({ pool, schema }));
      await stores[0]!.migrate();
      const random = seeded(5);
      // Every writer writes every record, in its own shuffled batches: each id is stored once and
      // counted once, whichever writer wins it.
      await Promise.all(
        stores.map(async (store) => {
          const shuffled = [...dataset].sort(() => random() - 0.5);
          for (let start = 0; start < shuffled.length; start += 50)
            await store.write(shuffled.slice(start, start + 50));
        }),
      );
      for (const groupBy of [['model', 'day'], ['provider', 'status', 'hour'], [], ['tenant'], ['user']] as const) {
        expectSummary(
          expect,
          await stores[0]!.summary({ groupBy: [...groupBy] }),
          expectedSummary(dataset, [...groupBy]),
          PERCENTILE_RELATIVE_ERROR,
        );
      }
      for (const store of stores) await store.close();
    } finally {
      await pool.end();
    }
  });

  it('send summaries to the scan when a stored cost is no decimal (NaN)', async () => {
    const schema = newSchema('rollup_nan');
    const store = new PostgresStore({ connectionString: PG_URL, schema });
    try {
      const odd: CallRecord = makeRecord({
        cost: { total: 'NaN', breakdown: {}, currency: 'USD', pricingVersion: null, status: 'priced' },
      });
      const good = makeRecord();
      await store.write([odd, good]);
      // The scan leaves NaN out of the sum and names the row, instead of failing the whole summary.
      const [row] = await store.summary({});
      expect(row!.calls).toBe(2);
      expect(row!.cost).toBe(good.cost!.total);
      expect(row!.malformedRows).toEqual({ count: 1, ids: [odd.id] });
    } finally {
      await store.close();
    }
  });
});
