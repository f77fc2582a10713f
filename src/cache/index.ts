export type { CacheBackend } from './cache-backend.js';
export {
  CACHED_RESPONSE_VERSION,
  decodeCachedResponse,
  encodeCachedResponse,
  type CachedResponse,
} from './cached-response.js';
export {
  CACHE_KEY_HEADERS,
  CACHE_KEY_IGNORED_FIELDS,
  cacheKeyFields,
  canonicalJson,
  defaultCacheKey,
  sha256Hex,
  type CacheKeyInput,
} from './cache-key.js';
export {
  DEFAULT_MEMORY_CACHE_BYTES,
  DEFAULT_MEMORY_CACHE_ENTRIES,
  MemoryCacheBackend,
  type MemoryCacheOptions,
} from './memory-cache-backend.js';
export {
  ResponseCache,
  type CacheEvent,
  type CacheKeyHook,
  type CacheLookup,
  type CacheStats,
  type ResponseCacheOptions,
} from './response-cache.js';
export { SqliteCacheBackend, type SqliteCacheOptions } from './sqlite-cache-backend.js';
