import type { CacheBackend } from './cache-backend.js';
import { decodeCachedResponse, encodeCachedResponse, type CachedResponse } from './cached-response.js';
import { defaultCacheKey, sha256Hex, type CacheKeyInput } from './cache-key.js';

/**
 * Customizes the key: return a string to use it (hashed, so any length is fine), `false` to never
 * cache this request, or undefined for the default key.
 *
 * @example
 * // Temperature does not matter for this application's answers:
 * key: (input) => defaultCacheKey({ ...input, request: { ...input.request, temperature: undefined } })
 */
export type CacheKeyHook = (input: CacheKeyInput) => string | false | undefined;

/** What the cache tells its listener; the ledger turns these into `cache_hit` and the other events. */
export type CacheEvent =
  | { kind: 'hit'; key: string; input: CacheKeyInput; entry: CachedResponse }
  | { kind: 'miss'; key: string; input: CacheKeyInput }
  | { kind: 'stored'; key: string; input: CacheKeyInput; entry: CachedResponse; bytes: number }
  | { kind: 'error'; operation: 'get' | 'set' | 'key'; error: unknown };

export interface ResponseCacheOptions {
  /** How long an answer is served, in milliseconds; null (the default) keeps it until evicted. */
  ttlMs?: number | null;
  key?: CacheKeyHook;
  /** true: only calls that ask for it (`ledger.wrap(client, { cache: true })`) are cached. Default false. */
  optIn?: boolean;
  /** Sees hits, misses, stores and backend failures; a throw here is ignored. */
  onEvent?: (event: CacheEvent) => void;
}

export interface CacheStats {
  hits: number;
  misses: number;
  stores: number;
  /** Backend operations that failed (each a miss or a skipped store). */
  errors: number;
}

/** A lookup's answer: the key to store under after a miss, and the entry on a hit. */
export interface CacheLookup {
  key: string;
  entry: CachedResponse | undefined;
}

/**
 * The response cache in front of a backend. It never fails a call: a backend that throws or
 * rejects, or an entry that does not decode, is a miss (or a store skipped), counted in `stats`
 * and passed to `onEvent` as an `error`, which the ledger reports once per distinct problem.
 *
 * @example
 * const cache = new ResponseCache(new MemoryCacheBackend({ maxEntries: 500 }), { ttlMs: 3_600_000 });
 * const { key, entry } = await cache.lookup(input);
 * if (!entry) await cache.store(key, answerOf(await callProvider()));
 */
export class ResponseCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, stores: 0, errors: 0 };
  readonly ttlMs: number | null;
  readonly optIn: boolean;

  constructor(
    readonly backend: CacheBackend,
    private readonly options: ResponseCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? null;
    this.optIn = options.optIn ?? false;
  }

  /**
   * Whether a call that asked for `wanted` (its own or its client's `cache` option) uses this
   * cache: never with `false`, and for an opt-in cache only with `true`.
   */
  appliesTo(wanted: boolean | undefined): boolean {
    if (wanted === false) return false;
    return !this.optIn || wanted === true;
  }

  /** The key of a request, or undefined when the key hook says not to cache it (or throws). */
  keyOf(input: CacheKeyInput): string | undefined {
    const hook = this.options.key;
    if (!hook) return defaultCacheKey(input);
    let custom: string | false | undefined;
    try {
      custom = hook(input);
    } catch (error) {
      this.failed('key', error);
      return undefined;
    }
    if (custom === false) return undefined;
    return typeof custom === 'string' ? sha256Hex(custom) : defaultCacheKey(input);
  }

  /** Looks the request up; resolves (never rejects) with its key and, on a hit, the entry. */
  async lookup(input: CacheKeyInput, key = this.keyOf(input)): Promise<CacheLookup | undefined> {
    if (key === undefined) return undefined;
    let entry: CachedResponse | undefined;
    try {
      const text = await this.backend.get(key);
      entry = text === undefined ? undefined : decodeCachedResponse(text);
    } catch (error) {
      this.failed('get', error);
    }
    if (entry) {
      this.stats.hits += 1;
      this.emit({ kind: 'hit', key, input, entry });
    } else {
      this.stats.misses += 1;
      this.emit({ kind: 'miss', key, input });
    }
    return { key, entry };
  }

  /** Stores an answer; resolves (never rejects) with whether it was stored. */
  async store(key: string, input: CacheKeyInput, entry: CachedResponse): Promise<boolean> {
    let text: string;
    try {
      text = encodeCachedResponse(entry);
      await this.backend.set(key, text, this.ttlMs);
    } catch (error) {
      this.failed('set', error);
      return false;
    }
    this.stats.stores += 1;
    this.emit({ kind: 'stored', key, input, entry, bytes: text.length });
    return true;
  }

  /** Removes every entry of this cache. Rejects when the backend does (an explicit request). */
  clear(): Promise<void> {
    return this.backend.clear();
  }

  async close(): Promise<void> {
    try {
      await this.backend.close?.();
    } catch (error) {
      this.failed('set', error);
    }
  }

  private failed(operation: 'get' | 'set' | 'key', error: unknown): void {
    this.stats.errors += 1;
    this.emit({ kind: 'error', operation, error });
  }

  private emit(event: CacheEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's bug never reaches the call.
    }
  }
}
