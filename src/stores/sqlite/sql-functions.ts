import { addDecimal, formatDecimal, parseDecimal, tryParseDecimal, ZERO, type Decimal } from '../../core/money.js';
import { isMalformedAmount, MalformedRowTally } from '../../core/malformed-rows.js';
import { percentile } from '../../core/store.js';
import {
  addHistogramTexts,
  histogramPercentiles,
  mergeHistogramText,
  type Histogram,
} from '../rollup/latency-histogram.js';
import type { SqliteDatabase } from './driver.js';

/**
 * Aggregates SQLite lacks, written with the same core functions the memory store uses so that
 * both stores give identical numbers: an exact decimal sum (SUM over REAL would round money),
 * and latency avg/p50/p95 with the same interpolation and the same summation order. The rollup
 * functions add exact decimals and latency histograms (rollup-sqlite.ts, latency-histogram.ts).
 */
export function registerSqlFunctions(db: SqliteDatabase): void {
  db.aggregate<Decimal>('ledger_decimal_sum', {
    deterministic: true,
    start: ZERO,
    // The typings assume the argument has the accumulator's type; here it is the column value.
    // A malformed stored amount is skipped, never thrown: one bad row must not fail every summary.
    // ledger_malformed_rows counts and names what this leaves out.
    step: (total, value: unknown) => {
      const amount = value === null ? undefined : tryParseDecimal(value);
      return amount === undefined ? total : addDecimal(total, amount);
    },
    result: (total) => formatDecimal(total),
  });
  // JSON { count, ids } of the rows whose cost is no decimal, NULL when there are none.
  db.aggregate<MalformedRowTally>('ledger_malformed_rows', {
    deterministic: true,
    start: () => new MalformedRowTally(),
    // The typings allow one argument; SQLite passes the id and the cost.
    step: ((tally: MalformedRowTally, id: unknown, cost: unknown) => {
      if (isMalformedAmount(cost)) tally.add(String(id));
    }) as unknown as (tally: MalformedRowTally, next: unknown) => void,
    result: (tally) => {
      const rows = tally.result();
      return rows === undefined ? null : JSON.stringify(rows);
    },
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
  db.function('ledger_decimal_add', { deterministic: true }, (a: unknown, b: unknown) =>
    formatDecimal(addDecimal(parseDecimal(a as string), parseDecimal(b as string))),
  );
  db.function('ledger_hist_add', { deterministic: true }, (a: unknown, b: unknown) =>
    addHistogramTexts(a as string | null, b as string | null),
  );
  // The same JSON [avg, p50, p95] as ledger_latency_stats, from rollup rows: avg = sum / calls,
  // percentiles estimated from the merged histogram.
  db.aggregate<{ calls: number; sum: number; histogram: Histogram }>('ledger_rollup_latency', {
    deterministic: true,
    start: () => ({ calls: 0, sum: 0, histogram: new Map() }),
    // The typings allow one argument; SQLite passes the three columns.
    step: ((
      state: { calls: number; sum: number; histogram: Histogram },
      calls: number,
      sum: number,
      histogram: string,
    ) => {
      state.calls += calls;
      state.sum += sum;
      mergeHistogramText(state.histogram, histogram);
    }) as unknown as (state: { calls: number; sum: number; histogram: Histogram }, next: unknown) => void,
    result: (state) =>
      JSON.stringify([state.calls ? state.sum / state.calls : 0, ...histogramPercentiles(state.histogram)]),
  });
}
