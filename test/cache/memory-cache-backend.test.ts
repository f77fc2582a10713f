import { describe, expect, it } from 'vitest';
import { MemoryCacheBackend } from '../../src/cache/index.js';
import { describeCacheBackendContract } from '../../src/extend/contract/index.js';
import { vitestApi } from '../support/contract-api.js';

let clock = 0;
describeCacheBackendContract(vitestApi, 'memory', {
  open: () => Promise.resolve(new MemoryCacheBackend({ now: () => clock })),
  expire: (ttlMs) => {
    clock += ttlMs + 1;
    return Promise.resolve();
  },
});

describe('MemoryCacheBackend bounds', () => {
  it('evicts the least recently used entry past maxEntries', async () => {
    const cache = new MemoryCacheBackend({ maxEntries: 2 });
    await cache.set('a', 'A', null);
    await cache.set('b', 'B', null);
    await cache.get('a'); // a is now the most recent
    await cache.set('c', 'C', null);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe('A');
    expect(await cache.get('c')).toBe('C');
    expect(cache.size).toBe(2);
  });

  it('evicts by bytes, counting UTF-8 size of keys and values', async () => {
    const cache = new MemoryCacheBackend({ maxBytes: 100 });
    await cache.set('k1', 'x'.repeat(40), null); // 42 bytes
    await cache.set('k2', 'é'.repeat(20), null); // 2 + 40 bytes
    expect(cache.byteSize).toBe(84);
    await cache.set('k3', 'y'.repeat(30), null); // 32 bytes: k1 must go
    expect(await cache.get('k1')).toBeUndefined();
    expect(await cache.get('k2')).toBe('é'.repeat(20));
    expect(cache.byteSize).toBe(74);
  });

  it('does not store a value larger than maxBytes on its own, and keeps the others', async () => {
    const cache = new MemoryCacheBackend({ maxBytes: 50 });
    await cache.set('small', 'ok', null);
    await cache.set('huge', 'z'.repeat(100), null);
    expect(await cache.get('huge')).toBeUndefined();
    expect(await cache.get('small')).toBe('ok');
  });

  it('replacing a key frees its old bytes', async () => {
    const cache = new MemoryCacheBackend({ maxBytes: 1000 });
    await cache.set('k', 'a'.repeat(500), null);
    await cache.set('k', 'b', null);
    expect(cache.byteSize).toBe(2);
  });
});
