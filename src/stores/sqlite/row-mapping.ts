import { OPTIONAL_USAGE_BUCKETS, type CallCost, type CallRecord, type TokenUsage } from '../../core/record.js';
import { capText, toSafeJson } from '../../core/sanitize.js';

/** Every column of `llm_request_logs`, in the order `writeRow` fills them. */
export const COLUMNS = [
  'id',
  'trace_id',
  'parent_id',
  'session_id',
  'user_id',
  'tenant_id',
  'request_id',
  'call_type',
  'tags',
  'metadata',
  'provider',
  'model',
  'system_prompt',
  'messages',
  'tools',
  'tool_choice',
  'params',
  'response_model',
  'response_message',
  'finish_reason',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'token_details',
  'token_source',
  'cost_total',
  'cost_currency',
  'cost_status',
  'pricing_version',
  'cost_breakdown',
  'cost_history',
  'started_at',
  'ended_at',
  'latency_ms',
  'ttft_ms',
  'request_mode',
  'streamed',
  'partial',
  'status',
  'error_type',
  'error_message',
  'http_status',
  'retry_after_ms',
  'problems',
  'cache_hit',
  'cost_saved',
] as const;

export type Column = (typeof COLUMNS)[number];
export type StoredRow = Record<Column, string | number | null>;

export const COLUMN_COUNT = COLUMNS.length;
export const COLUMN_LIST = COLUMNS.join(', ');

/**
 * Writes one record's column values into `target`, in COLUMNS order. Filling a reused array keeps
 * the batch insert free of per-row allocations. Nothing here may throw on user content: JSON goes
 * through toSafeJson, text through capText (better-sqlite3 would turn a lone surrogate into three
 * U+FFFD, capText into one), and values the driver cannot bind (booleans, objects) are converted
 * first.
 */
export function writeRow(record: CallRecord, target: unknown[], maxChars: number): void {
  const tokens = record.tokens;
  const cost = record.cost;
  let i = 0;
  target[i++] = text(record.id, maxChars);
  target[i++] = text(record.traceId, maxChars);
  target[i++] = text(record.parentId, maxChars);
  target[i++] = text(record.sessionId, maxChars);
  target[i++] = text(record.userId, maxChars);
  target[i++] = text(record.tenantId, maxChars);
  target[i++] = text(record.requestId, maxChars);
  target[i++] = text(record.callType, maxChars);
  target[i++] = record.tags?.length === 0 ? '[]' : toSafeJson(record.tags, maxChars);
  target[i++] = isEmptyObject(record.metadata) ? '{}' : toSafeJson(record.metadata, maxChars);
  target[i++] = text(record.provider, maxChars);
  target[i++] = text(record.model, maxChars);
  target[i++] = text(record.systemPrompt, maxChars);
  target[i++] = toSafeJson(record.messages, maxChars);
  target[i++] = nullableJson(record.tools, maxChars);
  target[i++] = nullableJson(record.toolChoice, maxChars);
  target[i++] = isEmptyObject(record.params) ? '{}' : toSafeJson(record.params, maxChars);
  target[i++] = text(record.responseModel, maxChars);
  target[i++] = nullableJson(record.responseMessage, maxChars);
  target[i++] = text(record.finishReason, maxChars);
  target[i++] = count(tokens?.input);
  target[i++] = count(tokens?.output);
  target[i++] = count(tokens?.total);
  target[i++] = count(tokens?.cacheRead);
  target[i++] = count(tokens?.cacheWrite);
  target[i++] = count(tokens?.reasoning);
  target[i++] = tokenDetails(tokens, maxChars);
  target[i++] = text(record.tokenSource, maxChars);
  if (cost == null) {
    // cost_breakdown doubles as the "has a cost" flag: NULL only when the whole cost is null.
    target[i++] = null;
    target[i++] = null;
    target[i++] = null;
    target[i++] = null;
    target[i++] = null;
  } else {
    target[i++] = text(cost.total, maxChars);
    target[i++] = text(cost.currency, maxChars);
    target[i++] = text(cost.status, maxChars);
    target[i++] = text(cost.pricingVersion, maxChars);
    target[i++] = breakdownJson(cost, maxChars);
  }
  target[i++] = record.costHistory?.length === 0 ? '[]' : toSafeJson(record.costHistory, maxChars);
  target[i++] = text(record.startedAt, maxChars);
  target[i++] = text(record.endedAt, maxChars);
  target[i++] = finite(record.latencyMs) ?? 0;
  target[i++] = finite(record.ttftMs);
  target[i++] = text(record.requestMode, maxChars);
  target[i++] = record.streamed ? 1 : 0;
  target[i++] = record.partial ? 1 : 0;
  target[i++] = text(record.status, maxChars);
  target[i++] = text(record.errorType, maxChars);
  target[i++] = text(record.errorMessage, maxChars);
  target[i++] = finite(record.httpStatus);
  target[i++] = finite(record.retryAfterMs);
  target[i++] =
    record.problems === undefined || record.problems.length === 0 ? null : toSafeJson(record.problems, maxChars);
  target[i++] = record.cacheHit === true ? 1 : null;
  target[i] = record.cacheHit === true ? text(record.costSaved ?? null, maxChars) : null;
}

/** The inverse of `writeRow`: a record deep-equal to the one written (after sanitization). */
export function rowToRecord(row: StoredRow): CallRecord {
  return {
    id: row.id as string,
    traceId: row.trace_id as string,
    parentId: row.parent_id as string | null,
    sessionId: row.session_id as string | null,
    userId: row.user_id as string | null,
    tenantId: row.tenant_id as string | null,
    requestId: row.request_id as string | null,
    callType: row.call_type as string,
    tags: JSON.parse(row.tags as string) as string[],
    metadata: JSON.parse(row.metadata as string) as Record<string, unknown>,
    provider: row.provider as string,
    model: row.model as string,
    systemPrompt: row.system_prompt as string | null,
    messages: JSON.parse(row.messages as string) as unknown[],
    tools: parseNullable(row.tools) as unknown[] | null,
    toolChoice: parseNullable(row.tool_choice),
    params: JSON.parse(row.params as string) as CallRecord['params'],
    responseModel: row.response_model as string | null,
    responseMessage: parseNullable(row.response_message) as CallRecord['responseMessage'],
    finishReason: row.finish_reason as string | null,
    tokens: rowTokens(row),
    tokenSource: row.token_source as CallRecord['tokenSource'],
    cost: rowCost(row),
    costHistory: parseCostHistory(row.cost_history as string),
    startedAt: row.started_at as string,
    endedAt: row.ended_at as string,
    latencyMs: row.latency_ms as number,
    ttftMs: row.ttft_ms as number | null,
    requestMode: row.request_mode as CallRecord['requestMode'],
    streamed: row.streamed === 1,
    partial: row.partial === 1,
    status: row.status as CallRecord['status'],
    errorType: row.error_type as string | null,
    errorMessage: row.error_message as string | null,
    httpStatus: row.http_status as number | null,
    retryAfterMs: row.retry_after_ms as number | null,
    // Only set when the call had problems, as on the record that was written.
    ...(row.problems == null ? undefined : { problems: JSON.parse(row.problems as string) as string[] }),
    // Only set on answers served from the response cache.
    ...(row.cache_hit == null
      ? undefined
      : { cacheHit: true as const, costSaved: (row.cost_saved as string | null) ?? null }),
  };
}

export type CostColumns = Pick<
  StoredRow,
  'cost_total' | 'cost_currency' | 'cost_status' | 'pricing_version' | 'cost_breakdown'
>;

export function rowCost(row: CostColumns): CallCost | null {
  if (row.cost_breakdown === null) return null;
  return withUnpricedBuckets({
    total: row.cost_total as string | null,
    breakdown: JSON.parse(row.cost_breakdown as string) as CallCost['breakdown'],
    currency: row.cost_currency as string,
    pricingVersion: row.pricing_version as string | null,
    status: row.cost_status as CallCost['status'],
  });
}

/**
 * `cost.unpricedBuckets` and `cost.pricedAs` ride in the breakdown column under keys no bucket
 * can have, so that the column set (and every migration) stays as it is; a PostgreSQL repricing
 * that copies the column into the history carries them along.
 */
const UNPRICED_KEY = '!unpriced';
const PRICED_AS_KEY = '!pricedAs';

function breakdownJson(cost: CallCost, maxChars: number): string {
  const breakdown = cost.breakdown ?? {};
  const unpriced = cost.unpricedBuckets;
  if ((unpriced === undefined || unpriced.length === 0) && cost.pricedAs === undefined) {
    return toSafeJson(breakdown, maxChars);
  }
  const encoded: Record<string, string | undefined> = { ...breakdown };
  if (unpriced && unpriced.length > 0) encoded[UNPRICED_KEY] = unpriced.join(',');
  if (cost.pricedAs !== undefined) encoded[PRICED_AS_KEY] = cost.pricedAs;
  return toSafeJson(encoded, maxChars);
}

function withUnpricedBuckets(cost: CallCost): CallCost {
  const unpriced = cost.breakdown?.[UNPRICED_KEY];
  const pricedAs = cost.breakdown?.[PRICED_AS_KEY];
  if (typeof unpriced !== 'string' && typeof pricedAs !== 'string') return cost;
  const { [UNPRICED_KEY]: _unpriced, [PRICED_AS_KEY]: _pricedAs, ...breakdown } = cost.breakdown;
  const decoded: CallCost = { ...cost, breakdown };
  if (typeof unpriced === 'string') decoded.unpricedBuckets = unpriced.split(',');
  if (typeof pricedAs === 'string') decoded.pricedAs = pricedAs;
  return decoded;
}

/** The cost history column: earlier costs, oldest first. */
export function parseCostHistory(json: string): CallCost[] {
  const history = (JSON.parse(json) as CallCost[] | null) ?? [];
  return history.map(withUnpricedBuckets);
}

/** The cost columns for `cost`, in COLUMNS order from `cost_total` to `cost_breakdown`. */
export function costValues(cost: CallCost | null, maxChars: number): unknown[] {
  if (cost == null) return [null, null, null, null, null];
  return [
    text(cost.total, maxChars),
    text(cost.currency, maxChars),
    text(cost.status, maxChars),
    text(cost.pricingVersion, maxChars),
    breakdownJson(cost, maxChars),
  ];
}

function rowTokens(row: StoredRow): TokenUsage {
  const tokens: TokenUsage = {
    input: row.input_tokens as number,
    output: row.output_tokens as number,
    total: row.total_tokens as number,
    cacheRead: row.cache_read_tokens as number,
    cacheWrite: row.cache_write_tokens as number,
    reasoning: row.reasoning_tokens as number,
  };
  return row.token_details === null
    ? tokens
    : Object.assign(tokens, JSON.parse(row.token_details as string) as Partial<TokenUsage>);
}

/** The optional token buckets, kept together so that adding one needs no migration. */
function tokenDetails(tokens: TokenUsage | undefined, maxChars: number): string | null {
  if (tokens === undefined) return null;
  let details: Partial<TokenUsage> | undefined;
  for (const bucket of OPTIONAL_USAGE_BUCKETS) {
    const value = tokens[bucket];
    if (value !== undefined) (details ??= {})[bucket] = value;
  }
  return details === undefined ? null : toSafeJson(details, maxChars);
}

function text(value: unknown, maxChars: number): string | null {
  if (typeof value === 'string')
    return value.length > maxChars || !value.isWellFormed() ? capText(value, maxChars) : value;
  if (value === null || value === undefined) return null;
  try {
    return capText(String(value), maxChars);
  } catch {
    return null;
  }
}

/** NULL for null and undefined, so that `tools: null` and `tools: []` stay distinct. */
function nullableJson(value: unknown, maxChars: number): string | null {
  return value === null || value === undefined ? null : toSafeJson(value, maxChars);
}

function parseNullable(value: string | number | null): unknown {
  return value === null ? null : JSON.parse(value as string);
}

function count(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : 0;
  if (typeof value === 'bigint') return Number(value);
  return 0;
}

function finite(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  return null;
}

function isEmptyObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const _key in value) return false;
  return Object.getPrototypeOf(value) === Object.prototype;
}
