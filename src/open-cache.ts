import { MemoryCacheBackend } from './cache/memory-cache-backend.js';
import { ResponseCache, type CacheEvent, type CacheKeyHook } from './cache/response-cache.js';
import { SqliteCacheBackend } from './cache/sqlite-cache-backend.js';
import type { CacheBackend } from './cache/cache-backend.js';
import { checkCacheOptions } from './config/options-schema.js';
import { ConfigError } from './core/errors.js';
import type { LedgerEvent } from './core/handlers.js';
import type { Problem } from './core/problem-reporter.js';
import { sqlitePathOf } from './open-store.js';

/** `createLedger({ cache })`: the response cache, in front of the backend it names. */
export interface CacheOptions {
  /**
   * Where answers are kept: `memory` (default; an LRU bounded by `maxEntries` and `maxBytes`),
   * `sqlite` (the ledger's own SQLite file), `sqlite:PATH`, or a CacheBackend such as
   * `new RedisCacheBackend({ client })` from `llm-ledger/redis`, shared by processes.
   */
  backend?: 'memory' | 'sqlite' | `sqlite:${string}` | CacheBackend;
  /** How long an answer is served, in milliseconds; null or unset: until evicted. */
  ttlMs?: number | null;
  /** Memory backend: most entries kept. Default 1,000. */
  maxEntries?: number;
  /** Memory backend: most bytes kept. Default 64 MiB. */
  maxBytes?: number;
  /** Customizes the key (see `defaultCacheKey`); `false` from it leaves that request uncached. */
  key?: CacheKeyHook;
  /** true: only calls that ask (`ledger.wrap(client, { cache: true })`) are cached. Default false. */
  optIn?: boolean;
}

export interface CacheWiring {
  emit(event: LedgerEvent): void;
  report(problem: Problem): void;
}

/** The ResponseCache for `options.cache`, or undefined when it is unset or false. */
export function openCache(
  option: boolean | CacheOptions | undefined,
  storeLocation: string,
  cwd: string,
  wiring: () => CacheWiring | undefined,
): ResponseCache | undefined {
  if (option === undefined || option === false) return undefined;
  const options: CacheOptions = option === true ? {} : option;
  checkCacheOptions(options as Record<string, unknown>);
  const backend = openBackend(options, storeLocation, cwd);
  return new ResponseCache(backend, {
    ttlMs: options.ttlMs ?? null,
    key: options.key,
    optIn: options.optIn ?? false,
    onEvent: (event) => {
      const target = wiring();
      if (target) forward(event, backend.name, target);
    },
  });
}

function openBackend(options: CacheOptions, storeLocation: string, cwd: string): CacheBackend {
  const backend = options.backend ?? 'memory';
  if (typeof backend === 'object') return backend;
  if (backend === 'memory')
    return new MemoryCacheBackend({ maxEntries: options.maxEntries, maxBytes: options.maxBytes });
  const path = backend === 'sqlite' ? sqlitePathOf(storeLocation, cwd) : sqlitePathOf(backend, cwd);
  if (path === undefined) {
    throw new ConfigError({
      source: 'options.cache',
      path: 'backend',
      expected: '"sqlite:PATH" or "memory": "sqlite" means the ledger\'s own SQLite file, and this ledger has none',
      received: JSON.stringify(storeLocation),
    });
  }
  return new SqliteCacheBackend({ path });
}

/** Cache events as ledger events; a backend failure is a problem, reported once per distinct error. */
function forward(event: CacheEvent, backend: string, target: CacheWiring): void {
  if (event.kind === 'error') {
    target.report({ kind: 'cache', subject: `${backend}.${event.operation}`, error: event.error });
    return;
  }
  const name = event.kind === 'hit' ? 'cache_hit' : event.kind === 'miss' ? 'cache_miss' : 'response_cached';
  const fields: Record<string, unknown> = { cache_key: event.key.slice(0, 16), backend };
  if (event.kind === 'hit') fields.cost_saved = event.entry.cost;
  if (event.kind === 'stored') {
    fields.bytes = event.bytes;
    fields.streamed = event.entry.streamed;
  }
  target.emit({ event: name, model: event.input.model, provider: event.input.provider, fields });
}
