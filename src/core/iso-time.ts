/**
 * `new Date(ms).toISOString()` for the caller's path. A call's start and end usually fall in the
 * same second, so the formatted "YYYY-MM-DDTHH:MM:SS." prefix is cached and only the milliseconds
 * are appended. Fractional milliseconds are truncated, as Date does.
 */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** Years 0000 to 9999: beyond them toISOString uses a six-digit year, left to Date. */
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000;

/**
 * "000Z" to "999Z", made on first use. Records wait in the write queue long enough to outlive
 * young-generation collections, and a timestamp joined from two shared strings is one small
 * object for the collector to copy; a template literal would make a chain of three or four.
 */
const MILLIS_SUFFIXES: Array<string | undefined> = new Array<string | undefined>(1000).fill(undefined);

function suffixOf(millis: number): string {
  const suffix = `${String(millis).padStart(3, '0')}Z`;
  MILLIS_SUFFIXES[millis] = suffix;
  return suffix;
}

/** ISO 8601 in UTC with millisecond precision. Throws a RangeError for an invalid time, as Date does. */
export function toIsoString(epochMs: number): string {
  if (!(epochMs >= 0 && epochMs < MAX_FOUR_DIGIT_YEAR_MS)) return new Date(epochMs).toISOString();
  const ms = Math.floor(epochMs);
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    cachedSecond = second;
  }
  const millis = ms - second * 1000;
  return cachedPrefix + (MILLIS_SUFFIXES[millis] ?? suffixOf(millis));
}

/** The latest instant a Date can hold, in epoch milliseconds (either way from 1970). */
export const MAX_DATE_MS = 8.64e15;
