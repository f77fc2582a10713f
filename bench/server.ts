/**
 * The HTTP API at scale. Calls are generated inside the database (SQLite: a recursive CTE into a
 * temporary file, RECORDS of them, default 1,000,000; PostgreSQL: INSERT ... SELECT from
 * generate_series into the schemas bench_server_1m and bench_server_10m, built once and reused by
 * later runs), then the store's migrations backfill the rollups. A ledger server listens on a real
 * port; the queries a dashboard page makes are timed through HTTP (fetch and JSON parse included)
 * and the same queries directly through the library in the same run, in alternation:
 *
 * - overview: `GET /api/v1/usage/summary?groupBy=model,day&from=&to=` (30 days) vs `ledger.usage.summary`
 * - calls page: `GET /api/v1/calls?model=&status=&tenantId=&limit=50` vs `ledger.calls.list`
 * - call detail: `GET /api/v1/calls/:id` (a different id each time) vs `ledger.calls.get`
 * - overview top tenants and top users: the 10 tenants and the 10 users of highest cost over 30 days
 *   (`groupBy=tenant&top=10&rankBy=cost`, `groupBy=user&top=10&rankBy=cost`): top tenants reads the daily
 *   rollup by tenant; top users ranks every user by a cheap aggregate of the calls, then summarizes the
 *   candidates in full through the user index
 *
 * Printed: p50 and p95 of each, and the API/library ratio of each. Goals: API p95 < 200 ms at 1M
 * rows, < 1 s at 10M (PostgreSQL). Env: BENCH_SERVER_RECORDS (SQLite and the first PostgreSQL
 * dataset), BENCH_SERVER_PG_LARGE (the second PostgreSQL dataset, default 10,000,000; 0 skips it),
 * BENCH_SERVER_ONLY=sqlite|postgres, BENCH_SERVER_SAMPLES (40).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createLedger } from '../src/create-ledger.js';
import type { Store } from '../src/core/store.js';
import { createLedgerServer } from '../src/server/create-ledger-server.js';
import { listenLedgerServer } from '../src/server/listen.js';
import { applyPgMigrations, PG_MIGRATIONS } from '../src/stores/postgres/migrations.js';
import { PostgresStore } from '../src/stores/postgres/postgres-store.js';
import { loadDriver } from '../src/stores/sqlite/driver.js';
import { applyMigrations, MIGRATIONS } from '../src/stores/sqlite/migrations.js';
import { SqliteStore } from '../src/stores/sqlite/sqlite-store.js';
import { ROLLUP_TABLES } from '../src/stores/rollup/rollup-tables.js';

const RECORDS = Number(process.env.BENCH_SERVER_RECORDS ?? 1_000_000);
/** The larger PostgreSQL dataset; 0 skips it. */
const LARGE_RECORDS = Number(process.env.BENCH_SERVER_PG_LARGE ?? 10_000_000);
const SAMPLES = Number(process.env.BENCH_SERVER_SAMPLES ?? 40);
const GOAL_MS = 200;
const LARGE_GOAL_MS = 1000;
const URL = process.env.LLM_LEDGER_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
/** 2025-01-01T00:00:00Z; one call every 7 s, so ids (zero-padded i) follow time as UUIDv7 ids do. */
const BASE = 1735689600;
const STEP = 7;
const MESSAGES = JSON.stringify([
  {
    role: 'user',
    content: 'My order arrived damaged, the box was crushed and two items are broken. Can I get a refund?',
  },
]).replace(/'/g, "''");
const RESPONSE = JSON.stringify({
  role: 'assistant',
  content: 'I am sorry to hear that. I have opened a refund request for the two broken items; you will get an email.',
}).replace(/'/g, "''");

const COLUMNS = `id, trace_id, user_id, tenant_id, call_type, tags, metadata, provider, model, system_prompt, messages,
    params, response_message, input_tokens, output_tokens, total_tokens, cache_read_tokens, cache_write_tokens,
    reasoning_tokens, cost_total, cost_currency, cost_status, cost_breakdown, cost_history, started_at, ended_at,
    latency_ms, request_mode, streamed, partial, status`;

const SQLITE_FILL = `
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
  INSERT INTO llm_request_logs (${COLUMNS})
  SELECT printf('%012d', i), printf('%012d', i - i % 4), 'user-' || (i * 13 % 5000), 'tenant-' || (i % 20), 'CHAT',
    '["bench"]', '{}', 'openai', 'model-' || (i % 8), 'You are a helpful support assistant.', '${MESSAGES}',
    '{"temperature":0.2}', '${RESPONSE}', 100 + i % 900, 20 + i % 300, 120 + i % 900 + i % 300, 0, 0, 0,
    printf('0.%09d', (i * 7919) % 1000000000), 'USD', 'priced', '{}', '[]',
    strftime('%Y-%m-%dT%H:%M:%fZ', ${BASE} + i * ${STEP}, 'unixepoch'),
    strftime('%Y-%m-%dT%H:%M:%fZ', ${BASE} + i * ${STEP} + 1, 'unixepoch'),
    50 + (i * 31) % 4950, 'sync', 0, 0, CASE WHEN i % 50 = 0 THEN 'error' ELSE 'success' END
  FROM n`;

const PG_FILL = (table: string) => `
  INSERT INTO ${table} (${COLUMNS})
  SELECT lpad(i::text, 12, '0'), lpad((i - i % 4)::text, 12, '0'), 'user-' || (i * 13 % 5000), 'tenant-' || (i % 20),
    'CHAT', '["bench"]', '{}', 'openai', 'model-' || (i % 8), 'You are a helpful support assistant.', '${MESSAGES}',
    '{"temperature":0.2}', '${RESPONSE}', 100 + i % 900, 20 + i % 300, 120 + i % 900 + i % 300, 0, 0, 0,
    ('0.' || lpad(((i::bigint * 7919) % 1000000000)::text, 9, '0'))::numeric, 'USD', 'priced', '{}', '[]',
    to_timestamp(${BASE} + i::bigint * ${STEP}), to_timestamp(${BASE} + i::bigint * ${STEP} + 1),
    50 + (i * 31) % 4950, 'sync', false, false, CASE WHEN i % 50 = 0 THEN 'error' ELSE 'success' END
  FROM generate_series($1::int, $2::int) AS i`;

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1)]!;
}

/**
 * Times `api` and `library` in alternation, sample by sample, so that the load of a shared machine
 * falls on both alike; returns each one's p50 and p95.
 */
async function timings(
  api: (index: number) => Promise<unknown>,
  library: (index: number) => Promise<unknown>,
  samples: number,
): Promise<{ api: { p50: number; p95: number }; library: { p50: number; p95: number } }> {
  for (let index = 0; index < Math.min(3, samples); index++) {
    // warm-up: caches, plans, JIT
    await library(index);
    await api(index);
  }
  const apiSamples: number[] = [];
  const librarySamples: number[] = [];
  for (let index = 0; index < samples; index++) {
    let started = performance.now();
    await library(index + 3);
    librarySamples.push(performance.now() - started);
    started = performance.now();
    await api(index + 3);
    apiSamples.push(performance.now() - started);
  }
  const summarize = (samples: number[]) => {
    samples.sort((a, b) => a - b);
    return { p50: percentile(samples, 0.5), p95: percentile(samples, 0.95) };
  };
  return { api: summarize(apiSamples), library: summarize(librarySamples) };
}

async function measure(name: string, store: Store, records: number, goalMs: number): Promise<void> {
  const ledger = createLedger({ store, configFile: false, env: {}, meter: false, shutdownHooks: false, spool: false });
  const server = createLedgerServer(ledger, { dashboardDir: false });
  const listening = await listenLedgerServer(server, { port: 0 });
  const base = listening.url.replace(/\/$/, '');
  const get = async (path: string) => {
    const response = await fetch(base + path);
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    return response.json();
  };
  const lastDay = new Date((BASE + records * STEP) * 1000);
  const to = new Date(Date.UTC(lastDay.getUTCFullYear(), lastDay.getUTCMonth(), lastDay.getUTCDate()));
  const from = new Date(to.getTime() - 30 * 86_400_000);
  const bounds = { from: from.toISOString(), to: to.toISOString() };
  const range = `from=${bounds.from}&to=${bounds.to}`;
  const idOf = (index: number) => String(1 + ((index * 7_919_993) % records)).padStart(12, '0');
  type Query = [string, (index: number) => Promise<unknown>, (index: number) => Promise<unknown>];
  const queries: Query[] = [
    [
      'overview summary (model+day, 30 days; reads the daily rollup)',
      () => get(`/api/v1/usage/summary?groupBy=model,day&from=${from.toISOString()}&to=${to.toISOString()}`),
      () => ledger.usage.summary({ groupBy: ['model', 'day'], from: from.toISOString(), to: to.toISOString() }),
    ],
    [
      'calls page (model+status+tenant, 50)',
      (index) => get(`/api/v1/calls?model=model-${index % 8}&status=success&tenantId=tenant-${index % 20}&limit=50`),
      (index) =>
        ledger.calls.list({
          model: `model-${index % 8}`,
          status: 'success',
          tenantId: `tenant-${index % 20}`,
          limit: 50,
        }),
    ],
    ['call detail', (index) => get(`/api/v1/calls/${idOf(index)}`), (index) => ledger.calls.get(idOf(index))],
    [
      'overview top tenants (10 by cost, 30 days; reads the daily rollup by tenant)',
      () => get(`/api/v1/usage/summary?groupBy=tenant&top=10&rankBy=cost&${range}`),
      () => ledger.usage.summary({ groupBy: ['tenant'], top: { by: 'cost', limit: 10 }, ...bounds }),
    ],
    [
      'overview top users (10 by cost, 30 days; ranks the calls, then summarizes 10 users)',
      () => get(`/api/v1/usage/summary?groupBy=user&top=10&rankBy=cost&${range}`),
      () => ledger.usage.summary({ groupBy: ['user'], top: { by: 'cost', limit: 10 }, ...bounds }),
    ],
  ];
  try {
    for (const [label, api, library] of queries) {
      const { api: http, library: direct } = await timings(api, library, SAMPLES);
      const met = http.p95 < goalMs ? 'met' : 'NOT met';
      process.stdout.write(
        `${name} ${label}: API p50 ${http.p50.toFixed(1)} ms, p95 ${http.p95.toFixed(1)} ms (goal p95 < ${goalMs} ms: ${met}); ` +
          `library p50 ${direct.p50.toFixed(1)} ms, p95 ${direct.p95.toFixed(1)} ms; ` +
          `ratio API/library p50 ${(http.p50 / direct.p50).toFixed(2)}x, p95 ${(http.p95 / direct.p95).toFixed(2)}x\n`,
      );
    }
  } finally {
    await listening.close();
    await ledger.close();
  }
}

async function sqlite(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-bench-server-'));
  const path = join(directory, 'server.db');
  try {
    const Database = loadDriver();
    const db = new Database(path);
    applyMigrations(db, MIGRATIONS.slice(0, 1)); // the schema before rollups: the store backfills them
    let started = performance.now();
    db.prepare(SQLITE_FILL).run(RECORDS);
    db.close();
    process.stdout.write(
      `SQLite: ${RECORDS.toLocaleString('en-US')} rows inserted in ${(performance.now() - started).toFixed(0)} ms\n`,
    );
    started = performance.now();
    const store = new SqliteStore({ path });
    process.stdout.write(`SQLite: migrations and rollup backfill ${(performance.now() - started).toFixed(0)} ms\n`);
    await measure(`SQLite ${(RECORDS / 1_000_000).toLocaleString('en-US')}M`, store, RECORDS, GOAL_MS);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * A PostgreSQL schema holding `records` bench calls, built once and reused by later runs (its
 * `bench_dataset` row says how many calls it was built with; any other count rebuilds it). The
 * rows go in with INSERT ... SELECT from generate_series, 1,000,000 per statement, before the
 * table's secondary indexes exist (they are dropped and rebuilt after, much faster than keeping
 * them up to date row by row); then the store's migrations backfill the rollup tables.
 */
async function pgDataset(client: pg.Client, schema: string, records: number): Promise<void> {
  const quoted = `"${schema}"`;
  const marker = await client.query('SELECT to_regclass($1) AS name', [`${quoted}.bench_dataset`]);
  if (marker.rows[0]?.name !== null) {
    const built = await client.query(`SELECT records FROM ${quoted}.bench_dataset`);
    if (Number(built.rows[0]?.records) === records) {
      process.stdout.write(
        `PostgreSQL ${schema}: reusing ${records.toLocaleString('en-US')} calls built by an earlier run\n`,
      );
      await migrateDataset(client, schema);
      return;
    }
  }
  await client.query(`DROP SCHEMA IF EXISTS ${quoted} CASCADE`);
  const pool = new pg.Pool({ connectionString: URL, max: 1 });
  await applyPgMigrations(pool, schema, PG_MIGRATIONS.slice(0, 1)); // the schema before rollups: the store backfills them
  await pool.end();
  const started = performance.now();
  const indexes = await client.query(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'llm_request_logs' AND indexname NOT LIKE '%_pkey'`,
    [schema],
  );
  for (const row of indexes.rows) await client.query(`DROP INDEX ${quoted}."${row.indexname as string}"`);
  await client.query('SET synchronous_commit = off');
  await client.query(`SET maintenance_work_mem = '512MB'`);
  const CHUNK = 1_000_000;
  for (let first = 1; first <= records; first += CHUNK) {
    const last = Math.min(records, first + CHUNK - 1);
    await client.query(PG_FILL(`${quoted}.llm_request_logs`), [first, last]);
    process.stdout.write(
      `PostgreSQL ${schema}: ${last.toLocaleString('en-US')} rows inserted (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
    );
  }
  for (const row of indexes.rows) await client.query(row.indexdef as string);
  await client.query(`VACUUM ANALYZE ${quoted}.llm_request_logs`);
  process.stdout.write(
    `PostgreSQL ${schema}: rows and indexes built in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  await migrateDataset(client, schema);
  await client.query(`CREATE TABLE ${quoted}.bench_dataset (records BIGINT NOT NULL)`);
  await client.query(`INSERT INTO ${quoted}.bench_dataset VALUES ($1)`, [records]);
}

/**
 * Brings a dataset's schema up to date through the store's migrations, which backfill rollup
 * tables added since it was built (rather than building its calls again), then analyzes them.
 */
async function migrateDataset(client: pg.Client, schema: string): Promise<void> {
  const quoted = `"${schema}"`;
  const backfill = performance.now();
  const pool = new pg.Pool({ connectionString: URL, max: 1 });
  let applied: number[];
  try {
    applied = await applyPgMigrations(pool, schema);
  } finally {
    await pool.end();
  }
  if (applied.length === 0) return;
  for (const table of ROLLUP_TABLES) await client.query(`VACUUM ANALYZE ${quoted}.${table.name}`);
  process.stdout.write(
    `PostgreSQL ${schema}: migrations ${applied.join(', ')} and their rollup backfill ${((performance.now() - backfill) / 1000).toFixed(0)} s\n`,
  );
}

/** The PostgreSQL schema of a dataset size: `bench_server_1m`, `bench_server_10m`, `bench_server_250000`. */
function schemaOf(records: number): string {
  return `bench_server_${records % 1_000_000 === 0 ? `${records / 1_000_000}m` : records}`;
}

async function postgres(records: number): Promise<void> {
  const schema = schemaOf(records);
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  try {
    await pgDataset(client, schema, records);
  } finally {
    await client.end();
  }
  const store = new PostgresStore({ connectionString: URL, schema });
  await measure(
    `PostgreSQL ${(records / 1_000_000).toLocaleString('en-US')}M`,
    store,
    records,
    records > 1_000_000 ? LARGE_GOAL_MS : GOAL_MS,
  );
}

export async function main(): Promise<void> {
  const only = process.env.BENCH_SERVER_ONLY;
  if (only !== undefined && only !== 'sqlite' && only !== 'postgres') {
    throw new Error(`BENCH_SERVER_ONLY must be sqlite or postgres, received ${JSON.stringify(only)}`);
  }
  const [one, five] = loadavg();
  process.stdout.write(
    `Calls: 8 models, 20 tenants, 5,000 users, one every ${STEP} s from 2025-01-01. SQLite and PostgreSQL ${RECORDS.toLocaleString('en-US')} calls` +
      (LARGE_RECORDS > 0 ? `, PostgreSQL ${LARGE_RECORDS.toLocaleString('en-US')} calls` : '') +
      ` (env BENCH_SERVER_RECORDS, BENCH_SERVER_PG_LARGE=0 to skip the large one, BENCH_SERVER_ONLY=sqlite|postgres,` +
      ` BENCH_SERVER_SAMPLES). PostgreSQL datasets are kept in schemas bench_server_1m and bench_server_10m and reused.\n` +
      `${SAMPLES} samples per query after 3 warm-up, API and library in alternation. Machine: ${cpus().length} cores, ` +
      `load average ${one!.toFixed(2)} (1 min) ${five!.toFixed(2)} (5 min): on a loaded machine compare the ratios, not the absolute figures.\n`,
  );
  if (only !== 'postgres') await sqlite();
  if (only !== 'sqlite') {
    await postgres(RECORDS);
    if (LARGE_RECORDS > 0) await postgres(LARGE_RECORDS);
  }
  const [after] = loadavg();
  process.stdout.write(`Load average at the end: ${after!.toFixed(2)} (1 min)\n`);
}
