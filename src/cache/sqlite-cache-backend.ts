import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadDriver, type SqliteDatabase, type SqliteStatement } from '../stores/sqlite/driver.js';
import type { CacheBackend } from './cache-backend.js';

export interface SqliteCacheOptions {
  /** The SQLite file: the ledger's own (`llm_response_cache` is created by its migrations) or any other. */
  path: string;
  /** Wall-clock milliseconds, for expiry. Default `Date.now`. */
  now?: () => number;
}

/** Every this many writes, expired rows are deleted, so a file with a TTL does not grow without end. */
const SWEEP_EVERY_WRITES = 256;

/**
 * Responses kept in a SQLite file, table `llm_response_cache`: they outlive the process and are
 * shared by the processes on one machine that use the file. Its own connection (WAL, busy timeout)
 * answers in tens of microseconds; the ledger's record writes go through their own worker.
 */
export class SqliteCacheBackend implements CacheBackend {
  readonly name = 'sqlite';
  private readonly db: SqliteDatabase;
  private readonly now: () => number;
  private readonly selectOne: SqliteStatement;
  private readonly upsert: SqliteStatement;
  private readonly deleteOne: SqliteStatement;
  private readonly deleteAll: SqliteStatement;
  private readonly sweep: SqliteStatement;
  private writes = 0;

  constructor(options: SqliteCacheOptions) {
    const Database = loadDriver();
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS llm_response_cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at REAL)',
    );
    this.now = options.now ?? Date.now;
    this.selectOne = this.db.prepare('SELECT value, expires_at FROM llm_response_cache WHERE key = ?');
    this.upsert = this.db.prepare(
      'INSERT INTO llm_response_cache (key, value, expires_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
    );
    this.deleteOne = this.db.prepare('DELETE FROM llm_response_cache WHERE key = ?');
    this.deleteAll = this.db.prepare('DELETE FROM llm_response_cache');
    this.sweep = this.db.prepare('DELETE FROM llm_response_cache WHERE expires_at IS NOT NULL AND expires_at <= ?');
  }

  get(key: string): Promise<string | undefined> {
    try {
      const row = this.selectOne.get(key) as { value: string; expires_at: number | null } | undefined;
      if (row === undefined) return Promise.resolve(undefined);
      if (row.expires_at !== null && row.expires_at <= this.now()) {
        this.deleteOne.run(key);
        return Promise.resolve(undefined);
      }
      return Promise.resolve(row.value);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  set(key: string, value: string, ttlMs: number | null): Promise<void> {
    try {
      const now = this.now();
      this.upsert.run(key, value, ttlMs === null ? null : now + ttlMs);
      if (++this.writes % SWEEP_EVERY_WRITES === 0) this.sweep.run(now);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  delete(key: string): Promise<void> {
    try {
      this.deleteOne.run(key);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  clear(): Promise<void> {
    try {
      this.deleteAll.run();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
