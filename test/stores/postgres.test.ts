import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { PG_MIGRATIONS } from '../../src/stores/postgres/migrations.js';
import { PERCENTILE_RELATIVE_ERROR } from '../../src/stores/rollup/latency-histogram.js';
import { ROLLUP_TABLES } from '../../src/stores/rollup/rollup-tables.js';
import { makeRecord } from '../support/records.js';
import { adminQuery, dropSchema, PG_URL, postgresAvailable, uniqueSchema } from './postgres-support.js';
import { describeStoreContract } from '../../src/extend/contract/index.js';
import { buildDataset } from '../../src/extend/contract/store/data.js';
import { vitestApi } from '../support/contract-api.js';

const available = await postgresAvailable();
const required = process.env.CI === 'true';

describe.runIf(required)('PostgreSQL in CI', () => {
  it(`is reachable at ${PG_URL}`, () => {
    expect(available, 'CI=true requires PostgreSQL for the store tests').toBe(true);
  });
});

const schemas: string[] = [];
afterAll(async () => {
  if (available) for (const schema of schemas) await dropSchema(schema);
});

describe.skipIf(!available)('PostgresStore', () => {
  const contractSchema = uniqueSchema('contract');
  schemas.push(contractSchema);
  let first = true;
  describeStoreContract(
    vitestApi,
    'postgres',
    async () => {
      // One schema for the whole suite, emptied before each test: migrating a schema per test
      // would triple the run time for no extra coverage.
      if (!first) {
        const tables = ['llm_request_logs', ...ROLLUP_TABLES.map((table) => table.name)];
        await adminQuery(`TRUNCATE ${tables.map((table) => `"${contractSchema}".${table}`).join(', ')}`);
      }
      first = false;
      return new PostgresStore({ connectionString: PG_URL, schema: contractSchema });
    },
    { percentileTolerance: PERCENTILE_RELATIVE_ERROR },
  );

  it('accepts a user pool, migrates once under concurrency, and leaves the pool open', async () => {
    const schema = uniqueSchema('migrate');
    schemas.push(schema);
    const pool = new pg.Pool({ connectionString: PG_URL, max: 8 });
    try {
      const stores = Array.from({ length: 6 }, () => new PostgresStore({ pool, schema }));
      await Promise.all(stores.map((store) => store.migrate()));
      const records = buildDataset(40);
      await Promise.all(stores.map((store) => store.write(records)));
      for (const store of stores) await store.close();
      const versions = await adminQuery<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations`);
      expect(versions.map((row) => row.version).sort()).toEqual(PG_MIGRATIONS.map((migration) => migration.version));
      expect((await pool.query(`SELECT COUNT(*)::int AS n FROM "${schema}".llm_request_logs`)).rows[0].n).toBe(40);
    } finally {
      await pool.end();
    }
  });

  it('keeps U+0000 and the escape character itself, and filters on them', async () => {
    const schema = uniqueSchema('nul');
    schemas.push(schema);
    const store = new PostgresStore({ connectionString: PG_URL, schema });
    try {
      const odd = 'a\u0000b\uF8FFc\uF8FF0d\\u0000';
      const record = makeRecord({
        userId: odd,
        systemPrompt: odd,
        tags: [odd],
        metadata: { [odd]: odd, nested: [odd, '\\\u0000'] },
      });
      await store.write([record, makeRecord()]);
      expect(await store.get(record.id)).toStrictEqual(record);
      expect((await store.list({ userId: odd })).records.map((r) => r.id)).toEqual([record.id]);
      expect((await store.list({ tags: [odd] })).records.map((r) => r.id)).toEqual([record.id]);
      const [row] = await store.summary({ groupBy: ['user'], where: { userId: odd } });
      expect(row!.group.user).toBe(odd);
    } finally {
      await store.close();
    }
  });

  it('purges calls started before a cutoff (schema chosen in the URL)', async () => {
    const schema = uniqueSchema('purge');
    schemas.push(schema);
    const store = new PostgresStore({ connectionString: `${PG_URL}?schema=${schema}` });
    expect(store.schema).toBe(schema);
    try {
      const old = makeRecord({ startedAt: '2020-01-01T00:00:00.000Z' });
      const recent = makeRecord({ startedAt: '2025-06-01T00:00:00.000Z' });
      await store.write([old, recent]);
      expect(await store.purge('2021-01-01T00:00:00.000Z', { dryRun: true })).toBe(1);
      expect(await store.get(old.id)).toStrictEqual(old);
      expect(await store.purge(new Date('2021-01-01T00:00:00.000Z'))).toBe(1);
      expect(await store.get(old.id)).toBeNull();
      expect(await store.get(recent.id)).toStrictEqual(recent);
    } finally {
      await store.close();
    }
  });

  it('uses the indexes for the common filters', async () => {
    const schema = uniqueSchema('plan');
    schemas.push(schema);
    const store = new PostgresStore({ connectionString: PG_URL, schema });
    await store.migrate();
    await store.close();
    const plan = async (where: string) => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        // An empty table would be scanned whatever the indexes; the question is whether one fits.
        await client.query('SET enable_seqscan = off');
        const result = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN SELECT id FROM "${schema}".llm_request_logs WHERE ${where}`,
        );
        return result.rows.map((row) => row['QUERY PLAN']).join('\n');
      } finally {
        await client.end();
      }
    };
    expect(await plan(`user_id = 'u' AND started_at >= now()`)).toContain('llm_request_logs_user');
    expect(await plan(`tags @> '["a"]'`)).toContain('llm_request_logs_tags');
    expect(await plan(`trace_id = 't'`)).toContain('llm_request_logs_trace');
  });
});
