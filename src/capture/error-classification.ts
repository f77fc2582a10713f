import { describeError } from '../core/error-details.js';

/** What went wrong with a provider call, in words that mean the same for every provider. */
export type ErrorClass =
  | 'rate_limit'
  | 'timeout'
  | 'context_length_exceeded'
  | 'authentication'
  | 'invalid_request'
  | 'server'
  | 'network'
  | 'aborted'
  | 'unknown';

export interface ClassifiedError {
  errorType: ErrorClass;
  httpStatus: number | null;
  retryAfterMs: number | null;
}

const RATE_LIMIT_CODES = new Set([
  'rate_limit_exceeded',
  'rate_limit_error',
  'resource_exhausted',
  'insufficient_quota',
  'too_many_requests',
  'requests',
  'tokens',
]);
const AUTH_CODES = new Set([
  'invalid_api_key',
  'authentication_error',
  'permission_error',
  'unauthenticated',
  'permission_denied',
  'invalid_authentication',
]);
const SERVER_CODES = new Set([
  'server_error',
  'api_error',
  'overloaded_error',
  'unavailable',
  'internal',
  'internal_error',
  'service_unavailable',
  'model_overloaded',
]);
const INVALID_CODES = new Set([
  'invalid_request_error',
  'not_found_error',
  'invalid_argument',
  'not_found',
  'failed_precondition',
  'request_too_large',
  'model_not_found',
  'invalid_prompt',
  'unsupported_value',
]);
const NETWORK_CODES = new Set([
  'econnreset',
  'econnrefused',
  'epipe',
  'enotfound',
  'eai_again',
  'ehostunreach',
  'enetunreach',
  'und_err_socket',
  'und_err_closed',
  'econnaborted',
]);
const TIMEOUT_CODES = new Set([
  'etimedout',
  'und_err_connect_timeout',
  'und_err_headers_timeout',
  'und_err_body_timeout',
]);
const CONTEXT_LENGTH =
  /context[_ ]length|context window|maximum context|prompt is too long|input is too long|exceeds the maximum number of tokens|input token count.*exceeds/i;

/**
 * Classifies any thrown value: openai-node and Anthropic `APIError`s (status, `error.type`,
 * `error.code`, mid-stream errors without status), `@google/genai` `ApiError` (a JSON message with
 * a gRPC status and RetryInfo), fetch/undici network failures, aborts and timeouts.
 * Never throws.
 */
export function classifyError(error: unknown, now: number = Date.now()): ClassifiedError {
  const described = describeError(error, now);
  const status = described.httpStatus;
  const codes = errorCodes(error);
  const message = described.errorMessage;
  const name = errorName(error);
  const retryAfterMs = described.retryAfterMs ?? retryDelayOf(error, message);
  const result = (errorType: ErrorClass): ClassifiedError => ({ errorType, httpStatus: status, retryAfterMs });

  if (name === 'APIConnectionTimeoutError' || name === 'TimeoutError' || status === 408 || status === 504) {
    return result('timeout');
  }
  if (codes.some((code) => TIMEOUT_CODES.has(code)) || /\btimed? ?out\b/i.test(message)) return result('timeout');
  if (described.aborted || name === 'AbortError' || name === 'APIUserAbortError') return result('aborted');
  if (codes.includes('context_length_exceeded')) return result('context_length_exceeded');
  if (status === 429 || codes.some((code) => RATE_LIMIT_CODES.has(code))) return result('rate_limit');
  if (CONTEXT_LENGTH.test(message)) return result('context_length_exceeded');
  if (status === 401 || status === 403 || codes.some((code) => AUTH_CODES.has(code))) {
    return result('authentication');
  }
  if ((status !== null && status >= 500) || codes.some((code) => SERVER_CODES.has(code))) return result('server');
  if ((status !== null && status >= 400) || codes.some((code) => INVALID_CODES.has(code))) {
    return result('invalid_request');
  }
  if (
    name === 'APIConnectionError' ||
    name === 'FetchError' ||
    codes.some((code) => NETWORK_CODES.has(code)) ||
    /fetch failed|terminated|socket hang up|other side closed|network|connection/i.test(message)
  ) {
    return result('network');
  }
  return result('unknown');
}

function errorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const name = (error as { name?: unknown }).name;
  const constructorName = (error as { constructor?: { name?: unknown } }).constructor?.name;
  // openai-node sets `name` on some subclasses only; the constructor tells the others apart.
  if (typeof constructorName === 'string' && constructorName.startsWith('API')) return constructorName;
  return typeof name === 'string' ? name : '';
}

/** Lowercased codes and types from the error, its body and its causes. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === 'string' && value) codes.push(value.toLowerCase());
  };
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const object = current as Record<string, unknown>;
    add(object.code);
    add(object.type);
    const body = object.error;
    if (typeof body === 'object' && body !== null) {
      const inner = body as Record<string, unknown>;
      add(inner.code);
      add(inner.type);
      add(inner.status);
      // Anthropic: the SDK error's `error` is the whole body `{ type: 'error', error: { type } }`.
      if (typeof inner.error === 'object' && inner.error !== null) {
        add((inner.error as Record<string, unknown>).type);
        add((inner.error as Record<string, unknown>).code);
      }
    }
    const geminiStatus = geminiBody(object.message);
    if (geminiStatus) add(geminiStatus.status);
    current = object.cause;
  }
  return codes;
}

/** `@google/genai` puts the JSON error body in the message (sometimes after a prefix). */
function geminiBody(message: unknown): { status?: string; details?: unknown[] } | undefined {
  if (typeof message !== 'string') return undefined;
  const start = message.indexOf('{');
  if (start < 0 || !message.includes('"error"')) return undefined;
  try {
    const parsed = JSON.parse(message.slice(start)) as { error?: { status?: string; details?: unknown[] } };
    return parsed.error;
  } catch {
    return undefined;
  }
}

/** Gemini's RetryInfo (`"retryDelay": "2s"`) or OpenAI's "Please try again in 1.5s" in the message. */
function retryDelayOf(error: unknown, message: string): number | null {
  const body = geminiBody((error as { message?: unknown } | null)?.message);
  for (const detail of body?.details ?? []) {
    const delay = (detail as { retryDelay?: unknown } | null)?.retryDelay;
    if (typeof delay === 'string') {
      const seconds = Number.parseFloat(delay);
      if (Number.isFinite(seconds)) return Math.round(seconds * 1000);
    }
  }
  const match = /try again in (\d+(?:\.\d+)?)\s*(ms|s)\b/i.exec(message);
  if (!match) return null;
  const value = Number.parseFloat(match[1]!);
  return Math.round(match[2]!.toLowerCase() === 'ms' ? value : value * 1000);
}
