import { performance } from 'node:perf_hooks';
import { readEnv } from '../../config/env-vars.js';
import type { CallStart } from '../../core/call.js';
import { handlerName, type LedgerHandler } from '../../core/handlers.js';
import type { CallRecord } from '../../core/record.js';

/** Receives every handler invocation's duration; the Prometheus metrics implement it. */
export interface CallbackObserver {
  observeCallback(handlerType: string, seconds: number, failed: boolean): void;
}

/** An LLMLogger (`event`), or any pino-shaped logger (`warn(object, message)`). */
export type SlowCallbackLogger =
  | { event(event: string, fields: Record<string, unknown>): void }
  | { warn(object: Record<string, unknown>, message: string): void };

export interface TimedHandlerOptions {
  /** Invocations slower than this are logged. Default: `PERFORMANCE_LOG_THRESHOLD` (ms), else 1000. */
  thresholdMs?: number;
  logger?: SlowCallbackLogger;
  observer?: CallbackObserver;
  /** Environment for `PERFORMANCE_LOG_THRESHOLD` and `ENABLE_PERFORMANCE_MONITORING`. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Monotonic milliseconds. Default `performance.now`. */
  now?: () => number;
}

export const DEFAULT_SLOW_CALLBACK_MS = 1000;

/**
 * Wraps a handler so each invocation is timed (like Python's `monitor_performance`): the duration
 * and failure go to the observer (`callback_duration_seconds`, `callback_errors_total`), and
 * invocations slower than the threshold are logged as `slow_callback`. Errors and rejections
 * pass through unchanged, so the ledger still counts and reports them. With
 * `ENABLE_PERFORMANCE_MONITORING=false` the handler is returned as is.
 *
 * @example
 * const metrics = createPrometheusMetrics();
 * const ledger = createLedger({
 *   handlers: [timeHandler(new BillingHandler(), { logger: llmLogger, observer: metrics })],
 * });
 */
export function timeHandler(handler: LedgerHandler, options: TimedHandlerOptions = {}): LedgerHandler {
  const env = options.env ?? process.env;
  if (readEnv(env, 'ENABLE_PERFORMANCE_MONITORING') === false) return handler;
  const thresholdMs = options.thresholdMs ?? readEnv(env, 'PERFORMANCE_LOG_THRESHOLD') ?? DEFAULT_SLOW_CALLBACK_MS;
  const now = options.now ?? (() => performance.now());
  const { logger, observer } = options;
  const name = handlerName(handler);

  const finish = (method: string, started: number, failed: boolean): void => {
    const elapsed = now() - started;
    observer?.observeCallback(name, elapsed / 1000, failed);
    if (elapsed > thresholdMs && logger) {
      const fields = {
        handler_type: name,
        method,
        duration_ms: Math.round(elapsed * 100) / 100,
        threshold_ms: thresholdMs,
        failed,
      };
      if ('event' in logger) logger.event('slow_callback', fields);
      else logger.warn({ event: 'slow_callback', ...fields }, 'slow_callback');
    }
  };

  const timed = (method: string, run: () => void | Promise<void>): void | Promise<void> => {
    const started = now();
    let result: void | Promise<void>;
    try {
      result = run();
    } catch (error) {
      finish(method, started, true);
      throw error;
    }
    if (result && typeof result.then === 'function') {
      return result.then(
        () => finish(method, started, false),
        (error: unknown) => {
          finish(method, started, true);
          throw error;
        },
      );
    }
    finish(method, started, false);
    return result;
  };

  const wrapped: LedgerHandler = { name };
  if (handler.onStart) wrapped.onStart = (call: CallStart) => timed('onStart', () => handler.onStart!(call));
  if (handler.onEnd) wrapped.onEnd = (record: CallRecord) => timed('onEnd', () => handler.onEnd!(record));
  if (handler.onError) {
    wrapped.onError = (record: CallRecord, error: unknown) => timed('onError', () => handler.onError!(record, error));
  }
  return wrapped;
}

/**
 * `timeHandler` for each handler of a list.
 *
 * @example
 * const ledger = createLedger({ handlers: timeHandlers([billing, audit], { logger, observer: metrics }) });
 */
export function timeHandlers(handlers: readonly LedgerHandler[], options: TimedHandlerOptions = {}): LedgerHandler[] {
  return handlers.map((handler) => timeHandler(handler, options));
}
