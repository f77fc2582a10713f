/**
 * Expected results for the store contract, computed here from the records the test wrote, with
 * their own small implementations (BigInt fixed point, a plain sort) rather than the library's
 * query-eval or money modules, so that a shared bug cannot hide behind itself.
 */
import type { CallRecord } from '../../../core/record.js';
import type { CallFilter, GroupKey, SummaryRow } from '../../../core/store.js';
import type { ContractExpect } from '../test-api.js';

const SCALE = 30;

/** Sums plain decimal strings ("0.00000015", "12") exactly. */
export function exactSum(amounts: readonly string[]): string {
  let units = 0n;
  for (const amount of amounts) {
    const negative = amount.startsWith('-');
    const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
    const value = BigInt(whole + fraction.padEnd(SCALE, '0'));
    units += negative ? -value : value;
  }
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(SCALE + 1, '0');
  const whole = digits.slice(0, digits.length - SCALE);
  const fraction = digits.slice(digits.length - SCALE).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Linear interpolation between closest ranks, written out from its definition. */
export function expectedPercentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = fraction * (sorted.length - 1);
  const below = Math.floor(rank);
  const weight = rank - below;
  if (weight === 0) return sorted[below]!;
  return sorted[below]! * (1 - weight) + sorted[below + 1]! * weight;
}

export function keyValue(record: CallRecord, key: GroupKey): string | null {
  const values: Record<GroupKey, string | null> = {
    model: record.model,
    provider: record.provider,
    user: record.userId,
    tenant: record.tenantId,
    callType: record.callType,
    status: record.status,
    session: record.sessionId,
    day: record.startedAt.slice(0, 10),
    hour: record.startedAt.slice(0, 13),
  };
  return values[key];
}

/** The filter semantics as documented on CallFilter. */
export function matchesFilter(record: CallRecord, filter: CallFilter): boolean {
  const oneOf = (value: unknown, wanted: unknown) =>
    wanted === undefined || (Array.isArray(wanted) ? wanted.includes(value) : wanted === value);
  const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();
  return (
    oneOf(record.sessionId, filter.sessionId) &&
    oneOf(record.userId, filter.userId) &&
    oneOf(record.tenantId, filter.tenantId) &&
    oneOf(record.traceId, filter.traceId) &&
    oneOf(record.requestId, filter.requestId) &&
    oneOf(record.callType, filter.callType) &&
    oneOf(record.status, filter.status) &&
    oneOf(record.provider, filter.provider) &&
    oneOf(record.model, filter.model) &&
    (filter.costStatus === undefined || (record.cost !== null && oneOf(record.cost.status, filter.costStatus))) &&
    (filter.tags ?? []).every((tag) => record.tags.includes(tag)) &&
    (filter.from === undefined || record.startedAt >= iso(filter.from)) &&
    (filter.to === undefined || record.startedAt < iso(filter.to))
  );
}

/** The summary rows the store should return, in the documented order (values ascending, nulls last). */
export function expectedSummary(
  records: readonly CallRecord[],
  keys: readonly GroupKey[],
  filter: CallFilter = {},
): SummaryRow[] {
  const groups = new Map<string, CallRecord[]>();
  for (const record of records) {
    if (!matchesFilter(record, filter)) continue;
    const id = JSON.stringify(keys.map((key) => keyValue(record, key)));
    groups.set(id, [...(groups.get(id) ?? []), record]);
  }
  const rows = [...groups.values()].map((members): SummaryRow => {
    const first = members[0]!;
    const latencies = members.map((record) => record.latencyMs).sort((a, b) => a - b);
    const sum = (pick: (record: CallRecord) => number) => members.reduce((total, record) => total + pick(record), 0);
    return {
      group: Object.fromEntries(keys.map((key) => [key, keyValue(first, key)])),
      calls: members.length,
      errors: members.filter((record) => record.status === 'error').length,
      tokens: {
        input: sum((record) => record.tokens.input),
        output: sum((record) => record.tokens.output),
        total: sum((record) => record.tokens.total),
        cacheRead: sum((record) => record.tokens.cacheRead),
        cacheWrite: sum((record) => record.tokens.cacheWrite),
        reasoning: sum((record) => record.tokens.reasoning),
      },
      cost: exactSum(members.flatMap((record) => (record.cost?.total == null ? [] : [record.cost.total]))),
      unpricedCalls: members.filter((record) => record.cost?.status === 'unpriced').length,
      latencyMs: {
        avg: latencies.reduce((total, value) => total + value, 0) / latencies.length,
        p50: expectedPercentile(latencies, 0.5),
        p95: expectedPercentile(latencies, 0.95),
      },
    };
  });
  const compare = (a: string | null, b: string | null) =>
    a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;
  return rows.sort((a, b) => {
    for (const key of keys) {
      const order = compare(a.group[key] ?? null, b.group[key] ?? null);
      if (order !== 0) return order;
    }
    return 0;
  });
}

/** A summary's exact parts: latency read from a rollup's histogram is approximate by design. */
export function exactParts(rows: readonly SummaryRow[]): Array<Omit<SummaryRow, 'latencyMs'>> {
  return rows.map(({ latencyMs: _latency, ...exact }) => exact);
}

/** Ids newest first (or oldest first), as list() orders them. */
export function idsInOrder(records: readonly CallRecord[], order: 'asc' | 'desc' = 'desc'): string[] {
  const ids = records.map((record) => record.id).sort();
  return order === 'asc' ? ids : ids.reverse();
}

export function ids(page: { records: CallRecord[] }): string[] {
  return page.records.map((record) => record.id);
}

/**
 * Exact on counts, tokens, cost and order; latency within float rounding of the other formula.
 * With `percentileTolerance` (stores that answer summaries from histograms), p50 and p95 may be
 * off by that fraction of the exact value, and the average by float summation order.
 */
export function expectSummary(
  expect: ContractExpect,
  actual: SummaryRow[],
  expected: SummaryRow[],
  percentileTolerance = 0,
): void {
  expect(actual.map((row) => row.group)).toEqual(expected.map((row) => row.group));
  actual.forEach((row, index) => {
    const wanted = expected[index]!;
    const { latencyMs, ...exact } = row;
    const { latencyMs: wantedLatency, ...wantedExact } = wanted;
    expect(exact).toEqual(wantedExact);
    expectLatency(expect, latencyMs, wantedLatency, percentileTolerance);
  });
}

export function expectLatency(
  expect: ContractExpect,
  actual: SummaryRow['latencyMs'],
  expected: SummaryRow['latencyMs'],
  tolerance = 0,
): void {
  if (tolerance === 0) {
    expect(actual.avg).toBeCloseTo(expected.avg, 9);
    expect(actual.p50).toBeCloseTo(expected.p50, 9);
    expect(actual.p95).toBeCloseTo(expected.p95, 9);
    return;
  }
  const within = (value: number, wanted: number, fraction: number) =>
    Math.abs(value - wanted) <= fraction * Math.abs(wanted) + 1e-9;
  expect(within(actual.avg, expected.avg, 1e-12), `avg ${actual.avg} vs ${expected.avg}`).toBe(true);
  expect(within(actual.p50, expected.p50, tolerance), `p50 ${actual.p50} vs ${expected.p50}`).toBe(true);
  expect(within(actual.p95, expected.p95, tolerance), `p95 ${actual.p95} vs ${expected.p95}`).toBe(true);
}
