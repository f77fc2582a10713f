import { addDecimal, formatDecimal, parseDecimal, ZERO, type Decimal } from '../../core/money.js';
import { percentile } from '../../core/store.js';
import type { SqliteDatabase } from './driver.js';

/**
 * Aggregates SQLite lacks, written with the same core functions the memory store uses so that
 * both stores give identical numbers: an exact decimal sum (SUM over REAL would round money),
 * and latency avg/p50/p95 with the same interpolation and the same summation order.
 */
export function registerSqlFunctions(db: SqliteDatabase): void {
  db.aggregate<Decimal>('ledger_decimal_sum', {
    deterministic: true,
    start: ZERO,
    // The typings assume the argument has the accumulator's type; here it is the column value.
    step: (total, value: unknown) =>
      value === null ? total : addDecimal(total, parseDecimal(value as string | number)),
    result: (total) => formatDecimal(total),
  });
  db.aggregate<number[]>('ledger_latency_stats', {
    deterministic: true,
    start: () => [],
    step: (values, value) => {
      values.push(value);
    },
    // One JSON text rather than three aggregates: the values are collected and sorted once.
    result: (values) => {
      const sorted = values.sort((a, b) => a - b);
      const sum = sorted.reduce((total, value) => total + value, 0);
      return JSON.stringify([
        sorted.length ? sum / sorted.length : 0,
        percentile(sorted, 0.5),
        percentile(sorted, 0.95),
      ]);
    },
  });
}
