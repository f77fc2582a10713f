import { ValidationError } from '../../core/errors.js';
import {
  asList,
  clampLimit,
  GROUP_KEYS,
  toIsoBound,
  type CallFilter,
  type GroupKey,
  type ListQuery,
  type SummaryQuery,
  type SummaryRankKey,
  summaryFilter,
} from '../../core/store.js';
import { COLUMN_LIST } from './row-mapping.js';
import { EQUAL_COLUMNS, LIST_COLUMNS } from '../filter-columns.js';
import { STORED_ROLLUP_COLUMNS } from '../rollup/rollup-batch.js';

/**
 * SQL text for the store's queries, mirroring the JavaScript reference in core/query-eval.ts.
 * Values only ever travel as bound parameters; the only text spliced into SQL comes from the
 * fixed column and expression tables below, never from the query object.
 */
export interface SqlQuery {
  sql: string;
  params: unknown[];
}

const TABLE = 'llm_request_logs';

/** SQL for each group key; `day` and `hour` cut the ISO start time like `groupValue` does. */
export const GROUP_EXPRESSIONS: Readonly<Record<GroupKey, string>> = {
  model: 'model',
  provider: 'provider',
  user: 'user_id',
  tenant: 'tenant_id',
  callType: 'call_type',
  status: 'status',
  session: 'session_id',
  day: 'substr(started_at, 1, 10)',
  hour: 'substr(started_at, 1, 13)',
};

/** The WHERE conditions of a filter, joined with AND; `1` when there are none. */
export function filterSql(filter: CallFilter, conditions: string[] = [], params: unknown[] = []): SqlQuery {
  for (const [key, column] of EQUAL_COLUMNS) {
    const value = filter[key];
    if (value === undefined) continue;
    // The reference compares with ===, so a null from untyped code means "is null"; `= ?` keeps
    // the partial indexes usable for every other value.
    if (value === null) {
      conditions.push(`${column} IS NULL`);
      continue;
    }
    if (Array.isArray(value)) {
      conditions.push(value.length === 0 ? '0' : `${column} IN (${placeholders(value.length)})`);
      params.push(...value);
      continue;
    }
    conditions.push(`${column} = ?`);
    params.push(value);
  }
  for (const [key, column] of LIST_COLUMNS) {
    const values = asList<unknown>(filter[key]);
    if (values === undefined) continue;
    if (values.length === 0) {
      conditions.push('0');
      continue;
    }
    conditions.push(`${column} IN (${placeholders(values.length)})`);
    params.push(...values);
  }
  const tags = filter.tags;
  if (tags && tags.length > 0) {
    // One EXISTS per tag: every tag listed must be present (all-of, not any-of).
    for (const tag of tags) {
      conditions.push(`EXISTS (SELECT 1 FROM json_each(${TABLE}.tags) WHERE json_each.value = ?)`);
      params.push(tag);
    }
  }
  const from = toIsoBound(filter.from);
  const to = toIsoBound(filter.to);
  if (from !== undefined) {
    conditions.push('started_at >= ?');
    params.push(from);
  }
  if (to !== undefined) {
    conditions.push('started_at < ?');
    params.push(to);
  }
  return { sql: conditions.length === 0 ? '1' : conditions.join(' AND '), params };
}

/**
 * One page ordered by id, one row more than the limit to learn whether another page follows.
 * Keyset pagination: the cursor is the last id of the previous page, as in the memory store.
 * SQLite orders TEXT by UTF-8 bytes and JavaScript by UTF-16 code units; both agree on ASCII
 * ids such as the ledger's UUIDv7.
 */
export function listSql(query: ListQuery): SqlQuery & { limit: number } {
  const limit = clampLimit(query.limit);
  const ascending = query.order === 'asc';
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (query.cursor !== undefined) {
    conditions.push(ascending ? 'id > ?' : 'id < ?');
    params.push(query.cursor);
  }
  const where = filterSql(query, conditions, params);
  return {
    sql: `SELECT ${COLUMN_LIST} FROM ${TABLE} WHERE ${where.sql} ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT ?`,
    params: [...where.params, limit + 1],
    limit,
  };
}

export const GET_SQL = `SELECT ${COLUMN_LIST} FROM ${TABLE} WHERE id = ?`;
export const BY_TRACE_SQL = `SELECT ${COLUMN_LIST} FROM ${TABLE} WHERE trace_id = ? ORDER BY started_at, id`;

/** The cost columns, plus what the rollups need to move the call from its old cost to its new one. */
export const SELECT_COST_SQL = `SELECT started_at, ${STORED_ROLLUP_COLUMNS}, cost_currency, pricing_version, cost_breakdown, cost_history FROM ${TABLE} WHERE id = ?`;
export const UPDATE_COST_SQL =
  `UPDATE ${TABLE} SET cost_total = ?, cost_currency = ?, cost_status = ?, pricing_version = ?, ` +
  'cost_breakdown = ?, cost_history = ? WHERE id = ?';

/** Group values come back as g0, g1...; the aggregates are registered by sql-functions.ts. */
export function summarySql(query: SummaryQuery): SqlQuery & { keys: GroupKey[] } {
  const keys = query.groupBy ?? [];
  for (const key of keys) {
    if (!GROUP_KEYS.includes(key)) throw new ValidationError('groupBy', `unknown group key ${JSON.stringify(key)}`);
  }
  const where = filterSql(summaryFilter(query));
  const groups = keys.map((key, index) => `${GROUP_EXPRESSIONS[key]} AS g${index}`);
  const select = [
    ...groups,
    'COUNT(*) AS calls',
    "COALESCE(SUM(status = 'error'), 0) AS errors",
    'COALESCE(SUM(input_tokens), 0) AS input',
    'COALESCE(SUM(output_tokens), 0) AS output',
    'COALESCE(SUM(total_tokens), 0) AS total',
    'COALESCE(SUM(cache_read_tokens), 0) AS cache_read',
    'COALESCE(SUM(cache_write_tokens), 0) AS cache_write',
    'COALESCE(SUM(reasoning_tokens), 0) AS reasoning',
    'ledger_decimal_sum(cost_total) AS cost',
    'ledger_malformed_rows(id, cost_total) AS malformed',
    "COALESCE(SUM(cost_status = 'unpriced'), 0) AS unpriced_calls",
    'ledger_latency_stats(latency_ms) AS latency',
  ];
  const groupBy = keys.length === 0 ? '' : ` GROUP BY ${keys.map((_key, index) => `g${index}`).join(', ')}`;
  return { sql: `SELECT ${select.join(', ')} FROM ${TABLE} WHERE ${where.sql}${groupBy}`, params: where.params, keys };
}

function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}

/**
 * A stored cost the estimate may read differently from the exact sum: anything but digits with
 * at most one point (CAST reads '5abc' as 5, '1.2.3' as 1.2; '-' and exponents are rare), or a
 * BLOB. The partial index llm_request_logs_odd_cost (migration 8) holds exactly these rows, so
 * finding them costs nothing when there are none; the text must stay the index's WHERE, word
 * for word, for SQLite to use it.
 */
export const ODD_COST = "(cost_total GLOB '*[^0-9.]*' OR cost_total GLOB '*.*.*' OR typeof(cost_total) = 'blob')";

/** The ranking figure of each group as `value`; for cost also `costs`, the number of terms summed. */
const ESTIMATES: Readonly<Record<SummaryRankKey, string>> = {
  calls: 'COUNT(*) AS value',
  errors: "COALESCE(SUM(status = 'error'), 0) AS value",
  tokens: 'COALESCE(SUM(total_tokens), 0) AS value',
  // Read from the index on (started_at, user_id, cost_total) alone for a ranking by user.
  cost: 'COALESCE(SUM(CAST(cost_total AS REAL)), 0) AS value, COUNT(cost_total) AS costs',
};

/** The groups of one key that have an odd cost (ODD_COST): their estimate is not trusted. */
export function oddCostGroupsSql(query: SummaryQuery, key: GroupKey): SqlQuery {
  const where = filterSql(summaryFilter(query));
  return {
    sql: `SELECT DISTINCT ${GROUP_EXPRESSIONS[key]} AS g0 FROM ${TABLE} WHERE ${where.sql} AND ${ODD_COST}`,
    params: where.params,
  };
}

/** One aggregate pass ranking the groups of one key: no latencies, no decimal arithmetic in JavaScript. */
export function estimateSql(query: SummaryQuery, key: GroupKey, by: SummaryRankKey): SqlQuery {
  const where = filterSql(summaryFilter(query));
  return {
    sql: `SELECT ${GROUP_EXPRESSIONS[key]} AS g0, ${ESTIMATES[by]} FROM ${TABLE} WHERE ${where.sql} GROUP BY g0`,
    params: where.params,
  };
}
