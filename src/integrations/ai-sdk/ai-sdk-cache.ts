import { answerHeadersOf, type CacheKeyInput } from '../../cache/cache-key.js';
import type { CachedResponse } from '../../cache/cached-response.js';
import type { ResponseCache } from '../../cache/response-cache.js';
import { CacheTicket } from '../../capture/cache/cache-ticket.js';
import type { CallOptionsShape, GenerateResultShape, ModelShape } from './ai-sdk-shapes.js';
import { isObject } from './convert-usage.js';

/** The ledger's cache, as the middleware sees it. */
export interface CacheHolder {
  readonly cache?: ResponseCache;
  readonly enabled?: boolean;
}

/** Header set on the `response.headers` of an answer served from the cache, as the SDK capture does. */
const HIT_HEADERS = Object.freeze({ 'x-llm-ledger-cache': 'hit' });

/**
 * Call options that say how the request travels, never what the answer is: the signal and the
 * extra HTTP headers (which may hold credentials) are left out of the key, except the headers that
 * pick an API version or beta features (`CACHE_KEY_HEADERS`). Everything else (prompt, tools, tool
 * choice, response format, sampling parameters, provider options, and `includeRawChunks`, which
 * adds `raw` parts to a stream) is in it.
 */
const TRANSPORT_OPTIONS = new Set(['abortSignal', 'headers']);

/**
 * The ticket of a model call the cache should answer or learn from, or undefined: no cache on the
 * ledger, `cache: false`, an opt-in cache the middleware did not opt into, a key hook that said no.
 */
export function aiSdkCacheTicket(
  ledger: CacheHolder,
  wanted: boolean | undefined,
  model: ModelShape,
  params: CallOptionsShape,
  streamed: boolean,
): CacheTicket | undefined {
  const cache = ledger.cache;
  if (cache === undefined || ledger.enabled === false || !cache.appliesTo(wanted)) return undefined;
  const request: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) if (!TRANSPORT_OPTIONS.has(name)) request[name] = value;
  const input: CacheKeyInput = {
    provider: typeof model.provider === 'string' ? model.provider : 'unknown',
    endpoint: 'ai-sdk',
    model: typeof model.modelId === 'string' ? model.modelId : '',
    streamed,
    request,
  };
  const headers = answerHeadersOf(params.headers);
  if (headers) input.headers = headers;
  const key = cache.keyOf(input);
  return key === undefined ? undefined : new CacheTicket(cache, input, key, {});
}

/**
 * What is kept of a generate result: the answer and its metadata, not the raw request and
 * response bodies or the provider's HTTP headers (rate-limit counters, cookies).
 */
export function storableGenerate(result: GenerateResultShape & Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const name of ['content', 'finishReason', 'usage', 'providerMetadata', 'warnings']) {
    if (result[name] !== undefined) kept[name] = result[name];
  }
  const response = result.response as Record<string, unknown> | undefined;
  if (isObject(response)) {
    kept.response = { id: response.id, modelId: response.modelId, timestamp: response.timestamp };
  }
  return kept;
}

/** A stored generate result as the model returns it: dates are Dates again, the hit is in the headers. */
export function replayGenerate<Result>(entry: CachedResponse): Result {
  const body = (isObject(entry.body) ? { ...entry.body } : {}) as Record<string, unknown>;
  const response = isObject(body.response) ? { ...body.response } : {};
  body.response = { ...reviveTimestamp(response), headers: { ...HIT_HEADERS } };
  return body as Result;
}

/** The stored parts of a streamed answer as a stream of parts again, read one at a time. */
export function replayStream(entry: CachedResponse): ReadableStream<unknown> {
  const parts = entry.chunks ?? [];
  let index = 0;
  return new ReadableStream<unknown>(
    {
      pull(controller) {
        if (index < parts.length) controller.enqueue(revivePart(parts[index++]));
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** The stream result of a hit: the replayed parts, and the hit in the response headers. */
export function replayStreamResult<Result>(entry: CachedResponse): Result {
  return { stream: replayStream(entry), response: { headers: { ...HIT_HEADERS } } } as Result;
}

/** Passes a stream through part for part, showing each part to the ticket first; no read-ahead. */
export function noteParts(source: ReadableStream<unknown>, ticket: CacheTicket): ReadableStream<unknown> {
  const reader = source.getReader();
  return new ReadableStream<unknown>(
    {
      async pull(controller) {
        const result = await reader.read();
        if (result.done) {
          controller.close();
          return;
        }
        ticket.noteChunk(result.value);
        controller.enqueue(result.value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** `response-metadata` parts carry a Date, which JSON kept as its ISO string. */
function revivePart(part: unknown): unknown {
  if (!isObject(part) || part.type !== 'response-metadata') return part;
  return reviveTimestamp({ ...part });
}

function reviveTimestamp<T extends Record<string, unknown>>(value: T): T {
  if (typeof value.timestamp === 'string') {
    const date = new Date(value.timestamp);
    if (!Number.isNaN(date.getTime())) (value as Record<string, unknown>).timestamp = date;
  }
  return value;
}
