import { createHash } from 'node:crypto';

/** What a cache key is computed from: the provider, the API, whether it streams, and the request. */
export interface CacheKeyInput {
  /** `openai`, `anthropic`, `gemini`, or the name a client was given. */
  provider: string;
  /** The API called: `chat.completions`, `responses`, `messages`, `generateContent`, `ai-sdk`... */
  endpoint: string;
  /** The model asked for (Gemini names it in the path). */
  model: string;
  /** A streamed and a non-streamed answer are different objects, so they are cached apart. */
  streamed: boolean;
  /** The request as the application gave it; attribution and transport fields are left out. */
  request: Readonly<Record<string, unknown>>;
  /**
   * Headers sent with the request that select an API version or beta features, and with them what
   * the answer holds or how it is shaped (`CACHE_KEY_HEADERS`; names lowercase). Part of the key
   * when present: see `answerHeadersOf`.
   */
  headers?: Readonly<Record<string, string>>;
  /**
   * The request's query string when it has one, parameters sorted, credentials (`key`) left out:
   * Gemini's `alt=sse` turns a stream of JSON into a stream of events, Azure's `api-version` picks
   * the API. Part of the key when present: see `answerQueryOf`.
   */
  query?: string;
}

/**
 * Request fields that say who asked or how the answer travels, never what the answer is: they
 * are left out of the key, so two users asking the same thing share an entry. Everything else
 * (model, messages/input/contents, system, tools, tool choice, response format, sampling
 * parameters, and any field the library does not know) is part of the key: an unknown field that
 * changes the answer must never be served another request's answer.
 */
export const CACHE_KEY_IGNORED_FIELDS: readonly string[] = Object.freeze([
  // attribution
  'user',
  'metadata',
  'safety_identifier',
  'prompt_cache_key',
  'tags',
  'traceId',
  'trace_id',
  'sessionId',
  'userId',
  // transport (`stream` is the key's own `streamed`). Not `stream_options`: `include_usage` adds a
  // usage chunk to the stream. Not `service_tier`: the answer names the tier that served it.
  'stream',
  'store',
  'signal',
  'abortSignal',
  'httpOptions',
  'timeout',
]);

const IGNORED = new Set(CACHE_KEY_IGNORED_FIELDS);

/**
 * The request with attribution and transport fields removed, at the top level and in a Gemini
 * `config` (where `abortSignal` and `httpOptions` live).
 */
export function cacheKeyFields(request: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request)) {
    if (IGNORED.has(name) || value === undefined) continue;
    kept[name] =
      name === 'config' && typeof value === 'object' && value !== null && !Array.isArray(value)
        ? cacheKeyFields(value as Record<string, unknown>)
        : value;
  }
  return kept;
}

/**
 * The default key: SHA-256 (hex) of the canonical JSON of provider, endpoint, model, mode and the
 * request's answer-relevant fields. Canonical: object keys sorted at every depth, undefined and
 * functions left out, so `{a, b}` and `{b, a}` share a key.
 *
 * @example
 * defaultCacheKey({ provider: 'openai', endpoint: 'chat.completions', model: 'gpt-4o-mini', streamed: false,
 *   request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], user: 'u-1' } });
 * // the same key as without `user`
 */
export function defaultCacheKey(input: CacheKeyInput): string {
  const keyed: Record<string, unknown> = {
    provider: input.provider,
    endpoint: input.endpoint,
    model: input.model,
    streamed: input.streamed,
    request: cacheKeyFields(input.request),
  };
  // Only when there are some: the key of a request without them stays what it always was.
  if (input.headers && Object.keys(input.headers).length > 0) keyed.headers = input.headers;
  if (input.query) keyed.query = input.query;
  return sha256Hex(canonicalJson(keyed));
}

/**
 * Request headers that change the answer: the API version and beta features (Anthropic's
 * `anthropic-beta` turns on interleaved thinking, longer outputs or contexts; `anthropic-version`
 * the event format), OpenAI's `openai-beta`. Other headers (user agent, keys, tracing) never do.
 */
export const CACHE_KEY_HEADERS: readonly string[] = Object.freeze([
  'anthropic-version',
  'anthropic-beta',
  'openai-beta',
]);

const KEY_HEADERS = new Set(CACHE_KEY_HEADERS);

/**
 * The `CACHE_KEY_HEADERS` among headers given as an object, a `Headers` or a list of pairs (as SDK
 * request options and the AI SDK take them), names lowercase; repeated names are joined by `, `, as
 * HTTP reads them. Values that are not strings (an SDK's `null` removes a header) are not sent, so
 * not keyed. Undefined when there are none.
 */
export function answerHeadersOf(headers: unknown): Record<string, string> | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  let found: Record<string, string> | undefined;
  for (const pair of pairsOf(headers)) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') continue;
    const name = pair[0].toLowerCase();
    if (!KEY_HEADERS.has(name)) continue;
    found ??= Object.create(null) as Record<string, string>;
    found[name] = found[name] === undefined ? pair[1] : `${found[name]}, ${pair[1]}`;
  }
  return found;
}

function pairsOf(headers: object): Iterable<unknown> {
  if (Array.isArray(headers)) return headers;
  const entries = (headers as { entries?: unknown }).entries;
  return typeof entries === 'function' ? (entries.call(headers) as Iterable<unknown>) : Object.entries(headers);
}

/** Query parameters that carry a credential: never part of a key input (hooks and events see it). */
const CREDENTIAL_PARAMETERS = new Set(['key']);

/**
 * A query string (with or without its `?`) as the key reads it: parameters sorted by name (the
 * order of one name's values kept), credentials left out. Undefined when nothing is left.
 */
export function answerQueryOf(query: string): string | undefined {
  const text = query.startsWith('?') ? query.slice(1) : query;
  if (text.length === 0) return undefined;
  const params = new URLSearchParams(text);
  for (const name of CREDENTIAL_PARAMETERS) params.delete(name);
  params.sort();
  const kept = params.toString();
  return kept.length > 0 ? kept : undefined;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted at every depth; cycles are written as "[Circular]". */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value, new Set()));
}

function canonical(value: unknown, ancestors: Set<object>): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'bigint') return value.toString();
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  if (ancestors.has(value)) return '[Circular]';
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function' && !Array.isArray(value)) {
    return canonical((toJSON as () => unknown).call(value), ancestors);
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => canonical(item, ancestors) ?? null);
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = canonical((value as Record<string, unknown>)[key], ancestors);
      if (item !== undefined) sorted[key] = item;
    }
    return sorted;
  } finally {
    ancestors.delete(value);
  }
}
