import { unknownKeyMessage } from '../core/key-suggestions.js';
import {
  FILTER_KEYS,
  isIsoDateText,
  LIST_QUERY_KEYS,
  validateListQuery,
  validateSummaryQuery,
} from '../core/query-validation.js';
import {
  MAX_LIST_LIMIT,
  MAX_SUMMARY_TOP,
  SUMMARY_RANK_KEYS,
  type ListQuery,
  type SummaryQuery,
  type SummaryRankKey,
} from '../core/store.js';
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

export const SUMMARY_PARAMS = ['groupBy', 'top', 'rankBy', ...FILTER_KEYS];

/** A `%` not followed by two hex digits: URLSearchParams would keep it as typed, a different value than meant. */
const BAD_PERCENT = /%(?![0-9a-fA-F]{2})/;

/**
 * Rejects parameters not in `known` and malformed percent-encoding, and returns each known one's
 * values.
 */
export function readParams(url: URL, known: readonly string[], place: string): Map<string, string[]> {
  for (const pair of url.search.slice(1).split('&')) {
    if (!BAD_PERCENT.test(pair)) continue;
    const name = pair.split('=')[0]!;
    const param = BAD_PERCENT.test(name) ? name : decodeURIComponent(name.replace(/\+/g, ' '));
    throw new ApiError(
      'invalid_request',
      `${place}: ${JSON.stringify(pair.slice(0, 60))} is not valid percent-encoding: encode "%" as %25 (encodeURIComponent does)`,
      param,
    );
  }
  const values = new Map<string, string[]>();
  for (const [key, value] of url.searchParams) {
    if (!known.includes(key)) {
      const message =
        known.length === 0
          ? `this route takes no parameters, received ${JSON.stringify(key.slice(0, 40))}: remove it`
          : unknownKeyMessage(key, known, 'parameter');
      throw new ApiError('invalid_request', `${place}: ${message}`, key);
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
      const value = single(values, key, place);
      if (value !== undefined && (key === 'from' || key === 'to')) checkDate(value, key, place);
      filter[key] = value;
    }
  }
  return filter;
}

/** An ISO 8601 date or timestamp of a day that exists, else a 400 naming `param` and showing the form. */
export function checkDate(value: string, param: string, place: string): void {
  if (isIsoDateText(value)) return;
  // A "+01:00" offset sent unencoded arrives as " 01:00": "+" means a space in a query string.
  const hint = / \d{2}:?\d{2}$/.test(value) ? '; a "+" in a query string means a space: encode it as %2B' : '';
  throw new ApiError(
    'invalid_request',
    `${place}: ${param} must be an ISO 8601 date or timestamp of a real day, such as 2026-11-01 or 2026-11-01T10:00:00Z, received ${JSON.stringify(value.slice(0, 40))}${hint}`,
    param,
  );
}

/** `to` before (or at) `from` is an empty range: a typo, answered with a 400 rather than with nothing. */
function checkRange(from: unknown, to: unknown, place: string): void {
  if (typeof from !== 'string' || typeof to !== 'string') return;
  if (Date.parse(to) <= Date.parse(from)) {
    throw new ApiError(
      'invalid_request',
      `${place}: to (${to.slice(0, 40)}) must be after from (${from.slice(0, 40)}): the range is empty; swap them`,
      'to',
    );
  }
}

/** Cursors are ids of calls; anything longer is not one (checked before asking the store). */
export const MAX_CURSOR_LENGTH = 200;

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
  const cursor = query.cursor;
  if (typeof cursor === 'string' && cursor.length > MAX_CURSOR_LENGTH) throw badCursor(cursor);
  checkRange(query.from, query.to, place);
  forceTenant(query, access);
  return validateListQuery(query, place);
}

/**
 * `GET /api/v1/usage/summary`: `groupBy` (comma-separated or repeated), `from`, `to`, every filter,
 * and `top` with `rankBy` (the N largest groups by cost, calls, tokens or errors; both or neither).
 */
export function summaryQueryFrom(url: URL, access: Access): SummaryQuery {
  const place = 'GET /api/v1/usage/summary';
  const values = readParams(url, SUMMARY_PARAMS, place);
  const where: Record<string, unknown> = filterFrom(values, place, new Set(['groupBy', 'from', 'to', 'top', 'rankBy']));
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
  if (from !== undefined) {
    checkDate(from, 'from', place);
    query.from = from;
  }
  if (to !== undefined) {
    checkDate(to, 'to', place);
    query.to = to;
  }
  checkRange(from, to, place);
  const top = rankingFrom(values, place);
  if (top !== undefined) {
    if (query.groupBy === undefined) {
      throw new ApiError('invalid_request', `${place}: top ranks groups, so it needs groupBy`, 'top');
    }
    query.top = top;
  }
  forceTenant(where, access);
  if (Object.keys(where).length > 0) query.where = where;
  return validateSummaryQuery(query, place);
}

/** `top` (1..1000) and `rankBy` (cost, calls, tokens, errors): both, or neither; no default is guessed. */
function rankingFrom(values: Map<string, string[]>, place: string): SummaryQuery['top'] {
  const limit = single(values, 'top', place);
  const by = single(values, 'rankBy', place);
  if (limit === undefined && by === undefined) return undefined;
  // Each error names a parameter the query has: the one given without its partner.
  if (limit === undefined) {
    throw new ApiError('invalid_request', `${place}: rankBy needs top, the number of groups to return`, 'rankBy');
  }
  if (!/^\d{1,7}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_SUMMARY_TOP) {
    throw new ApiError(
      'invalid_request',
      `${place}: top must be a whole number from 1 to ${MAX_SUMMARY_TOP}, received ${JSON.stringify(limit.slice(0, 40))}`,
      'top',
    );
  }
  if (by === undefined) {
    throw new ApiError(
      'invalid_request',
      `${place}: top needs rankBy, what to rank groups by: one of ${SUMMARY_RANK_KEYS.join(', ')}`,
      'top',
    );
  }
  if (!(SUMMARY_RANK_KEYS as readonly string[]).includes(by)) {
    throw new ApiError(
      'invalid_request',
      `${place}: rankBy must be one of ${SUMMARY_RANK_KEYS.join(', ')}, received ${JSON.stringify(by.slice(0, 40))}`,
      'rankBy',
    );
  }
  return { by: by as SummaryRankKey, limit: Number(limit) };
}

/** A cursor that names no call this token can read: made up, mangled, or of a purged call. */
export function badCursor(cursor: string): ApiError {
  return new ApiError(
    'invalid_request',
    `GET /api/v1/calls: cursor ${JSON.stringify(cursor.slice(0, 40))} is not a page's nextCursor (no call has that id, or it was purged): pass the nextCursor of the previous answer as given, or leave cursor out for the first page`,
    'cursor',
  );
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
