import type { CallStart } from '../../core/call.js';
import { handlerName, type LedgerHandler } from '../../core/handlers.js';
import { consoleLogger, type LedgerLogger } from '../../core/logger.js';
import type { CallRecord } from '../../core/record.js';

/**
 * A composite handler (the `CompositeCallbackHandler` shape): runs several handlers for each
 * event, in parallel, each isolated: one that throws or rejects is logged and the others still
 * run. Handlers can be added and removed while it is in use.
 *
 * @example
 * ledger.addHandler(createCompositeCallback(createTokenCallback('user_123'), performanceHandler));
 */
export function createCompositeCallback(...handlers: LedgerHandler[]): CompositeCallback {
  return new CompositeCallback(handlers);
}

/**
 * The handler `createCompositeCallback` returns.
 *
 * @example
 * const composite = createCompositeCallback(first);
 * composite.addHandler(second);
 */
export class CompositeCallback implements LedgerHandler {
  readonly name = 'composite-callback';
  private handlers: LedgerHandler[];

  constructor(
    handlers: readonly LedgerHandler[] = [],
    private readonly logger: LedgerLogger = consoleLogger,
  ) {
    this.handlers = [...handlers];
  }

  get size(): number {
    return this.handlers.length;
  }

  addHandler(handler: LedgerHandler): void {
    if (!this.handlers.includes(handler)) this.handlers = [...this.handlers, handler];
  }

  removeHandler(handler: LedgerHandler): boolean {
    const before = this.handlers.length;
    this.handlers = this.handlers.filter((existing) => existing !== handler);
    return this.handlers.length !== before;
  }

  onStart(call: CallStart): Promise<void> {
    return this.fanOut('onStart', (handler) => handler.onStart?.(call));
  }

  onEnd(record: CallRecord): Promise<void> {
    return this.fanOut('onEnd', (handler) => handler.onEnd?.(record));
  }

  onError(record: CallRecord, error: unknown): Promise<void> {
    return this.fanOut('onError', (handler) => handler.onError?.(record, error));
  }

  private async fanOut(method: string, run: (handler: LedgerHandler) => unknown): Promise<void> {
    const handlers = this.handlers;
    await Promise.all(
      handlers.map(async (handler) => {
        try {
          await run(handler);
        } catch (error) {
          try {
            this.logger.warn(
              { handler: handlerName(handler), method, error },
              `Error in callback handler ${handlerName(handler)}.${method}: ${(error as Error)?.message ?? error}`,
            );
          } catch {}
        }
      }),
    );
  }
}
