/**
 * `llm-ledger/redis`: the Redis meter backend. ioredis is an optional dependency: pass your own
 * client (anything matching `RedisLike`), or a URL and the meter opens one.
 */
export { RedisMeterBackend, type RedisMeterBackendOptions } from './redis-meter-backend.js';
export { openRedis, meterLocationFromEnv } from './open-redis.js';
export type { RedisLike, RedisPipelineLike } from './redis-like.js';
export { RedisCacheBackend, type RedisCacheClient, type RedisCacheOptions } from '../../cache/redis-cache-backend.js';
