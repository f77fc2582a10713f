/**
 * The report query: `ledger.usage.summary({ groupBy: ['model', 'day'] })` over RECORDS calls
 * spread over 90 days and 8 models, in SQLite and in PostgreSQL. The rows are generated inside
 * each database (a recursive CTE, generate_series) so that setting up 1M rows takes seconds.
 * The same-run baseline is a plain `SELECT COUNT(*), SUM(latency_ms)` scan of the same table:
 * the ratio says how far the summary is from the cost of merely reading every row.
 *
 * Goal: under 300 ms at 1M records. Without rollup tables (not built yet) both stores scan.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Store } from '../src/core/store.js';
import { PostgresStore } from '../src/stores/postgres/postgres-store.js';
import { loadDriver } from '../src/stores/sqlite/driver.js';
import { SqliteStore } from '../src/stores/sqlite/sqlite-store.js';

const RECORDS = Number(process.env.BENCH_REPORT_RECORDS ?? 1_000_000);
const ROUNDS = 3;
const GOAL_MS = 300;
const URL = process.env.LLM_LEDGER_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One synthetic row per n: 8 models, 90 days, a cost with up to 9 decimals, latency 50-5000 ms. */
const SQLITE_FILL = `
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
  INSERT INTO llm_request_logs (id, trace_id, call_type, tags, metadata, provider, model, messages, params,
    input_tokens, output_tokens, total_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
    cost_total, cost_currency, cost_status, cost_breakdown, cost_history, started_at, ended_at, latency_ms,
    request_mode, streamed, partial, status)
  SELECT printf('%012d', i), printf('%012d', i), 'CHAT', '[]', '{}', 'openai', 'model-' || (i % 8), '[]', '{}',
    100, 20, 120, 0, 0, 0, printf('0.%09d', (i * 7919) % 1000000000), 'USD', 'priced', '{}', '[]',
    strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + (i * 7777) % 7776000, 'unixepoch'),
    strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + (i * 7777) % 7776000, 'unixepoch'),
    50 + (i * 31) % 4950, 'sync', 0, 0, CASE WHEN i % 50 = 0 THEN 'error' ELSE 'success' END
  FROM n`;

const PG_FILL = (table: string) => `
  INSERT INTO ${table} (id, trace_id, call_type, tags, metadata, provider, model, messages, params,
    input_tokens, output_tokens, total_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
    cost_total, cost_currency, cost_status, cost_breakdown, cost_history, started_at, ended_at, latency_ms,
    request_mode, streamed, partial, status)
  SELECT lpad(i::text, 12, '0'), lpad(i::text, 12, '0'), 'CHAT', '[]', '{}', 'openai', 'model-' || (i % 8), '[]', '{}',
    100, 20, 120, 0, 0, 0, ('0.' || lpad(((i::bigint * 7919) % 1000000000)::text, 9, '0'))::numeric, 'USD', 'priced',
    '{}', '[]', to_timestamp(1735689600 + (i::bigint * 7777) % 7776000), to_timestamp(1735689600 + (i::bigint * 7777) % 7776000),
    50 + (i * 31) % 4950, 'sync', false, false, CASE WHEN i % 50 = 0 THEN 'error' ELSE 'success' END
  FROM generate_series(1, $1::int) AS i`;

async function best(work: () => Promise<unknown>): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  await work(); // warm-up: caches, plans, JIT
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    await work();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

async function measure(name: string, store: Store, scan: () => Promise<unknown>): Promise<void> {
  const summary = await best(() => store.summary({ groupBy: ['model', 'day'] }));
  const baseline = await best(scan);
  const rows = (await store.summary({ groupBy: ['model', 'day'] })).length;
  process.stdout.write(
    `${name}: summary by model+day ${summary.toFixed(0)} ms (${rows} groups; goal < ${GOAL_MS} ms: ` +
      `${summary < GOAL_MS ? 'met' : 'NOT met'}); plain scan ${baseline.toFixed(0)} ms; ratio ${(summary / baseline).toFixed(2)}x\n`,
  );
}

async function sqlite(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-bench-report-'));
  const path = join(directory, 'report.db');
  try {
    await new SqliteStore({ path }).close(); // creates the schema
    const Database = loadDriver();
    const db = new Database(path);
    db.prepare(SQLITE_FILL).run(RECORDS);
    const scan = db.prepare('SELECT COUNT(*), SUM(latency_ms) FROM llm_request_logs');
    const store = new SqliteStore({ path });
    await measure('SQLite', store, async () => scan.get());
    await store.close();
    db.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function postgres(): Promise<void> {
  const schema = `llm_ledger_bench_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  const store = new PostgresStore({ connectionString: URL, schema });
  try {
    await store.migrate();
    await client.query(PG_FILL(`"${schema}".llm_request_logs`), [RECORDS]);
    await client.query(`VACUUM ANALYZE "${schema}".llm_request_logs`);
    await measure('PostgreSQL', store, () =>
      client.query(`SELECT COUNT(*), SUM(latency_ms) FROM "${schema}".llm_request_logs`),
    );
  } finally {
    await store.close();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

export async function main(): Promise<void> {
  process.stdout.write(`${RECORDS.toLocaleString('en-US')} calls over 90 days, 8 models, best of ${ROUNDS}\n`);
  await sqlite();
  await postgres();
}
