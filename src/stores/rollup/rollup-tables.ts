import type { CallFilter, GroupKey } from '../../core/store.js';

/**
 * The rollup tables both SQL stores keep beside `llm_request_logs`: per UTC hour (or day),
 * provider, model, call type, status and cost status, the exact sums a summary needs (calls, every token bucket, cost) plus a latency
 * histogram (latency-histogram.ts). Errors and unpriced calls need no column of their own there:
 * `status` and `cost_status` are dimensions.
 *
 * Two tables, because hours multiply the row count by 24: a dashboard's "cost per model per day"
 * reads the daily one (a few rows per day), per-hour charts the hourly one. A summary is answered
 * by the first table that has every dimension it groups or filters by, at a period its bounds
 * fall on; anything else (session, trace, request, tags, user or tenant with another dimension)
 * scans, through the attribution indexes when it filters on them.
 *
 * The overview's top tenants (a summary by tenant over whole days) have a daily table keyed by the
 * day and the tenant only, with errors and unpriced calls as counted columns instead of the status
 * dimensions. Tenants are few, so a batch of 500 calls touches about 0.04 tenant rows per call:
 * the table costs almost nothing to write. Users are not: with bench/ingest's records (1,000
 * users) a batch touches 0.79 (user, day) rows per call, and a daily user table cost +16% CPU per
 * call written (the write budget is -15%) while the top-users request still took 1.6–2.3 s at 1M
 * rows (every user is active every day, so the table held only 2.5 times fewer rows than the
 * calls). Summaries by user therefore scan, through the user index; see
 * docs/decisions/0005-rollup-tables.md.
 */
export type Period = 'hour' | 'day';
export type Dimension =
  Period | 'provider' | 'model' | 'call_type' | 'status' | 'cost_status' | 'user_id' | 'tenant_id';

export interface RollupTable {
  name: string;
  /** The table's time column: the UTC hour "YYYY-MM-DDTHH" or day "YYYY-MM-DD"; its first dimension. */
  period: Period;
  dimensions: readonly Dimension[];
}

/**
 * Whether a table counts errors and unpriced calls in columns of its own (`errors`,
 * `unpriced_calls`): the tables that have no status and cost status dimensions to count them by.
 */
export function hasCountColumns(table: RollupTable): boolean {
  return !table.dimensions.includes('status');
}

const BASE: readonly Dimension[] = ['provider', 'model', 'call_type', 'status', 'cost_status'];

/** The tables of the first rollup migration (their DDL must not change with later tables). */
export const BASE_ROLLUP_TABLES: readonly RollupTable[] = [
  { name: 'llm_usage_daily', period: 'day', dimensions: ['day', ...BASE] },
  { name: 'llm_usage_hourly', period: 'hour', dimensions: ['hour', ...BASE] },
];

/** The table by tenant (a later migration). */
export const ATTRIBUTION_ROLLUP_TABLES: readonly RollupTable[] = [
  { name: 'llm_usage_daily_tenants', period: 'day', dimensions: ['day', 'tenant_id'] },
];

/** In the order a summary prefers them, which is also the order every writer upserts them in. */
export const ROLLUP_TABLES: readonly RollupTable[] = [...BASE_ROLLUP_TABLES, ...ATTRIBUTION_ROLLUP_TABLES];

/** The token sums, in this order everywhere (columns, deltas, SQL). */
export const TOKEN_COLUMNS = ['input', 'output', 'total', 'cache_read', 'cache_write', 'reasoning'] as const;

/** Which dimension a group key reads (`day` is also cut from the hour). Keys not listed force a scan. */
export const GROUP_DIMENSIONS: Partial<Record<GroupKey, Dimension>> = {
  model: 'model',
  provider: 'provider',
  user: 'user_id',
  tenant: 'tenant_id',
  callType: 'call_type',
  status: 'status',
  day: 'day',
  hour: 'hour',
};

/** Filters a rollup table with that dimension can apply: equality (null allowed) and lists. */
export const FILTER_DIMENSIONS = {
  userId: 'user_id',
  tenantId: 'tenant_id',
  callType: 'call_type',
  status: 'status',
  costStatus: 'cost_status',
  provider: 'provider',
  model: 'model',
} as const satisfies Partial<Record<keyof CallFilter, Dimension>>;

/** Filters no rollup has: any of them, when set, sends the summary to the scan. */
export const SCAN_ONLY_FILTERS = ['sessionId', 'traceId', 'requestId'] as const satisfies ReadonlyArray<
  keyof CallFilter
>;

const HOUR_ALIGNED = /^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/;

/** The hour ("YYYY-MM-DDTHH") of an ISO bound that falls exactly on an hour, else undefined. */
export function alignedHour(iso: string | undefined): string | undefined {
  return iso !== undefined && HOUR_ALIGNED.test(iso) ? iso.slice(0, 13) : undefined;
}

/** Whether a table has a dimension; an hourly table also has the day (cut from the hour). */
export function hasDimension(table: RollupTable, dimension: Dimension): boolean {
  return table.dimensions.includes(dimension) || (dimension === 'day' && table.period === 'hour');
}

/** A table's period value for an hour "YYYY-MM-DDTHH". */
export function periodOf(table: RollupTable, hour: string): string {
  return table.period === 'hour' ? hour : hour.slice(0, 10);
}
