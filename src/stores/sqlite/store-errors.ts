import { StoreError } from '../../core/errors.js';

/**
 * Result codes after which the same statement may succeed later: another connection held the
 * lock, or the disk hiccuped or filled up. Everything else (constraint, corrupt file, misuse)
 * will fail again the same way.
 */
const RETRYABLE_CODES = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_PROTOCOL'];

export function isRetryableSqliteError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  // Extended codes carry a suffix: SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE...
  return RETRYABLE_CODES.some((prefix) => code === prefix || code.startsWith(`${prefix}_`));
}

/** Wraps a driver failure so callers (the write queue, the CLI) can branch on `retryable`. */
export function toStoreError(error: unknown, action: string): StoreError {
  if (error instanceof StoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const suffix = typeof code === 'string' ? ` (${code})` : '';
  return new StoreError(`${action}: ${message}${suffix}`, { retryable: isRetryableSqliteError(error), cause: error });
}
