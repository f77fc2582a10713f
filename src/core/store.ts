import type { PackedBatch } from './packed-batch.js';
import type { MalformedRows } from './malformed-rows.js';
import { ValidationError } from './errors.js';
import type { CallCost, CallRecord, CallStatus, CostStatus, TokenUsage } from './record.js';

/** Filters shared by `ledger.calls.list()` and `ledger.usage.summary({ where })`. */
export interface CallFilter {
  /** Identity filters take one value or a list; null matches the calls that have none. */
  sessionId?: string | string[] | null;
  userId?: string | string[] | null;
  tenantId?: string | string[] | null;
  traceId?: string | string[] | null;
  requestId?: string | string[] | null;
  callType?: string | string[];
  status?: CallStatus | CallStatus[];
  costStatus?: CostStatus | CostStatus[];
  provider?: string | string[];
  model?: string | string[];
  /** Every tag listed must be present on the call. */
  tags?: string[];
  /** `startedAt >= from` (inclusive). */
  from?: Date | string;
  /** `startedAt < to` (exclusive). */
  to?: Date | string;
}

export interface ListQuery extends CallFilter {
  /** Default 50, at most 1000. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /** Newest first by default. */
  order?: 'desc' | 'asc';
}

export interface CallPage {
  records: CallRecord[];
  nextCursor: string | null;
}

export const GROUP_KEYS = [
  'model',
  'provider',
  'user',
  'tenant',
  'callType',
  'status',
  'session',
  'day',
  'hour',
] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

/** What `SummaryQuery.top` ranks groups by: exact cost, calls, `tokens.total`, or errors. */
export const SUMMARY_RANK_KEYS = ['cost', 'calls', 'tokens', 'errors'] as const;
export type SummaryRankKey = (typeof SUMMARY_RANK_KEYS)[number];
/** The most groups one ranked summary returns. */
export const MAX_SUMMARY_TOP = 1000;

export interface SummaryTop {
  /** The figure groups are ranked by, largest first: `cost`, `calls`, `tokens` (`tokens.total`) or `errors`. */
  by: SummaryRankKey;
  /** How many groups to return: a whole number from 1 to 1000. */
  limit: number;
}

export interface SummaryQuery {
  groupBy?: GroupKey[];
  from?: Date | string;
  to?: Date | string;
  where?: CallFilter;
  /**
   * Only the `limit` groups with the largest `by`, largest first, ties in group order (as the
   * unranked summary orders them). Each row is exactly the row the unranked summary has for that
   * group; the other groups are left out (an ungrouped summary gives the exact totals of all).
   * Requires a non-empty `groupBy`.
   */
  top?: SummaryTop;
}

export type SummaryTokens = Pick<TokenUsage, 'input' | 'output' | 'total' | 'cacheRead' | 'cacheWrite' | 'reasoning'>;

export interface SummaryRow {
  /** The group's values, one per `groupBy` key (`day` as YYYY-MM-DD, `hour` as YYYY-MM-DDTHH, UTC). */
  group: Partial<Record<GroupKey, string | null>>;
  calls: number;
  errors: number;
  tokens: SummaryTokens;
  /** Exact decimal sum of the calls that have a cost. */
  cost: string;
  /** Calls whose model had no price: their cost is unknown, not zero. */
  unpricedCalls: number;
  latencyMs: { avg: number; p50: number; p95: number };
  /** Calls of this group whose stored cost is no decimal: left out of `cost`, counted and named here. */
  malformedRows?: MalformedRows;
}

/**
 * A place records are kept. Implementations: memory, SQLite (and PostgreSQL). All pass the
 * contract suite `describeStoreContract` (`llm-ledger/extend/contract`). Writes are idempotent by record id.
 */
export interface Store {
  /** 'memory', 'sqlite', 'postgres', ... */
  readonly kind: string;
  write(records: readonly CallRecord[]): Promise<void>;
  /**
   * Optional: writes a batch the ledger kept packed as bytes, like `write` would write
   * `batch.records()`. A store with this method gets every record packed as it is queued, and its
   * batches this way; it decodes them elsewhere (a worker thread), sparing the event loop. Without
   * it, only a backlog waits packed, and the ledger decodes it and calls `write`.
   */
  writePacked?(batch: PackedBatch): Promise<void>;
  get(id: string): Promise<CallRecord | null>;
  list(query: ListQuery): Promise<CallPage>;
  /** Every call of a trace, oldest first. */
  byTrace(traceId: string): Promise<CallRecord[]>;
  /**
   * Rows in group order; with `query.top`, the top groups only, ranked (`topRows` in
   * core/summary-ranking.ts is the reference; the ledger ranks again whatever a store returns).
   */
  summary(query: SummaryQuery): Promise<SummaryRow[]>;
  /**
   * Replaces the cost of stored calls (repricing). The previous cost is appended to
   * `costHistory`. Returns how many records were updated; unknown ids are skipped.
   */
  updateCosts(updates: readonly CostUpdate[]): Promise<number>;
  /**
   * Optional (retention): deletes the calls that started before `before` and returns how many;
   * with `dryRun` only counts them. Stores without it cannot be purged by `llm-ledger purge`.
   */
  purge?(before: Date | string, options?: { dryRun?: boolean }): Promise<number>;
  close(): Promise<void>;
}

export interface CostUpdate {
  id: string;
  cost: CallCost | null;
}

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIST_LIMIT;
  return Math.max(1, Math.min(MAX_LIST_LIMIT, Math.floor(limit)));
}

/** A summary's filter with its own `from`/`to` (which win over `where`'s) folded in. */
export function summaryFilter(query: SummaryQuery): CallFilter {
  return { ...query.where, from: query.from ?? query.where?.from, to: query.to ?? query.where?.to };
}

export function toIsoBound(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new ValidationError('date bound', `not a valid date: ${JSON.stringify(String(value)).slice(0, 80)}`);
  }
  return date.toISOString();
}

export function asList<T>(value: T | T[] | undefined): T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

/** Linear interpolation between closest ranks (PostgreSQL's percentile_cont). */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * fraction;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower]!;
  return low + (sorted[upper]! - low) * (position - lower);
}
