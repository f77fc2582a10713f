/**
 * Ingest throughput into SQLite: 200k realistic records (bench/_fixtures.ts), written
 *   (a) raw: better-sqlite3 alone, one prepared single-row INSERT, one transaction per batch of
 *       500, JSON.stringify of the JSON columns inside the timed loop, into the same schema;
 *   (b) ledger: createLedger({ store: new SqliteStore(...) }), start + complete for every record,
 *       then `await ledger.flush()`, timed end to end.
 * Each side writes to a fresh temporary file, with the same pragmas (WAL, synchronous=NORMAL). The
 * best of ROUNDS rounds is kept for each, after a warm-up of both paths, so JIT and page-cache
 * effects favour neither.
 *
 * Goal: ledger / raw >= 0.7 in wall time. Both sides write the same bytes, so on a slow or shared
 * disk the wall ratio drifts toward 1; the CPU ratio printed beside it shows the ledger's own cost.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { createLedger } from '../src/create-ledger.js';
import type { CallInit, CallResult } from '../src/core/call.js';
import { DEFAULT_SETTINGS } from '../src/core/ledger.js';
import { silentLogger } from '../src/core/logger.js';
import type { CallRecord } from '../src/core/record.js';
import { SqliteStore } from '../src/stores/sqlite/sqlite-store.js';
import { applyMigrations } from '../src/stores/sqlite/migrations.js';
import { COLUMN_COUNT, COLUMN_LIST } from '../src/stores/sqlite/row-mapping.js';
import { buildRecords, payloadBytes, rawRow, toCallInit, toCallResult } from './_fixtures.js';

const RECORDS = Number(process.env.BENCH_INGEST_RECORDS ?? 200_000);
const WARM_UP_RECORDS = Math.min(RECORDS, 20_000);
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 3);
const BATCH_SIZE = DEFAULT_SETTINGS.batchSize;
const GOAL = 0.7;

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

interface Run {
  seconds: number;
  /** User + system CPU of this process (the GC helper threads included), steadier than wall time on a busy machine. */
  cpuSeconds: number;
  bytes: number;
}

interface Clock {
  wall: bigint;
  cpu: NodeJS.CpuUsage;
}

function startClock(): Clock {
  return { wall: process.hrtime.bigint(), cpu: process.cpuUsage() };
}

function stopClock(clock: Clock): Pick<Run, 'seconds' | 'cpuSeconds'> {
  const cpu = process.cpuUsage(clock.cpu);
  return { seconds: Number(process.hrtime.bigint() - clock.wall) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

function runRaw(records: readonly CallRecord[], path: string): Run {
  const clock = startClock();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  applyMigrations(db);
  const insert = db.prepare(
    `INSERT INTO llm_request_logs (${COLUMN_LIST}) VALUES (${new Array(COLUMN_COUNT).fill('?').join(', ')})`,
  );
  const insertBatch = db.transaction((batch: readonly CallRecord[]) => {
    for (const record of batch) insert.run(rawRow(record, 'integer'));
  });
  for (let offset = 0; offset < records.length; offset += BATCH_SIZE) {
    insertBatch(records.slice(offset, offset + BATCH_SIZE));
  }
  const time = stopClock(clock);
  db.close();
  return { ...time, bytes: fileBytes(path) };
}

async function runLedger(inits: readonly CallInit[], results: readonly CallResult[], path: string): Promise<Run> {
  const clock = startClock();
  // The logger is silenced only for the high-water-mark warning that a 200k-call burst triggers.
  const ledger = createLedger({ store: new SqliteStore({ path }), configFile: false, logger: silentLogger });
  for (let index = 0; index < inits.length; index++) {
    ledger.start(inits[index]!).complete(results[index]);
  }
  await ledger.flush();
  const time = stopClock(clock);
  const { written, failedWrites } = ledger.stats();
  await ledger.close();
  if (written !== inits.length || failedWrites !== 0) {
    throw new Error(`expected ${inits.length} records written, got ${written} (${failedWrites} failed writes)`);
  }
  return { ...time, bytes: fileBytes(path) };
}

function fileBytes(path: string): number {
  let bytes = 0;
  for (const suffix of ['', '-wal']) {
    try {
      bytes += statSync(path + suffix).size;
    } catch {
      // no WAL left after a clean close
    }
  }
  return bytes;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const rate = (seconds: number) => Math.round(RECORDS / seconds).toLocaleString('en-US');

function describeRun(run: Run): string {
  return (
    `${rate(run.seconds)} records/s (${run.seconds.toFixed(2)} s wall; ` +
    `CPU ${run.cpuSeconds.toFixed(2)} s = ${rate(run.cpuSeconds)} records per CPU-second; ${megabytes(run.bytes)} written)`
  );
}

export async function main(): Promise<void> {
  const records = buildRecords(RECORDS);
  const inits = records.map(toCallInit);
  const results = records.map(toCallResult);
  const payload = records.reduce((total, record) => total + payloadBytes(record), 0);
  const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-bench-ingest-'));
  let file = 0;
  // Each run gets a fresh file, deleted (with its WAL) as soon as the run is measured.
  const withFile = async (run: (path: string) => Run | Promise<Run>): Promise<Run> => {
    const path = join(directory, `ingest-${file++}.db`);
    try {
      return await run(path);
    } finally {
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    }
  };
  try {
    process.stdout.write(
      `${RECORDS.toLocaleString('en-US')} records, ${Math.round(payload / RECORDS)} B of payload JSON each ` +
        `(${megabytes(payload)}), batches of ${BATCH_SIZE}, best of ${ROUNDS} rounds\n`,
    );
    await withFile((path) => runRaw(records.slice(0, WARM_UP_RECORDS), path));
    await withFile((path) => runLedger(inits.slice(0, WARM_UP_RECORDS), results.slice(0, WARM_UP_RECORDS), path));

    let raw: Run | undefined;
    let ledger: Run | undefined;
    let rawCpu = Number.POSITIVE_INFINITY;
    let ledgerCpu = Number.POSITIVE_INFINITY;
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating which side goes first keeps the disk's state after the previous run from
      // favouring one of them.
      let rawRun: Run;
      let ledgerRun: Run;
      if (round % 2 === 0) {
        rawRun = await withFile((path) => runRaw(records, path));
        ledgerRun = await withFile((path) => runLedger(inits, results, path));
      } else {
        ledgerRun = await withFile((path) => runLedger(inits, results, path));
        rawRun = await withFile((path) => runRaw(records, path));
      }
      process.stdout.write(
        `  round ${round + 1}: raw ${rate(rawRun.seconds)} records/s (CPU ${rawRun.cpuSeconds.toFixed(2)} s), ` +
          `ledger ${rate(ledgerRun.seconds)} records/s (CPU ${ledgerRun.cpuSeconds.toFixed(2)} s)\n`,
      );
      if (!raw || rawRun.seconds < raw.seconds) raw = rawRun;
      if (!ledger || ledgerRun.seconds < ledger.seconds) ledger = ledgerRun;
      rawCpu = Math.min(rawCpu, rawRun.cpuSeconds);
      ledgerCpu = Math.min(ledgerCpu, ledgerRun.cpuSeconds);
    }
    const ratio = raw!.seconds / ledger!.seconds;
    const lines = [
      `raw better-sqlite3:   ${describeRun(raw!)}`,
      `ledger + SqliteStore: ${describeRun(ledger!)}`,
      `ratio ledger/raw:     ${ratio.toFixed(2)}x wall (goal >= ${GOAL}x -> ${ratio >= GOAL ? 'met' : 'MISSED'}), ` +
        `${(rawCpu / ledgerCpu).toFixed(2)}x CPU`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
