import { z } from 'zod';
import { ValidationError } from './errors.js';
import { unknownKeyMessage } from './key-suggestions.js';
import {
  GROUP_KEYS,
  MAX_SUMMARY_TOP,
  SUMMARY_RANK_KEYS,
  type ListQuery,
  type SummaryQuery,
  type SummaryTop,
} from './store.js';

/**
 * The input contract of every query. Queries are strict whatever `failOpen` says: they are not on
 * an LLM call's path, and a filter that is silently dropped widens the result (a data leak once
 * tenants share a store). Unknown keys, bad enum values and invalid dates throw ValidationError.
 */

const CALL_STATUSES = ['success', 'error', 'partial', 'cancelled'] as const;
const COST_STATUSES = ['priced', 'estimated', 'unpriced'] as const;

/**
 * Whether a string is an ISO 8601 date or timestamp (`2026-11-01`, `2026-11-01T10:00:00Z`) naming
 * a day that exists: `Date.parse` rolls `2025-02-30` over to March 2, which would answer a
 * question nobody asked.
 */
export function isIsoDateText(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
  if (match === null || !Number.isFinite(Date.parse(value))) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  return calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day;
}

/** A date bound: a valid Date, or an ISO 8601 date or timestamp (`2026-11-01`, `2026-11-01T10:00:00Z`). */
const dateBound = z.union([
  z.date().refine((date) => Number.isFinite(date.getTime()), 'a valid Date'),
  z.string().refine(isIsoDateText, 'an ISO 8601 date such as 2026-11-01 or 2026-11-01T10:00:00Z'),
]);

const text = z.string();
/** One value or a list (matched with IN); null on an identity field matches calls without it. */
const identity = z.union([text, z.null(), z.array(text)]);
const oneOrMany = <T extends z.ZodType>(schema: T) => z.union([schema, z.array(schema)]);

const filterShape = {
  sessionId: identity,
  userId: identity,
  tenantId: identity,
  traceId: identity,
  requestId: identity,
  callType: oneOrMany(text),
  status: oneOrMany(z.enum(CALL_STATUSES)),
  costStatus: oneOrMany(z.enum(COST_STATUSES)),
  provider: oneOrMany(text),
  model: oneOrMany(text),
  tags: z.array(text),
  from: dateBound,
  to: dateBound,
};

const listShape = {
  ...filterShape,
  limit: z.number().int('an integer').min(1),
  cursor: z.string().min(1),
  order: z.enum(['desc', 'asc']),
};

const summaryShape = {
  groupBy: z.array(z.enum(GROUP_KEYS)),
  from: dateBound,
  to: dateBound,
  where: z.unknown(),
  top: z.unknown(),
};

export const FILTER_KEYS = Object.keys(filterShape);
export const LIST_QUERY_KEYS = Object.keys(listShape);
export const SUMMARY_QUERY_KEYS = Object.keys(summaryShape);

/** `calls.list(query)`: returns the query when valid, else throws ValidationError. */
export function validateListQuery(query: unknown, place = 'calls.list()'): ListQuery {
  if (query === undefined) return {};
  return checkObject(query, listShape, place, 'query') as ListQuery;
}

/** `usage.summary(query)`, its `where` and `groupBy`. */
export function validateSummaryQuery(query: unknown, place = 'usage.summary()'): SummaryQuery {
  if (query === undefined) return {};
  const checked = checkObject(query, summaryShape, place, 'query') as SummaryQuery & { where?: unknown };
  if (checked.where !== undefined) {
    const where = checkObject(checked.where, filterShape, place, 'where') as SummaryQuery['where'] & object;
    for (const bound of ['from', 'to'] as const) {
      if (checked[bound] !== undefined && where[bound] !== undefined) {
        throw new ValidationError(
          bound,
          `in ${place}: given both as query.${bound} and query.where.${bound}; give it once`,
        );
      }
    }
  }
  if (checked.top !== undefined) validateTop(checked.top, checked.groupBy, place);
  return checked;
}

const topShape = {
  by: z.enum(SUMMARY_RANK_KEYS),
  limit: z.number().int().min(1).max(MAX_SUMMARY_TOP),
};

/** `top`: `{ by, limit }`, on a grouped summary only (one total row has nothing to rank). Stores check it too. */
export function validateTop(top: unknown, groupBy: SummaryQuery['groupBy'], place: string): asserts top is SummaryTop {
  if (typeof top !== 'object' || top === null || Array.isArray(top) || top instanceof Date) {
    throw new ValidationError('top', `in ${place}: expected an object { by, limit }, received ${describe(top)}`);
  }
  for (const key of Reflect.ownKeys(top)) {
    const label = typeof key === 'symbol' ? key.toString() : key;
    if (typeof key === 'symbol' || !Object.hasOwn(topShape, key)) {
      throw new ValidationError(`top.${label}`, `in ${place}: ${unknownKeyMessage(label, Object.keys(topShape))}`);
    }
  }
  const record = top as Record<string, unknown>;
  if (!topShape.by.safeParse(record.by).success) {
    throw new ValidationError(
      'top.by',
      `in ${place}: expected one of ${SUMMARY_RANK_KEYS.join(', ')}, received ${describe(record.by)}`,
    );
  }
  if (!topShape.limit.safeParse(record.limit).success) {
    throw new ValidationError(
      'top.limit',
      `in ${place}: expected a whole number from 1 to ${MAX_SUMMARY_TOP}, received ${describe(record.limit)}`,
    );
  }
  if (groupBy === undefined || groupBy.length === 0) {
    throw new ValidationError('top', `in ${place}: ranks groups, so it needs a non-empty groupBy`);
  }
}

/** `calls.get(id)`, `calls.byTrace(traceId)`. */
export function validateId(value: unknown, name: string, place: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(name, `in ${place}: expected a non-empty string, received ${describe(value)}`);
  }
  return value;
}

function checkObject(
  value: unknown,
  shape: Record<string, z.ZodType>,
  place: string,
  name: string,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) {
    throw new ValidationError(name, `in ${place}: expected an object, received ${describe(value)}`);
  }
  const known = Object.keys(shape);
  const at = (key: string) => (name === 'where' ? `where.${key}` : key);
  for (const key of Reflect.ownKeys(value)) {
    const label = typeof key === 'symbol' ? key.toString() : key;
    if (typeof key === 'symbol' || !Object.hasOwn(shape, key)) {
      throw new ValidationError(at(label), `in ${place}: ${unknownKeyMessage(label, known)}`);
    }
  }
  const record = value as Record<string, unknown>;
  for (const key of known) {
    const field = record[key];
    if (field === undefined) continue;
    const parsed = shape[key]!.safeParse(field);
    if (!parsed.success) {
      throw new ValidationError(at(key), `in ${place}: expected ${expectedFor(key)}, received ${describe(field)}`);
    }
  }
  return record;
}

function expectedFor(key: string): string {
  switch (key) {
    case 'status':
      return `one of ${CALL_STATUSES.join(', ')} (or a list of them)`;
    case 'costStatus':
      return `one of ${COST_STATUSES.join(', ')} (or a list of them)`;
    case 'groupBy':
      return `a list of group keys: ${GROUP_KEYS.join(', ')}`;
    case 'from':
    case 'to':
      return 'a valid Date or an ISO 8601 date such as 2026-11-01 or 2026-11-01T10:00:00Z';
    case 'limit':
      return 'a positive integer (at most 1000 are returned per page)';
    case 'cursor':
      return "a previous page's nextCursor";
    case 'order':
      return '"desc" or "asc"';
    case 'tags':
      return 'a list of strings (all must be present)';
    case 'sessionId':
    case 'userId':
    case 'tenantId':
    case 'traceId':
    case 'requestId':
      return 'a string, a list of strings, or null (calls without one)';
    default:
      return 'a string or a list of strings';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : 'a Date';
  if (Array.isArray(value))
    return `a list (${value.slice(0, 5).map(describeScalar).join(', ')}${value.length > 5 ? ', …' : ''})`;
  return describeScalar(value);
}

function describeScalar(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'a list' : 'an object';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${String(value)}`;
}
