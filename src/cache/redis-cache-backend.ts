import type { CacheBackend } from './cache-backend.js';

/** The part of a Redis client the cache uses; an ioredis `Redis` instance fits as is. */
export interface RedisCacheClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  set(key: string, value: string, millisecondsToken: 'PX', milliseconds: number): Promise<unknown>;
  del(...keys: string[]): Promise<unknown>;
  scan(
    cursor: string,
    patternToken: 'MATCH',
    pattern: string,
    countToken: 'COUNT',
    count: number,
  ): Promise<[cursor: string, elements: string[]]>;
}

export interface RedisCacheOptions {
  /** A client (ioredis or anything matching `RedisCacheClient`); the backend does not close it. */
  client: RedisCacheClient;
  /** Prefix of every key, so several caches share one database. Default `llm-ledger:cache:`. */
  prefix?: string;
}

/**
 * Responses kept in Redis: shared by every process that uses the same server and prefix, expiry
 * done by Redis itself (`SET ... PX ttl`). The client is the application's; the backend neither
 * opens nor closes it, so `llm-ledger` itself never loads ioredis.
 */
export class RedisCacheBackend implements CacheBackend {
  readonly name = 'redis';
  private readonly client: RedisCacheClient;
  private readonly prefix: string;

  constructor(options: RedisCacheOptions) {
    this.client = options.client;
    this.prefix = options.prefix ?? 'llm-ledger:cache:';
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(this.prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number | null): Promise<void> {
    if (ttlMs === null) await this.client.set(this.prefix + key, value);
    else await this.client.set(this.prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }

  /** Deletes this prefix's keys only (SCAN in pages, never KEYS, which blocks the server). */
  async clear(): Promise<void> {
    const pattern = `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length > 0) await this.client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
}
