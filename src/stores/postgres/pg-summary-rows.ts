import { formatDecimal, parseDecimal, ZERO } from '../../core/money.js';
import { compareGroups } from '../../core/query-eval.js';
import type { GroupKey, SummaryRow } from '../../core/store.js';
import { decodeText } from './text-encoding.js';

/** Summary rows from the scan's or the rollups' result rows (same column names), in group order. */
export function finishSummary(rows: Array<Record<string, unknown>>, keys: readonly GroupKey[]): SummaryRow[] {
  return rows
    .filter((row) => Number(row.calls) > 0) // without GROUP BY, an empty match still yields one row
    .map((row) => toSummaryRow(row, keys))
    .sort((a, b) => compareGroups(a.group, b.group, keys));
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
    // Only the scan names malformed rows; the rollups' summary is not used when it has any.
    ...(Number(row.malformed_count ?? 0) > 0
      ? {
          malformedRows: {
            count: Number(row.malformed_count),
            ids: ((row.malformed_ids as string[] | null) ?? []).map(decodeText),
          },
        }
      : undefined),
  };
}
