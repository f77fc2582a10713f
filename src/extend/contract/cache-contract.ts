import type { CacheBackend } from '../../cache/index.js';
import type { ContractTestApi } from './test-api.js';

/** What a backend under test provides: a fresh, empty backend, and how to let time pass for TTLs. */
export interface CacheBackendFixture {
  open(): Promise<CacheBackend>;
  /** Waits until an entry stored with `ttlMs` has expired (real time for Redis, a clock for memory). */
  expire(ttlMs: number): Promise<void>;
  cleanup?(): Promise<void>;
}

/**
 * The behaviour every CacheBackend must have, run once per backend (memory, SQLite, Redis).
 *
 * @example
 * import { afterEach, beforeEach, describe, expect, it } from 'vitest';
 * let now = 0;
 * describeCacheBackendContract({ describe, it, expect, beforeEach, afterEach }, 'memory', {
 *   open: async () => new MemoryCacheBackend({ now: () => now }),
 *   expire: async (ttlMs) => void (now += ttlMs + 1),
 * });
 */
export function describeCacheBackendContract(t: ContractTestApi, name: string, fixture: CacheBackendFixture): void {
  const { afterEach, beforeEach, describe, expect, it } = t;
  describe(`cache backend contract: ${name}`, () => {
    let backend: CacheBackend;
    beforeEach(async () => {
      backend = await fixture.open();
    });
    afterEach(async () => {
      await backend.clear();
      await backend.close?.();
      await fixture.cleanup?.();
    });

    it('returns undefined for a key never stored', async () => {
      expect(await backend.get('absent')).toBeUndefined();
    });

    it('returns what was stored, exactly, including non-ASCII text', async () => {
      const value = JSON.stringify({ text: 'héllo 🌊 "quoted"\n', n: 1 });
      await backend.set('k1', value, null);
      expect(await backend.get('k1')).toBe(value);
    });

    it('replaces a value stored under the same key', async () => {
      await backend.set('k', 'first', null);
      await backend.set('k', 'second', null);
      expect(await backend.get('k')).toBe('second');
    });

    it('keeps keys apart', async () => {
      await backend.set('a', 'A', null);
      await backend.set('b', 'B', null);
      expect([await backend.get('a'), await backend.get('b')]).toEqual(['A', 'B']);
    });

    it('deletes one key and leaves the others', async () => {
      await backend.set('a', 'A', null);
      await backend.set('b', 'B', null);
      await backend.delete('a');
      await backend.delete('never-there');
      expect(await backend.get('a')).toBeUndefined();
      expect(await backend.get('b')).toBe('B');
    });

    it('clear removes every entry', async () => {
      await backend.set('a', 'A', null);
      await backend.set('b', 'B', 60_000);
      await backend.clear();
      expect(await backend.get('a')).toBeUndefined();
      expect(await backend.get('b')).toBeUndefined();
    });

    it('serves an entry before its TTL and not after', async () => {
      await backend.set('short', 'v', 150);
      await backend.set('long', 'w', 600_000);
      expect(await backend.get('short')).toBe('v');
      await fixture.expire(150);
      expect(await backend.get('short')).toBeUndefined();
      expect(await backend.get('long')).toBe('w');
    });

    it('a new TTL replaces the old one when a key is stored again', async () => {
      await backend.set('k', 'v', 150);
      await backend.set('k', 'v2', null);
      await fixture.expire(150);
      expect(await backend.get('k')).toBe('v2');
    });

    it('holds a large value (1 MB)', async () => {
      const value = 'x'.repeat(1024 * 1024);
      await backend.set('big', value, null);
      expect((await backend.get('big'))?.length).toBe(value.length);
    });

    it('answers concurrent reads and writes consistently', async () => {
      await Promise.all(Array.from({ length: 50 }, (_, index) => backend.set(`c${index}`, `v${index}`, null)));
      const values = await Promise.all(Array.from({ length: 50 }, (_, index) => backend.get(`c${index}`)));
      expect(values).toEqual(Array.from({ length: 50 }, (_, index) => `v${index}`));
    });
  });
}
