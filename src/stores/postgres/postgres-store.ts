import { ConfigError } from '../../core/errors.js';
import type { CallRecord } from '../../core/record.js';
import { DEFAULT_MAX_FIELD_CHARS } from '../../core/sanitize.js';
import {
  toIsoBound,
  type CallPage,
  type CostUpdate,
  type ListQuery,
  type Store,
  type SummaryQuery,
  type SummaryRow,
} from '../../core/store.js';
import { RollupBatch, sourceFromRow, STARTED_AT_INDEX } from '../rollup/rollup-batch.js';
import { planRollup } from '../rollup/rollup-plan.js';
import { StoreRuntime } from '../store-runtime.js';
import { costValues } from '../sqlite/row-mapping.js';
import { applyPgMigrations, quoteIdentifier } from './migrations.js';
import { canCopy, copyIn, copyTextChunks, loadCopyFrom } from './pg-copy.js';
import { createPgPool, type PgClientLike, type PgPoolLike } from './pg-pool.js';
import { PG_HOUR } from './pg-rollup-sql.js';
import { PgRollups } from './pg-rollups.js';
import { finishSummary } from './pg-summary-rows.js';
import { byTraceSql, estimateSql, getSql, listSql, summarySql, updateCostSql } from './pg-query-sql.js';
import { rankedSummary } from '../ranked-summary.js';
import { COLUMN_COUNT, COLUMNS, pgRowToRecord, writePgRow } from './pg-row-mapping.js';
import { isRetryablePgError } from './store-errors.js';
import { decodeText, encodeJson, encodeText } from './text-encoding.js';

export interface PostgresStoreOptions {
  /** A `pg.Pool` (or anything PgPoolLike). The store never ends a pool it was given. */
  pool?: PgPoolLike;
  /**
   * `postgres://user:password@host:port/database`; the store opens and owns a pool. A
   * `?schema=NAME` parameter chooses the schema (and is not passed on to the server).
   */
  connectionString?: string;
  /** Schema of the tables, created when missing. Default: the URL's `schema` parameter, else `public`. */
  schema?: string;
  /** Longest text kept in one field; longer text is cut with a visible marker. Default 1,000,000. */
  maxFieldChars?: number;
  /** Rows per INSERT statement (at most 1,400: PostgreSQL takes 65,535 parameters). Default 1,000. */
  rowsPerInsert?: number;
  /**
   * How batches are written. `copy` (the default when the optional `pg-copy-streams` package is
   * installed): COPY FROM STDIN, several times faster; a batch holding an id already stored (a
   * replay) is written again with INSERT ... ON CONFLICT DO NOTHING. `insert`: always multi-row
   * INSERTs (needed behind a pooler that rewrites queries).
   */
  writeMethod?: 'copy' | 'insert';
}

const MAX_ROWS_PER_INSERT = Math.floor(65_535 / COLUMN_COUNT);
const UNIQUE_VIOLATION = '23505';
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z$/;

/**
 * Whether the COPY path can sum a record into its rollup hour itself: its start is ISO text in UTC
 * (the ledger's own form), whose first 13 characters are the hour PostgreSQL will read. Any other
 * form (an offset, no zone) is left to PostgreSQL, through the INSERT path that returns the hour
 * it computed.
 */
function startsInUtc(record: CallRecord): boolean {
  return typeof record.startedAt === 'string' && UTC_TIME.test(record.startedAt);
}

/**
 * Keeps records in PostgreSQL (`pg`): one row per call in `llm_request_logs`, JSONB for the
 * structured fields, NUMERIC costs, versioned migrations applied once under an advisory lock.
 * Writes are multi-row INSERTs with `ON CONFLICT (id) DO NOTHING`, so replays are idempotent and
 * many processes can write at once. Queries match the memory store exactly, except summaries
 * answered from the rollups (pg-rollups.ts), kept in the same transaction as the rows: exact
 * counts, tokens and costs, latency percentiles within 4.9% (latency-histogram.ts). A summary
 * uses them when it groups and filters only by model, provider, call type, status, cost status,
 * day or hour, with from/to on whole hours, or only by tenant and day, with
 * from/to on whole days; otherwise it scans.
 *
 * U+0000 cannot be stored in TEXT or JSONB; it is kept by a reversible encoding (text-encoding.ts).
 *
 * @example
 * import { createLedger } from 'llm-ledger';
 * import { PostgresStore } from 'llm-ledger/postgres';
 * const ledger = createLedger({ store: new PostgresStore({ connectionString: process.env.DATABASE_URL }) });
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly schema: string;
  private readonly table: string;
  private readonly maxFieldChars: number;
  private readonly rowsPerInsert: number;
  private readonly ownsPool: boolean;
  private readonly pool: PgPoolLike;
  /** Migrates on first use (again after a failure), guards use after close, maps pg errors. */
  private readonly runtime: StoreRuntime;
  private readonly scratch = new Array<unknown>(COLUMN_COUNT);
  private readonly rollups: PgRollups;
  /** Undefined when writes use INSERTs: asked to, no pg-copy-streams, or a pool whose clients cannot COPY. */
  private copyFrom: ReturnType<typeof loadCopyFrom>;
  private readonly copySql: string;

  constructor(options: PostgresStoreOptions) {
    const { pool, connectionString } = options ?? {};
    if (pool === undefined && (typeof connectionString !== 'string' || connectionString.length === 0)) {
      throw new ConfigError({
        source: 'options',
        path: 'connectionString',
        expected: 'a postgres:// connection string or a pg Pool as `pool`',
        received: JSON.stringify(connectionString),
      });
    }
    const { url, schema } =
      connectionString === undefined ? { url: undefined, schema: undefined } : splitSchema(connectionString);
    this.schema = options.schema ?? schema ?? 'public';
    this.table = `${quoteIdentifier(this.schema)}.llm_request_logs`;
    this.maxFieldChars = options.maxFieldChars ?? DEFAULT_MAX_FIELD_CHARS;
    this.rowsPerInsert = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, options.rowsPerInsert ?? 1000));
    this.ownsPool = pool === undefined;
    this.pool = pool ?? createPgPool(url!);
    this.rollups = new PgRollups(quoteIdentifier(this.schema));
    this.copyFrom = options.writeMethod === 'insert' ? undefined : loadCopyFrom();
    this.copySql = `COPY ${this.table} (${COLUMNS.join(', ')}) FROM STDIN`;
    this.runtime = new StoreRuntime({
      name: 'PostgreSQL',
      isRetryable: isRetryablePgError,
      init: async () => {
        await applyPgMigrations(this.pool, this.schema);
      },
      initAction: `Migrating the PostgreSQL schema ${this.schema}`,
      destroy: () => (this.ownsPool ? this.pool.end() : undefined),
    });
  }

  /** Applies pending migrations (also done before the first query). */
  migrate(): Promise<void> {
    return this.runtime.ready();
  }

  /**
   * One transaction: the rows, then their sums per rollup row upserted. With COPY, the rows go in
   * whole and a duplicate id fails the COPY (unique violation), after which the batch is written
   * again with INSERTs that skip the ids already stored; with INSERTs, each statement returns the
   * ids it inserted and only those are summed. Either way a replayed record is never counted twice.
   */
  async write(records: readonly CallRecord[]): Promise<void> {
    await this.runtime.ready();
    if (records.length === 0) return;
    // Sorted by id, so that writers replaying overlapping batches lock ids in one order too.
    const unique = [...firstOfEachId(records)].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    await this.runtime.run(`Writing ${records.length} records to PostgreSQL`, async () => {
      const copy = this.copyFrom !== undefined && unique.every(startsInUtc);
      if (copy && (await this.transaction((client) => this.copyBatch(client, unique)))) return;
      await this.transaction((client) => this.insertBatch(client, unique));
    });
  }

  /** False when COPY cannot take this batch (a duplicate id, no COPY on this client). Every start is in UTC (startsInUtc). */
  private async copyBatch(client: PgClientLike, records: readonly CallRecord[]): Promise<boolean> {
    if (!canCopy(client)) {
      // The pool hands out the same kind of client every time: no use asking again.
      this.copyFrom = undefined;
      return false;
    }
    const values = new Array<unknown>(records.length * COLUMN_COUNT);
    const batch = new RollupBatch();
    for (let row = 0; row < records.length; row++) {
      const offset = row * COLUMN_COUNT;
      writePgRow(records[row]!, values, offset, this.maxFieldChars, this.scratch);
      batch.add(sourceFromRow(values, offset, String(values[offset + STARTED_AT_INDEX]).slice(0, 13)));
    }
    try {
      await copyIn(client, this.copyFrom!, this.copySql, copyTextChunks(values, COLUMN_COUNT));
    } catch (error) {
      // The transaction is aborted: its COMMIT rolls back, and the batch goes again as INSERTs.
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return false;
      throw error;
    }
    await this.rollups.apply(client, batch);
    return true;
  }

  private async insertBatch(client: PgClientLike, records: readonly CallRecord[]): Promise<void> {
    const batch = new RollupBatch();
    for (let start = 0; start < records.length; start += this.rowsPerInsert) {
      const [text, values] = this.insert(records, start, Math.min(records.length, start + this.rowsPerInsert));
      const inserted = await client.query(`${text} RETURNING id, ${PG_HOUR} AS hour`, values);
      if (inserted.rows.length === 0) continue;
      const offsets = new Map<unknown, number>();
      for (let offset = 0; offset < values.length; offset += COLUMN_COUNT) offsets.set(values[offset], offset);
      for (const row of inserted.rows) batch.add(sourceFromRow(values, offsets.get(row.id)!, row.hour as string));
    }
    await this.rollups.apply(client, batch);
  }

  async get(id: string): Promise<CallRecord | null> {
    const rows = await this.query('Reading a record', getSql(this.table), [encodeText(id)]);
    return rows.length === 0 ? null : pgRowToRecord(rows[0]!);
  }

  async list(query: ListQuery): Promise<CallPage> {
    await this.runtime.ready();
    const { text, values, limit } = listSql(this.table, query);
    const rows = await this.query('Listing records', text, values);
    const hasMore = rows.length > limit;
    if (hasMore) rows.length = limit;
    const records = rows.map(pgRowToRecord);
    return { records, nextCursor: hasMore ? records[records.length - 1]!.id : null };
  }

  async byTrace(traceId: string): Promise<CallRecord[]> {
    return (await this.query('Reading a trace', byTraceSql(this.table), [encodeText(traceId)])).map(pgRowToRecord);
  }

  async summary(query: SummaryQuery): Promise<SummaryRow[]> {
    await this.runtime.ready();
    return rankedSummary(query, {
      summary: (unranked) => this.unrankedSummary(unranked),
      answersFromRollup: (unranked) => planRollup(unranked) !== undefined,
      estimate: async (unranked, key, by) => {
        const { text, values } = estimateSql(this.table, unranked, key, by);
        const rows = await this.query('Ranking usage', text, values);
        // float8 holds counts exactly; a sum is one rounding of the exact NUMERIC sum.
        return rows.map((row) => {
          const value = Number(row.value);
          return {
            group: typeof row.g0 === 'string' ? decodeText(row.g0) : null,
            value,
            error: Math.abs(value) * 2 ** -50,
          };
        });
      },
    });
  }

  private async unrankedSummary(query: SummaryQuery): Promise<SummaryRow[]> {
    const plan = planRollup(query);
    if (plan !== undefined) {
      const rows = await this.runtime.run('Summarizing usage', () => this.rollups.summary(this.pool, plan));
      // A stored cost that is no decimal (NaN) cannot be summed exactly: the scan says what it is.
      if (!rows.some((row) => Number(row.bad_costs) > 0)) return finishSummary(rows, plan.keys);
    }
    const { text, values, keys } = summarySql(this.table, query);
    return finishSummary(await this.query('Summarizing usage', text, values), keys);
  }

  async updateCosts(updates: readonly CostUpdate[]): Promise<number> {
    await this.runtime.ready();
    if (updates.length === 0) return 0;
    return this.runtime.run(`Updating ${updates.length} costs`, () =>
      this.transaction(async (client) => {
        let updated = 0;
        const sql = updateCostSql(this.table);
        // Each call leaves the rollup row of its old cost and joins that of its new one. Ids are
        // stored encoded like every text (NUL and the escape character), so they are looked up so.
        const stored = updates.map((update) => encodeText(update.id));
        const sources = await this.rollups.lockSources(client, this.table, [...new Set(stored)]);
        const batch = new RollupBatch();
        for (const [index, { cost }] of updates.entries()) {
          const id = stored[index]!;
          const [total, currency, status, pricingVersion, breakdown] = costValues(cost, this.maxFieldChars);
          const result = await client.query(sql, [
            id,
            total,
            encodeOrNull(currency),
            encodeOrNull(status),
            encodeOrNull(pricingVersion),
            typeof breakdown === 'string' ? encodeJson(breakdown) : null,
          ]);
          updated += result.rowCount ?? 0;
          const before = sources.get(id);
          if (before === undefined || (result.rowCount ?? 0) === 0) continue;
          const after = {
            ...before,
            cost: typeof total === 'string' ? total : null,
            dimensions: { ...before.dimensions, cost_status: encodeOrNull(status) },
          };
          batch.add(before, -1);
          batch.add(after);
          sources.set(id, after);
        }
        await this.rollups.apply(client, batch);
        await this.rollups.deleteEmpty(client, [...new Set([...sources.values()].map((source) => source.hour))]);
        return updated;
      }),
    );
  }

  /**
   * Deletes (or with `dryRun` counts) the calls that started before `before`; served by the
   * started_at index. The rollups lose the same calls in the same transaction (PgRollups.afterPurge).
   */
  async purge(before: Date | string, options: { dryRun?: boolean } = {}): Promise<number> {
    const bound = toIsoBound(before)!;
    if (options.dryRun) {
      const rows = await this.query(
        'Counting old records',
        `SELECT COUNT(*)::float8 AS n FROM ${this.table} WHERE started_at < $1::timestamptz`,
        [bound],
      );
      return Number(rows[0]?.n ?? 0);
    }
    return this.runtime.run('Purging old records', () =>
      this.transaction(async (client) => {
        await client.query(this.rollups.lockTables());
        const deleted = await client.query(
          `WITH deleted AS (DELETE FROM ${this.table} WHERE started_at < $1::timestamptz RETURNING 1) SELECT COUNT(*)::float8 AS n FROM deleted`,
          [bound],
        );
        await this.rollups.afterPurge(client, bound);
        return Number(deleted.rows[0]?.n ?? 0);
      }),
    );
  }

  /** Ends the pool (unless it was passed in). Idempotent; later calls throw StoreError. */
  close(): Promise<void> {
    return this.runtime.close();
  }

  private insert(records: readonly CallRecord[], start: number, end: number): [string, unknown[]] {
    const rows = end - start;
    const values = new Array<unknown>(rows * COLUMN_COUNT);
    const tuples: string[] = new Array<string>(rows);
    for (let row = 0; row < rows; row++) {
      const offset = row * COLUMN_COUNT;
      writePgRow(records[start + row]!, values, offset, this.maxFieldChars, this.scratch);
      const slots = new Array<string>(COLUMN_COUNT);
      for (let column = 0; column < COLUMN_COUNT; column++) slots[column] = `$${offset + column + 1}`;
      tuples[row] = `(${slots.join(',')})`;
    }
    return [
      `INSERT INTO ${this.table} (${COLUMNS.join(', ')}) VALUES ${tuples.join(',')} ON CONFLICT (id) DO NOTHING`,
      values,
    ];
  }

  private async query(action: string, text: string, values: unknown[]): Promise<Array<Record<string, unknown>>> {
    return this.runtime.run(action, async () => (await this.pool.query(text, values)).rows);
  }

  private async transaction<T>(work: (client: PgClientLike) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // pg emits a dropped connection as an 'error' event on a checked-out client, which the pool
    // does not listen to: without this the host process would crash. The query in flight rejects too.
    const dropped = (error: Error) => (broken ??= error);
    client.on?.('error', dropped);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        // A connection that cannot even roll back is discarded rather than returned to the pool.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      client.off?.('error', dropped);
      client.release(broken);
    }
  }
}

/** Takes `schema` out of a connection string's query, where pg would send it to the server. */
function splitSchema(connectionString: string): { url: string; schema: string | undefined } {
  const match = /([?&])schema=([^&#]*)&?/.exec(connectionString);
  if (match === null) return { url: connectionString, schema: undefined };
  const url =
    connectionString.slice(0, match.index) +
    (match[0].endsWith('&') ? match[1] : '') +
    connectionString.slice(match.index + match[0].length);
  return { url: url.replace(/[?&]$/, ''), schema: decodeURIComponent(match[2]!) };
}

/** Two records with one id in a batch: the first wins, as in the other stores. */
function firstOfEachId(records: readonly CallRecord[]): readonly CallRecord[] {
  const seen = new Set<string>();
  let duplicate = false;
  for (const record of records) {
    if (seen.has(record.id)) {
      duplicate = true;
      break;
    }
    seen.add(record.id);
  }
  if (!duplicate) return records;
  seen.clear();
  return records.filter((record) => !seen.has(record.id) && seen.add(record.id) !== undefined);
}

function encodeOrNull(value: unknown): string | null {
  return typeof value === 'string' ? encodeText(value) : null;
}
