import { answerHeadersOf, answerQueryOf, type CacheKeyInput } from '../../cache/cache-key.js';
import type { CaptureBinding } from '../capture-defaults.js';
import type { Endpoint } from '../endpoint.js';
import { CacheTicket } from './cache-ticket.js';

/**
 * The ticket of a wrapped SDK client's call the cache should answer or learn from, or undefined:
 * no cache on the ledger, the client or call turned it off (`cache: false`), an opt-in cache the
 * call did not opt into, an endpoint that is not cached, or a key hook that said no. `self` is the
 * SDK resource and `options` the call's second argument (the request options of openai-node and
 * the Anthropic SDK).
 */
export function sdkCacheTicket(
  binding: CaptureBinding,
  endpoint: Endpoint,
  provider: string,
  request: Record<string, unknown>,
  streamed: boolean,
  self: unknown,
  options: unknown,
): CacheTicket | undefined {
  const { cache } = binding.ledger;
  if (cache === undefined || endpoint.cacheName === undefined || !cache.appliesTo(binding.defaults.cache)) {
    return undefined;
  }
  const model = typeof request.model === 'string' ? request.model : '';
  const input: CacheKeyInput = { provider, endpoint: endpoint.cacheName, model, streamed, request };
  const sent = sentBesides(self, options);
  if (sent.headers) input.headers = sent.headers;
  if (sent.query) input.query = sent.query;
  const key = cache.keyOf(input);
  return key === undefined ? undefined : new CacheTicket(cache, input, key, endpoint.replay ?? {});
}

/** What a request sends besides its body that changes the answer (see CacheKeyInput). */
interface SentBesides {
  headers?: Readonly<Record<string, string>>;
  query?: string;
}

type Options = { headers?: unknown; query?: unknown } | null | undefined;

/**
 * The answer-shaping headers and the query an openai-node or Anthropic SDK request carries: the
 * client's `defaultHeaders` and `defaultQuery` (AzureOpenAI keeps its `api-version` there), then
 * the call's request options over them, as the SDKs merge them (a header given as `null` removes
 * a default). The client's options are read where both SDKs keep them (`_client._options`);
 * another client shape just has no defaults to read.
 */
function sentBesides(self: unknown, given: unknown): SentBesides {
  const client = (self as { _client?: { _options?: { defaultHeaders?: unknown; defaultQuery?: unknown } } } | null)
    ?._client?._options;
  const options = (typeof given === 'object' ? given : undefined) as Options;
  const headers: Record<string, string> = { ...answerHeadersOf(client?.defaultHeaders) };
  const overrides = options?.headers;
  if (typeof overrides === 'object' && overrides !== null && !Array.isArray(overrides)) {
    for (const [name, value] of Object.entries(overrides)) if (value === null) delete headers[name.toLowerCase()];
  }
  Object.assign(headers, answerHeadersOf(overrides));
  const query = queryOf({ ...asObject(client?.defaultQuery), ...asObject(options?.query) });
  const sent: SentBesides = {};
  if (Object.keys(headers).length > 0) sent.headers = headers;
  if (query) sent.query = query;
  return sent;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** Query parameters given as an object, as the key reads a query string. */
function queryOf(query: Record<string, unknown>): string | undefined {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.append(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return answerQueryOf(params.toString());
}
