import { formatDecimal } from '../../core/money.js';
import {
  formatHistogram,
  histogramPercentiles,
  mergeHistogramList,
  type Histogram,
} from '../rollup/latency-histogram.js';
import {
  sourceFromStored,
  STORED_ROLLUP_COLUMNS,
  type RollupBatch,
  type StoredRollupRow,
} from '../rollup/rollup-batch.js';
import type { RollupPlan } from '../rollup/rollup-plan.js';
import { hasCountColumns, periodOf, ROLLUP_TABLES, type RollupTable } from '../rollup/rollup-tables.js';
import type { PgClientLike, PgPoolLike } from './pg-pool.js';
import { NULL_DIMENSION, PG_HOUR, rebuildSql, rollupSummarySql, upsertSql } from './pg-rollup-sql.js';

/** Rows per rollup upsert statement (at most 18 parameters each, well under PostgreSQL's 65,535). */
const ROWS_PER_UPSERT = 2_000;

/**
 * Keeps the PostgreSQL rollup tables in step with `llm_request_logs`, inside the caller's
 * transaction. Each table gets one upsert per batch with its rows sorted by key: concurrent
 * writers lock rollup rows in the same order, so they wait for each other but never deadlock.
 */
export class PgRollups {
  constructor(private readonly schema: string) {}

  async apply(client: PgClientLike, batch: RollupBatch): Promise<void> {
    if (batch.isEmpty) return;
    for (let tableIndex = 0; tableIndex < ROLLUP_TABLES.length; tableIndex++) {
      const table = ROLLUP_TABLES[tableIndex]!;
      const deltas = batch.deltas(tableIndex);
      const counted = hasCountColumns(table);
      for (let start = 0; start < deltas.length; start += ROWS_PER_UPSERT) {
        const slice = deltas.slice(start, start + ROWS_PER_UPSERT);
        const values: unknown[] = [];
        for (const delta of slice) {
          values.push(
            ...delta.values.map((value) => value ?? NULL_DIMENSION),
            delta.calls,
            ...(counted ? [delta.errors, delta.unpriced] : []),
            ...delta.tokens,
            formatDecimal(delta.cost),
            delta.badCosts,
            delta.latencySum,
            formatHistogram(delta.histogram),
          );
        }
        await client.query(upsertSql(this.schema, table, slice.length), values);
      }
    }
  }

  /** Removes the rows a repricing emptied (their sums are all zero) in the given hours (and their days). */
  async deleteEmpty(client: PgClientLike, hours: readonly string[]): Promise<void> {
    if (hours.length === 0) return;
    for (const table of ROLLUP_TABLES) {
      const periods = [...new Set(hours.map((hour) => periodOf(table, hour)))];
      await client.query(
        `DELETE FROM ${this.schema}.${table.name} WHERE ${table.period} = ANY($1::text[]) AND calls = 0`,
        [periods],
      );
    }
  }

  /**
   * The rollup sources of stored calls, locked for update in id order (two repricings lock their
   * rows in one order, never crosswise). `hour` is computed by PostgreSQL, as on write.
   */
  async lockSources(client: PgClientLike, table: string, ids: readonly string[]) {
    const result = await client.query(
      `SELECT id, ${PG_HOUR} AS hour, ${STORED_ROLLUP_COLUMNS.replace('cost_total', 'cost_total::text AS cost_total')}
       FROM ${table} WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
    return new Map(
      result.rows.map((row) => [
        row.id as string,
        sourceFromStored(row as unknown as StoredRollupRow, row.hour as string),
      ]),
    );
  }

  /**
   * After `DELETE ... WHERE started_at < bound`: drops the rollup rows of whole periods before the
   * bound and rebuilds the period the bound falls in (if inside one) from its remaining rows. The
   * tables are locked against writers for this, so none of them adds to that period meanwhile.
   */
  async afterPurge(client: PgClientLike, bound: string): Promise<void> {
    for (const table of ROLLUP_TABLES) {
      const period = periodOf(table, bound.slice(0, 13));
      const start = table.period === 'hour' ? `${period}:00:00.000Z` : `${period}T00:00:00.000Z`;
      await client.query(`DELETE FROM ${this.schema}.${table.name} WHERE ${table.period} < $1`, [period]);
      if (bound === start) continue;
      await client.query(`DELETE FROM ${this.schema}.${table.name} WHERE ${table.period} = $1`, [period]);
      const where = `started_at >= $1::timestamptz AND started_at < $1::timestamptz + interval '1 ${table.period}'`;
      await client.query(rebuildSql(this.schema, table, where), [start]);
    }
  }

  lockTables(): string {
    return `LOCK TABLE ${ROLLUP_TABLES.map((table: RollupTable) => `${this.schema}.${table.name}`).join(', ')} IN SHARE ROW EXCLUSIVE MODE`;
  }

  /** The summary rows from a rollup table, in the shape the scan's query returns. */
  async summary(pool: PgPoolLike, plan: RollupPlan): Promise<Array<Record<string, unknown>>> {
    const { text, values } = rollupSummarySql(this.schema, plan);
    const { rows } = await pool.query(text, values);
    return rows.map((row) => {
      const calls = Number(row.calls);
      const histogram: Histogram = new Map();
      if (typeof row.histograms === 'string') mergeHistogramList(histogram, row.histograms);
      const [p50, p95] = histogramPercentiles(histogram);
      return {
        ...row,
        latency_avg: calls > 0 ? Number(row.latency_sum) / calls : 0,
        latency_p50: p50,
        latency_p95: p95,
      };
    });
  }
}
