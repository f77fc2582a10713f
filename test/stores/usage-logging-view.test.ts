import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type CreatedLedger } from '../../src/create-ledger.js';
import { addDecimal, formatDecimal, parseDecimal, subtractDecimal, ZERO } from '../../src/core/money.js';
import type { CallRecord } from '../../src/core/record.js';
import type { Store, SummaryRow } from '../../src/core/store.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { compatSchemaOf } from '../../src/stores/postgres/pg-compat-view.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { OUTPUT_COST_BUCKETS } from '../../src/stores/sqlite/compat-columns.js';
import { adminQuery, dropSchema, PG_URL, postgresAvailable, uniqueSchema } from './postgres-support.js';
import { USAGE_LOGGING_QUERIES as Q } from './usage-logging-queries.js';

/* The Python usage-logging layout of llm_request_logs, read by its own SQL, agrees with our queries. */

const pgAvailable = await postgresAvailable();
const schema = uniqueSchema('compat_view');
const dir = mkdtempSync(join(tmpdir(), 'llm-ledger-compat-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pgAvailable) await dropSchema(schema);
});

type Row = Record<string, unknown>;
interface Backend {
  store: () => Store;
  /** Runs one of the queries, text unchanged, the way an outside client would. */
  run: (sql: string) => Promise<Row[]>;
  /** Costs: SQLite has REAL (compared to 1e-12), PostgreSQL NUMERIC (compared exactly). */
  exact: boolean;
}

const sqlitePath = join(dir, 'ledger.db');
const backends: Array<[string, Backend, boolean]> = [
  [
    'sqlite',
    {
      store: () => new SqliteStore({ path: sqlitePath }),
      run: async (sql) => {
        const db = new Database(sqlitePath, { readonly: true });
        try {
          return db.prepare(sql).all() as Row[];
        } finally {
          db.close();
        }
      },
      exact: false,
    },
    true,
  ],
  [
    'postgres',
    {
      store: () => new PostgresStore({ connectionString: PG_URL, schema }),
      run: async (sql) => {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        try {
          await client.query(`SET search_path TO "${compatSchemaOf(schema)}", "${schema}"`);
          return (await client.query(sql)).rows as Row[];
        } finally {
          await client.end();
        }
      },
      exact: true,
    },
    pgAvailable,
  ],
];

async function recordCalls(ledger: CreatedLedger): Promise<void> {
  const messages = [{ role: 'user', content: 'hello' }];
  const extraction = ledger.start({
    provider: 'openai',
    model: 'gpt-4o-mini',
    callType: 'extraction',
    messages,
    sessionId: 'doc-1',
    userId: 'u-1',
    requestId: 'r-1',
  });
  extraction.complete({ tokens: { input: 1000, output: 200 } });
  const summary = ledger.start({
    provider: 'openai',
    model: 'gpt-4o-mini',
    callType: 'summarization',
    messages,
    requestMode: 'streaming',
    sessionId: 'doc-1',
    userId: 'u-2',
    requestId: 'r-2',
  });
  summary.complete({ tokens: { input: 5000, output: 800 } });
  const claude = ledger.start({
    provider: 'anthropic',
    model: 'claude-sonnet-4',
    callType: 'extraction',
    messages,
    sessionId: 'doc-2',
    userId: 'u-1',
    requestId: 'r-3',
  });
  claude.complete({ tokens: { input: 1200, cacheRead: 1024, output: 300 } });
  const failed = ledger.start({
    provider: 'openai',
    model: 'gpt-4o-mini',
    callType: 'classification',
    messages,
    requestMode: 'streaming',
    userId: 'u-2',
    requestId: 'r-4',
  });
  const error = Object.assign(new Error('upstream timed out'), { name: 'TimeoutError' });
  failed.fail(error);
  const local = ledger.start({
    provider: 'local',
    model: 'my-local-model',
    callType: 'classification',
    messages,
    requestId: 'r-5',
  });
  local.complete({ tokens: { input: 10, output: 5 } });
  await ledger.flush();
}

for (const [kind, backend, available] of backends) {
  describe.skipIf(!available)(`the usage-logging layout of llm_request_logs (${kind})`, () => {
    let ledger: CreatedLedger;
    let records: CallRecord[];
    beforeAll(async () => {
      ledger = createLedger({
        store: backend.store(),
        configFile: false,
        env: {},
        meter: false,
        shutdownHooks: false,
        priceUpdates: false,
        spool: false,
      });
      await recordCalls(ledger);
      records = (await ledger.calls.list({ limit: 100, order: 'asc' })).records;
      expect(records).toHaveLength(5);
    });
    afterAll(async () => ledger.close());

    const money = (value: unknown, expected: string | null) => {
      if (expected === null) return expect(value).toBeNull();
      if (backend.exact) return expect(formatDecimal(parseDecimal(String(value)))).toBe(expected);
      return expect(Number(value)).toBeCloseTo(Number(expected), 12);
    };
    const summaryBy = async (key: 'callType' | 'model' | 'session' | 'user') =>
      ledger.usage.summary({ groupBy: [key] });
    // SQL's SUM over no amount is NULL where our sum is 0: a group none of whose calls has a cost.
    const priced = (row: SummaryRow, inGroup: (record: CallRecord) => boolean) =>
      records.some((record) => inGroup(record) && record.cost?.total != null) ? row.cost : null;

    it('calls, tokens and cost per task_type match usage.summary by callType', async () => {
      const ours = await summaryBy('callType');
      const theirs = await backend.run(Q.byTaskType);
      expect(theirs.map((row) => row.task_type)).toEqual(ours.map((row) => row.group.callType));
      theirs.forEach((row, index) => {
        const our = ours[index]!;
        expect(Number(row.requests)).toBe(our.calls);
        expect(Number(row.input_tokens)).toBe(our.tokens.input);
        expect(Number(row.output_tokens)).toBe(our.tokens.output);
        expect(Number(row.total_tokens)).toBe(our.tokens.total);
        money(
          row.cost_total_usd,
          priced(our, (record) => record.callType === row.task_type),
        );
      });
    });

    it('cost_input_usd + cost_output_usd = cost_total_usd per model_name, split as the breakdowns say', async () => {
      const ours = await summaryBy('model');
      const theirs = await backend.run(Q.costByModel);
      expect(theirs.map((row) => row.model_name)).toEqual(ours.map((row) => row.group.model));
      for (const row of theirs) {
        const our = ours.find((entry) => entry.group.model === row.model_name)!;
        const calls = records.filter((record) => record.model === row.model_name && record.cost?.total != null);
        let output = ZERO;
        for (const record of calls) {
          for (const bucket of OUTPUT_COST_BUCKETS) {
            const amount = record.cost!.breakdown[bucket];
            if (amount !== undefined) output = addDecimal(output, parseDecimal(amount));
          }
        }
        const total = priced(our, (record) => record.model === row.model_name);
        money(row.cost_total_usd, total);
        money(row.cost_output_usd, total === null ? null : formatDecimal(output));
        money(row.cost_input_usd, total === null ? null : formatDecimal(subtractDecimal(parseDecimal(total), output)));
      }
      expect(theirs.some((row) => Number(row.cost_output_usd) > 0 && Number(row.cost_input_usd) > 0)).toBe(true);
    });

    it('WHERE success = false lists exactly the calls our status filter calls failed, with their errors', async () => {
      const failed = (await ledger.calls.list({ status: ['error', 'cancelled', 'partial'], order: 'asc' })).records;
      const theirs = await backend.run(Q.failures);
      expect(theirs).toEqual(
        failed.map((record) => ({
          request_id: record.requestId,
          task_type: record.callType,
          error_type: record.errorType,
          error_message: record.errorMessage,
        })),
      );
      expect(theirs).toHaveLength(1);
      expect(theirs[0]!.error_type).toBe('TimeoutError');
    });

    it('per session_id and per user_id, the sums match usage.summary by session and by user', async () => {
      const sessions = (await summaryBy('session')).filter((row) => row.group.session !== null);
      const bySession = await backend.run(Q.bySession);
      expect(bySession.map((row) => row.session_id)).toEqual(sessions.map((row) => row.group.session));
      bySession.forEach((row, index) => {
        expect(Number(row.requests)).toBe(sessions[index]!.calls);
        expect(Number(row.total_tokens)).toBe(sessions[index]!.tokens.total);
        money(row.cost_total_usd, sessions[index]!.cost);
      });
      const users = (await summaryBy('user')).filter((row) => row.group.user !== null);
      const byUser = await backend.run(Q.userSpendSince);
      expect(byUser.map((row) => row.user_id)).toEqual(users.map((row) => row.group.user));
      byUser.forEach((row, index) => money(row.cost_total_usd, users[index]!.cost));
    });

    it('request_mode, streamed and partial count as the records say; success per task_type as the statuses say', async () => {
      const streaming = await backend.run(Q.streaming);
      const counts = new Map<string, number>();
      for (const record of records) {
        const key = `${record.requestMode}|${record.streamed}|${record.partial}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      expect(
        new Map(
          streaming.map((row) => [
            `${String(row.request_mode)}|${Boolean(row.streamed)}|${Boolean(row.partial)}`,
            Number(row.requests),
          ]),
        ),
      ).toEqual(counts);
      const rates = await backend.run(Q.successRate);
      for (const row of rates) {
        const ofType = records.filter((record) => record.callType === row.task_type);
        expect(Number(row.requests)).toBe(ofType.length);
        expect(Number(row.succeeded)).toBe(ofType.filter((record) => record.status === 'success').length);
      }
    });
  });
}

describe.skipIf(!pgAvailable)('the PostgreSQL view', () => {
  it('lives in <schema>_compat, beside the table it reads', async () => {
    const rows = await adminQuery<{ table_schema: string }>(
      "SELECT table_schema FROM information_schema.views WHERE table_name = 'llm_request_logs' AND table_schema = $1",
      [compatSchemaOf(schema)],
    );
    expect(rows).toHaveLength(1);
  });
});
