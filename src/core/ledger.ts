import { performance } from 'node:perf_hooks';
import { newCallId } from './call-id.js';
import { Call, type CallHandle, type CallInit, type CallOwner, type Clock, type Pricer } from './call.js';
import { currentContext, runInContext, type CallContext } from './context.js';
import { LedgerClosedError, LedgerError, ValidationError } from './errors.js';
import { checkHealth, type HealthReport, type Pingable } from './health.js';
import { HandlerSet, type HandlerStats, type LedgerHandler } from './handlers.js';
import type { LedgerLogger } from './logger.js';
import { NOOP_CALL } from './noop-call.js';
import { ProblemReporter, type Problem } from './problem-reporter.js';
import { NO_TAGS, type CallRecord } from './record.js';
import type { Durability, Spool } from './spool.js';
import { GROUP_KEYS, type CallPage, type ListQuery, type Store, type SummaryQuery, type SummaryRow } from './store.js';
import {
  classificationInit,
  embeddingInit,
  extractionInit,
  sentimentAnalysisInit,
  summarizationInit,
  type EmbeddingInit,
  type SentimentAnalysisInit,
  type TextTaskInit,
} from './task-helpers.js';
import { WriteQueue, type WriteQueueStats } from './write-queue.js';

export interface LedgerSettings {
  /** false turns every path into a near no-op. */
  enabled: boolean;
  /** true: the ledger's own failures never reach the LLM call; false: they raise LedgerError. */
  failOpen: boolean;
  baseCurrency: string;
  /** For display and export only; stored costs are exact. */
  roundingDecimals: number;
  /** Longest text kept in one field; longer text is cut with a visible marker. */
  maxFieldChars: number;
  handlerTimeoutMs: number;
  batchSize: number;
  flushIntervalMs: number;
  highWaterMark: number;
}

export const DEFAULT_SETTINGS: Readonly<LedgerSettings> = Object.freeze({
  enabled: true,
  failOpen: true,
  baseCurrency: 'USD',
  roundingDecimals: 6,
  maxFieldChars: 1_000_000,
  handlerTimeoutMs: 5_000,
  batchSize: 500,
  flushIntervalMs: 250,
  highWaterMark: 100_000,
});

export interface LedgerParts {
  settings: LedgerSettings;
  store: Store;
  handlers?: readonly LedgerHandler[];
  logger: LedgerLogger;
  pricer?: Pricer;
  clock?: Clock;
  /** The meter's connection check (a Redis ping), reported by `health()`. */
  meter?: Pingable;
  /** Sees every internal problem (store failures, handler errors, sanitized input). */
  onError?: (problem: Problem) => void;
  /** What `ledger.wrap()` delegates to. createLedger plugs in capture: the core imports no adapter. */
  wrapClient?: ClientWrapper;
  /** Budgets and rate limits around each call (the meter); the core holds only this shape. */
  gate?: CallGate;
  /** Runs last in `close()` (closes the meter). */
  onClose?: () => Promise<void>;
  /** Durable local storage used while the store is down or the queue is full; closed by `close()`. */
  spool?: Spool;
  /** `sync` (needs `spool`): each record is fsynced to the spool before complete() returns. Default `batched`. */
  durability?: Durability;
}

/** Defaults a wrapped client applies to every call; attribution from `ledger.context()` wins over them. */
export interface WrapDefaults extends Omit<CallContext, 'metadata'> {
  metadata?: Record<string, unknown>;
  /** Default `CHAT` (`EMBEDDING` for embedding endpoints). */
  callType?: string;
  /** Overrides the provider detected from the client (`openai`, `azure`, `anthropic`, `gemini`...). */
  provider?: string;
  /** A stream left unread this long is recorded as `partial` (`metadata.streamEnd: 'abandoned'`). Default 5 min; 0 = off. */
  streamIdleTimeoutMs?: number;
  /** OpenAI streams: ask for usage and hide the extra chunk. Default true; false for servers that reject it. */
  includeStreamUsage?: boolean;
}

/**
 * Admits a call before the provider is contacted (reserving its estimate against every budget and
 * rate limit, or throwing QuotaExceededError / RateLimitedError), and settles it once final.
 */
export interface CallGate {
  admit(init: CallInit): Promise<CallInit & { id: string }>;
  settle(record: CallRecord): void;
  release(id: string): void;
}

export type ClientWrapper = <C extends object>(ledger: Ledger, client: C, defaults?: WrapDefaults) => C;

export interface LedgerStats extends WriteQueueStats {
  handlers: HandlerStats;
  /** Values that had to be sanitized (bad token counts, dates, costs). */
  invalidInput: number;
}

const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/**
 * Owns config, the store, the write queue and the handlers. Calls flow one way:
 * start -> complete / fail / cancel -> record -> price -> store and handlers.
 */
export class Ledger {
  readonly settings: Readonly<LedgerSettings>;
  readonly store: Store;
  readonly logger: LedgerLogger;
  /** Prices each call when it is finalized; undefined when pricing is off. */
  readonly pricer: Pricer | undefined;
  /** Queries over recorded calls. Pending records are flushed first, so a caller reads its own writes. */
  readonly calls: {
    list(query?: ListQuery): Promise<CallPage>;
    get(id: string): Promise<CallRecord | null>;
    byTrace(traceId: string): Promise<CallRecord[]>;
  };
  readonly usage: { summary(query?: SummaryQuery): Promise<SummaryRow[]> };

  private readonly wrapper: ClientWrapper | undefined;
  private readonly gate: CallGate | undefined;
  private readonly onClose: (() => Promise<void>) | undefined;
  private readonly reporter: ProblemReporter;
  private readonly handlerSet: HandlerSet;
  private readonly queue: WriteQueue;
  private readonly owner: CallOwner;
  private readonly meterPing: Pingable | undefined;
  private readonly spool: Spool | undefined;
  private closed = false;
  private invalidInput = 0;

  constructor(parts: LedgerParts) {
    this.settings = Object.freeze({ ...parts.settings });
    this.store = parts.store;
    this.logger = parts.logger;
    this.pricer = parts.pricer;
    this.wrapper = parts.wrapClient;
    this.gate = parts.gate;
    this.onClose = parts.onClose;
    const gate = parts.gate;
    this.meterPing = parts.meter;
    this.spool = parts.spool;
    this.reporter = new ProblemReporter(parts.logger, parts.onError);
    this.handlerSet = new HandlerSet(this.reporter, this.settings.handlerTimeoutMs);
    for (const handler of parts.handlers ?? []) this.handlerSet.add(handler);
    this.queue = new WriteQueue(
      this.store,
      {
        batchSize: this.settings.batchSize,
        flushIntervalMs: this.settings.flushIntervalMs,
        highWaterMark: this.settings.highWaterMark,
        spool: parts.spool,
        durability: parts.durability,
      },
      this.reporter,
    );
    const settings = this.settings;
    const queue = this.queue;
    const handlerSet = this.handlerSet;
    this.owner = {
      clock: parts.clock ?? systemClock,
      maxFieldChars: settings.maxFieldChars,
      baseCurrency: settings.baseCurrency,
      pricer: parts.pricer,
      invalid: (field, message) => this.invalid(field, message),
      finalize(record, error) {
        queue.push(record);
        handlerSet.end(record, error);
        gate?.settle(record);
      },
    };
    this.calls = {
      list: async (query = {}) => this.read(() => this.store.list(query)),
      get: async (id) => this.read(() => this.store.get(id)),
      byTrace: async (traceId) => this.read(() => this.store.byTrace(traceId)),
    };
    this.usage = {
      summary: async (query = {}) => {
        for (const key of query.groupBy ?? []) {
          if (!GROUP_KEYS.includes(key)) {
            throw new ValidationError('groupBy', `${JSON.stringify(key)} is not one of ${GROUP_KEYS.join(', ')}`);
          }
        }
        return this.read(() => this.store.summary(query));
      },
    };
  }

  /**
   * Records every call of an `openai`, `@anthropic-ai/sdk` or `@google/genai` client and returns
   * the same client, instrumented in place: same types, same APIPromise and Stream objects, the
   * same errors. Attribution comes from `ledger.context()`, then from `defaults`.
   *
   * @example
   * const openai = ledger.wrap(new OpenAI(), { tags: ['checkout'] });
   * await ledger.context({ userId: 'u-42' }, () => openai.chat.completions.create({ model, messages }));
   */
  wrap<C extends object>(client: C, defaults?: WrapDefaults): C {
    if (!this.wrapper) {
      this.invalid(
        'client',
        'this ledger has no capture adapters (create it with createLedger()); calls are not recorded',
      );
      return client;
    }
    return this.wrapper(this, client, defaults);
  }

  /**
   * Reserves the call's estimated cost and tokens against every budget and rate limit that applies,
   * before the provider is contacted: throws QuotaExceededError or RateLimitedError, or returns the
   * init (with its id) to pass to `start()`. Without limits it returns `init` unchanged.
   *
   * @example
   * const call = ledger.start(await ledger.admit({ model: 'gpt-4o', userId: 'u-42', messages, params: { maxTokens: 500 } }));
   */
  async admit(init: CallInit): Promise<CallInit> {
    return this.gate && this.settings.enabled ? this.gate.admit(init) : init;
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** True when calls must be admitted (budgets, rate limits) before the provider is contacted. */
  get gated(): boolean {
    return this.gate !== undefined && this.settings.enabled;
  }

  /**
   * `admit` then `start`: the call's record starts only once its reservation fits. A reservation
   * whose call cannot start (the ledger closed meanwhile) is released at once, not left to expire.
   *
   * @example
   * const call = await ledger.startAdmitted({ model: 'gpt-4o', userId: 'u-42', messages });
   */
  async startAdmitted(init: CallInit): Promise<CallHandle> {
    if (!this.gate || !this.settings.enabled) return this.start(init);
    const admitted = await this.gate.admit(init);
    let call: CallHandle = NOOP_CALL;
    try {
      call = this.start(admitted);
    } finally {
      if (call === NOOP_CALL) this.gate.release(admitted.id);
    }
    return call;
  }

  /**
   * Starts a call and returns its handle; finalize it with `complete`, `fail` or `cancel`.
   * Attribution not given is inherited from the surrounding `context()` / `logCall()`.
   *
   * @example
   * const call = ledger.start({ provider: 'openai', model: 'gpt-4o-mini', messages });
   * try {
   *   const response = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
   *   call.complete({ responseMessage: response.choices[0]?.message, tokens: response.usage ?? undefined });
   * } catch (error) {
   *   call.fail(error);
   *   throw error;
   * }
   */
  start(init: CallInit): CallHandle {
    if (!this.settings.enabled) return NOOP_CALL;
    if (this.closed) {
      const error = new LedgerClosedError();
      if (!this.settings.failOpen) throw error;
      this.reporter.report({ kind: 'internal', error });
      return NOOP_CALL;
    }
    if (typeof init?.model !== 'string' || init.model.length === 0) {
      this.invalid('model', 'a non-empty model name is required; recorded as "unknown"');
      init = { ...init, model: 'unknown' };
    }
    const context = currentContext();
    const id = this.text('id', init.id) ?? newCallId();
    const ownMetadata = init.metadata;
    const call = new Call(this.owner, init, {
      id,
      traceId: this.text('traceId', init.traceId) ?? this.text('traceId', context?.traceId) ?? id,
      parentId:
        init.parentId !== undefined
          ? (this.text('parentId', init.parentId) ?? null)
          : (this.text('parentId', context?.parentId) ?? null),
      sessionId: this.text('sessionId', init.sessionId) ?? this.text('sessionId', context?.sessionId) ?? null,
      userId: this.text('userId', init.userId) ?? this.text('userId', context?.userId) ?? null,
      tenantId: this.text('tenantId', init.tenantId) ?? this.text('tenantId', context?.tenantId) ?? null,
      requestId: this.text('requestId', init.requestId) ?? this.text('requestId', context?.requestId) ?? null,
      tags: mergeTags(this.tagList(context?.tags), this.tagList(init.tags)),
      metadata:
        context?.metadata && isObject(ownMetadata)
          ? { ...context.metadata, ...ownMetadata }
          : ownMetadata === undefined
            ? (context?.metadata ?? {})
            : ownMetadata,
    });
    this.handlerSet.start(call);
    call.watchSignal();
    return call;
  }

  /**
   * Runs `fn` as one recorded call. The record is finalized whatever happens: `call.complete()`
   * inside, an automatic failure when `fn` throws (the error is re-thrown unchanged), or
   * `cancelled` when `init.signal` aborts. Calls started inside become its children.
   *
   * @example
   * const text = await ledger.logCall({ model: 'gpt-4o', provider: 'openai', messages }, async (call) => {
   *   const response = await client.chat.completions.create({ model: 'gpt-4o', messages });
   *   call.complete({ responseMessage: response.choices[0]?.message, tokens: response.usage ?? undefined });
   *   return response.choices[0]?.message.content;
   * });
   */
  async logCall<T>(init: CallInit, fn: (call: CallHandle) => Promise<T> | T): Promise<T> {
    if (!this.settings.enabled) return fn(NOOP_CALL);
    // Budgets and rate limits are checked before fn can contact the provider.
    const call = this.gate ? await this.startAdmitted(init) : this.start(init);
    let result: T;
    try {
      // Children inherit the parent's resolved trace, session, user and tenant (not its tags,
      // metadata or request id, which describe the parent call itself).
      const childContext: CallContext = { traceId: call.traceId, parentId: call.id };
      if (call.sessionId !== null) childContext.sessionId = call.sessionId;
      if (call.userId !== null) childContext.userId = call.userId;
      if (call.tenantId !== null) childContext.tenantId = call.tenantId;
      result = await runInContext(childContext, () => fn(call));
    } catch (error) {
      if (!call.finalized) {
        try {
          call.fail(error);
        } catch (ledgerError) {
          // Fail-closed refusal of something fn reported: fn's own error still wins.
          this.reporter.report({ kind: 'internal', subject: 'logCall', error: ledgerError });
        }
      }
      throw error;
    }
    if (!call.finalized) call.complete();
    return result;
  }

  /**
   * Runs `fn` with attribution that every call started inside inherits.
   *
   * @example
   * await ledger.context({ userId: 'u-42', sessionId: 's-1', traceId: requestTraceId }, () => handleRequest());
   */
  context<T>(context: CallContext, fn: () => T): T {
    return runInContext(context, fn);
  }

  /**
   * Seed 001's `log_sentiment_analysis`: starts a SENTIMENT_ANALYSIS call for one text.
   *
   * @example
   * const call = ledger.logSentimentAnalysis({ text: review.content, model: 'gpt-4o-mini', reviewId: review.id });
   * const result = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [...] });
   * call.complete({ responseMessage: result.choices[0]?.message, tokens: result.usage ?? undefined });
   */
  logSentimentAnalysis(init: SentimentAnalysisInit): CallHandle {
    return this.start(sentimentAnalysisInit(init));
  }

  logSummarization(init: TextTaskInit): CallHandle {
    return this.start(summarizationInit(init));
  }

  logClassification(init: TextTaskInit & { labels?: readonly string[] }): CallHandle {
    return this.start(classificationInit(init));
  }

  logExtraction(init: TextTaskInit): CallHandle {
    return this.start(extractionInit(init));
  }

  logEmbedding(init: EmbeddingInit): CallHandle {
    return this.start(embeddingInit(init));
  }

  addHandler(handler: LedgerHandler): void {
    this.handlerSet.add(handler);
  }

  removeHandler(handler: LedgerHandler): boolean {
    return this.handlerSet.remove(handler);
  }

  /** Writes every finalized record and waits for handlers to settle. */
  async flush(): Promise<void> {
    await this.handlerSet.idle();
    try {
      await this.queue.flush();
    } catch (error) {
      if (!this.settings.failOpen) throw error;
    }
  }

  /** Flushes and closes the store. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      // Whatever the store did not take is kept in the spool for the next process to replay.
      if (this.queue.pending > 0) this.queue.spoolBuffer();
      this.queue.close();
      try {
        this.spool?.close();
      } catch (error) {
        this.reporter.report({ kind: 'store', subject: 'spool', error });
      }
      if (this.queue.pending > 0) {
        this.reporter.report({
          kind: 'store',
          subject: this.store.kind,
          error: new LedgerError(`${this.queue.pending} records could not be written before close`),
        });
      }
      try {
        await this.store.close();
      } finally {
        await this.onClose?.();
      }
    }
  }

  /**
   * Seed 002's health check: store, meter (Redis ping), queue and spool, with an overall status.
   *
   * @example
   * const report = await ledger.health();
   * if (report.status !== 'healthy') console.warn(report);
   */
  async health(options: { pingTimeoutMs?: number } = {}): Promise<HealthReport> {
    return checkHealth({
      stats: () => this.stats(),
      meter: this.meterPing,
      pingTimeoutMs: options.pingTimeoutMs,
      queueHighWaterMark: this.settings.highWaterMark,
    });
  }

  stats(): LedgerStats {
    return { ...this.queue.stats, handlers: { ...this.handlerSet.stats }, invalidInput: this.invalidInput };
  }

  /** @internal Used by capture adapters and helpers to report bad input consistently. */
  invalid(field: string, message: string): void {
    this.invalidInput += 1;
    const error = new ValidationError(field, message);
    if (!this.settings.failOpen) throw error;
    this.reporter.report({ kind: 'validation', subject: field, error });
  }

  /** An attribution value as text; anything else is reported and converted. */
  private text(field: string, value: unknown): string | undefined {
    if (typeof value === 'string') return value;
    if (value === undefined || value === null) return undefined;
    this.invalid(field, `expected a string, got ${typeof value}; recorded as text`);
    return safeText(value);
  }

  private tagList(tags: unknown): readonly string[] | undefined {
    if (tags === undefined || tags === null) return undefined;
    if (!Array.isArray(tags)) {
      this.invalid('tags', `expected an array of strings, got ${typeof tags}`);
      return typeof tags === 'string' ? [tags] : undefined;
    }
    for (const tag of tags) {
      if (typeof tag !== 'string') {
        this.invalid('tags', `expected an array of strings, found a ${typeof tag}; recorded as text`);
        return tags.map((item: unknown) => (typeof item === 'string' ? item : safeText(item)));
      }
    }
    return tags as readonly string[];
  }

  private async read<T>(query: () => Promise<T>): Promise<T> {
    await this.flush();
    return query();
  }
}

function mergeTags(inherited: readonly string[] | undefined, own: readonly string[] | undefined): readonly string[] {
  if (!inherited || inherited.length === 0) return own && own.length > 0 ? own.slice() : NO_TAGS;
  if (!own || own.length === 0) return inherited.slice();
  return [...new Set([...inherited, ...own])];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function safeText(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[unprintable]';
  }
}
