import type { CallStart } from '../../core/call.js';
import { newCallId } from '../../core/call-id.js';
import { handlerName, type LedgerHandler } from '../../core/handlers.js';
import { consoleLogger, type LedgerLogger } from '../../core/logger.js';
import type { CallRecord } from '../../core/record.js';
import type { LLMCallExtra, LLMResponseLike } from './token-callback.js';

/** A handler an LLM client drives itself (the token callbacks): the composite forwards these calls. */
interface Standalone {
  onLLMStart?(messages: readonly unknown[], extra?: LLMCallExtra): unknown;
  onLLMEnd?(response: LLMResponseLike, extra?: LLMCallExtra): unknown;
  onLLMError?(error: unknown, extra?: LLMCallExtra): unknown;
  // Handlers written before the rename still work.
  onLlmStart?(messages: readonly unknown[], extra?: LLMCallExtra): unknown;
  onLlmEnd?(response: LLMResponseLike, extra?: LLMCallExtra): unknown;
  onLlmError?(error: unknown, extra?: LLMCallExtra): unknown;
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
  onLLMStart(messages: readonly unknown[], extra?: LLMCallExtra): Promise<void> {
    return this.fanOut('onLLMStart', (handler) => {
      const h = handler as Standalone;
      return h.onLLMStart ? h.onLLMStart(messages, extra) : h.onLlmStart?.(messages, extra);
    });
  }

  onLLMEnd(response: LLMResponseLike, extra?: LLMCallExtra): Promise<void> {
    // One id for the call, so that two counters of the same user (token and detailed) count it once.
    const withId = extra?.id || extra?.requestId ? extra : { ...extra, id: newCallId() };
    return this.fanOut('onLLMEnd', (handler) => {
      const h = handler as Standalone;
      return h.onLLMEnd ? h.onLLMEnd(response, withId) : h.onLlmEnd?.(response, withId);
    });
  }

  onLLMError(error: unknown, extra?: LLMCallExtra): Promise<void> {
    return this.fanOut('onLLMError', (handler) => {
      const h = handler as Standalone;
      return h.onLLMError ? h.onLLMError(error, extra) : h.onLlmError?.(error, extra);
    });
  }

  /** @deprecated Renamed `onLLMStart`; the old name goes away in the next minor version. */
  onLlmStart(messages: readonly unknown[], extra?: LLMCallExtra): Promise<void> {
    return this.onLLMStart(messages, extra);
  }

  /** @deprecated Renamed `onLLMEnd`; the old name goes away in the next minor version. */
  onLlmEnd(response: LLMResponseLike, extra?: LLMCallExtra): Promise<void> {
    return this.onLLMEnd(response, extra);
  }

  /** @deprecated Renamed `onLLMError`; the old name goes away in the next minor version. */
  onLlmError(error: unknown, extra?: LLMCallExtra): Promise<void> {
    return this.onLLMError(error, extra);
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
