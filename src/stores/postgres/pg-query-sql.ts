import { MALFORMED_ID_LIMIT } from '../../core/malformed-rows.js';
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
import { SELECT_LIST } from './pg-row-mapping.js';
import { encodeText } from './text-encoding.js';
import { EQUAL_COLUMNS, LIST_COLUMNS } from '../filter-columns.js';

/**
 * SQL text for the PostgreSQL store's queries, mirroring core/query-eval.ts (like the SQLite
 * store's query-sql.ts). Values only travel as $n parameters; the only text spliced into SQL
 * comes from the fixed tables below and the quoted table name.
 */
export interface PgQuery {
  text: string;
  values: unknown[];
}

export const GROUP_EXPRESSIONS: Readonly<Record<GroupKey, string>> = {
  model: 'model',
  provider: 'provider',
  user: 'user_id',
  tenant: 'tenant_id',
  callType: 'call_type',
  status: 'status',
  session: 'session_id',
  day: `to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  hour: `to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24')`,
};

/** Stored text is NUL-encoded (text-encoding.ts), so filter values are encoded the same way. */
function bindText(values: unknown[], value: unknown): string {
  values.push(typeof value === 'string' ? encodeText(value) : String(value));
  return `$${values.length}`;
}

/** A list travels as one text[] parameter (`= ANY($n)`), however long it is; an empty list matches nothing. */
function anyOf(column: string, list: readonly unknown[], values: unknown[]): string {
  if (list.length === 0) return 'FALSE';
  values.push(list.map((value) => (typeof value === 'string' ? encodeText(value) : String(value))));
  return `${column} = ANY($${values.length}::text[])`;
}

/** The WHERE conditions of a filter, joined with AND; TRUE when there are none. */
export function filterSql(filter: CallFilter, conditions: string[], values: unknown[]): string {
  for (const [key, column] of EQUAL_COLUMNS) {
    const value = filter[key];
    if (value === undefined) continue;
    if (value === null) conditions.push(`${column} IS NULL`);
    else if (Array.isArray(value)) conditions.push(anyOf(column, value, values));
    else conditions.push(`${column} = ${bindText(values, value)}`);
  }
  for (const [key, column] of LIST_COLUMNS) {
    const list = asList<unknown>(filter[key]);
    if (list === undefined) continue;
    conditions.push(anyOf(column, list, values));
  }
  // Containment is served by the GIN index; one condition per tag: all of them must be present.
  for (const tag of filter.tags ?? []) conditions.push(`tags @> jsonb_build_array(${bindText(values, tag)}::text)`);
  const from = toIsoBound(filter.from);
  const to = toIsoBound(filter.to);
  if (from !== undefined) {
    values.push(from);
    conditions.push(`started_at >= $${values.length}::timestamptz`);
  }
  if (to !== undefined) {
    values.push(to);
    conditions.push(`started_at < $${values.length}::timestamptz`);
  }
  return conditions.length === 0 ? 'TRUE' : conditions.join(' AND ');
}

/** One page by id (keyset pagination on the "C"-collated primary key), one row more than the limit. */
export function listSql(table: string, query: ListQuery): PgQuery & { limit: number } {
  const limit = clampLimit(query.limit);
  const ascending = query.order === 'asc';
  const conditions: string[] = [];
  const values: unknown[] = [];
  if (query.cursor !== undefined) {
    // The cursor is a decoded id; ids are stored (and ordered) encoded.
    values.push(encodeText(query.cursor));
    conditions.push(ascending ? `id > $1` : `id < $1`);
  }
  const where = filterSql(query, conditions, values);
  values.push(limit + 1);
  return {
    text: `SELECT ${SELECT_LIST} FROM ${table} WHERE ${where} ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT $${values.length}`,
    values,
    limit,
  };
}

export const getSql = (table: string) => `SELECT ${SELECT_LIST} FROM ${table} WHERE id = $1`;
export const byTraceSql = (table: string) =>
  `SELECT ${SELECT_LIST} FROM ${table} WHERE trace_id = $1 ORDER BY started_at, id`;

/**
 * Replaces one cost and appends the previous one (as the record shape CallCost) to the history,
 * in one statement: the row lock of the UPDATE makes concurrent repricings queue up.
 */
export const updateCostSql = (table: string) => `
  UPDATE ${table} SET
    cost_history = CASE WHEN cost_breakdown IS NULL THEN cost_history ELSE cost_history || jsonb_build_array(
      jsonb_build_object('total', cost_total::text, 'breakdown', cost_breakdown, 'currency', cost_currency,
        'pricingVersion', pricing_version, 'status', cost_status)) END,
    cost_total = $2::numeric, cost_currency = $3, cost_status = $4, pricing_version = $5, cost_breakdown = $6::jsonb
  WHERE id = $1`;

/**
 * Group values come back as g0, g1...; sums are exact (NUMERIC for cost, float8 sums of integer
 * token counts below 2^53). The average adds latencies in ascending order, as the reference does,
 * so that both give the same floating-point result.
 */
/** A stored cost NUMERIC holds that is no amount. */
const MALFORMED_COST = "COALESCE(cost_total::text IN ('NaN', 'Infinity', '-Infinity'), FALSE)";

export function summarySql(table: string, query: SummaryQuery): PgQuery & { keys: GroupKey[] } {
  const keys = query.groupBy ?? [];
  for (const key of keys) {
    if (!GROUP_KEYS.includes(key)) throw new ValidationError('groupBy', `unknown group key ${JSON.stringify(key)}`);
  }
  const values: unknown[] = [];
  const where = filterSql(summaryFilter(query), [], values);
  const select = [
    ...keys.map((key, index) => `${GROUP_EXPRESSIONS[key]} AS g${index}`),
    'COUNT(*)::float8 AS calls',
    `(COUNT(*) FILTER (WHERE status = 'error'))::float8 AS errors`,
    'COALESCE(SUM(input_tokens), 0) AS input',
    'COALESCE(SUM(output_tokens), 0) AS output',
    'COALESCE(SUM(total_tokens), 0) AS total',
    'COALESCE(SUM(cache_read_tokens), 0) AS cache_read',
    'COALESCE(SUM(cache_write_tokens), 0) AS cache_write',
    'COALESCE(SUM(reasoning_tokens), 0) AS reasoning',
    // NUMERIC admits NaN and ±Infinity, which are no amounts: they are left out of the sum and
    // counted and named instead, so one such row cannot turn a whole summary into NaN.
    `SUM(cost_total) FILTER (WHERE NOT ${MALFORMED_COST})::text AS cost`,
    `(COUNT(*) FILTER (WHERE ${MALFORMED_COST}))::float8 AS malformed_count`,
    `(array_agg(id ORDER BY id) FILTER (WHERE ${MALFORMED_COST}))[1:${MALFORMED_ID_LIMIT}] AS malformed_ids`,
    `(COUNT(*) FILTER (WHERE cost_status = 'unpriced'))::float8 AS unpriced_calls`,
    'SUM(latency_ms ORDER BY latency_ms) / COUNT(*) AS latency_avg',
    'percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS latency_p50',
    'percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS latency_p95',
  ];
  const groupBy = keys.length === 0 ? '' : ` GROUP BY ${keys.map((_key, index) => `g${index}`).join(', ')}`;
  return { text: `SELECT ${select.join(', ')} FROM ${table} WHERE ${where}${groupBy}`, values, keys };
}

/**
 * The ranking figure of each group as `value`: float8 counts, or the exact sum as text (read as
 * a JavaScript number: one rounding). A cost sum with NaN or an infinity in it reads as no finite
 * number, and its group is then summed exactly whatever it is: testing every row for them (a cast
 * to text per row) would cost as much as the sum.
 */
const ESTIMATES: Readonly<Record<SummaryRankKey, string>> = {
  calls: 'COUNT(*)::float8',
  errors: `(COUNT(*) FILTER (WHERE status = 'error'))::float8`,
  tokens: 'COALESCE(SUM(total_tokens), 0)::float8',
  cost: 'COALESCE(SUM(cost_total), 0)::text',
};

/** One aggregate pass ranking the groups of one key: no percentiles, no array of malformed ids. */
export function estimateSql(table: string, query: SummaryQuery, key: GroupKey, by: SummaryRankKey): PgQuery {
  const values: unknown[] = [];
  const where = filterSql(summaryFilter(query), [], values);
  return {
    text: `SELECT ${GROUP_EXPRESSIONS[key]} AS g0, ${ESTIMATES[by]} AS value FROM ${table} WHERE ${where} GROUP BY g0`,
    values,
  };
}
