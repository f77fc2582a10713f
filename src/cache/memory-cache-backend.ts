import { BoundedMap } from '../core/bounded-map.js';
import type { CacheBackend } from './cache-backend.js';

export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used goes first. Default 1,000. */
  maxEntries?: number;
  /** Most bytes kept (UTF-8 size of keys and values). Default 64 MiB. */
  maxBytes?: number;
  /** Milliseconds since some fixed point, for expiry; `performance.now` by default. */
  now?: () => number;
}

export const DEFAULT_MEMORY_CACHE_ENTRIES = 1_000;
export const DEFAULT_MEMORY_CACHE_BYTES = 64 * 1024 * 1024;

interface Slot {
  value: string;
  bytes: number;
  expiresAt: number;
}

/**
 * A least-recently-used cache in this process, bounded by entry count and by bytes (a BoundedMap
 * weighing each slot by its bytes). A value larger than `maxBytes` on its own is not stored.
 */
export class MemoryCacheBackend implements CacheBackend {
  readonly name = 'memory';
  private readonly slots: BoundedMap<string, Slot>;
  private readonly now: () => number;

  constructor(options: MemoryCacheOptions = {}) {
    this.slots = new BoundedMap({
      maxEntries: options.maxEntries ?? DEFAULT_MEMORY_CACHE_ENTRIES,
      maxWeight: options.maxBytes ?? DEFAULT_MEMORY_CACHE_BYTES,
      weigh: (slot) => slot.bytes,
    });
    this.now = options.now ?? (() => performance.now());
  }

  /** Entries held now (expired ones included until they are read or evicted). */
  get size(): number {
    return this.slots.size;
  }

  /** Bytes held now. */
  get byteSize(): number {
    return this.slots.weight;
  }

  get(key: string): Promise<string | undefined> {
    const slot = this.slots.get(key);
    if (slot === undefined) return Promise.resolve(undefined);
    if (slot.expiresAt <= this.now()) {
      this.slots.delete(key);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(slot.value);
  }

  set(key: string, value: string, ttlMs: number | null): Promise<void> {
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value);
    const expiresAt = ttlMs === null ? Number.POSITIVE_INFINITY : this.now() + ttlMs;
    // Evicts the least recently used past either bound; a value too large on its own is not kept.
    this.slots.set(key, { value, bytes, expiresAt });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.slots.delete(key);
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.slots.clear();
    return Promise.resolve();
  }
}
