import { createRequire } from 'node:module';
import { ConfigError } from '../../core/errors.js';
import { MeterUnavailableError } from '../errors.js';
import type { RedisLike } from './redis-like.js';

type RedisConstructor = new (url: string, options: Record<string, unknown>) => RedisLike & {
  on(event: 'error', listener: (error: unknown) => void): unknown;
};

/**
 * Connection options for clients the meter opens itself. Commands fail after one reconnection
 * attempt instead of waiting in ioredis's queue for as long as Redis is away: the meter has its
 * own retry with backoff and its replay queue. Reconnection backs off from 100 ms to 2 s (seed
 * 002's exponential backoff); auto-pipelining batches concurrent reserves into one round trip.
 */
const CLIENT_OPTIONS = {
  enableAutoPipelining: true,
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  retryStrategy: (attempt: number) => Math.min(100 * 2 ** Math.max(0, attempt - 1), 2_000),
};

/**
 * Opens an ioredis client for `redis://[:password@]host[:port][/db]` (or `rediss://`). ioredis is
 * an optional dependency, loaded here on first use only.
 *
 * @example
 * const client = openRedis('redis://127.0.0.1:6379/0');
 */
export function openRedis(url: string): RedisLike {
  let Redis: RedisConstructor;
  try {
    Redis = createRequire(import.meta.url)('ioredis') as RedisConstructor;
  } catch (cause) {
    throw new MeterUnavailableError('The Redis meter needs the ioredis package: `npm install ioredis`', cause);
  }
  const client = new Redis(url, { ...CLIENT_OPTIONS });
  // The meter reports failures itself (once per outage); without a listener ioredis prints each one.
  client.on('error', () => undefined);
  return client;
}

/**
 * The meter location from the environment: `LLM_LEDGER_METER` (`memory`, `sqlite:PATH`,
 * `redis://...`), else seed 002's `REDIS_HOST`, `REDIS_PORT`, `REDIS_PASSWORD`, `REDIS_DB`.
 * Undefined when neither is set. Throws ConfigError naming a variable that is not valid.
 *
 * @example
 * meterLocationFromEnv({ REDIS_HOST: 'cache', REDIS_DB: '2' }); // 'redis://cache:6379/2'
 */
export function meterLocationFromEnv(env: Record<string, string | undefined>): string | undefined {
  const explicit = env.LLM_LEDGER_METER?.trim();
  if (explicit) return explicit;
  const host = env.REDIS_HOST?.trim();
  if (!host) return undefined;
  const port = integerVariable(env, 'REDIS_PORT', 6379, 1, 65_535);
  const db = integerVariable(env, 'REDIS_DB', 0, 0, 1_000_000);
  const password = env.REDIS_PASSWORD;
  const auth = password ? `:${encodeURIComponent(password)}@` : '';
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `redis://${auth}${hostPart}:${port}/${db}`;
}

function integerVariable(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError({
      source: 'environment',
      path: name,
      expected: `an integer from ${min} to ${max}`,
      received: JSON.stringify(raw),
    });
  }
  return value;
}

/** `redis://:secret@host` -> `redis://***@host`, for messages. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
