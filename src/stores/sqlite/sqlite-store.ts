import type { MalformedRows } from '../../core/malformed-rows.js';
import { BoundedMap } from '../../core/bounded-map.js';
import { backoffDelayMs, sleep, type BackoffOptions } from '../../core/backoff.js';
import { compareGroups } from '../../core/query-eval.js';
import type { PackedBatch } from '../../core/packed-batch.js';
import type { CallRecord } from '../../core/record.js';
import { DEFAULT_MAX_FIELD_CHARS } from '../../core/sanitize.js';
import {
  toIsoBound,
  type CallPage,
  type CostUpdate,
  type GroupKey,
  type ListQuery,
  type Store,
  type SummaryQuery,
  type SummaryRow,
} from '../../core/store.js';
import { RollupBatch, sourceFromStored, type StoredRollupRow } from '../rollup/rollup-batch.js';
import { planRollup } from '../rollup/rollup-plan.js';
import { rankedSummary } from '../ranked-summary.js';
import type { GroupEstimate } from '../../core/summary-ranking.js';
import { StoreRuntime } from '../store-runtime.js';
import { checkSqliteTarget, loadDriver, type SqliteDatabase, type SqliteStatement } from './driver.js';
import { applyMigrations } from './migrations.js';
import {
  BY_TRACE_SQL,
  estimateSql,
  oddCostGroupsSql,
  GET_SQL,
  listSql,
  SELECT_COST_SQL,
  summarySql,
  UPDATE_COST_SQL,
} from './query-sql.js';
import { RowWriter } from './row-writer.js';
import { rollupSummarySql, SqliteRollups } from './rollup-sqlite.js';
import { costValues, parseCostHistory, rowCost, rowToRecord, type StoredRow } from './row-mapping.js';
import { registerSqlFunctions } from './sql-functions.js';
import { isBusySqliteError, isRetryableSqliteError, refuseReadOnly, toOpenError } from './store-errors.js';
import { WriteWorkerClient } from './write-worker-client.js';

export interface SqliteStoreOptions {
  /** Database file (its directory must exist) or `:memory:`. Required unless `database` is given. */
  path?: string;
  /**
   * An open better-sqlite3 connection to use instead of opening `path`. The store creates its
   * table in it but leaves its journal mode alone, and does not close it: its owner does.
   */
  database?: SqliteDatabase;
  /**
   * How long an operation waits for another process's lock before failing with a retryable
   * error. Default 5000. The wait never blocks the event loop: writes wait in the write worker,
   * reads and maintenance (purge, reprice) retry asynchronously. Only opening a file whose schema
   * must be migrated waits synchronously, as the constructor is synchronous.
   */
  busyTimeoutMs?: number;
  /**
   * Where batches of records are written. `worker` (the default for a file path): a worker
   * thread with its own connection, so inserts, checkpoints and lock waits never run on the event
   * loop. `main`: the caller's thread (always the case for `:memory:` and a given `database`,
   * whose connection cannot be shared with a thread).
   */
  writeThread?: 'worker' | 'main';
  /** Longest text kept in one field; longer text is cut with a visible marker. Default 1,000,000. */
  maxFieldChars?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/**
 * Pauses between attempts of an operation that found the database locked: from 1 ms, doubling,
 * at most 25 ms, so a lock released quickly costs little and a long one is polled 40 times a second.
 */
const BUSY_RETRY: BackoffOptions = { baseMs: 1, maxMs: 25 };

interface SummaryResultRow {
  [group: `g${number}`]: string | null;
  calls: number;
  errors: number;
  input: number;
  output: number;
  total: number;
  cache_read: number;
  cache_write: number;
  reasoning: number;
  cost: string;
  unpriced_calls: number;
  /** Only from rollups: calls whose stored cost is no decimal (the scan is asked instead). */
  bad_costs?: number | null;
  /** Only from the scan: JSON { count, ids } of those calls, NULL when there are none. */
  malformed?: string | null;
  latency: string;
}

type CostRow = Pick<
  StoredRow,
  'cost_total' | 'cost_currency' | 'cost_status' | 'pricing_version' | 'cost_breakdown' | 'cost_history'
> &
  StoredRollupRow & { started_at: string };

/**
 * Keeps records in a SQLite file (better-sqlite3): one row per call in `llm_request_logs`, WAL
 * journal, versioned migrations. Queries run in SQL and match the memory store exactly, except
 * summaries answered from the rollups (rollup-sqlite.ts): those have exact counts, tokens
 * and costs, and latency percentiles within PERCENTILE_RELATIVE_ERROR (4.9%, latency-histogram.ts).
 * A summary uses rollups when it groups and filters only by model, provider, call type, status,
 * cost status, day or hour, with from/to on whole hours, or only by tenant and
 * day, with from/to on whole days; otherwise it scans.
 *
 * @example
 * import { createLedger } from 'llm-ledger';
 * import { SqliteStore } from 'llm-ledger/sqlite';
 * const ledger = createLedger({ store: new SqliteStore({ path: './ledger.db' }) });
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  /** The file path, `:memory:`, or the name of the connection that was passed in. */
  readonly path: string;
  private readonly maxFieldChars: number;
  private readonly ownsDatabase: boolean;
  private readonly db: SqliteDatabase;
  private readonly writer: RowWriter;
  private readonly worker: WriteWorkerClient | undefined;
  /**
   * Only with the write worker, which reads a packed batch where it lies: the ledger then keeps
   * every record packed as it queues it. Writing on this thread, the records would be packed only to
   * be decoded again here, so the method is absent and only a backlog waits packed.
   */
  readonly writePacked?: (batch: PackedBatch) => Promise<void>;
  private readonly busyTimeoutMs: number;
  private readonly rollups: SqliteRollups;
  private readonly statements = new BoundedMap<string, SqliteStatement>({ maxEntries: 200 });
  private readonly runtime = new StoreRuntime({
    name: 'SQLite',
    isRetryable: isRetryableSqliteError,
    destroy: () => this.release(),
  });

  constructor(options: SqliteStoreOptions) {
    const { path, database } = options ?? {};
    checkSqliteTarget(path, database);
    this.maxFieldChars = options.maxFieldChars ?? DEFAULT_MAX_FIELD_CHARS;
    this.ownsDatabase = database === undefined;
    const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));
    this.busyTimeoutMs = busyTimeoutMs;
    let db: SqliteDatabase | undefined;
    try {
      if (database === undefined) {
        const Database = loadDriver();
        db = new Database(path!, { timeout: busyTimeoutMs });
        refuseReadOnly(db, path);
        // WAL lets readers (the CLI, a dashboard) work while the app writes; NORMAL is durable
        // across application crashes and loses at most the last commits on power loss.
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      } else {
        db = database;
        refuseReadOnly(db, undefined);
        if (options.busyTimeoutMs !== undefined) db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      }
      this.path = path ?? db.name;
      registerSqlFunctions(db);
      applyMigrations(db);
      // From here on a locked database fails at once and the operation is retried after an
      // asynchronous pause (see `run`): the event loop never sleeps in SQLite's busy handler.
      if (this.ownsDatabase) db.pragma('busy_timeout = 0');
      this.rollups = new SqliteRollups(db);
      this.writer = new RowWriter(db, this.maxFieldChars, this.rollups);
      this.repairRollups();
      const inWorker = this.ownsDatabase && path !== ':memory:' && (options.writeThread ?? 'worker') === 'worker';
      this.worker = inWorker
        ? new WriteWorkerClient({ path: path!, busyTimeoutMs, maxFieldChars: this.maxFieldChars })
        : undefined;
      if (this.worker) {
        const worker = this.worker;
        this.writePacked = async (batch) => {
          this.database();
          if (batch.count > 0) await worker.writePacked(batch);
        };
      }
    } catch (error) {
      if (this.ownsDatabase && db?.open) db.close();
      throw toOpenError(error, path ?? db?.name ?? 'the given database');
    }
    this.db = db;
  }

  async write(records: readonly CallRecord[]): Promise<void> {
    this.database();
    if (records.length === 0) return;
    if (this.worker) return this.worker.write(records);
    await this.run(`Writing ${records.length} records to SQLite`, () => this.writer.write(records));
  }

  async get(id: string): Promise<CallRecord | null> {
    const row = await this.run('Reading a record', () => this.statement(GET_SQL).get(id) as StoredRow | undefined);
    return row === undefined ? null : rowToRecord(row);
  }

  async list(query: ListQuery): Promise<CallPage> {
    this.database();
    const { sql, params, limit } = listSql(query);
    const rows = await this.run('Listing records', () => this.statement(sql).all(...params) as StoredRow[]);
    const hasMore = rows.length > limit;
    if (hasMore) rows.length = limit;
    const records = rows.map(rowToRecord);
    return { records, nextCursor: hasMore ? records[records.length - 1]!.id : null };
  }

  async byTrace(traceId: string): Promise<CallRecord[]> {
    const rows = await this.run('Reading a trace', () => this.statement(BY_TRACE_SQL).all(traceId) as StoredRow[]);
    return rows.map(rowToRecord);
  }

  async summary(query: SummaryQuery): Promise<SummaryRow[]> {
    this.database();
    return rankedSummary(query, {
      summary: (unranked) => this.unrankedSummary(unranked),
      answersFromRollup: (unranked) => planRollup(unranked) !== undefined,
      estimate: async (unranked, key, by) => {
        const { sql, params } = estimateSql(unranked, key, by);
        const rows = await this.run('Ranking usage', () => this.statement(sql).all(...params) as EstimateRow[]);
        let odd = new Set<string | null>();
        if (by === 'cost') {
          const check = oddCostGroupsSql(unranked, key);
          const found = await this.run('Ranking usage', () => this.statement(check.sql).all(...check.params));
          odd = new Set((found as Array<{ g0: string | null }>).map((row) => row.g0));
        }
        return rows.map((row) => toEstimate(row, odd.has(row.g0)));
      },
    });
  }

  private async unrankedSummary(query: SummaryQuery): Promise<SummaryRow[]> {
    const plan = planRollup(query);
    if (plan !== undefined && this.repairRollups()) {
      const { sql, params } = rollupSummarySql(plan);
      const rows = await this.run('Summarizing usage', () => this.statement(sql).all(...params) as SummaryResultRow[]);
      if (!rows.some((row) => (row.bad_costs ?? 0) > 0)) return finishSummary(rows, plan.keys);
    }
    const { sql, params, keys } = summarySql(query);
    const rows = await this.run('Summarizing usage', () => this.statement(sql).all(...params) as SummaryResultRow[]);
    return finishSummary(rows, keys);
  }

  async updateCosts(updates: readonly CostUpdate[]): Promise<number> {
    const db = this.database();
    if (updates.length === 0) return 0;
    return this.run(`Updating ${updates.length} costs`, () => {
      const select = this.statement(SELECT_COST_SQL);
      const update = this.statement(UPDATE_COST_SQL);
      // IMMEDIATE takes the write lock before reading, so a concurrent repricing cannot slip its
      // own update between our read of the old cost and our write of the history.
      const apply = db.transaction(() => {
        let updated = 0;
        const batch = new RollupBatch();
        for (const { id, cost } of updates) {
          const row = select.get(id) as CostRow | undefined;
          if (row === undefined) continue;
          const previous = rowCost(row);
          const history = parseCostHistory(row.cost_history as string);
          if (previous) history.push(previous);
          const values = costValues(cost, this.maxFieldChars);
          update.run(...values, JSON.stringify(history), id);
          // The call leaves the rollup row of its old cost and joins that of its new one.
          const before = sourceFromStored(row, row.started_at.slice(0, 13));
          batch.add(before, -1);
          const [total, , status] = values as Array<string | null>;
          batch.add({
            ...before,
            cost: total ?? null,
            dimensions: { ...before.dimensions, cost_status: status ?? null },
          });
          updated += 1;
        }
        this.rollups.apply(batch);
        return updated;
      });
      return apply.immediate();
    });
  }

  /**
   * Deletes (or with `dryRun` counts) the calls that started before `before`. The delete trigger
   * marks their hours, which are rebuilt from the remaining rows in the same transaction.
   */
  async purge(before: Date | string, options: { dryRun?: boolean } = {}): Promise<number> {
    const db = this.database();
    const bound = toIsoBound(before)!;
    return this.run('Purging old records', () => {
      if (options.dryRun) {
        const counted = this.statement('SELECT COUNT(*) AS n FROM llm_request_logs WHERE started_at < ?').get(bound);
        return (counted as { n: number }).n;
      }
      return db
        .transaction(() => {
          const deleted = this.statement('DELETE FROM llm_request_logs WHERE started_at < ?').run(bound).changes;
          this.rollups.rebuildDirtyHours();
          return deleted;
        })
        .immediate();
    });
  }

  /**
   * Lets the write worker finish its batches and stop, then closes the connection (unless it was
   * passed in). Idempotent; later calls throw StoreError.
   */
  close(): Promise<void> {
    return this.runtime.close();
  }

  private async release(): Promise<void> {
    this.statements.clear();
    await this.worker?.close();
    if (this.ownsDatabase && this.db.open) this.db.close();
  }

  private database(): SqliteDatabase {
    this.runtime.assertOpen();
    return this.db;
  }

  /** Prepared statements are cached by their text; list and summary build few distinct shapes. */
  private statement(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.database().prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Rebuilds hours whose rows were deleted (or not yet summed, after the migration). False when
   * that fails (a lock held too long, a read-only file): the summary then scans instead.
   */
  private repairRollups(): boolean {
    try {
      this.rollups.repair();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Runs `work` (one statement or transaction); when the database is locked by another
   * connection, tries again after a short asynchronous pause until `busyTimeoutMs` has passed.
   */
  private async run<T>(action: string, work: () => T): Promise<T> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      this.database();
      try {
        return work();
      } catch (error) {
        const delayMs = backoffDelayMs(attempt, BUSY_RETRY);
        if (!isBusySqliteError(error) || Date.now() + delayMs > deadline) {
          throw this.runtime.toStoreError(error, `${action} failed`);
        }
        await sleep(delayMs);
      }
    }
  }
}

interface EstimateRow {
  g0: string | null;
  value: number;
  costs?: number;
}

/**
 * Counts and token sums are exact integers. A cost is a float sum of non-negative terms, each
 * read within a few units in the last place: its error is within (terms + 16) * 2^-50 of it,
 * well above the worst case. Costs the float cannot read like the decimal sum make the group
 * uncertain: it is then always summarized exactly.
 */
function toEstimate(row: EstimateRow, uncertain: boolean): GroupEstimate {
  const error = row.costs === undefined ? 0 : row.value * (row.costs + 16) * 2 ** -50;
  return { group: row.g0, value: row.value, error, uncertain };
}

function finishSummary(rows: SummaryResultRow[], keys: readonly GroupKey[]): SummaryRow[] {
  return rows
    .filter((row) => row.calls > 0) // without GROUP BY, an empty match still yields one row
    .map((row) => toSummaryRow(row, keys))
    .sort((a, b) => compareGroups(a.group, b.group, keys));
}

function toSummaryRow(row: SummaryResultRow, keys: readonly GroupKey[]): SummaryRow {
  const group: Partial<Record<GroupKey, string | null>> = {};
  keys.forEach((key, index) => (group[key] = row[`g${index}`] ?? null));
  const [avg, p50, p95] = JSON.parse(row.latency) as [number, number, number];
  return {
    group,
    calls: row.calls,
    errors: row.errors,
    tokens: {
      input: row.input,
      output: row.output,
      total: row.total,
      cacheRead: row.cache_read,
      cacheWrite: row.cache_write,
      reasoning: row.reasoning,
    },
    cost: row.cost,
    unpricedCalls: row.unpriced_calls,
    latencyMs: { avg, p50, p95 },
    ...(row.malformed == null ? undefined : { malformedRows: JSON.parse(row.malformed) as MalformedRows }),
  };
}
