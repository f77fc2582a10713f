import { MalformedRowTally } from './malformed-rows.js';
import { addDecimal, formatDecimal, tryParseDecimal, ZERO, type Decimal } from './money.js';
import type { CallRecord } from './record.js';
import {
  asList,
  percentile,
  toIsoBound,
  type CallFilter,
  type GroupKey,
  type SummaryQuery,
  type SummaryRow,
  summaryFilter,
} from './store.js';

/**
 * Query semantics evaluated in JavaScript over records. The memory store uses them directly;
 * they are the reference that the SQL stores must match (the contract suite checks it).
 */
export function compileFilter(filter: CallFilter): (record: CallRecord) => boolean {
  const checks: Array<(record: CallRecord) => boolean> = [];
  const equals = <K extends keyof CallRecord>(key: K, value: string | string[] | null | undefined) => {
    if (value === undefined) return;
    if (Array.isArray(value)) checks.push((record) => value.includes(record[key] as string));
    else checks.push((record) => record[key] === value);
  };
  const oneOf = <K extends keyof CallRecord>(key: K, values: readonly unknown[] | undefined) => {
    if (values) checks.push((record) => values.includes(record[key]));
  };
  equals('sessionId', filter.sessionId);
  equals('userId', filter.userId);
  equals('tenantId', filter.tenantId);
  equals('traceId', filter.traceId);
  equals('requestId', filter.requestId);
  oneOf('callType', asList(filter.callType));
  oneOf('status', asList(filter.status));
  oneOf('provider', asList(filter.provider));
  oneOf('model', asList(filter.model));
  const costStatuses = asList(filter.costStatus);
  if (costStatuses) checks.push((record) => record.cost !== null && costStatuses.includes(record.cost.status));
  const tags = filter.tags;
  if (tags && tags.length > 0) checks.push((record) => tags.every((tag) => record.tags.includes(tag)));
  const from = toIsoBound(filter.from);
  const to = toIsoBound(filter.to);
  if (from) checks.push((record) => record.startedAt >= from);
  if (to) checks.push((record) => record.startedAt < to);
  return (record) => checks.every((check) => check(record));
}

export function groupValue(record: CallRecord, key: GroupKey): string | null {
  switch (key) {
    case 'model':
      return record.model;
    case 'provider':
      return record.provider;
    case 'user':
      return record.userId;
    case 'tenant':
      return record.tenantId;
    case 'callType':
      return record.callType;
    case 'status':
      return record.status;
    case 'session':
      return record.sessionId;
    case 'day':
      return record.startedAt.slice(0, 10);
    case 'hour':
      return record.startedAt.slice(0, 13);
  }
}

interface Accumulator {
  group: Partial<Record<GroupKey, string | null>>;
  calls: number;
  errors: number;
  tokens: SummaryRow['tokens'];
  cost: Decimal;
  unpricedCalls: number;
  latencies: number[];
  malformed: MalformedRowTally;
}

export function summarize(records: Iterable<CallRecord>, query: SummaryQuery): SummaryRow[] {
  const keys = query.groupBy ?? [];
  const match = compileFilter(summaryFilter(query));
  const groups = new Map<string, Accumulator>();
  for (const record of records) {
    if (!match(record)) continue;
    const values = keys.map((key) => groupValue(record, key));
    const id = JSON.stringify(values);
    let entry = groups.get(id);
    if (!entry) {
      const group: Partial<Record<GroupKey, string | null>> = {};
      keys.forEach((key, index) => (group[key] = values[index] ?? null));
      entry = {
        group,
        calls: 0,
        errors: 0,
        tokens: { input: 0, output: 0, total: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
        cost: ZERO,
        unpricedCalls: 0,
        latencies: [],
        malformed: new MalformedRowTally(),
      };
      groups.set(id, entry);
    }
    entry.calls += 1;
    if (record.status === 'error') entry.errors += 1;
    const tokens = record.tokens;
    entry.tokens.input += tokens.input;
    entry.tokens.output += tokens.output;
    entry.tokens.total += tokens.total;
    entry.tokens.cacheRead += tokens.cacheRead;
    entry.tokens.cacheWrite += tokens.cacheWrite;
    entry.tokens.reasoning += tokens.reasoning;
    // A malformed stored amount is left out of the sum and counted: one bad row must not fail the
    // whole summary, nor vanish from it unnoticed.
    if (record.cost?.total != null) {
      const amount = tryParseDecimal(record.cost.total);
      if (amount === undefined) entry.malformed.add(record.id);
      else entry.cost = addDecimal(entry.cost, amount);
    }
    if (record.cost?.status === 'unpriced') entry.unpricedCalls += 1;
    entry.latencies.push(record.latencyMs);
  }
  const rows = [...groups.values()].map((entry): SummaryRow => {
    const sorted = entry.latencies.sort((a, b) => a - b);
    const sum = sorted.reduce((total, value) => total + value, 0);
    const row: SummaryRow = {
      group: entry.group,
      calls: entry.calls,
      errors: entry.errors,
      tokens: entry.tokens,
      cost: formatDecimal(entry.cost),
      unpricedCalls: entry.unpricedCalls,
      latencyMs: {
        avg: sorted.length ? sum / sorted.length : 0,
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
      },
    };
    const malformed = entry.malformed.result();
    if (malformed !== undefined) row.malformedRows = malformed;
    return row;
  });
  return rows.sort((a, b) => compareGroups(a.group, b.group, keys));
}

/** Summary rows come ordered by their group values, nulls last. */
export function compareGroups(
  a: Partial<Record<GroupKey, string | null>>,
  b: Partial<Record<GroupKey, string | null>>,
  keys: readonly GroupKey[],
): number {
  for (const key of keys) {
    const x = a[key] ?? null;
    const y = b[key] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}
