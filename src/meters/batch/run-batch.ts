import { z } from 'zod';
import { checkOptions, checkOptionsObject, describeValue } from '../../config/options-schema.js';
import { ConfigError } from '../../core/errors.js';
import { sleep } from '../../core/backoff.js';
import { newCallId } from '../../core/call-id.js';
import type { Ledger } from '../../core/ledger.js';
import { RateLimitedError } from '../errors.js';
import { BatchCollector, type BatchSummary } from './batch-summary.js';

export interface BatchOptions {
  /** Items running at once. Default 5. */
  concurrency?: number;
  /** Start at most this many items per second (or minute). */
  rateLimit?: { perSecond?: number; perMinute?: number };
  /**
   * Retries of an item that failed with RateLimitedError, after its `retryAfterMs`. Safe: the
   * meter refuses before the provider is contacted. Default 3.
   */
  rateLimitRetries?: number;
  /** Stops starting items; those not started fail with the signal's reason. */
  signal?: AbortSignal;
  /** Shown in logs and the summary. */
  name?: string;
}

export type BatchItemResult<I, T> =
  | { readonly index: number; readonly item: I; readonly ok: true; readonly value: T; readonly durationMs: number }
  | {
      readonly index: number;
      readonly item: I;
      readonly ok: false;
      readonly error: unknown;
      readonly durationMs: number;
    };

export interface BatchResult<I, T> {
  /** One per item, in input order. */
  readonly results: ReadonlyArray<BatchItemResult<I, T>>;
  readonly summary: BatchSummary;
}

/** The ledger methods a batch uses. */
export type BatchLedger = Pick<Ledger, 'context' | 'addHandler' | 'removeHandler' | 'flush' | 'logger'> &
  Partial<Pick<Ledger, 'emit'>>;

const LOGGED_FAILURES = 10;

/**
 * A batch processor: runs `fn` for every item with at most `concurrency` running,
 * captures each item's error without stopping the others, and returns the results with a summary
 * (count, failures, tokens, cost, duration, requests/s), which is also logged. Calls recorded
 * inside `fn` (with `ledger.logCall`, a wrapped client, ...) are tagged `batch:<id>` and summed.
 *
 * @example
 * const { results, summary } = await runBatch(ledger, reviews, (review) =>
 *   ledger.logCall({ model: 'gpt-4o-mini', messages: prompt(review) }, (call) => analyse(call, review)),
 *   { concurrency: 8, rateLimit: { perSecond: 20 } });
 */
const positive = z.number().positive().finite();
const BATCH_OPTION_SHAPES = {
  concurrency: [z.number().int().min(1), 'a positive integer (items running at once)'],
  rateLimit: [
    z
      .object({ perSecond: positive.optional(), perMinute: positive.optional() })
      .strict()
      .refine((value) => value.perSecond !== undefined || value.perMinute !== undefined),
    '{ perSecond } or { perMinute }: a positive number of item starts',
  ],
  rateLimitRetries: [z.number().int().min(0), 'a non-negative integer'],
  signal: [z.instanceof(AbortSignal), 'an AbortSignal'],
  name: [z.string(), 'a string'],
} as const;

/** Wrong options are a ConfigError before any item starts: `{ concurency: 2 }`, `concurrency: 0`. */
function checkBatchArguments(items: unknown, fn: unknown, options: unknown): void {
  const source = 'ledger.batch() options';
  checkOptions(checkOptionsObject(options, source), BATCH_OPTION_SHAPES, source);
  if (
    typeof items !== 'object' ||
    items === null ||
    typeof (items as Iterable<unknown>)[Symbol.iterator] !== 'function'
  ) {
    throw new ConfigError({
      source: 'ledger.batch()',
      path: 'items',
      expected: 'an array or iterable of items',
      received: describeValue(items),
    });
  }
  if (typeof fn !== 'function') {
    throw new ConfigError({
      source: 'ledger.batch()',
      path: 'fn',
      expected: 'a function (item, index) => Promise',
      received: describeValue(fn),
    });
  }
}

export async function runBatch<I, T>(
  ledger: BatchLedger,
  items: Iterable<I>,
  fn: (item: I, index: number) => Promise<T>,
  options: BatchOptions = {},
): Promise<BatchResult<I, T>> {
  checkBatchArguments(items, fn, options);
  const list = [...items];
  const concurrency = options.concurrency ?? 5;
  const retries = options.rateLimitRetries ?? 3;
  const pacer = options.rateLimit ? new Pacer(options.rateLimit) : undefined;
  const batchId = newCallId();
  const tag = `batch:${batchId}`;
  const name = options.name ?? null;
  const collector = new BatchCollector(tag);
  ledger.addHandler(collector);
  log(
    ledger,
    'info',
    { event: 'batch_processing_started', batchId, name, request_count: list.length, max_concurrent: concurrency },
    `batch ${name ?? batchId} started: ${list.length} items, ${concurrency} at a time`,
  );
  emit(ledger, 'batch_processing_started', {
    batch_id: batchId,
    name,
    request_count: list.length,
    max_concurrent: concurrency,
  });
  const started = performance.now();
  const results = new Array<BatchItemResult<I, T>>(list.length);
  let nextIndex = 0;
  let failures = 0;

  const runItem = async (index: number): Promise<void> => {
    const item = list[index]!;
    const itemStarted = performance.now();
    if (options.signal?.aborted) {
      results[index] = { index, item, ok: false, error: options.signal.reason, durationMs: 0 };
      failures += 1;
      return;
    }
    emit(ledger, 'batch_request_started', { batch_id: batchId, request_id: index });
    for (let attempt = 0; ; attempt++) {
      await pacer?.wait();
      try {
        const value = await ledger.context({ tags: [tag], metadata: { batchId, batchIndex: index } }, () =>
          fn(item, index),
        );
        const durationMs = performance.now() - itemStarted;
        results[index] = { index, item, ok: true, value, durationMs };
        emit(ledger, 'batch_request_completed', {
          batch_id: batchId,
          request_id: index,
          duration_ms: Math.round(durationMs * 100) / 100,
          attempts: attempt + 1,
        });
        return;
      } catch (error) {
        if (error instanceof RateLimitedError && attempt < retries && !options.signal?.aborted) {
          await sleep(error.retryAfterMs);
          continue;
        }
        results[index] = { index, item, ok: false, error, durationMs: performance.now() - itemStarted };
        failures += 1;
        emit(ledger, 'batch_request_failed', {
          batch_id: batchId,
          request_id: index,
          error: (error as Error)?.message ?? String(error),
        });
        if (failures <= LOGGED_FAILURES) {
          log(
            ledger,
            'warn',
            { event: 'batch_request_failed', batchId, request_id: index, error },
            `batch ${name ?? batchId}: item ${index} failed: ${(error as Error)?.message ?? String(error)}`,
          );
        }
        return;
      }
    }
  };

  const worker = async (): Promise<void> => {
    while (nextIndex < list.length) await runItem(nextIndex++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
    // Handlers run after the calls end: wait for them so that every record is in the summary.
    await ledger.flush().catch(() => undefined);
  } finally {
    ledger.removeHandler(collector);
  }
  const durationMs = performance.now() - started;
  const summary: BatchSummary = Object.freeze({
    batchId,
    name,
    count: list.length,
    succeeded: list.length - failures,
    failures,
    calls: collector.calls,
    tokens: { ...collector.tokens },
    cost: collector.totalCost(),
    unpricedCalls: collector.unpricedCalls,
    durationMs: Math.round(durationMs * 1000) / 1000,
    requestsPerSecond: durationMs > 0 ? Math.round((list.length / (durationMs / 1000)) * 100) / 100 : 0,
  });
  if (failures > LOGGED_FAILURES) {
    log(
      ledger,
      'warn',
      { batchId, failures },
      `batch ${name ?? batchId}: ${failures - LOGGED_FAILURES} more items failed`,
    );
  }
  emit(ledger, 'batch_processing_completed', {
    batch_id: batchId,
    name,
    request_count: summary.count,
    failures: summary.failures,
    duration_ms: summary.durationMs,
    requests_per_second: summary.requestsPerSecond,
  });
  log(
    ledger,
    'info',
    { event: 'batch_processing_completed', ...summary },
    `batch ${name ?? batchId} completed: ${summary.count} items, ${summary.failures} failed, ${summary.calls} calls, ` +
      `${summary.tokens.total} tokens, cost ${summary.cost}, ${summary.durationMs} ms, ${summary.requestsPerSecond} requests/s`,
  );
  return { results, summary };
}

/** A batch event for the handlers (the emoji log handler writes it); never throws into the batch. */
function emit(ledger: BatchLedger, event: string, fields: Record<string, unknown>): void {
  try {
    ledger.emit?.({ event, fields });
  } catch {
    // A ledger that cannot take an event still runs the batch.
  }
}

function log(ledger: BatchLedger, level: 'info' | 'warn', details: Record<string, unknown>, message: string): void {
  try {
    ledger.logger[level](details, message);
  } catch {}
}

/**
 * Spaces item starts evenly: at most `perSecond` (or `perMinute`) starts, each at least one
 * interval after the previous. Works with the real clock; the batch's items wait their turn.
 */
export class Pacer {
  private readonly intervalMs: number;
  private next = 0;

  constructor(rate: { perSecond?: number; perMinute?: number }) {
    const perMs = rate.perSecond !== undefined ? rate.perSecond / 1000 : (rate.perMinute ?? 0) / 60_000;
    if (!Number.isFinite(perMs) || perMs <= 0)
      throw new RangeError('rateLimit needs a positive perSecond or perMinute');
    this.intervalMs = 1 / perMs;
  }

  /** Resolves when this start's slot comes. */
  wait(): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.next);
    this.next = slot + this.intervalMs;
    const delay = slot - now;
    return delay <= 0 ? Promise.resolve() : sleep(delay);
  }
}
