import { createRequire } from 'node:module';
import { readEnv } from '../../config/env-vars.js';
import { ConfigError } from '../../core/errors.js';
import { backoffDelayMs } from '../../core/backoff.js';
import { MeterUnavailableError } from '../errors.js';
import type { RedisLike } from './redis-like.js';
import { redactUrlCredentials } from '../../core/redact-url.js';

type RedisConstructor = new (
  url: string,
  options: Record<string, unknown>,
) => RedisLike & {
  on(event: 'error' | 'ready', listener: (error: unknown) => void): unknown;
  disconnect(): void;
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
 * backs off from 50 ms to 250 ms: until the connection is back, every gated call goes ahead
 * unreserved (fail-open), so a Redis that restarted must be found within a fraction of a second,
 * not the 2 s a longer backoff waited (an attempt against a port nobody listens on costs one
 * refused SYN). No auto-pipelining: the meter
 * already sends a tick's reserves as one script call, and the extra queue only costs time.
 * TCP_NODELAY is ioredis's default.
 */
const RECONNECT_BACKOFF = { baseMs: 50, maxMs: 250 };
const CLIENT_OPTIONS = {
  enableAutoPipelining: false,
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  retryStrategy: (attempt: number) => backoffDelayMs(Math.max(1, attempt), RECONNECT_BACKOFF),
};

/**
 * Opens an ioredis client for `redis://[:password@]host[:port][/db]` (or `rediss://`). ioredis is
 * an optional dependency, loaded here on first use only.
 *
 * @example
 * const { client } = openRedis('redis://127.0.0.1:6379/0');
 */
export function openRedis(url: string): OpenedRedis {
  checkRedisUrl(url);
  let Redis: RedisConstructor;
  try {
    Redis = createRequire(import.meta.url)('ioredis') as RedisConstructor;
  } catch (cause) {
    throw new MeterUnavailableError('The Redis meter needs the ioredis package: `npm install ioredis`', cause);
  }
  const redis = new Redis(url, { ...CLIENT_OPTIONS });
  // A refused password or a database that does not exist will not fix itself by reconnecting, and
  // ioredis still reports such a connection "ready" (on database 0 after a failed SELECT). The
  // first such error is kept: the client stops, and every command fails with it, so health and
  // errors say "authentication failed" instead of "did not answer within 1500 ms".
  let refused: MeterUnavailableError | undefined;
  let settle: () => void = () => undefined;
  const firstReady = new Promise<void>((resolve) => (settle = resolve));
  // The meter reports failures itself (once per outage); without a listener ioredis prints each one.
  let lastError: unknown;
  redis.on('error', (error) => {
    lastError = error;
    if (refused !== undefined) return;
    const problem = setupProblem(error, url);
    if (problem === undefined) return;
    refused = problem;
    lastError = problem;
    redis.disconnect();
    settle();
  });
  redis.on('ready', () => {
    if (refused === undefined) settle();
  });
  // A refused connection is known within a millisecond: waiting out the connect timeout for it
  // would hold every gated call that long.
  const firstAttempt = new Promise<void>((resolve) => {
    redis.on('ready', () => resolve());
    redis.on('error', () => resolve());
  });
  const fail = (): Promise<never> => Promise.reject(refused);
  const client: RedisLike = {
    evalsha: (...args) => (refused ? fail() : redis.evalsha(...args)),
    eval: (...args) => (refused ? fail() : redis.eval(...args)),
    pipeline: () => {
      if (!refused) return redis.pipeline();
      return { hgetall: () => undefined, exec: fail };
    },
    quit: () => (refused ? Promise.resolve('OK') : redis.quit()),
    disconnect: () => redis.disconnect(),
  };
  return { client, firstReady, firstAttempt, lastError: () => lastError };
}

/** An error the connection cannot recover from by itself, as a clear MeterUnavailableError. */
function setupProblem(error: unknown, url: string): MeterUnavailableError | undefined {
  const text = (error as Error | undefined)?.message ?? String(error);
  const where = redactRedisUrl(url);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password|AUTH.*(without|failed)/i.test(text)) {
    return new MeterUnavailableError(
      `Redis at ${where} refused authentication (${text}); check REDIS_PASSWORD or the URL's password`,
      error,
    );
  }
  if (/DB index is out of range|invalid DB index/i.test(text)) {
    return new MeterUnavailableError(
      `Redis at ${where} has no such database (${text}); check REDIS_DB or the URL's /db (Redis has 0-15 unless configured otherwise)`,
      error,
    );
  }
  return undefined;
}

/**
 * The meter location from the environment: `LLM_LEDGER_METER` (`memory`, `sqlite:PATH`,
 * `redis://...`), else `REDIS_HOST`, `REDIS_PORT`, `REDIS_PASSWORD`, `REDIS_DB`.
 * Undefined when neither is set. Throws ConfigError naming a variable that is not valid.
 *
 * @example
 * meterLocationFromEnv({ REDIS_HOST: 'cache', REDIS_DB: '2' }); // 'redis://cache:6379/2'
 */
export function meterLocationFromEnv(env: Record<string, string | undefined>): string | undefined {
  const explicit = readEnv(env, 'LLM_LEDGER_METER');
  const host = readEnv(env, 'REDIS_HOST');
  const port = readEnv(env, 'REDIS_PORT');
  const db = readEnv(env, 'REDIS_DB');
  const password = env.REDIS_PASSWORD;
  if (explicit) return explicit;
  if (!host) {
    // REDIS_PORT, REDIS_DB or REDIS_PASSWORD alone would silently mean "no Redis": say so instead.
    const orphan = (['REDIS_PORT', 'REDIS_DB', 'REDIS_PASSWORD'] as const).find((name) => env[name]?.trim());
    if (orphan !== undefined) {
      throw new ConfigError({
        source: 'environment',
        path: orphan,
        expected: `REDIS_HOST to be set as well (${orphan} alone does not select Redis; set REDIS_HOST=127.0.0.1 for a local server, or unset ${orphan})`,
      });
    }
    return undefined;
  }
  const auth = password ? `:${encodeURIComponent(password)}@` : '';
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `redis://${auth}${hostPart}:${port ?? 6379}/${db ?? 0}`;
}

/** A URL ioredis would reject with a bare TypeError, or misread (a db that is not a number), is a ConfigError. */
function checkRedisUrl(url: string): void {
  let problem: string | undefined;
  try {
    const parsed = new URL(url);
    const db = parsed.pathname.replace(/^\//, '');
    if (parsed.hostname === '') problem = 'no host';
    else if (db !== '' && !/^\d+$/.test(db)) problem = `the database "${db}" is not a number`;
  } catch {
    problem = 'not a valid URL (is the port a number from 1 to 65535?)';
  }
  if (problem !== undefined) {
    throw new ConfigError({
      source: 'options',
      path: 'meter',
      expected: 'redis://[:password@]host[:port][/db] with a numeric port and db',
      received: `${JSON.stringify(redactRedisUrl(url))}: ${problem}`,
    });
  }
}

/** `redis://:secret@host` -> `redis://***@host`, for messages. */
export const redactRedisUrl: (url: string) => string = redactUrlCredentials;
