import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/core/record.js';
import { PostgresStore, type PostgresStoreOptions } from '../../src/stores/postgres/index.js';
import type { PgPoolLike } from '../../src/stores/postgres/pg-pool.js';
import { makeRecord } from '../support/records.js';
import { adminQuery, dropSchema, PG_URL, postgresAvailable, uniqueSchema } from './postgres-support.js';

const available = await postgresAvailable();
const schemas: string[] = [];
afterAll(async () => {
  if (available) for (const schema of schemas) await dropSchema(schema);
});

/** A store on a pool whose every statement is noted: COPY appears as its text, INSERTs as theirs. */
function observedStore(options: Omit<PostgresStoreOptions, 'pool' | 'connectionString'> = {}) {
  const schema = uniqueSchema('copy');
  schemas.push(schema);
  const statements: string[] = [];
  const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string };
      statements.push(typeof first === 'string' ? first : (first.text ?? ''));
      return query(...args);
    };
  });
  const store = new PostgresStore({ ...options, pool, schema });
  const close = async () => {
    await store.close();
    await pool.end();
  };
  const count = (prefix: string) => statements.filter((text) => text.trimStart().startsWith(prefix)).length;
  return { store, schema, statements, count, close };
}

async function callCount(schema: string): Promise<number> {
  const rows = await adminQuery<{ n: number }>(`SELECT COUNT(*)::int AS n FROM "${schema}".llm_request_logs`);
  return rows[0]!.n;
}

async function rolledUpCalls(schema: string): Promise<number> {
  const rows = await adminQuery<{ n: number }>(
    `SELECT COALESCE(SUM(calls), 0)::int AS n FROM "${schema}".llm_usage_hourly`,
  );
  return rows[0]!.n;
}

// Text that COPY's text format must escape, and text that looks like its markers.
const AWKWARD =
  "tab\there\nnew line\r\nCRLF \\ backslash \\N not null \\. end marker\n\\.\n<b>&amp;</b> '; DROP TABLE x; --";

describe.skipIf(!available)('PostgresStore writes with COPY', () => {
  it('writes batches with COPY and keeps every awkward character exactly', async () => {
    const { store, schema, count, close } = observedStore();
    try {
      const records: CallRecord[] = [
        makeRecord({ systemPrompt: AWKWARD, userId: AWKWARD, tags: [AWKWARD], metadata: { [AWKWARD]: AWKWARD } }),
        makeRecord({ messages: [{ role: 'user', content: AWKWARD }], errorMessage: AWKWARD }),
        makeRecord({ systemPrompt: null, sessionId: '\t', ttftMs: 12.25, latencyMs: 0.5 }),
      ];
      await store.write(records);
      expect(count('COPY')).toBe(1);
      expect(count('INSERT INTO "' + schema + '".llm_request_logs')).toBe(0);
      for (const record of records) expect(await store.get(record.id)).toStrictEqual(record);
      expect((await store.list({ userId: AWKWARD })).records.map((r) => r.id)).toEqual([records[0]!.id]);
      expect(await rolledUpCalls(schema)).toBe(3);
    } finally {
      await close();
    }
  });

  it('writes a batch holding an already stored id again with INSERTs, storing and counting it once', async () => {
    const { store, schema, count, close } = observedStore();
    try {
      const first = [makeRecord(), makeRecord()];
      await store.write(first);
      const replay = [first[1]!, makeRecord(), makeRecord()];
      await store.write(replay);
      expect(count('COPY')).toBe(2);
      expect(count(`INSERT INTO "${schema}".llm_request_logs`)).toBe(1);
      expect(await callCount(schema)).toBe(4);
      expect(await rolledUpCalls(schema)).toBe(4);
      const [summary] = await store.summary({});
      expect(summary!.calls).toBe(4);
      expect(summary!.cost).toBe('0.0000252');
    } finally {
      await close();
    }
  });

  it('leaves start times that are not UTC ISO text to PostgreSQL, through INSERT, and rolls them up by its hour', async () => {
    const { store, schema, count, close } = observedStore();
    try {
      // 01:30 at +02:00 is 23:30 UTC the day before.
      const offset = makeRecord({ startedAt: '2025-03-02T01:30:00+02:00' });
      await store.write([offset, makeRecord()]);
      expect(count('COPY')).toBe(0);
      expect(await callCount(schema)).toBe(2);
      const rows = await store.summary({ groupBy: ['hour'] });
      expect(rows.map((row) => [row.group.hour, row.calls]).sort()).toEqual([
        ['2025-03-01T09', 1],
        ['2025-03-01T23', 1],
      ]);
    } finally {
      await close();
    }
  });

  it("uses INSERTs only with writeMethod: 'insert'", async () => {
    const { store, schema, count, close } = observedStore({ writeMethod: 'insert' });
    try {
      const record = makeRecord({ systemPrompt: AWKWARD });
      await store.write([record, makeRecord()]);
      await store.write([record]);
      expect(count('COPY')).toBe(0);
      expect(await callCount(schema)).toBe(2);
      expect(await rolledUpCalls(schema)).toBe(2);
      expect(await store.get(record.id)).toStrictEqual(record);
    } finally {
      await close();
    }
  });

  it('uses INSERTs on a pool that only forwards text queries', async () => {
    const schema = uniqueSchema('copy_wrapped');
    schemas.push(schema);
    const inner = new pg.Pool({ connectionString: PG_URL, max: 2 });
    // A wrapper such as a tracing or pooling library might hand out: text queries only.
    const pool: PgPoolLike = {
      query: (text, values) => inner.query(text, values),
      end: () => inner.end(),
      connect: async () => {
        const client = await inner.connect();
        return { query: (text, values) => client.query(text, values), release: (error) => client.release(error) };
      },
    };
    const store = new PostgresStore({ pool, schema });
    try {
      const records = [makeRecord({ systemPrompt: AWKWARD }), makeRecord()];
      await store.write(records);
      expect(await callCount(schema)).toBe(2);
      expect(await store.get(records[0]!.id)).toStrictEqual(records[0]);
    } finally {
      await store.close();
      await inner.end();
    }
  });

  it('fails a batch COPY cannot store (a bad value) as a whole, with a typed, non-retryable error', async () => {
    const { store, schema, close } = observedStore();
    try {
      const bad = makeRecord({ cost: { ...makeRecord().cost!, total: 'twelve dollars' } });
      await expect(store.write([makeRecord(), bad])).rejects.toMatchObject({
        name: 'StoreError',
        retryable: false,
      });
      expect(await callCount(schema)).toBe(0);
      expect(await rolledUpCalls(schema)).toBe(0);
    } finally {
      await close();
    }
  });
});
