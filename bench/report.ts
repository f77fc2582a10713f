/**
 * The report query: `ledger.usage.summary({ groupBy: ['model', 'day'] })` over RECORDS calls
 * spread over 90 days and 8 models, in SQLite and in PostgreSQL. The rows are generated inside
 * each database (a recursive CTE, generate_series) so that setting up 1M rows takes seconds,
 * into a schema at migration 1 (no rollups yet); the store then applies the rollup migration,
 * whose backfill sums the existing rows into the hourly rollups (timed and printed).
 *
 * Printed: the summary as the store answers it (from the rollups), the same summary forced onto
 * the scan (a `from` bound inside an hour), and the same-run baseline, a plain
 * `SELECT COUNT(*), SUM(latency_ms)` scan of the table; ratios are against that baseline.
 *
 * Goal: under 300 ms at 1M records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Store } from '../src/core/store.js';
import { applyPgMigrations, PG_MIGRATIONS } from '../src/stores/postgres/migrations.js';
import { PostgresStore } from '../src/stores/postgres/postgres-store.js';
import { loadDriver } from '../src/stores/sqlite/driver.js';
import { applyMigrations, MIGRATIONS } from '../src/stores/sqlite/migrations.js';
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

async function best(work: () => Promise<unknown>, rounds = ROUNDS): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  await work(); // warm-up: caches, plans, JIT
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    await work();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

/** A from bound one millisecond into the data's first hour: it matches every row, but only the scan can apply it. */
const SCAN_FROM = '2024-01-01T00:00:00.001Z';

async function measure(name: string, store: Store, scan: () => Promise<unknown>): Promise<void> {
  const query = { groupBy: ['model', 'day'] } as const;
  const summary = await best(() => store.summary({ groupBy: [...query.groupBy] }));
  const scanned = await best(() => store.summary({ groupBy: [...query.groupBy], from: SCAN_FROM }), 1);
  const baseline = await best(scan);
  const rows = await store.summary({ groupBy: [...query.groupBy] });
  const scanRows = await store.summary({ groupBy: [...query.groupBy], from: SCAN_FROM });
  const same =
    JSON.stringify(rows.map(({ latencyMs: _l, ...exact }) => exact)) ===
    JSON.stringify(scanRows.map(({ latencyMs: _l, ...exact }) => exact));
  process.stdout.write(
    `${name}: summary by model+day ${summary.toFixed(0)} ms from rollups (${rows.length} groups; goal < ${GOAL_MS} ms: ` +
      `${summary < GOAL_MS ? 'met' : 'NOT met'}); same query by scan ${scanned.toFixed(0)} ms ` +
      `(counts, tokens and cost ${same ? 'identical' : 'DIFFERENT'}); plain scan ${baseline.toFixed(0)} ms; ` +
      `ratio rollups/plain scan ${(summary / baseline).toFixed(3)}x, scan summary/plain scan ${(scanned / baseline).toFixed(2)}x\n`,
  );
}

async function sqlite(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-bench-report-'));
  const path = join(directory, 'report.db');
  try {
    const Database = loadDriver();
    const db = new Database(path);
    applyMigrations(db, MIGRATIONS.slice(0, 1)); // the schema before rollups
    db.prepare(SQLITE_FILL).run(RECORDS);
    const scan = db.prepare('SELECT COUNT(*), SUM(latency_ms) FROM llm_request_logs');
    const started = performance.now();
    const store = new SqliteStore({ path }); // applies the rollup migration and backfills
    process.stdout.write(`SQLite: rollup migration and backfill ${(performance.now() - started).toFixed(0)} ms\n`);
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
    const pool = new pg.Pool({ connectionString: URL, max: 1 });
    await applyPgMigrations(pool, schema, PG_MIGRATIONS.slice(0, 1)); // the schema before rollups
    await pool.end();
    await client.query(PG_FILL(`"${schema}".llm_request_logs`), [RECORDS]);
    await client.query(`VACUUM ANALYZE "${schema}".llm_request_logs`);
    const started = performance.now();
    await store.migrate(); // applies the rollup migration and backfills
    process.stdout.write(`PostgreSQL: rollup migration and backfill ${(performance.now() - started).toFixed(0)} ms\n`);
    await client.query(`VACUUM ANALYZE "${schema}".llm_usage_hourly`);
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
  // BENCH_REPORT_ONLY=sqlite or =postgres runs one store.
  const only = process.env.BENCH_REPORT_ONLY;
  if (only !== 'postgres') await sqlite();
  if (only !== 'sqlite') await postgres();
}
