import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { ConfigError, StoreError } from '../../core/errors.js';

/** A better-sqlite3 connection, the kind users may hand to `new SqliteStore({ database })`. */
export type SqliteDatabase = BetterSqlite3.Database;
export type SqliteStatement = BetterSqlite3.Statement<unknown[], unknown>;

type DatabaseConstructor = typeof BetterSqlite3;

let driver: DatabaseConstructor | undefined;

/**
 * Loads better-sqlite3 on first use rather than at import time, so that programs using only the
 * memory store never load the native addon, and the store's constructor stays synchronous.
 */
export function loadDriver(): DatabaseConstructor {
  if (driver) return driver;
  try {
    const require = createRequire(import.meta.url);
    driver = require('better-sqlite3') as DatabaseConstructor;
    return driver;
  } catch (cause) {
    throw new StoreError(
      'The SQLite store needs the better-sqlite3 package and its native addon; install it with `npm install better-sqlite3`',
      { retryable: false, cause },
    );
  }
}

/** A store or meter on SQLite needs a file path (or ":memory:") or an open database: say which when neither is given. */
export function checkSqliteTarget(
  path: unknown,
  database: SqliteDatabase | undefined,
): asserts path is string | undefined {
  if (database === undefined && (typeof path !== 'string' || path.length === 0)) {
    throw new ConfigError({
      source: 'options',
      path: 'path',
      expected: 'a SQLite file path, ":memory:", or an open better-sqlite3 `database`',
      received: JSON.stringify(path),
    });
  }
}
