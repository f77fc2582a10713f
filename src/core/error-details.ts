import { toSafeJson } from './sanitize.js';
/** What a record keeps of a failure; capture adapters may pass a finer `errorType`. */
export interface ErrorDetails {
  errorType: string;
  errorMessage: string;
  httpStatus: number | null;
  retryAfterMs: number | null;
  aborted: boolean;
}

/** A thrown non-Error is described by at most this much of its JSON. */
const MAX_THROWN_JSON_CHARS = 2000;

const ABORT_NAMES = new Set(['AbortError', 'APIUserAbortError', 'TimeoutError']);

/** Reads status, retry-after and abort-ness from any thrown value, without trusting its shape. */
export function describeError(error: unknown, now: number = Date.now()): ErrorDetails {
  try {
    return readError(error, now);
  } catch {
    // A proxy or a getter that throws: keep what can be read without touching the value.
    return {
      errorType: typeof error,
      errorMessage: 'unreadable error',
      httpStatus: null,
      retryAfterMs: null,
      aborted: false,
    };
  }
}

function readError(error: unknown, now: number): ErrorDetails {
  const object = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : undefined;
  const name = typeof object?.name === 'string' ? object.name : typeof error;
  const message =
    error instanceof Error ? error.message : typeof object?.message === 'string' ? object.message : safeString(error);
  const status = pickStatus(object);
  // SDK error classes often leave `name` as "Error" (openai's APIUserAbortError): the class name tells.
  const errorType =
    name === 'Error' && object?.constructor && object.constructor !== Error ? object.constructor.name : name;
  return {
    errorType,
    errorMessage: message,
    httpStatus: status,
    retryAfterMs: pickRetryAfter(
      object?.headers ?? (object?.response as Record<string, unknown> | undefined)?.headers,
      now,
    ),
    aborted: ABORT_NAMES.has(name) || ABORT_NAMES.has(errorType),
  };
}

function pickStatus(object: Record<string, unknown> | undefined): number | null {
  if (!object) return null;
  for (const value of [
    object.status,
    object.statusCode,
    (object.response as Record<string, unknown> | undefined)?.status,
  ]) {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value < 600) return value;
  }
  return null;
}

function readHeader(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as Headers).get === 'function') return nonBlank((headers as Headers).get(name));
  const record = headers as Record<string, unknown>;
  let value = record[name];
  if (value === undefined) {
    // HTTP header names are case-insensitive; plain objects may keep the sender's case.
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === name) {
        value = record[key];
        break;
      }
    }
  }
  if (Array.isArray(value)) value = value[0];
  return typeof value === 'string' ? nonBlank(value) : typeof value === 'number' ? String(value) : undefined;
}

function nonBlank(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP date. */
export function pickRetryAfter(headers: unknown, now: number): number | null {
  const milliseconds = readHeader(headers, 'retry-after-ms');
  if (milliseconds !== undefined && Number.isFinite(Number(milliseconds))) return Math.max(0, Number(milliseconds));
  const retryAfter = readHeader(headers, 'retry-after');
  if (retryAfter === undefined) return null;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function safeString(value: unknown): string {
  try {
    // A thrown plain object or array is described by its JSON, not as "[object Object]".
    if (typeof value === 'object' && value !== null) {
      const text = toSafeJson(value, MAX_THROWN_JSON_CHARS);
      return text.length > MAX_THROWN_JSON_CHARS ? `${text.slice(0, MAX_THROWN_JSON_CHARS)}…` : text;
    }
    return String(value);
  } catch {
    return 'unprintable error';
  }
}
