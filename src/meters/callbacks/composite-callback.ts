import type { CallStart } from '../../core/call.js';
import { newCallId } from '../../core/call-id.js';
import { handlerName, type LedgerHandler } from '../../core/handlers.js';
import { consoleLogger, type LedgerLogger } from '../../core/logger.js';
import type { CallRecord } from '../../core/record.js';
import type { LlmCallExtra, LlmResponseLike } from './token-callback.js';

/** A handler an LLM client drives itself (the token callbacks): the composite forwards these calls. */
interface Standalone {
  onLlmStart?(messages: readonly unknown[], extra?: LlmCallExtra): unknown;
  onLlmEnd?(response: LlmResponseLike, extra?: LlmCallExtra): unknown;
  onLlmError?(error: unknown, extra?: LlmCallExtra): unknown;
}

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

  /** Standalone use, as an LLM client drives callbacks: every handler that has it, in parallel. */
  onLlmStart(messages: readonly unknown[], extra?: LlmCallExtra): Promise<void> {
    return this.fanOut('onLlmStart', (handler) => (handler as Standalone).onLlmStart?.(messages, extra));
  }

  onLlmEnd(response: LlmResponseLike, extra?: LlmCallExtra): Promise<void> {
    // One id for the call, so that two counters of the same user (token and detailed) count it once.
    const withId = extra?.id || extra?.requestId ? extra : { ...extra, id: newCallId() };
    return this.fanOut('onLlmEnd', (handler) => (handler as Standalone).onLlmEnd?.(response, withId));
  }

  onLlmError(error: unknown, extra?: LlmCallExtra): Promise<void> {
    return this.fanOut('onLlmError', (handler) => (handler as Standalone).onLlmError?.(error, extra));
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
