import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisCacheBackend } from '../../src/meters/redis/index.js';
import { describeCacheBackendContract } from '../../src/extend/contract/index.js';
import { vitestApi } from '../support/contract-api.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const client = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
afterAll(async () => {
  await client.quit();
});
const prefix = `llm-ledger-test:cache:${process.pid}:`;

let instance = 0;
describeCacheBackendContract(vitestApi, 'redis', {
  open: () => Promise.resolve(new RedisCacheBackend({ client, prefix: `${prefix}${instance++}:` })),
  // Redis expires in real time.
  expire: (ttlMs) => new Promise((resolve) => setTimeout(resolve, ttlMs + 50)),
});

describe('RedisCacheBackend', () => {
  it('is shared by two backends (processes) on the same prefix, and clear keeps other prefixes', async () => {
    const a = new RedisCacheBackend({ client, prefix: `${prefix}shared:` });
    const b = new RedisCacheBackend({ client, prefix: `${prefix}shared:` });
    const other = new RedisCacheBackend({ client, prefix: `${prefix}other:` });
    await a.set('k', 'v', 60_000);
    await other.set('k', 'kept', 60_000);
    expect(await b.get('k')).toBe('v');
    await b.clear();
    expect(await a.get('k')).toBeUndefined();
    expect(await other.get('k')).toBe('kept');
    await other.clear();
  });

  it('sets the TTL in Redis itself', async () => {
    const backend = new RedisCacheBackend({ client, prefix: `${prefix}ttl:` });
    await backend.set('k', 'v', 30_000);
    const ttl = await client.pttl(`${prefix}ttl:k`);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await backend.clear();
  });
});
