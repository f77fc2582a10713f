import { unknownKeyMessage } from '../core/key-suggestions.js';
import { FILTER_KEYS, LIST_QUERY_KEYS, validateListQuery, validateSummaryQuery } from '../core/query-validation.js';
import { MAX_LIST_LIMIT, type ListQuery, type SummaryQuery } from '../core/store.js';
import type { Access } from './access.js';
import { ApiError } from './api-error.js';

/**
 * Query strings into the library's query objects. A parameter is either known or a 400 naming it
 * (with a "did you mean"); filters take repeated parameters for a list (`model=a&model=b`);
 * an identity filter given empty (`userId=`) matches the calls without one. The result goes
 * through the library's own validation, so the API and `ledger.calls.list()` accept the same.
 */

const IDENTITY_KEYS = new Set(['sessionId', 'userId', 'tenantId', 'traceId', 'requestId']);
const LIST_KEYS = new Set(['callType', 'status', 'costStatus', 'provider', 'model', 'tags']);
const SINGLE_KEYS = new Set(['from', 'to', 'limit', 'cursor', 'order']);

export const SUMMARY_PARAMS = ['groupBy', ...FILTER_KEYS];

/** Rejects parameters not in `known`, and returns each known one's values. */
export function readParams(url: URL, known: readonly string[], place: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const [key, value] of url.searchParams) {
    if (!known.includes(key)) {
      throw new ApiError('invalid_request', `${place}: ${unknownKeyMessage(key, known, 'parameter')}`, key);
    }
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return values;
}

/** The one value of a parameter that takes one. */
export function single(values: Map<string, string[]>, key: string, place: string): string | undefined {
  const given = values.get(key);
  if (given === undefined) return undefined;
  if (given.length > 1)
    throw new ApiError('invalid_request', `${place}: ${key} is given ${given.length} times; give it once`, key);
  if (given[0] === '') throw new ApiError('invalid_request', `${place}: ${key} needs a value`, key);
  return given[0];
}

function filterFrom(values: Map<string, string[]>, place: string, skip: ReadonlySet<string>): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (const [key, given] of values) {
    if (skip.has(key)) continue;
    if (IDENTITY_KEYS.has(key)) {
      if (given.some((value) => value === '')) {
        if (given.length > 1) {
          throw new ApiError(
            'invalid_request',
            `${place}: an empty ${key} (calls without one) cannot be combined with values`,
            key,
          );
        }
        filter[key] = null;
      } else filter[key] = given.length === 1 ? given[0] : given;
    } else if (LIST_KEYS.has(key)) {
      if (given.some((value) => value === ''))
        throw new ApiError('invalid_request', `${place}: ${key} needs a value`, key);
      filter[key] = key === 'tags' || given.length > 1 ? given : given[0];
    } else if (SINGLE_KEYS.has(key)) {
      filter[key] = single(values, key, place);
    }
  }
  return filter;
}

/** `GET /api/v1/calls`: every filter of `calls.list`, `limit` (1..1000, default 50), `cursor`, `order`. */
export function listQueryFrom(url: URL, access: Access): ListQuery {
  const place = 'GET /api/v1/calls';
  const values = readParams(url, LIST_QUERY_KEYS, place);
  const query: Record<string, unknown> = filterFrom(values, place, new Set(['limit']));
  const limit = single(values, 'limit', place);
  if (limit !== undefined) {
    if (!/^\d{1,7}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIST_LIMIT) {
      throw new ApiError(
        'invalid_request',
        `${place}: limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, received ${JSON.stringify(limit.slice(0, 40))}`,
        'limit',
      );
    }
    query.limit = Number(limit);
  }
  forceTenant(query, access);
  return validateListQuery(query, place);
}

/** `GET /api/v1/usage/summary`: `groupBy` (comma-separated or repeated), `from`, `to` and every filter. */
export function summaryQueryFrom(url: URL, access: Access): SummaryQuery {
  const place = 'GET /api/v1/usage/summary';
  const values = readParams(url, SUMMARY_PARAMS, place);
  const where: Record<string, unknown> = filterFrom(values, place, new Set(['groupBy', 'from', 'to']));
  const query: Record<string, unknown> = {};
  const groupBy = values.get('groupBy');
  if (groupBy !== undefined) {
    const keys = groupBy.flatMap((value) => value.split(',')).map((key) => key.trim());
    if (keys.some((key) => key === ''))
      throw new ApiError('invalid_request', `${place}: groupBy has an empty key`, 'groupBy');
    if (new Set(keys).size !== keys.length) {
      throw new ApiError('invalid_request', `${place}: groupBy names a key twice`, 'groupBy');
    }
    query.groupBy = keys;
  }
  const from = single(values, 'from', place);
  const to = single(values, 'to', place);
  if (from !== undefined) query.from = from;
  if (to !== undefined) query.to = to;
  forceTenant(where, access);
  if (Object.keys(where).length > 0) query.where = where;
  return validateSummaryQuery(query, place);
}

/**
 * A tenant-scoped token reads its own tenant only: a tenantId filter naming another tenant is
 * refused (not silently replaced, which would answer a different question), and no filter becomes
 * its tenant.
 */
function forceTenant(filter: Record<string, unknown>, access: Access): void {
  if (access.tenantId === null) return;
  const given = filter.tenantId;
  if (given !== undefined && given !== access.tenantId) {
    throw new ApiError('forbidden', `this token reads tenant ${JSON.stringify(access.tenantId)} only`, 'tenantId');
  }
  filter.tenantId = access.tenantId;
}
