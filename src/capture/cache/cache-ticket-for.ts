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
): CacheTicket | undefined {
  if (cache === undefined || wanted === false || endpoint.cacheName === undefined) return undefined;
  if (cache.optIn && wanted !== true) return undefined;
  const model = typeof request.model === 'string' ? request.model : '';
  const input = { provider, endpoint: endpoint.cacheName, model, streamed, request };
  const key = cache.keyOf(input);
  return key === undefined ? undefined : new CacheTicket(cache, input, key, endpoint.replay ?? {});
}

/** `cacheTicketFor` for a wrapped SDK client's call. */
export function sdkCacheTicket(
  binding: CaptureBinding,
  endpoint: Endpoint,
  provider: string,
  request: Record<string, unknown>,
  streamed: boolean,
): CacheTicket | undefined {
  return cacheTicketFor(binding.ledger.cache, binding.defaults.cache, endpoint, provider, request, streamed);
}
