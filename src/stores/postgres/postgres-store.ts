import { ConfigError, StoreError } from '../../core/errors.js';
import { formatDecimal, parseDecimal, ZERO } from '../../core/money.js';
import { compareGroups } from '../../core/query-eval.js';
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
import { costValues } from '../sqlite/row-mapping.js';
import { applyPgMigrations, quoteIdentifier } from './migrations.js';
import { createPgPool, type PgClientLike, type PgPoolLike } from './pg-pool.js';
import { byTraceSql, getSql, listSql, summarySql, updateCostSql } from './pg-query-sql.js';
import { COLUMN_COUNT, COLUMNS, pgRowToRecord, writePgRow } from './pg-row-mapping.js';
import { toStoreError } from './store-errors.js';
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
}

const MAX_ROWS_PER_INSERT = Math.floor(65_535 / COLUMN_COUNT);

/**
 * Keeps records in PostgreSQL (`pg`): one row per call in `llm_request_logs`, JSONB for the
 * structured fields, NUMERIC costs, versioned migrations applied once under an advisory lock.
 * Writes are multi-row INSERTs with `ON CONFLICT (id) DO NOTHING`, so replays are idempotent and
 * many processes can write at once. Queries match the memory store exactly.
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
  private pool: PgPoolLike | undefined;
  private ready: Promise<void> | undefined;
  private readonly scratch = new Array<unknown>(COLUMN_COUNT);

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
  }

  /** Applies pending migrations (also done before the first query). */
  async migrate(): Promise<void> {
    await this.connection();
  }

  async write(records: readonly CallRecord[]): Promise<void> {
    const pool = await this.connection();
    if (records.length === 0) return;
    const unique = firstOfEachId(records);
    try {
      if (unique.length <= this.rowsPerInsert) {
        await pool.query(...this.insert(unique, 0, unique.length));
        return;
      }
      await this.transaction(pool, async (client) => {
        for (let start = 0; start < unique.length; start += this.rowsPerInsert) {
          await client.query(...this.insert(unique, start, Math.min(unique.length, start + this.rowsPerInsert)));
        }
      });
    } catch (error) {
      throw toStoreError(error, `Writing ${records.length} records to PostgreSQL failed`);
    }
  }

  async get(id: string): Promise<CallRecord | null> {
    const rows = await this.query('Reading a record', getSql(this.table), [id]);
    return rows.length === 0 ? null : pgRowToRecord(rows[0]!);
  }

  async list(query: ListQuery): Promise<CallPage> {
    await this.connection();
    const { text, values, limit } = listSql(this.table, query);
    const rows = await this.query('Listing records', text, values);
    const hasMore = rows.length > limit;
    if (hasMore) rows.length = limit;
    const records = rows.map(pgRowToRecord);
    return { records, nextCursor: hasMore ? records[records.length - 1]!.id : null };
  }

  async byTrace(traceId: string): Promise<CallRecord[]> {
    return (await this.query('Reading a trace', byTraceSql(this.table), [traceId])).map(pgRowToRecord);
  }

  async summary(query: SummaryQuery): Promise<SummaryRow[]> {
    await this.connection();
    const { text, values, keys } = summarySql(this.table, query);
    const rows = await this.query('Summarizing usage', text, values);
    return rows
      .filter((row) => Number(row.calls) > 0) // without GROUP BY, an empty match still yields one row
      .map((row) => toSummaryRow(row, keys))
      .sort((a, b) => compareGroups(a.group, b.group, keys));
  }

  async updateCosts(updates: readonly CostUpdate[]): Promise<number> {
    const pool = await this.connection();
    if (updates.length === 0) return 0;
    try {
      return await this.transaction(pool, async (client) => {
        let updated = 0;
        const sql = updateCostSql(this.table);
        for (const { id, cost } of updates) {
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
        }
        return updated;
      });
    } catch (error) {
      throw toStoreError(error, `Updating ${updates.length} costs failed`);
    }
  }

  /** Deletes (or with `dryRun` counts) the calls that started before `before`; served by the started_at index. */
  async purge(before: Date | string, options: { dryRun?: boolean } = {}): Promise<number> {
    const bound = toIsoBound(before)!;
    const rows = options.dryRun
      ? await this.query(
          'Counting old records',
          `SELECT COUNT(*)::float8 AS n FROM ${this.table} WHERE started_at < $1::timestamptz`,
          [bound],
        )
      : await this.query(
          'Purging old records',
          `WITH deleted AS (DELETE FROM ${this.table} WHERE started_at < $1::timestamptz RETURNING 1) SELECT COUNT(*)::float8 AS n FROM deleted`,
          [bound],
        );
    return Number(rows[0]?.n ?? 0);
  }

  /** Ends the pool (unless it was passed in). Idempotent; later calls throw StoreError. */
  async close(): Promise<void> {
    const pool = this.pool;
    if (pool === undefined) return;
    this.pool = undefined;
    await this.ready?.catch(() => undefined);
    if (this.ownsPool) {
      try {
        await pool.end();
      } catch (error) {
        throw toStoreError(error, 'Closing the PostgreSQL store failed');
      }
    }
  }

  /** The pool, once the schema is migrated; a failed migration is retried by the next call. */
  private async connection(): Promise<PgPoolLike> {
    const pool = this.pool;
    if (pool === undefined) throw new StoreError('The PostgreSQL store is closed', { retryable: false });
    this.ready ??= applyPgMigrations(pool, this.schema).then(
      () => undefined,
      (error: unknown) => {
        this.ready = undefined;
        throw toStoreError(error, `Migrating the PostgreSQL schema ${this.schema} failed`);
      },
    );
    await this.ready;
    return pool;
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
    const pool = await this.connection();
    try {
      return (await pool.query(text, values)).rows;
    } catch (error) {
      throw toStoreError(error, `${action} failed`);
    }
  }

  private async transaction<T>(pool: PgPoolLike, work: (client: PgClientLike) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
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

function toSummaryRow(row: Record<string, unknown>, keys: readonly GroupKey[]): SummaryRow {
  const group: Partial<Record<GroupKey, string | null>> = {};
  keys.forEach((key, index) => {
    const value = row[`g${index}`];
    group[key] = typeof value === 'string' ? decodeText(value) : null;
  });
  return {
    group,
    calls: Number(row.calls),
    errors: Number(row.errors),
    tokens: {
      input: Number(row.input),
      output: Number(row.output),
      total: Number(row.total),
      cacheRead: Number(row.cache_read),
      cacheWrite: Number(row.cache_write),
      reasoning: Number(row.reasoning),
    },
    // NUMERIC keeps the largest scale of its terms (0.50 + 0.25 = 0.75, 0.5 + 0.50 = 1.00): the
    // canonical form has no trailing zeros, so the sum goes through the same formatter as the reference.
    cost: row.cost == null ? formatDecimal(ZERO) : formatDecimal(parseDecimal(row.cost as string)),
    unpricedCalls: Number(row.unpriced_calls),
    latencyMs: { avg: Number(row.latency_avg), p50: Number(row.latency_p50), p95: Number(row.latency_p95) },
  };
}
