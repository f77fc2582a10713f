import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { unknownKeyMessage } from '../core/key-suggestions.js';

/**
 * Shapes of the option objects the library takes, checked at each entry point. A wrong type
 * (`clock: {}`, `spool: 123`, `store: 123`) is a ConfigError naming the option and what it
 * takes, instead of a TypeError deep inside or a silently used default.
 */

const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function');

/** An object having these methods. */
export function withMethods(...methods: string[]): z.ZodType<object> {
  return z.custom<object>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
  );
}

/** `process.env` is not a plain object (zod's record rejects it): any object whose values are strings. */
export const environmentLike = z.custom<Record<string, string | undefined>>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => item === undefined || typeof item === 'string'),
);

const storeLike = withMethods('write', 'get', 'list', 'byTrace', 'summary', 'close');
// Handlers may be partial (even `{}`), and their methods are not read here: a getter that throws
// is the handler's own problem, isolated when the ledger dispatches to it.
const handlerLike = z.custom<object>((value) => typeof value === 'object' && value !== null);

/** Each entry: the schema, and what a valid value looks like in the error. */
export const LEDGER_OPTION_SHAPES: Readonly<Record<string, readonly [z.ZodType, string]>> = {
  store: [
    z.union([z.string().min(1), storeLike]),
    'a Store instance or a non-empty location string (memory, a SQLite path, sqlite:PATH, postgres://...)',
  ],
  configFile: [z.union([z.string().min(1), z.literal(false)]), 'a file path or false'],
  env: [environmentLike, 'an object of environment variables (strings)'],
  cwd: [z.string().min(1), 'a directory path'],
  handlers: [z.array(handlerLike), 'a list of handler objects (with onStart, onEnd, onError)'],
  logger: [withMethods('debug', 'info', 'warn', 'error'), 'a pino-compatible logger (debug, info, warn, error)'],
  onError: [fn, 'a function'],
  pricer: [z.union([withMethods('price'), z.literal(false)]), 'a Pricer (an object with price(record)) or false'],
  clock: [withMethods('now', 'monotonic'), 'a Clock: an object with now() and monotonic()'],
  // Its own fields are checked by the token estimator (src/tokens) when the ledger builds it.
  tokenEstimation: [z.record(z.string(), z.unknown()), 'token estimation options ({ ratios } or characters per token)'],
  monitor: [z.union([z.boolean(), z.record(z.string(), z.unknown())]), 'true, false or PerformanceMonitor options'],
  meter: [
    z.union([z.string().min(1), z.literal(false), withMethods('reserve', 'settle', 'get')]),
    'a Meter, a location string (memory, sqlite, redis://...) or false',
  ],
  meterPing: [withMethods('ping'), 'an object with ping()'],
  spool: [z.union([z.string().min(1), z.literal(false)]), 'a spool directory path or false'],
  durability: [z.enum(['batched', 'sync']), '"batched" or "sync"'],
  shutdownHooks: [z.boolean(), 'true or false'],
  // Checked again, with its own message, where the dead-letter directory is opened.
  deadLetters: [z.union([z.string().min(1), z.literal(false)]), 'a directory path, or false for no dead-letter file'],
  priceUpdates: [z.boolean(), 'true or false (false: pricing.update is not started)'],
  streamProgress: [
    z.union([
      z.literal(false),
      z
        .object({
          everyChunks: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
          everyMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
        })
        .strict(),
    ]),
    'false, or { everyChunks, everyMs }: whole numbers ≥ 0 (0 turns that trigger off)',
  ],
  // Its fields are checked against CACHE_OPTION_SHAPES (checkCacheOptions), each with its own message.
  cache: [
    z.union([z.boolean(), z.record(z.string(), z.unknown())]),
    'true, false, or response cache options { backend, ttlMs, maxEntries, maxBytes, key, optIn }',
  ],
};

const cacheBackendLike = withMethods('get', 'set', 'delete', 'clear');
const positiveWhole = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** The fields of `createLedger({ cache: { ... } })`. */
export const CACHE_OPTION_SHAPES: Readonly<Record<string, readonly [z.ZodType, string]>> = {
  backend: [
    z.union([z.literal('memory'), z.literal('sqlite'), z.string().regex(/^sqlite:.+/), cacheBackendLike]),
    '"memory", "sqlite" (the ledger\'s own file), "sqlite:PATH", or a CacheBackend (get, set, delete, clear), such as RedisCacheBackend from llm-ledger/redis',
  ],
  ttlMs: [z.union([positiveWhole, z.null()]), 'a whole number of milliseconds > 0, or null (kept until evicted)'],
  maxEntries: [positiveWhole, "a whole number > 0 (the memory backend's entry bound)"],
  maxBytes: [positiveWhole, "a whole number of bytes > 0 (the memory backend's size bound)"],
  key: [fn, 'a function (input) => string | false | undefined'],
  optIn: [z.boolean(), 'true (only calls that ask with cache: true are cached) or false (every call)'],
};

/** Checks `createLedger({ cache })`: unknown fields with a did-you-mean, wrong types naming the field. */
export function checkCacheOptions(value: Record<string, unknown>): void {
  checkOptions(value, CACHE_OPTION_SHAPES, 'options.cache');
  if (value.backend !== undefined && typeof value.backend !== 'string') {
    for (const field of ['maxEntries', 'maxBytes'] as const) {
      if (value[field] !== undefined) {
        throw new ConfigError({
          source: 'options.cache',
          path: field,
          expected: 'no bound for a backend given as an object (bound it where it is built)',
          received: describeValue(value[field]),
        });
      }
    }
  }
}

/** The options object itself: a plain object (or undefined). */
export function checkOptionsObject(value: unknown, source: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError({
      source,
      path: '',
      expected: 'an options object (or nothing)',
      received: describeValue(value),
    });
  }
  return value as Record<string, unknown>;
}

/**
 * `source` names the entry point in the error: `options` (createLedger), `ledger.batch() options`...
 * Checks `options` against `shapes` (plus `extraKeys`, checked elsewhere): unknown keys with a
 * did-you-mean, wrong types naming the option. `undefined` values count as absent.
 */
export function checkOptions(
  options: Record<string, unknown>,
  shapes: Readonly<Record<string, readonly [z.ZodType, string]>>,
  source: string,
  extraKeys: readonly string[] = [],
): void {
  const known = [...extraKeys, ...Object.keys(shapes)];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    // Own keys only: `valueOf` or `constructor` must not find Object.prototype's members.
    const shape = Object.hasOwn(shapes, key) ? shapes[key] : undefined;
    if (shape === undefined) {
      if (extraKeys.includes(key)) continue;
      throw new ConfigError({
        source,
        path: key,
        expected: `no ${unknownKeyMessage(key, known, 'option')}`,
      });
    }
    if (!shape[0].safeParse(value).success) {
      throw new ConfigError({
        source,
        path: key,
        expected: shape[1],
        received: describeValue(value),
      });
    }
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty object' : 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
