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
 * A least-recently-used cache in this process, bounded by entry count and by bytes. A Map keeps
 * insertion order, so a read moves its entry to the end and eviction takes from the front: O(1)
 * for both. A value larger than `maxBytes` on its own is not stored.
 */
export class MemoryCacheBackend implements CacheBackend {
  readonly name = 'memory';
  private readonly slots = new Map<string, Slot>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private bytes = 0;

  constructor(options: MemoryCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MEMORY_CACHE_ENTRIES;
    this.maxBytes = options.maxBytes ?? DEFAULT_MEMORY_CACHE_BYTES;
    this.now = options.now ?? (() => performance.now());
  }

  /** Entries held now (expired ones included until they are read or evicted). */
  get size(): number {
    return this.slots.size;
  }

  /** Bytes held now. */
  get byteSize(): number {
    return this.bytes;
  }

  get(key: string): Promise<string | undefined> {
    const slot = this.slots.get(key);
    if (slot === undefined) return Promise.resolve(undefined);
    if (slot.expiresAt <= this.now()) {
      this.remove(key, slot);
      return Promise.resolve(undefined);
    }
    // Most recently used goes to the end.
    this.slots.delete(key);
    this.slots.set(key, slot);
    return Promise.resolve(slot.value);
  }

  set(key: string, value: string, ttlMs: number | null): Promise<void> {
    const previous = this.slots.get(key);
    if (previous) this.remove(key, previous);
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value);
    if (bytes > this.maxBytes || this.maxEntries === 0) return Promise.resolve();
    const expiresAt = ttlMs === null ? Number.POSITIVE_INFINITY : this.now() + ttlMs;
    this.slots.set(key, { value, bytes, expiresAt });
    this.bytes += bytes;
    for (const [oldest, slot] of this.slots) {
      if (this.slots.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.remove(oldest, slot);
    }
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    const slot = this.slots.get(key);
    if (slot) this.remove(key, slot);
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.slots.clear();
    this.bytes = 0;
    return Promise.resolve();
  }

  private remove(key: string, slot: Slot): void {
    this.slots.delete(key);
    this.bytes -= slot.bytes;
  }
}
