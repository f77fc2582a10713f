import { ConfigError } from '../../core/errors.js';
import {
  checkSqliteTarget,
  loadDriver,
  type SqliteDatabase,
  type SqliteStatement,
} from '../../stores/sqlite/driver.js';
import {
  COUNTER_FIELDS,
  emptyCounter,
  type CommitEntry,
  type CounterField,
  type CounterRef,
  type CounterValues,
  type MeterBackend,
  type ReserveOutcome,
  type ReservePlan,
} from '../backend.js';
import { commitInState } from '../engine/commit-in-state.js';
import type { MeterState } from '../engine/meter-state.js';
import { reserveInState } from '../engine/reserve-in-state.js';
import { MeterClosedError, MeterUnavailableError } from '../errors.js';
import { COUNTER_COLUMNS, METER_SCHEMA } from './sqlite-meter-schema.js';

export interface SqliteMeterOptions {
  /** Database file (usually the ledger's own) or `:memory:`. Required unless `database` is given. */
  path?: string;
  /** An open better-sqlite3 connection to use instead; it is not closed by the meter. */
  database?: SqliteDatabase;
  /** How long an operation waits for another process's lock. Default 5000. */
  busyTimeoutMs?: number;
}

const PURGE_EVERY = 1024;
const COLUMNS = COUNTER_FIELDS.map((field) => COUNTER_COLUMNS[field]);

/**
 * Counters in a SQLite file, shared by every process on the machine: each reserve and commit runs
 * in one IMMEDIATE transaction, so concurrent processes are serialized by SQLite's write lock and
 * limits hold across them. Uses the same engine as the memory meter. better-sqlite3 is loaded on
 * first use, as for the SQLite store.
 *
 * @example
 * const meter = createMeter({ backend: new SqliteMeterBackend({ path: '.llm-ledger/ledger.db' }) });
 */
export class SqliteMeterBackend implements MeterBackend, MeterState {
  readonly kind = 'sqlite';
  private db: SqliteDatabase | undefined;
  private readonly ownsDatabase: boolean;
  private readonly statements = new Map<string, SqliteStatement>();
  private commits = 0;
  private readonly reserveTransaction: (plan: ReservePlan) => ReserveOutcome;
  private readonly commitTransaction: (entries: readonly CommitEntry[]) => boolean[];

  constructor(options: SqliteMeterOptions) {
    const { path, database } = options ?? {};
    checkSqliteTarget(path, database);
    this.ownsDatabase = database === undefined;
    try {
      const db = database ?? new (loadDriver())(path!);
      if (this.ownsDatabase) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      db.exec(METER_SCHEMA);
      addAppliedCountersColumn(db);
      this.db = db;
    } catch (cause) {
      if (cause instanceof ConfigError || cause instanceof MeterUnavailableError) throw cause;
      throw new MeterUnavailableError(`Could not open the SQLite meter at ${path ?? '(connection)'}`, cause);
    }
    const db = this.db;
    // IMMEDIATE takes the write lock at BEGIN: two processes cannot both read "room left" and reserve it.
    this.reserveTransaction = db.transaction((plan: ReservePlan) => reserveInState(this, plan)).immediate;
    this.commitTransaction = db.transaction((entries: readonly CommitEntry[]) =>
      entries.map((entry) => commitInState(this, entry)),
    ).immediate;
    this.purge(Date.now());
  }

  async reserve(plan: ReservePlan): Promise<ReserveOutcome> {
    return this.run(() => this.reserveTransaction(plan));
  }

  async commit(entries: readonly CommitEntry[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const results = this.run(() => this.commitTransaction(entries));
    this.commits += entries.length;
    if (this.commits >= PURGE_EVERY) {
      this.commits = 0;
      this.run(() => this.purge(entries[0]!.nowMs));
    }
    return results;
  }

  async read(counters: readonly CounterRef[], nowMs: number): Promise<CounterValues[]> {
    return this.run(() => counters.map((counter) => this.readCounter(counter.key, nowMs) ?? emptyCounter()));
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    this.statements.clear();
    if (db && this.ownsDatabase) db.close();
  }

  // MeterState: used by the engine only, inside the transactions above.

  readCounter(key: string, nowMs: number): CounterValues | undefined {
    const row = this.statement(
      'read',
      `SELECT ${COLUMNS.join(', ')}, expires_at FROM llm_meter_counters WHERE key = ?`,
      true,
    ).get(key) as Record<string, bigint> | undefined;
    if (!row || row.expires_at! <= BigInt(nowMs)) return undefined;
    const values = {} as CounterValues;
    for (const field of COUNTER_FIELDS) values[field] = row[COUNTER_COLUMNS[field]]!;
    return values;
  }

  addToCounter(ref: CounterRef, deltas: ReadonlyArray<readonly [CounterField, bigint]>, nowMs: number): void {
    // An expired row starts over rather than adding to a window that is gone.
    this.statement('dropExpired', 'DELETE FROM llm_meter_counters WHERE key = ? AND expires_at <= ?').run(
      ref.key,
      nowMs,
    );
    const vector = deltaVector(deltas);
    this.statement(
      'upsert',
      `INSERT INTO llm_meter_counters (key, dimension, subject_id, period, window_start, window_end, expires_at, ${COLUMNS.join(', ')})
       VALUES (?, ?, ?, ?, ?, ?, ?, ${COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (key) DO UPDATE SET ${COLUMNS.map((column) => `${column} = ${column} + excluded.${column}`).join(', ')},
         expires_at = max(expires_at, excluded.expires_at)`,
    ).run(ref.key, ref.dimension, ref.subjectId, ref.period, ref.startMs, ref.endMs, ref.expiresAtMs, ...vector);
  }

  adjustCounter(key: string, deltas: ReadonlyArray<readonly [CounterField, bigint]>, nowMs: number): void {
    this.statement(
      'adjust',
      `UPDATE llm_meter_counters SET ${COLUMNS.map((column) => `${column} = ${column} + ?`).join(', ')}
       WHERE key = ? AND expires_at > ?`,
    ).run(...deltaVector(deltas), key, nowMs);
  }

  addReservation(text: string, expiresAtMs: number): void {
    this.statement(
      'addReservation',
      'INSERT OR REPLACE INTO llm_meter_reservations (reservation, expires_at) VALUES (?, ?)',
    ).run(text, expiresAtMs);
  }

  removeReservation(text: string): boolean {
    return (
      this.statement('removeReservation', 'DELETE FROM llm_meter_reservations WHERE reservation = ?').run(text)
        .changes > 0
    );
  }

  expiredReservations(nowMs: number, limit: number): string[] {
    const rows = this.statement(
      'expiredReservations',
      'SELECT reservation FROM llm_meter_reservations WHERE expires_at <= ? ORDER BY expires_at LIMIT ?',
    ).all(nowMs, limit) as Array<{ reservation: string }>;
    return rows.map((row) => row.reservation);
  }

  markApplied(id: string, expiresAtMs: number, nowMs: number, counters = ''): boolean {
    // Inserts, or takes over an expired marker; a live marker makes it change nothing.
    return (
      this.statement(
        'markApplied',
        `INSERT INTO llm_meter_applied (id, expires_at, counters) VALUES (?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at, counters = excluded.counters
         WHERE llm_meter_applied.expires_at <= ?`,
      ).run(id, expiresAtMs, counters === '' ? null : counters, nowMs).changes > 0
    );
  }

  appliedCounters(id: string, nowMs: number): string | undefined {
    const row = this.statement(
      'appliedCounters',
      'SELECT counters FROM llm_meter_applied WHERE id = ? AND expires_at > ?',
    ).get(id, nowMs) as { counters: string | null } | undefined;
    return row === undefined ? undefined : (row.counters ?? '');
  }

  readRate(key: string, nowMs: number): number | undefined {
    const row = this.statement('readRate', 'SELECT tat FROM llm_meter_rates WHERE key = ? AND expires_at > ?').get(
      key,
      nowMs,
    ) as { tat: number } | undefined;
    return row?.tat;
  }

  writeRate(key: string, tat: number, expiresAtMs: number): void {
    this.statement('writeRate', 'INSERT OR REPLACE INTO llm_meter_rates (key, tat, expires_at) VALUES (?, ?, ?)').run(
      key,
      tat,
      Math.ceil(expiresAtMs),
    );
  }

  deleteRate(key: string): void {
    this.statement('deleteRate', 'DELETE FROM llm_meter_rates WHERE key = ?').run(key);
  }

  private purge(nowMs: number): void {
    const db = this.open();
    db.prepare('DELETE FROM llm_meter_counters WHERE expires_at <= ?').run(nowMs);
    db.prepare('DELETE FROM llm_meter_applied WHERE expires_at <= ?').run(nowMs);
    db.prepare('DELETE FROM llm_meter_rates WHERE expires_at <= ?').run(nowMs);
  }

  private statement(name: string, sql: string, safeIntegers = false): SqliteStatement {
    let statement = this.statements.get(name);
    if (!statement) {
      statement = this.open().prepare(sql);
      if (safeIntegers) statement.safeIntegers(true);
      this.statements.set(name, statement);
    }
    return statement;
  }

  private open(): SqliteDatabase {
    if (!this.db) throw new MeterClosedError();
    return this.db;
  }

  private run<T>(operation: () => T): T {
    try {
      return operation();
    } catch (cause) {
      if (cause instanceof MeterClosedError) throw cause;
      throw new MeterUnavailableError(`SQLite meter operation failed: ${(cause as Error)?.message ?? cause}`, cause);
    }
  }
}

/** All twelve counter fields in column order, zero where the deltas say nothing. */
function deltaVector(deltas: ReadonlyArray<readonly [CounterField, bigint]>): bigint[] {
  const vector = COUNTER_FIELDS.map(() => 0n);
  for (const [field, delta] of deltas) vector[COUNTER_FIELDS.indexOf(field)]! += delta;
  return vector;
}

/**
 * A meter file from before applied ids listed their counters gets the column. Two processes may
 * both try: the loser's "duplicate column" changes nothing.
 */
function addAppliedCountersColumn(db: SqliteDatabase): void {
  const columns = db.prepare('PRAGMA table_info(llm_meter_applied)').all() as Array<{ name: string }>;
  if (columns.some((column) => column.name === 'counters')) return;
  try {
    db.exec('ALTER TABLE llm_meter_applied ADD COLUMN counters TEXT');
  } catch (error) {
    if (!/duplicate column/i.test((error as Error)?.message ?? '')) throw error;
  }
}
