import { formatDecimal } from '../../core/money.js';
import type { GroupKey } from '../../core/store.js';
import { formatHistogram } from '../rollup/latency-histogram.js';
import {
  RollupBatch,
  sourceFromStored,
  STORED_ROLLUP_COLUMNS,
  type RollupDelta,
  type StoredRollupRow,
} from '../rollup/rollup-batch.js';
import type { RollupPlan } from '../rollup/rollup-plan.js';
import {
  GROUP_DIMENSIONS,
  hasCountColumns,
  ROLLUP_TABLES,
  TOKEN_COLUMNS,
  type RollupTable,
} from '../rollup/rollup-tables.js';
import type { SqliteDatabase, SqliteStatement } from './driver.js';
import type { SqlQuery } from './query-sql.js';

/** Rows of a day, by the started_at index: every text with the day as prefix sorts in [day, day + END). */
const PREFIX_END = '\u{10FFFF}';

/** SQL for each group key over a rollup table; on an hourly one, `day` is the hour's first ten characters. */
function groupExpression(table: RollupTable, key: GroupKey): string {
  if (key === 'day') return table.period === 'day' ? 'day' : 'substr(hour, 1, 10)';
  return GROUP_DIMENSIONS[key]!;
}

/**
 * Keeps the SQLite rollup tables (rollup-schema.ts) in step with `llm_request_logs`. Every method
 * runs inside the caller's transaction, so rollups change atomically with the rows they sum.
 */
export class SqliteRollups {
  private readonly upserts: SqliteStatement[];
  private readonly counted: boolean[];
  private readonly deleteRow: SqliteStatement[];
  private readonly deleteDay: SqliteStatement[];
  private readonly dayRows: SqliteStatement;
  private readonly dirtyDays: SqliteStatement;
  private readonly anyDirty: SqliteStatement;
  private readonly clearDirty: SqliteStatement;

  constructor(private readonly db: SqliteDatabase) {
    this.upserts = ROLLUP_TABLES.map((table) => db.prepare(upsertSql(table)).pluck());
    this.counted = ROLLUP_TABLES.map(hasCountColumns);
    this.deleteRow = ROLLUP_TABLES.map((table) =>
      db.prepare(`DELETE FROM ${table.name} WHERE ${table.period} = ? AND row_key = ? AND calls = 0`),
    );
    this.deleteDay = ROLLUP_TABLES.map((table) =>
      db.prepare(`DELETE FROM ${table.name} WHERE ${table.period} >= ? AND ${table.period} < ?`),
    );
    this.dayRows = db.prepare(
      `SELECT started_at, ${STORED_ROLLUP_COLUMNS} FROM llm_request_logs WHERE started_at >= ? AND started_at < ?`,
    );
    this.dirtyDays = db.prepare('SELECT DISTINCT substr(hour, 1, 10) FROM llm_usage_dirty_hours ORDER BY 1').pluck();
    this.anyDirty = db.prepare('SELECT EXISTS (SELECT 1 FROM llm_usage_dirty_hours)').pluck();
    this.clearDirty = db.prepare('DELETE FROM llm_usage_dirty_hours WHERE hour >= ? AND hour < ?');
  }

  /** Adds a batch's deltas: one upsert per distinct rollup row; rows left with no calls are removed. */
  apply(batch: RollupBatch): void {
    if (batch.isEmpty) return;
    ROLLUP_TABLES.forEach((_table, tableIndex) => {
      const upsert = this.upserts[tableIndex]!;
      const counted = this.counted[tableIndex]!;
      for (const delta of batch.deltas(tableIndex)) {
        const calls = upsert.get(...upsertValues(delta, counted)) as number;
        if (calls === 0) this.deleteRow[tableIndex]!.run(delta.values[0], delta.key);
      }
    });
  }

  /** Whether some hours wait to be rebuilt (rows were deleted behind the store's back, or the backfill). */
  hasDirtyHours(): boolean {
    return this.anyDirty.get() === 1;
  }

  /**
   * Rebuilds the days of the dirty hours from the rows they have now (a daily row sums all 24
   * hours, so a day is the unit), one day at a time to bound memory.
   */
  rebuildDirtyHours(): void {
    for (const day of this.dirtyDays.all() as string[]) {
      const end = day + PREFIX_END;
      for (const statement of this.deleteDay) statement.run(day, end);
      const batch = new RollupBatch();
      for (const row of this.dayRows.iterate(day, end) as Iterable<StoredRollupRow & { started_at: string }>) {
        if (row.started_at.slice(0, 10) === day) batch.add(sourceFromStored(row, row.started_at.slice(0, 13)));
      }
      this.apply(batch);
      this.clearDirty.run(day, end);
    }
  }

  /** Wraps rebuildDirtyHours in its own write transaction (before a summary, after opening). */
  repair(): void {
    if (!this.hasDirtyHours()) return;
    this.db.transaction(() => this.rebuildDirtyHours()).immediate();
  }
}

function upsertSql(table: RollupTable): string {
  const dimensions = table.dimensions.slice(1);
  const counts = hasCountColumns(table) ? ['errors', 'unpriced_calls'] : [];
  const columns = [
    table.period,
    'row_key',
    ...dimensions,
    'calls',
    ...counts,
    ...TOKEN_COLUMNS,
    'cost',
    'bad_costs',
    'latency_sum',
    'latency_hist',
  ];
  const sums = ['calls', ...counts, ...TOKEN_COLUMNS, 'bad_costs', 'latency_sum'].map(
    (c) => `${c} = ${c} + excluded.${c}`,
  );
  return (
    `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
    `ON CONFLICT (${table.period}, row_key) DO UPDATE SET ${sums.join(', ')}, ` +
    'cost = ledger_decimal_add(cost, excluded.cost), latency_hist = ledger_hist_add(latency_hist, excluded.latency_hist) ' +
    'RETURNING calls'
  );
}

function upsertValues(delta: RollupDelta, counted: boolean): unknown[] {
  return [
    delta.values[0],
    delta.key,
    ...delta.values.slice(1),
    delta.calls,
    ...(counted ? [delta.errors, delta.unpriced] : []),
    ...delta.tokens,
    formatDecimal(delta.cost),
    delta.badCosts,
    delta.latencySum,
    formatHistogram(delta.histogram),
  ];
}

/** The summary over a rollup table, with the same output columns as the scan's summarySql. */
export function rollupSummarySql(plan: RollupPlan): SqlQuery {
  const conditions: string[] = [];
  const params: unknown[] = [];
  for (const [dimension, value] of plan.equals) {
    if (value === null) conditions.push(`${dimension} IS NULL`);
    else {
      conditions.push(`${dimension} = ?`);
      params.push(value);
    }
  }
  for (const [dimension, values] of plan.lists) {
    if (values.length === 0) conditions.push('0');
    else {
      conditions.push(`${dimension} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    }
  }
  if (plan.from !== undefined) {
    conditions.push(`${plan.table.period} >= ?`);
    params.push(plan.from);
  }
  if (plan.to !== undefined) {
    conditions.push(`${plan.table.period} < ?`);
    params.push(plan.to);
  }
  const counted = hasCountColumns(plan.table);
  const select = [
    ...plan.keys.map((key, index) => `${groupExpression(plan.table, key)} AS g${index}`),
    'SUM(calls) AS calls',
    counted
      ? 'COALESCE(SUM(errors), 0) AS errors'
      : "COALESCE(SUM(CASE WHEN status = 'error' THEN calls END), 0) AS errors",
    ...TOKEN_COLUMNS.map((column) => `SUM(${column}) AS ${column}`),
    'ledger_decimal_sum(cost) AS cost',
    counted
      ? 'COALESCE(SUM(unpriced_calls), 0) AS unpriced_calls'
      : "COALESCE(SUM(CASE WHEN cost_status = 'unpriced' THEN calls END), 0) AS unpriced_calls",
    'SUM(bad_costs) AS bad_costs',
    'ledger_rollup_latency(calls, latency_sum, latency_hist) AS latency',
  ];
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  const groupBy = plan.keys.length === 0 ? '' : ` GROUP BY ${plan.keys.map((_k, index) => `g${index}`).join(', ')}`;
  return { sql: `SELECT ${select.join(', ')} FROM ${plan.table.name}${where}${groupBy}`, params };
}
