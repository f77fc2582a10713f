import { StoreError } from '../core/errors.js';

/**
 * What a store tells the runtime about its backend. Only the classification of driver errors
 * differs between backends; the rest (init once, the closed guard, the error messages) is the
 * runtime's, so every store behaves the same at its edges.
 */
export interface StoreBackend {
  /** Names the store in messages: "The SQLite store is closed". */
  readonly name: string;
  /** Whether a driver failure may succeed if tried again (a lock held, a connection dropped). */
  isRetryable(error: unknown): boolean;
  /**
   * Runs once before the first operation (PostgreSQL's migrations). A failure is reported to that
   * operation and the next operation tries again: a database that was down at start may come up.
   */
  init?(): Promise<void>;
  /** Says what `init` was doing, for its error message. Default "Preparing the NAME store". */
  readonly initAction?: string;
  /** Releases what the store owns (a pool, a connection, a worker). Called once, by the first close. */
  destroy?(): Promise<void> | void;
}

/**
 * A driver failure as a StoreError, so callers (the write queue, the CLI) can branch on
 * `retryable`. The message says what was being done, the driver's words and its error code.
 * A StoreError (already typed, e.g. a closed store) passes through unchanged.
 */
export function toStoreError(error: unknown, action: string, isRetryable: (error: unknown) => boolean): StoreError {
  if (error instanceof StoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const suffix = typeof code === 'string' ? ` (${code})` : '';
  return new StoreError(`${action}: ${message}${suffix}`, { retryable: isRetryable(error), cause: error });
}

/**
 * The one wrapper every store goes through (after Kysely's runtime driver, which wraps a
 * dialect's driver once): it runs the backend's `init` exactly once and lazily, refuses any
 * operation after `close` with a StoreError that is not retryable (retrying a closed store would
 * only hold records in memory), and maps every driver failure to a StoreError through the
 * backend's own classification.
 */
export class StoreRuntime {
  private readonly backend: StoreBackend;
  private initializing: Promise<void> | undefined;
  private initialized: boolean;
  private closing: Promise<void> | undefined;

  constructor(backend: StoreBackend) {
    this.backend = backend;
    this.initialized = backend.init === undefined;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Throws the closed-store StoreError once `close` has been called. */
  assertOpen(): void {
    if (this.closing !== undefined) {
      throw new StoreError(`The ${this.backend.name} store is closed`, { retryable: false });
    }
  }

  /** Open and initialized: the backend's `init` has run (once, shared by concurrent callers). */
  async ready(): Promise<void> {
    this.assertOpen();
    if (this.initialized) return;
    this.initializing ??= this.backend.init!().then(
      () => {
        this.initialized = true;
      },
      (error: unknown) => {
        this.initializing = undefined;
        throw this.toStoreError(
          error,
          `${this.backend.initAction ?? `Preparing the ${this.backend.name} store`} failed`,
        );
      },
    );
    await this.initializing;
  }

  /** `work` once the store is ready; any failure of it becomes a StoreError saying `action` failed. */
  async run<T>(action: string, work: () => Promise<T> | T): Promise<T> {
    await this.ready();
    try {
      return await work();
    } catch (error) {
      throw this.toStoreError(error, `${action} failed`);
    }
  }

  toStoreError(error: unknown, action: string): StoreError {
    return toStoreError(error, action, (cause) => this.backend.isRetryable(cause));
  }

  /**
   * Closes once: later operations throw, an init in flight is let finish (its failure no longer
   * matters), then the backend releases what it owns. Idempotent: a later call waits for that
   * close and resolves; only the first caller is told if releasing failed.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing.catch(() => undefined);
    this.closing = this.destroy();
    return this.closing;
  }

  private async destroy(): Promise<void> {
    await this.initializing?.catch(() => undefined);
    try {
      await this.backend.destroy?.();
    } catch (error) {
      throw this.toStoreError(error, `Closing the ${this.backend.name} store failed`);
    }
  }
}
