import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError, StoreReadOnlyError } from '../../core/errors.js';
import { toStoreError as toSharedStoreError } from '../store-runtime.js';
import type { SqliteDatabase } from './driver.js';

/**
 * Result codes after which the same statement may succeed later: another connection held the
 * lock, the disk hiccuped or filled up, or the file was made read-only after the store opened
 * (an operator can undo that; setting the records aside for good would lose them). Everything
 * else (constraint, corrupt file, misuse) will fail again the same way.
 */
const RETRYABLE_CODES = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_PROTOCOL',
  'SQLITE_READONLY',
];

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `code` is `prefix` or one of its extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE...). */
function hasCode(error: unknown, prefix: string): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code === prefix || code.startsWith(`${prefix}_`));
}

export function isRetryableSqliteError(error: unknown): boolean {
  return RETRYABLE_CODES.some((prefix) => hasCode(error, prefix));
}

/** Another connection holds the lock this statement needs: trying again later may succeed. */
export function isBusySqliteError(error: unknown): boolean {
  return hasCode(error, 'SQLITE_BUSY') || hasCode(error, 'SQLITE_LOCKED');
}

/** A SQLite failure as a StoreError, classified by SQLite's result codes (the store, its write worker, opening). */
export function toStoreError(error: unknown, action: string): StoreError {
  return toSharedStoreError(error, action, isRetryableSqliteError);
}

/**
 * At open, a database this process cannot write is refused with a StoreReadOnlyError. SQLite
 * itself opens such a file read-only without a word and fails only the first write, which
 * would leave a ledger that accepts calls and keeps none of them. `path` is the file when the
 * store opened it; a connection handed in is judged by its own `readonly` flag.
 */
export function refuseReadOnly(db: SqliteDatabase, path: string | undefined): void {
  const location = path ?? db.name;
  if (db.readonly) throw new StoreReadOnlyError(location, 'the connection was opened with readonly: true');
  if (path === undefined || path === ':memory:' || path === '') return;
  for (const [target, what] of [
    [path, 'the file is not writable'],
    [dirname(path), 'its directory is not writable'],
  ] as const) {
    try {
      accessSync(target, constants.W_OK);
    } catch (cause) {
      throw new StoreReadOnlyError(location, what, cause);
    }
  }
}

/** A failure to open: SQLite's read-only codes become the typed StoreReadOnlyError. */
export function toOpenError(error: unknown, location: string): StoreError {
  if (error instanceof StoreError) return error;
  if (hasCode(error, 'SQLITE_READONLY')) {
    return new StoreReadOnlyError(location, error instanceof Error ? error.message : String(error), error);
  }
  return toStoreError(error, `Opening the SQLite store at ${location} failed`);
}
