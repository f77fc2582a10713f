/**
 * Where cached responses live. Values are opaque strings (the serialized `CachedResponse`), so a
 * backend is a small key-value store with expiry: memory, the ledger's SQLite file, Redis, or the
 * application's own. Every method may reject; the `ResponseCache` in front of it turns any failure
 * into a miss, so a backend never fails a call.
 */
export interface CacheBackend {
  /** Short name for logs and errors: `memory`, `sqlite`, `redis`. */
  readonly name: string;
  /** The value stored under `key`, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key`, replacing what was there; `ttlMs` null keeps it until evicted. */
  set(key: string, value: string, ttlMs: number | null): Promise<void>;
  delete(key: string): Promise<void>;
  /** Removes every entry of this cache (only its own: a shared Redis keeps other keys). */
  clear(): Promise<void>;
  /** Releases connections or handles the backend opened itself. */
  close?(): Promise<void>;
}
