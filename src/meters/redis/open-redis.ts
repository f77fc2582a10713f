import { createRequire } from 'node:module';
import { ConfigError } from '../../core/errors.js';
import { MeterUnavailableError } from '../errors.js';
import type { RedisLike } from './redis-like.js';
import { redactUrlCredentials } from '../../core/redact-url.js';

type RedisConstructor = new (
  url: string,
  options: Record<string, unknown>,
) => RedisLike & {
  on(event: 'error' | 'ready', listener: (error: unknown) => void): unknown;
};

/** A client the meter opened, and a promise of its first connection. */
export interface OpenedRedis {
  client: RedisLike;
  /** Resolves once the first connection is ready (never rejects; callers bound the wait). */
  firstReady: Promise<void>;
  /** Resolves when the first connection attempt is over: ready, or failed (refused, reset, timed out). */
  firstAttempt: Promise<void>;
  /** The last connection error, for messages ('connect ECONNREFUSED 127.0.0.1:6379'). */
  lastError(): unknown;
}

/**
 * Connection options for clients the meter opens itself. While Redis is away, commands fail at
 * once instead of waiting in ioredis's offline queue, and unanswered ones are not re-sent on
 * reconnection: a reserve that ran late would hold budget for a call that already went ahead
 * unreserved. The meter has its own retry with backoff and replay queue instead. Reconnection
 * backs off from 100 ms to 2 s (seed 002's exponential backoff). No auto-pipelining: the meter
 * already sends a tick's reserves as one script call, and the extra queue only costs time.
 * TCP_NODELAY is ioredis's default.
 */
const CLIENT_OPTIONS = {
  enableAutoPipelining: false,
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  retryStrategy: (attempt: number) => Math.min(100 * 2 ** Math.max(0, attempt - 1), 2_000),
};

/**
 * Opens an ioredis client for `redis://[:password@]host[:port][/db]` (or `rediss://`). ioredis is
 * an optional dependency, loaded here on first use only.
 *
 * @example
 * const { client } = openRedis('redis://127.0.0.1:6379/0');
 */
export function openRedis(url: string): OpenedRedis {
  let Redis: RedisConstructor;
  try {
    Redis = createRequire(import.meta.url)('ioredis') as RedisConstructor;
  } catch (cause) {
    throw new MeterUnavailableError('The Redis meter needs the ioredis package: `npm install ioredis`', cause);
  }
  const client = new Redis(url, { ...CLIENT_OPTIONS });
  // The meter reports failures itself (once per outage); without a listener ioredis prints each one.
  let lastError: unknown;
  client.on('error', (error) => {
    lastError = error;
  });
  const firstReady = new Promise<void>((resolve) => client.on('ready', () => resolve()));
  // A refused connection is known within a millisecond: waiting out the connect timeout for it
  // would hold every gated call that long.
  const firstAttempt = new Promise<void>((resolve) => {
    client.on('ready', () => resolve());
    client.on('error', () => resolve());
  });
  return { client, firstReady, firstAttempt, lastError: () => lastError };
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
export const redactRedisUrl: (url: string) => string = redactUrlCredentials;
