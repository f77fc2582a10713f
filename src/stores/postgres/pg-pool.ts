import { createRequire } from 'node:module';
import type { Pool, PoolConfig } from 'pg';
import { StoreError } from '../../core/errors.js';

/** The part of a `pg` query result the store reads. */
export interface PgResultLike {
  rows: Array<Record<string, unknown>>;
  rowCount: number | null;
}

/** A checked-out connection (`pg.PoolClient`), used for transactions. */
export interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<PgResultLike>;
  release(error?: Error | boolean): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * What the store needs from a connection pool: a `pg.Pool` fits, and so does any wrapper with
 * the same three methods. Declared here so that `pg` stays an optional dependency.
 */
export interface PgPoolLike {
  query(text: string, values?: unknown[]): Promise<PgResultLike>;
  connect(): Promise<PgClientLike>;
  end(): Promise<void>;
}

/**
 * Opens a `pg.Pool` for a connection string. `pg` is loaded on first use, with require (it is
 * CommonJS), so that programs not using PostgreSQL never need it installed.
 */
export function createPgPool(connectionString: string, config: PoolConfig = {}): PgPoolLike {
  let PoolClass: typeof Pool;
  try {
    PoolClass = (createRequire(import.meta.url)('pg') as { Pool: typeof Pool }).Pool;
  } catch (cause) {
    throw new StoreError('The PostgreSQL store needs the pg package; install it with `npm install pg`', {
      retryable: false,
      cause,
    });
  }
  const pool = new PoolClass({ max: 4, connectionString, ...config });
  // An idle connection that dies (server restart) emits 'error' on the pool; unhandled, it would
  // crash the host process. The next query reconnects and reports its own failure.
  pool.on('error', () => {});
  // Disable Nagle's algorithm: small INSERT batches must not wait for delayed ACKs.
  pool.on('connect', (client) => {
    (
      client as unknown as { connection?: { stream?: { setNoDelay?: (on: boolean) => void } } }
    ).connection?.stream?.setNoDelay?.(true);
  });
  return pool as unknown as PgPoolLike;
}
