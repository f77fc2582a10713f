import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type CreatedLedger } from '../../src/create-ledger.js';
import type { Store } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { cli, tempDir } from '../cli/cli-harness.js';
import { makeCost, makeRecord } from '../support/records.js';
import { adminQuery, dropSchema, PG_URL, postgresAvailable, uniqueSchema } from '../stores/postgres-support.js';

/*
 * A stored cost that is no decimal (written by an older version, another tool or by hand) never
 * fails summary, report, calls, reprice or usage for the whole database: it is left out of the
 * sums, counted and named. The bad rows are inserted with raw SQL (memory: written to the store as is).
 */

const pgAvailable = await postgresAvailable();
const schema = uniqueSchema('malformed');
const dir = tempDir();
const sqlitePath = join(dir.path, 'ledger.db');
afterAll(async () => {
  dir.remove();
  if (pgAvailable) await dropSchema(schema);
});

const now = new Date().toISOString();
const good = makeRecord({ startedAt: now, userId: 'alice', sessionId: 's-1', cost: makeCost('0.25') });
const BAD_ID = '00000000-0000-7000-8000-00000000bad1';

/** Copies the good row under BAD_ID with `cost` as its stored total, behind the store's back. */
async function insertRaw(kind: string, cost: string): Promise<void> {
  if (kind === 'sqlite') {
    const db = new Database(sqlitePath);
    try {
      // table_info leaves out the generated columns, which cannot be inserted.
      const columns = (
        db.prepare("SELECT name FROM pragma_table_info('llm_request_logs')").all() as Array<{ name: string }>
      )
        .map((column) => column.name)
        .filter((name) => name !== 'id' && name !== 'cost_total');
      db.prepare(
        `INSERT INTO llm_request_logs (id, cost_total, ${columns.join(', ')}) SELECT ?, ?, ${columns.join(', ')} FROM llm_request_logs WHERE id = ?`,
      ).run(BAD_ID, cost, good.id);
    } finally {
      db.close();
    }
  } else {
    const columns = (
      await adminQuery<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'llm_request_logs'",
        [schema],
      )
    )
      .map((column) => column.column_name)
      .filter((name) => name !== 'id' && name !== 'cost_total');
    await adminQuery(
      `INSERT INTO "${schema}".llm_request_logs (id, cost_total, ${columns.join(', ')}) SELECT $1, $2::numeric, ${columns.join(', ')} FROM "${schema}".llm_request_logs WHERE id = $3`,
      [BAD_ID, cost, good.id],
    );
  }
}

const stores: Array<[string, () => Store, string, boolean]> = [
  ['memory', () => new MemoryStore(), 'abc', true],
  ['sqlite', () => new SqliteStore({ path: sqlitePath }), 'abc', true],
  ['postgres', () => new PostgresStore({ connectionString: PG_URL, schema }), 'NaN', pgAvailable],
];

for (const [kind, makeStore, badCost, available] of stores) {
  describe.skipIf(!available)(`a malformed stored cost (${kind}, ${badCost})`, () => {
    let ledger: CreatedLedger;
    beforeAll(async () => {
      const store = makeStore();
      await store.write([good]);
      if (kind === 'memory') await store.write([{ ...good, id: BAD_ID, cost: { ...good.cost!, total: badCost } }]);
      else await insertRaw(kind, badCost);
      ledger = createLedger({ store, configFile: false, env: {}, meter: false, shutdownHooks: false, spool: false });
    });
    afterAll(async () => ledger.close());

    it('usage.summary leaves it out of the cost, and counts and names it', async () => {
      const [row] = await ledger.usage.summary({ groupBy: ['session'] });
      expect(row).toMatchObject({ calls: 2, cost: '0.25', malformedRows: { count: 1, ids: [BAD_ID] } });
      const clean = await ledger.usage.summary({ where: { requestId: 'none' } });
      expect(clean).toEqual([]);
    });

    it.skipIf(kind === 'memory')(
      'the usage-logging layout reads it as a NULL cost, never failing the query',
      async () => {
        const sql = 'SELECT id, cost_total_usd, cost_input_usd, cost_output_usd FROM llm_request_logs ORDER BY id';
        let rows: Array<Record<string, unknown>>;
        if (kind === 'sqlite') {
          const db = new Database(sqlitePath, { readonly: true });
          rows = db.prepare(sql).all() as Array<Record<string, unknown>>;
          db.close();
        } else {
          const client = new pg.Client({ connectionString: PG_URL });
          await client.connect();
          await client.query(`SET search_path TO "${schema}_compat", "${schema}"`);
          rows = (await client.query(sql)).rows as Array<Record<string, unknown>>;
          await client.end();
        }
        const bad = rows.find((row) => row.id === BAD_ID)!;
        expect(bad).toMatchObject({ cost_total_usd: null, cost_input_usd: null, cost_output_usd: null });
        expect(Number(rows.find((row) => row.id === good.id)!.cost_total_usd)).toBeCloseTo(0.25, 12);
      },
    );

    it('calls.list and calls.get still return it, as stored', async () => {
      const page = await ledger.calls.list({ sessionId: 's-1' });
      expect(page.records.map((record) => record.id).sort()).toEqual([BAD_ID, good.id].sort());
      expect((await ledger.calls.get(BAD_ID))?.cost?.total).toBe(badCost);
    });
  });
}

describe('the CLI on a malformed stored cost', () => {
  const targets: Array<[string, () => Promise<string>, boolean]> = [
    [
      'sqlite',
      async () => {
        const store = new SqliteStore({ path: sqlitePath });
        await store.close();
        return sqlitePath;
      },
      true,
    ],
    ['postgres', async () => `${PG_URL}?schema=${schema}`, pgAvailable],
  ];
  for (const [kind, database, available] of targets) {
    describe.skipIf(!available)(kind, () => {
      let db: string;
      beforeAll(async () => {
        db = await database();
      });
      const warning = new RegExp(`warning: 1 stored call has a cost that is no decimal number \\(${BAD_ID}\\)`);
      it.each([
        ['report', ['report', '--session', 's-1'], /not included in the totals/],
        ['report --json', ['report', '--session', 's-1', '--json'], /not included in the totals/],
        ['calls', ['calls', '--session', 's-1'], /shown as stored/],
        ['reprice --dry-run', ['reprice', '--since', '1d', '--session', 's-1', '--dry-run'], /would be repriced/],
      ])('%s answers and names it in a one-line warning', async (_label, argv, effect) => {
        const run = await cli([...argv, '--db', db], dir.path);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stderr).toMatch(warning);
        expect(run.stderr).toMatch(effect);
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
      });

      it('report --json carries malformedRows; the total is the good row alone', async () => {
        const run = await cli(['report', '--session', 's-1', '--json', '--db', db], dir.path);
        const report = JSON.parse(run.stdout) as { rows: Array<{ cost: string }>; malformedRows: unknown };
        expect(report.malformedRows).toEqual({ count: 1, ids: [BAD_ID] });
        expect(report.rows[0]!.cost).toBe('0.25');
      });
    });
  }
});
