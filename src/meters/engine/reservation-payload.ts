import type { LimitField } from '../errors.js';

/**
 * A reservation travels as one JSON text: the member of the reservations set (sorted by expiry),
 * which both the commit that settles it and the sweep that expires it parse to know what to
 * release. Amounts are strings because Lua numbers are doubles and would round large integers.
 */
export interface ReservationPayload {
  /** The call id: makes the text unique. */
  id: string;
  /** Unprefixed counter keys the amounts were reserved on. */
  k: string[];
  /** Cost, tokens and requests reserved, as integer strings (cost in 10^-12 units). */
  c: string;
  t: string;
  r: string;
}

/** Printable ASCII but the quote and the backslash: JSON only adds quotes (UUIDs, the usual ids). */
const PLAIN_JSON = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON of frozen key lists: the meter passes the same frozen list for a subject's calls. */
const keysJson = new WeakMap<readonly string[], string>();

export function encodeReservation(id: string, keys: readonly string[], amounts: Record<LimitField, bigint>): string {
  let k = keysJson.get(keys);
  if (k === undefined) {
    k = JSON.stringify(keys);
    if (Object.isFrozen(keys)) keysJson.set(keys, k);
  }
  // Built by hand (one per reserved call, on the caller's path); the same text JSON.stringify gives.
  return `{"id":${jsonString(id)},"k":${k},"c":"${amounts.cost}","t":"${amounts.tokens}","r":"${amounts.requests}"}`;
}

function jsonString(value: string): string {
  return PLAIN_JSON.test(value) ? `"${value}"` : JSON.stringify(value);
}

/** Parses a reservation text; null when it is not one (a foreign member is left alone). */
export function decodeReservation(text: string): ReservationPayload | null {
  try {
    const value = JSON.parse(text) as Partial<ReservationPayload>;
    if (
      typeof value.id === 'string' &&
      Array.isArray(value.k) &&
      value.k.every((key) => typeof key === 'string') &&
      typeof value.c === 'string' &&
      typeof value.t === 'string' &&
      typeof value.r === 'string'
    ) {
      return value as ReservationPayload;
    }
  } catch {}
  return null;
}
