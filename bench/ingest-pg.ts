/**
 * Ingest throughput into PostgreSQL: the same realistic records (bench/_fixtures.ts) written
 *   (a) raw INSERT: pg alone, one connection, multi-row INSERT of ROWS_PER_INSERT rows per
 *       statement, JSON.stringify of the JSON columns inside the timed loop, into the same table;
 *   (a') raw COPY: pg and pg-copy-streams alone, one COPY FROM STDIN per ROWS_PER_INSERT rows, the
 *       rows encoded as COPY text inside the timed loop (no idempotency, no rollups);
 *   (b) ledger: createLedger({ store: new PostgresStore(...) }), start + complete for every
 *       record, then `await ledger.flush()`, timed end to end (pricing, sanitation, the queue).
 * Each run writes into a fresh schema of the `test` database (LLM_LEDGER_BENCH_PG to change it),
 * dropped afterwards. Best of ROUNDS, after a warm-up of both paths.
 *
 * Goal: at least 50,000 records/s and ledger / raw >= 0.5 (against the faster raw path).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createLedger } from '../src/create-ledger.js';
import { silentLogger } from '../src/core/logger.js';
import type { CallRecord } from '../src/core/record.js';
import { applyPgMigrations } from '../src/stores/postgres/migrations.js';
import { COLUMNS } from '../src/stores/postgres/pg-row-mapping.js';
import { PostgresStore } from '../src/stores/postgres/postgres-store.js';
import { buildRecords, rawRow, toCallInit, toCallResult } from './_fixtures.js';

const URL = process.env.LLM_LEDGER_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const RECORDS = Number(process.env.BENCH_INGEST_PG_RECORDS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_INGEST_PG_ROUNDS ?? 3);
const ROWS_PER_INSERT = 1000;
const GOAL_RATE = 50_000;
const GOAL_RATIO = 0.5;

async function withSchema<T>(work: (schema: string) => Promise<T>): Promise<T> {
  const schema = `llm_ledger_bench_${randomBytes(4).toString('hex')}`;
  try {
    return await work(schema);
  } finally {
    const client = new pg.Client({ connectionString: URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

async function runRaw(records: readonly CallRecord[], schema: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: URL, max: 1 });
  try {
    await applyPgMigrations(pool, schema);
    const started = performance.now();
    for (let start = 0; start < records.length; start += ROWS_PER_INSERT) {
      const batch = records.slice(start, start + ROWS_PER_INSERT);
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (const record of batch) {
        const offset = values.length;
        values.push(...rawRow(record, 'boolean'));
        tuples.push(`(${COLUMNS.map((_column, index) => `$${offset + index + 1}`).join(',')})`);
      }
      await pool.query(
        `INSERT INTO "${schema}".llm_request_logs (${COLUMNS.join(', ')}) VALUES ${tuples.join(',')}`,
        values,
      );
    }
    return (performance.now() - started) / 1000;
  } finally {
    await pool.end();
  }
}

/** COPY text format, written plainly: NULL as \\N, backslash and the delimiters escaped. */
function copyLine(values: readonly unknown[]): string {
  return `${values
    .map((value) =>
      value === null || value === undefined
        ? '\\N'
        : String(value).replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!),
    )
    .join('\t')}\n`;
}

async function runRawCopy(records: readonly CallRecord[], schema: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: URL, max: 1 });
  try {
    await applyPgMigrations(pool, schema);
    const client = await pool.connect();
    const started = performance.now();
    for (let start = 0; start < records.length; start += ROWS_PER_INSERT) {
      const lines = records.slice(start, start + ROWS_PER_INSERT).map((record) => copyLine(rawRow(record, 'boolean')));
      await pipeline(
        Readable.from([lines.join('')]),
        client.query(copyFrom(`COPY "${schema}".llm_request_logs (${COLUMNS.join(', ')}) FROM STDIN`)),
      );
    }
    const seconds = (performance.now() - started) / 1000;
    client.release();
    return seconds;
  } finally {
    await pool.end();
  }
}

async function runLedger(records: readonly CallRecord[], schema: string): Promise<number> {
  const inits = records.map(toCallInit);
  const results = records.map(toCallResult);
  const store = new PostgresStore({ connectionString: URL, schema });
  await store.migrate();
  const started = performance.now();
  const ledger = createLedger({ store, configFile: false, logger: silentLogger, batchSize: ROWS_PER_INSERT });
  for (let index = 0; index < inits.length; index++) ledger.start(inits[index]!).complete(results[index]);
  await ledger.flush();
  const seconds = (performance.now() - started) / 1000;
  const { written, failedWrites } = ledger.stats();
  await ledger.close();
  if (written !== records.length || failedWrites !== 0) {
    throw new Error(`expected ${records.length} records written, got ${written} (${failedWrites} failed writes)`);
  }
  return seconds;
}

const rate = (seconds: number) => Math.round(RECORDS / seconds);

export async function main(): Promise<void> {
  const records = buildRecords(RECORDS);
  const warmUp = records.slice(0, Math.min(RECORDS, 10_000));
  await withSchema((schema) => runRaw(warmUp, schema));
  await withSchema((schema) => runRawCopy(warmUp, schema));
  await withSchema((schema) => runLedger(warmUp, schema));
  let raw = Number.POSITIVE_INFINITY;
  let rawCopy = Number.POSITIVE_INFINITY;
  let ledger = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    raw = Math.min(raw, await withSchema((schema) => runRaw(records, schema)));
    rawCopy = Math.min(rawCopy, await withSchema((schema) => runRawCopy(records, schema)));
    ledger = Math.min(ledger, await withSchema((schema) => runLedger(records, schema)));
  }
  const fastest = Math.min(raw, rawCopy);
  process.stdout.write(
    `${RECORDS.toLocaleString('en-US')} records, ${ROWS_PER_INSERT} rows per statement, best of ${ROUNDS}\n` +
      `raw multi-row INSERT: ${rate(raw).toLocaleString('en-US')} records/s (${raw.toFixed(2)} s)\n` +
      `raw COPY: ${rate(rawCopy).toLocaleString('en-US')} records/s (${rawCopy.toFixed(2)} s)\n` +
      `ledger -> PostgresStore: ${rate(ledger).toLocaleString('en-US')} records/s (${ledger.toFixed(2)} s)\n` +
      `ratio ledger/raw INSERT: ${(raw / ledger).toFixed(2)}x ; ledger/raw COPY: ${(rawCopy / ledger).toFixed(2)}x ; ` +
      `against the faster: ${(fastest / ledger).toFixed(2)}x (goal >= ${GOAL_RATIO}x) ; ` +
      `rate goal ${GOAL_RATE.toLocaleString('en-US')}/s: ${rate(ledger) >= GOAL_RATE ? 'met' : 'NOT met'}\n`,
  );
}
