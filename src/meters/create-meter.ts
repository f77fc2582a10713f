import { dirname, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { consoleLogger, type LedgerLogger } from '../core/logger.js';
import type { Spool } from '../core/spool.js';
import { FileSpool } from '../delivery/file-spool.js';
import type { MeterBackend } from './backend.js';
import { BackedMeter, type MeterOptions } from './backed-meter/backed-meter.js';
import { MemoryMeterBackend } from './memory/memory-meter.js';
import type { Meter } from './meter.js';
import { meterLocationFromEnv, openRedis, redactRedisUrl } from './redis/open-redis.js';
import type { RedisLike } from './redis/redis-like.js';
import { RedisMeterBackend } from './redis/redis-meter-backend.js';
import { SqliteMeterBackend } from './sqlite/sqlite-meter.js';

export interface CreateMeterOptions extends Omit<MeterOptions, 'backend' | 'spool'> {
  /**
   * Where counters live: a MeterBackend, a Redis client (anything `RedisLike`, such as an ioredis
   * instance), or a location: `memory`, `sqlite:PATH` (or a file path), `redis://host:port/db`.
   * Default: `LLM_LEDGER_METER`, then `REDIS_HOST`/`REDIS_PORT`/`REDIS_PASSWORD`/`REDIS_DB`, then memory.
   */
  backend?: MeterBackend | RedisLike | string;
  /** Redis key prefix. Default `llm-ledger:`. */
  keyPrefix?: string;
  /** Environment read for the default backend. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Base directory of a relative SQLite path. Default `process.cwd()`. */
  cwd?: string;
  /**
   * Where settlements wait while the backend is down: a Spool, or a directory for a file spool
   * (relative to `cwd`; one process per directory). A directory already in use by another process
   * is logged and left out: settlements then wait in memory only.
   */
  spool?: Spool | string;
}

/**
 * Creates a meter.
 *
 * @example
 * const meter = createMeter({
 *   backend: 'redis://127.0.0.1:6379',
 *   cycleStartDate: '2024-01-15',
 *   limits: { budgets: [{ subject: 'user:*', period: 'cycle', maxCost: '25', mode: 'hard' }] },
 *   estimate: { pricer },
 * });
 */
export function createMeter(options: CreateMeterOptions = {}): Meter {
  const { backend, keyPrefix, env, cwd, spool, ...meterOptions } = options;
  const location = backend ?? meterLocationFromEnv(env ?? process.env) ?? 'memory';
  const opened = openMeterBackend(location, { keyPrefix, cwd });
  return new BackedMeter({ ...meterOptions, backend: opened, spool: openSpool(spool, cwd, meterOptions.logger) });
}

function openSpool(spool: Spool | string | undefined, cwd: string | undefined, logger: LedgerLogger | undefined) {
  if (typeof spool !== 'string') return spool;
  const directory = resolve(cwd ?? process.cwd(), spool);
  try {
    return new FileSpool({ directory });
  } catch (error) {
    (logger ?? consoleLogger).warn(
      { error, directory },
      `llm-ledger meter: cannot use the spool in ${directory} (${(error as Error)?.message ?? error}); ` +
        'settlements made while the backend is down are kept in memory only',
    );
    return undefined;
  }
}

/**
 * A backend from its location string (or passes an instance through).
 *
 * @example
 * const backend = openMeterBackend('sqlite:.llm-ledger/ledger.db');
 */
export function openMeterBackend(
  location: MeterBackend | RedisLike | string,
  options: { keyPrefix?: string; cwd?: string } = {},
): MeterBackend {
  if (typeof location === 'object' && location !== null) {
    if (isBackend(location)) return location;
    if (isRedisLike(location)) return new RedisMeterBackend(location, { keyPrefix: options.keyPrefix });
  }
  if (typeof location !== 'string' || location.trim() === '') {
    throw new ConfigError({
      source: 'options',
      path: 'backend',
      expected: 'a MeterBackend, a Redis client, or memory, sqlite:PATH or redis://host:port',
      received: typeof location,
    });
  }
  if (location === 'memory') return new MemoryMeterBackend();
  if (/^rediss?:\/\//i.test(location)) {
    const { client, firstReady, firstAttempt, lastError } = openRedis(location);
    return new RedisMeterBackend(client, {
      keyPrefix: options.keyPrefix,
      ownsClient: true,
      firstReady,
      firstAttempt,
      connectionError: lastError,
    });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !/^(sqlite|file):/i.test(location)) {
    throw new ConfigError({
      source: 'options',
      path: 'backend',
      expected: 'memory, sqlite:PATH, a file path, or redis://host:port/db',
      received: JSON.stringify(redactRedisUrl(location)),
    });
  }
  const path = location.replace(/^(sqlite|file):(\/\/)?/i, '');
  if (path === ':memory:') return new SqliteMeterBackend({ path });
  const absolute = resolve(options.cwd ?? process.cwd(), path);
  mkdirSync(dirname(absolute), { recursive: true });
  return new SqliteMeterBackend({ path: absolute });
}

function isBackend(value: object): value is MeterBackend {
  const candidate = value as Partial<MeterBackend>;
  return (
    typeof candidate.reserve === 'function' &&
    typeof candidate.commit === 'function' &&
    typeof candidate.read === 'function'
  );
}

function isRedisLike(value: object): value is RedisLike {
  const candidate = value as Partial<RedisLike>;
  return typeof candidate.evalsha === 'function' && typeof candidate.pipeline === 'function';
}
