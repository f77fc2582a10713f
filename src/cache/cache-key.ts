import { createHash } from 'node:crypto';

/** What a cache key is computed from: the provider, the API, whether it streams, and the request. */
export interface CacheKeyInput {
  /** `openai`, `anthropic`, `gemini`, or the name a client was given. */
  provider: string;
  /** The API called: `chat.completions`, `responses`, `messages`, `generateContent`, `ai-sdk`... */
  endpoint: string;
  model: string;
  /** A streamed and a non-streamed answer are different objects, so they are cached apart. */
  streamed: boolean;
  /** The request as the application gave it; attribution and transport fields are left out. */
  request: Readonly<Record<string, unknown>>;
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
  // transport
  'stream',
  'stream_options',
  'store',
  'signal',
  'abortSignal',
  'httpOptions',
  'timeout',
  'service_tier',
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
  return sha256Hex(
    canonicalJson({
      provider: input.provider,
      endpoint: input.endpoint,
      model: input.model,
      streamed: input.streamed,
      request: cacheKeyFields(input.request),
    }),
  );
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
