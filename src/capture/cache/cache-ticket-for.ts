import { answerHeadersOf, answerQueryOf, type CacheKeyInput } from '../../cache/cache-key.js';
import type { ResponseCache } from '../../cache/response-cache.js';
import type { CaptureBinding } from '../capture-defaults.js';
import type { Endpoint } from '../endpoint.js';
import { CacheTicket } from './cache-ticket.js';

/**
 * The ticket of a call the cache should answer or learn from, or undefined: no cache on the
 * ledger, the client or call turned it off (`cache: false`), an opt-in cache the call did not
 * opt into, an endpoint that is not cached, or a key hook that said no.
 */
export function cacheTicketFor(
  cache: ResponseCache | undefined,
  wanted: boolean | undefined,
  endpoint: Endpoint,
  provider: string,
  request: Record<string, unknown>,
  streamed: boolean,
  options?: unknown,
): CacheTicket | undefined {
  if (cache === undefined || wanted === false || endpoint.cacheName === undefined) return undefined;
  if (cache.optIn && wanted !== true) return undefined;
  const model = typeof request.model === 'string' ? request.model : '';
  const input: CacheKeyInput = { provider, endpoint: endpoint.cacheName, model, streamed, request };
  if (typeof options === 'object' && options !== null) {
    const { headers, query } = options as { headers?: unknown; query?: unknown };
    const answerHeaders = answerHeadersOf(headers);
    if (answerHeaders) input.headers = answerHeaders;
    const answerQuery = queryOf(query);
    if (answerQuery) input.query = answerQuery;
  }
  const key = cache.keyOf(input);
  return key === undefined ? undefined : new CacheTicket(cache, input, key, endpoint.replay ?? {});
}

/**
 * `cacheTicketFor` for a wrapped SDK client's call. `options` is the call's second argument (the
 * request options of openai-node and the Anthropic SDK): its answer-shaping headers and its query
 * are part of the key.
 */
export function sdkCacheTicket(
  binding: CaptureBinding,
  endpoint: Endpoint,
  provider: string,
  request: Record<string, unknown>,
  streamed: boolean,
  options: unknown,
): CacheTicket | undefined {
  return cacheTicketFor(binding.ledger.cache, binding.defaults.cache, endpoint, provider, request, streamed, options);
}

/** Request options' `query` (an object of parameters) as the key reads a query string. */
function queryOf(query: unknown): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.append(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return answerQueryOf(params.toString());
}
