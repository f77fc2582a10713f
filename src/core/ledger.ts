import { performance } from 'node:perf_hooks';
import { Call, CallProblems, type CallOwner, type Clock, type Pricer } from './call.js';
import { RecentIds } from './recent-ids.js';
import { checkInit } from './call-checks.js';
import { newCallId } from './call-id.js';
import { childContextOf, resolveIdentity, type InputReporter, type ResolvedIdentity } from './call-identity.js';
import type { CallHandle, CallInit } from './call-types.js';
import { currentContext, runInContext, type CallContext } from './context.js';
import type { DeadLetterFile } from './dead-letters.js';
import { DeferredFinalizations } from './deferred-finalizations.js';
import { describeError } from './error-details.js';
import { isLedgerError, LedgerClosedError, LedgerError, ValidationError } from './errors.js';
import { HandlerSet, type HandlerStats, type LedgerEvent, type LedgerHandler } from './handlers.js';
import { checkHealth, type HealthReport, type Pingable } from './health.js';
import type { LedgerLogger } from './logger.js';
import { NOOP_CALL } from './noop-call.js';
import { ParentTraces } from './parent-traces.js';
import { ProblemReporter, type Problem } from './problem-reporter.js';
import { validateId, validateListQuery, validateSummaryQuery } from './query-validation.js';
import { topRows } from './summary-ranking.js';
import type { CallRecord } from './record.js';
import type { Durability, Spool } from './spool.js';
import type { CallPage, ListQuery, Store, SummaryQuery, SummaryRow } from './store.js';
import {
  classificationInit,
  embeddingInit,
  extractionInit,
  sentimentAnalysisInit,
  summarizationInit,
  type EmbeddingInit,
  type SentimentAnalysisInit,
  type TextTaskInit,
} from './task-inits.js';
import { WriteQueue, type WriteQueueStats } from './write-queue.js';
import type { CallTokenEstimator } from '../tokens/call-token-estimator.js';

/** How many caller-supplied ids are remembered to catch a duplicate. */
const RECENT_IDS = 10_000;

const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

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

/**
 * Defaults for every call a wrapped client makes. Attribution set with `ledger.context()` around a
 * call wins over these: the context is per request, the defaults are per client.
 */
export interface WrapDefaults extends Omit<CallContext, 'metadata'> {
  metadata?: Record<string, unknown>;
  /** Default `CHAT` (`EMBEDDING` for embedding endpoints). */
  callType?: string;
  /** Overrides the provider name detected from the client (`openai`, `azure`, `anthropic`, `gemini`...). */
  provider?: string;
  /**
   * A stream the application stops reading for this long (no pending read) is recorded as
   * `partial` with `metadata.streamEnd = 'abandoned'`. Default 5 minutes; 0 turns it off.
   */
  streamIdleTimeoutMs?: number;
  /**
   * OpenAI streams: ask for usage with `stream_options.include_usage` and hide the extra chunk, so
   * streamed calls get exact token counts. Default true; set false for servers that reject it.
   */
  includeStreamUsage?: boolean;
  /**
   * The response cache for this client's calls: `false` never uses it, `true` uses it even when
   * the ledger's cache is opt-in (`cache: { optIn: true }`). Default: the ledger's setting.
   */
  cache?: boolean;
}

/**
 * Admits a call before the provider is contacted (reserving its estimate against every budget and
 * rate limit, or throwing QuotaExceededError / RateLimitedError), and settles it once final.
 */
export interface CallGate {
  admit(init: CallInit): Promise<CallInit & { id: string }>;
  settle(record: CallRecord): void;
  release(id: string): void;
  /** Resolves once every settlement of a call finished before it is applied (or kept for replay). */
  flush?(): Promise<void>;
}

export interface LedgerStats extends WriteQueueStats {
  handlers: HandlerStats;
  /** Values that were refused or had to be sanitized (bad token counts, dates, costs, unknown keys). */
  invalidInput: number;
  /** Calls started with an id another recent call of this ledger already had (recorded under a new id). */
  duplicateIds: number;
}

/** `ledger.calls`: queries over recorded calls. */
export interface CallQueries {
  list(query?: ListQuery): Promise<CallPage>;
  get(id: string): Promise<CallRecord | null>;
  byTrace(traceId: string): Promise<CallRecord[]>;
}

/** `ledger.usage`: totals over recorded calls. */
export interface UsageQueries {
  summary(query?: SummaryQuery): Promise<SummaryRow[]>;
}

/** What a Ledger is built from: its store, handlers, pricer, meter gate and spool (createLedger assembles them from options). */
export interface LedgerComponents {
  settings: LedgerSettings;
  store: Store;
  handlers?: readonly LedgerHandler[];
  logger: LedgerLogger;
  pricer?: Pricer;
  /** The token fallback chain for calls without provider usage (createLedger builds it from its options). */
  tokenEstimator?: CallTokenEstimator;
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
  /** Takes the records still pending at `close()` that neither the store nor the spool took. */
  deadLetterFile?: DeadLetterFile;
  /** `sync` (needs `spool`): each record is fsynced to the spool before complete() returns. Default `batched`. */
  durability?: Durability;
}

/** @deprecated Renamed `LedgerComponents`; the old name goes away in the next minor version. */
export type LedgerParts = LedgerComponents;

/** How `ledger.wrap()` patches a client; capture plugs it in, so the core imports no adapter. */
export type ClientWrapper = <C extends object>(ledger: Ledger, client: C, defaults?: WrapDefaults) => C;

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
  /** Counts the tokens of calls without provider usage; capture's default chain when undefined. */
  readonly tokenEstimator: CallTokenEstimator | undefined;
  /** Queries over recorded calls. Pending records are flushed first, so a caller reads its own writes. */
  readonly calls: CallQueries;
  readonly usage: UsageQueries;

  private readonly wrapper: ClientWrapper | undefined;
  private readonly gate: CallGate | undefined;
  private readonly onClose: (() => Promise<void>) | undefined;
  private readonly reporter: ProblemReporter;
  /** What the call checks report bad input to. */
  private readonly inputReporter: InputReporter = {
    invalid: (field, message) => this.reportInvalidInput(field, message),
  };
  private readonly handlerSet: HandlerSet;
  private readonly queue: WriteQueue;
  private readonly owner: CallOwner;
  private readonly meterPing: Pingable | undefined;
  private readonly spool: Spool | undefined;
  private readonly deferred: DeferredFinalizations;
  private readonly parents: ParentTraces;
  /** Finalizations may wait a turn: none of them can throw into the caller or must be durable first. */
  private readonly defersFinalization: boolean;
  private closed = false;
  private invalidInput = 0;
  private duplicateIds = 0;
  /** Caller-supplied ids of recent calls. */
  private readonly recentIds = new RecentIds(RECENT_IDS);

  constructor(components: LedgerComponents) {
    this.settings = Object.freeze({ ...components.settings });
    this.store = components.store;
    this.logger = components.logger;
    this.pricer = components.pricer;
    this.tokenEstimator = components.tokenEstimator;
    this.wrapper = components.wrapClient;
    this.gate = components.gate;
    this.onClose = components.onClose;
    const gate = components.gate;
    this.meterPing = components.meter;
    this.spool = components.spool;
    this.reporter = new ProblemReporter(components.logger, components.onError);
    this.handlerSet = new HandlerSet(this.reporter, this.settings.handlerTimeoutMs);
    this.deferred = new DeferredFinalizations((error) =>
      this.reporter.report({ kind: 'internal', subject: 'finalize', error }),
    );
    this.defersFinalization =
      this.settings.failOpen && components.durability !== 'sync' && components.gate === undefined;
    for (const handler of components.handlers ?? []) this.handlerSet.add(handler);
    this.queue = new WriteQueue(
      this.store,
      {
        batchSize: this.settings.batchSize,
        flushIntervalMs: this.settings.flushIntervalMs,
        highWaterMark: this.settings.highWaterMark,
        spool: components.spool,
        durability: components.durability,
        deadLetterFile: components.deadLetterFile,
      },
      this.reporter,
    );
    // A finalized record goes to the write queue, then to the handlers, then settles its
    // reservation with the gate.
    const queue = this.queue;
    const handlerSet = this.handlerSet;
    const deliver = (record: CallRecord, error: unknown): void => {
      queue.push(record);
      handlerSet.end(record, error);
      gate?.settle(record);
    };
    const parents = new ParentTraces({
      lookup: (id) => this.store.get(id),
      defer: (task) => this.deferred.add(task),
      deliver,
      unmatched: (field, message) => this.reportLate(field, message),
    });
    this.parents = parents;
    // What every call of this ledger shares, built once.
    this.owner = {
      clock: components.clock ?? systemClock,
      maxFieldChars: this.settings.maxFieldChars,
      baseCurrency: this.settings.baseCurrency,
      pricer: components.pricer,
      invalid: (field, message) => this.reportInvalidInput(field, message),
      finalize: (record, error) => {
        // Once closing, nothing may wait for the store: the record goes on as it is.
        if (!this.closed && parents.intercept(record, error)) return;
        deliver(record, error);
      },
    };
    const flush = () => this.flush();
    this.calls = createCallQueries(this.store, flush);
    this.usage = createUsageQueries(this.store, flush);
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
      this.reportInvalidInput(
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
    // Not an object: nothing to reserve; start() reports it.
    if (typeof init !== 'object' || init === null) return init;
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
    if (!this.gate || !this.settings.enabled || typeof init !== 'object' || init === null) return this.start(init);
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
      // Still recorded: a process stopping on a signal goes on making calls while the ledger
      // closes, and each of them returned to its caller. The closed write queue keeps the record
      // in the dead-letter file for `llm-ledger replay`.
      this.reporter.report({ kind: 'internal', error });
    }
    const problems = new CallProblems(this.inputReporter, this.settings.maxFieldChars);
    try {
      const checked = checkInit(problems, init);
      const identity = resolveIdentity(problems, checked, currentContext());
      if (checked.id !== undefined && identity.id === checked.id) identity.id = this.uniqueId(problems, identity.id);
      const parentUnknown = this.joinParentTrace(checked, identity);
      const call = new Call(this.owner, checked, identity, problems);
      this.parents.started(call.id, call.traceId);
      if (parentUnknown) this.parents.expect(call.id, call.parentId!, call.traceId);
      this.handlerSet.start(call);
      call.watchSignal();
      return call;
    } catch (error) {
      if (isLedgerError(error)) throw error;
      // A bug of ours on odd input: reported as a typed problem, and the call still recorded.
      problems.invalid('internal', `llm-ledger failed on this input: ${describeError(error, 0).errorMessage}`);
      const call = new Call(
        this.owner,
        { model: 'unknown' },
        resolveIdentity(problems, {} as CallInit, undefined),
        problems,
      );
      this.handlerSet.start(call);
      return call;
    }
  }

  /**
   * An explicit `parentId` (without an explicit `traceId`) joins the parent's trace: at once when
   * the parent was started in this process; true when it was not, and the store is asked later.
   */
  private joinParentTrace(init: CallInit, identity: ResolvedIdentity): boolean {
    const parentId = identity.parentId;
    if (init.parentId === undefined || init.traceId !== undefined || parentId === null) return false;
    if (parentId !== init.parentId || parentId === identity.id) return false;
    const traceId = this.parents.traceOf(parentId);
    if (traceId === undefined) return true;
    identity.traceId = traceId;
    return false;
  }

  /** A problem found after the call returned (off its path): counted and reported, never thrown. */
  private reportLate(field: string, message: string): void {
    this.invalidInput += 1;
    this.reporter.report({ kind: 'validation', subject: field, error: new ValidationError(field, message) });
  }

  /**
   * A caller-supplied id already used by a call of this ledger would be one row for two calls
   * (the store keeps the first): the second is refused (fail-closed) or recorded under a new id,
   * with the problem listed on it.
   */
  private uniqueId(problems: CallProblems, id: string): string {
    if (!this.recentIds.has(id)) {
      this.recentIds.remember(id);
      return id;
    }
    this.duplicateIds += 1;
    const fresh = newCallId();
    problems.invalid(
      'id',
      `"${id.slice(0, 100)}" was already used by another call of this ledger; recorded as "${fresh}"`,
    );
    return fresh;
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
      // Children inherit the parent's resolved trace, session, user and tenant.
      result = await runInContext(childContextOf(call), () => fn(call));
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

  // The typed task helpers (like Python's `log_*` functions): each builds its task's init
  // (task-inits.ts) and starts it like any other call.

  /**
   * Like Python's `log_sentiment_analysis`: starts a SENTIMENT_ANALYSIS call for one text.
   *
   * @example
   * const call = ledger.logSentimentAnalysis({ text: review.content, model: 'gpt-4o-mini', reviewId: review.id });
   * const result = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [...] });
   * call.complete({ responseMessage: result.choices[0]?.message, tokens: result.usage ?? undefined });
   */
  logSentimentAnalysis(init: SentimentAnalysisInit): CallHandle {
    return this.start(taskInit(init, sentimentAnalysisInit));
  }

  logSummarization(init: TextTaskInit): CallHandle {
    return this.start(taskInit(init, summarizationInit));
  }

  logClassification(init: TextTaskInit & { labels?: readonly string[] }): CallHandle {
    return this.start(taskInit(init, classificationInit));
  }

  logExtraction(init: TextTaskInit): CallHandle {
    return this.start(taskInit(init, extractionInit));
  }

  logEmbedding(init: EmbeddingInit): CallHandle {
    return this.start(taskInit(init, embeddingInit));
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

  addHandler(handler: LedgerHandler): void {
    this.handlerSet.add(handler);
  }

  removeHandler(handler: LedgerHandler): boolean {
    return this.handlerSet.remove(handler);
  }

  /**
   * Passes an event to every handler's `onEvent` (off the caller's path, like call events): the
   * log handler writes it as an LLM event with its emoji. Used for the response cache, stream
   * progress, model loads and batch requests; an application may emit its own.
   *
   * @example
   * ledger.emit({ event: 'model_load_started', model: 'llama-3-8b', fields: {} });
   */
  emit(event: LedgerEvent): void {
    if (!this.enabled) return;
    this.handlerSet.event(event);
  }

  /** @internal Reports a problem of an adapter (the response cache's backend): counted, logged once. */
  reportProblem(problem: Problem): void {
    this.reporter.report(problem);
  }

  /** True when some handler could see `emit`ted events; lets a caller skip building them. */
  get hasHandlers(): boolean {
    return this.handlerSet.size > 0;
  }

  /**
   * @internal Capture's way to finalize a call whose response has just arrived: its latency ends
   * now, and `finalize` runs a turn of the event loop later, after the application's own
   * continuation. A fail-closed or `sync`-durable ledger finalizes at once, since its caller must see
   * a refusal or a durable record before going on; so does a gated one, whose next admission must
   * find this call settled. Reads of the ledger (`flush`, queries) run pending finalizations first
   * and wait for those still counting; `stats` runs them.
   *
   * `finalize` learns whether it runs deferred (`mayWait`): then it may return a promise (a large
   * prompt's tokens counted in chunks); run at once, it must finish synchronously.
   */
  finalizeSoon(call: CallHandle, finalize: (mayWait: boolean) => void | Promise<void>): void {
    // Once closing, nothing deferred may be left behind: the process may end right after close().
    if (!this.defersFinalization || this.closed || !(call instanceof Call)) {
      void finalize(false);
      return;
    }
    call.markEnded();
    this.deferred.add(() => finalize(true));
  }

  /**
   * A barrier for everything the ledger does with the calls finished before it: their records
   * written, their handlers run (and flushed), their meter settlements applied (or, with the meter
   * down, kept for replay).
   */
  async flush(): Promise<void> {
    await this.deferred.settle();
    await this.handlerSet.flush();
    try {
      await this.gate?.flush?.();
    } catch (error) {
      this.reporter.report({ kind: 'internal', subject: 'meter', error });
    }
    try {
      await this.queue.flush();
    } catch (error) {
      if (!this.settings.failOpen) throw error;
    }
  }

  /**
   * @internal For the process's 'exit' event, where nothing can be awaited: finalizes deferred
   * calls and appends every record not yet in the store to the spool synchronously (this ledger's
   * own, else the one `fallback` opens), to be replayed by the next process. Returns the count.
   */
  spoolPendingNow(fallback?: () => Spool | undefined): number {
    this.deferred.runAll();
    // Records waiting for their parent's trace are kept as they are rather than lost.
    this.parents.drainHeld();
    if (this.queue.pending === 0 && !this.queue.writing) return 0;
    const own = this.spool;
    const spool = own ?? fallback?.();
    if (!spool) return 0;
    try {
      return this.queue.saveForExit(spool);
    } finally {
      if (!own) spool.close();
    }
  }

  /** Flushes and closes the store. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      await this.release();
    }
  }

  /** The last step of `close()`, after the final flush (whether or not it succeeded). */
  private async release(): Promise<void> {
    const { queue, spool, store, reporter } = this;
    // Whatever the store did not take is kept in the spool for the next process to replay.
    if (queue.pending > 0) queue.spoolBuffer();
    // Without a spool (or with a full one), they go to the dead-letter file for `llm-ledger replay`.
    const saved = queue.pending > 0 ? queue.saveToDeadLetterFile() : undefined;
    if (saved) {
      reporter.report({
        kind: 'store',
        subject: store.kind,
        error: new LedgerError(
          `${saved.count} records could not be written before close (${queue.error?.message ?? 'the store failed'}); they were saved to ${saved.path}: write them back with \`llm-ledger replay ${saved.path}\``,
        ),
      });
    }
    queue.close();
    try {
      spool?.close();
    } catch (error) {
      reporter.report({ kind: 'store', subject: 'spool', error });
    }
    if (queue.pending > 0) {
      reporter.report({
        kind: 'store',
        subject: store.kind,
        error: new LedgerError(`${queue.pending} records could not be written before close`),
      });
    }
    try {
      await store.close();
    } finally {
      await this.onClose?.();
    }
  }

  /**
   * Health check: store, meter (Redis ping), queue and spool, with an overall status.
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
    this.deferred.runAll();
    return {
      ...this.queue.stats,
      handlers: { ...this.handlerSet.stats },
      invalidInput: this.invalidInput,
      duplicateIds: this.duplicateIds,
    };
  }

  /**
   * @internal Counts a caller's bad input (`stats().invalidInput`) and reports it as a
   * ValidationError, or throws it when the ledger fails closed. Capture adapters and helpers use it
   * so bad input is handled the same way everywhere.
   */
  reportInvalidInput(field: string, message: string): void {
    this.invalidInput += 1;
    const error = new ValidationError(field, message);
    if (!this.settings.failOpen) throw error;
    this.reporter.report({ kind: 'validation', subject: field, error });
  }
}

/**
 * The task's init; a value that is not an object is passed to `start()` as it is, which reports
 * it (a ValidationError when fail-closed) instead of failing here with a TypeError.
 */
function taskInit<T extends object>(init: T, build: (init: T) => CallInit): CallInit {
  return typeof init === 'object' && init !== null && !Array.isArray(init)
    ? build(init)
    : (init as unknown as CallInit);
}

/**
 * Pending records are flushed first (`flush`), so a caller reads its own writes. Every query is
 * validated (query-validation.ts) before anything is flushed or read, in every mode.
 */
function createCallQueries(store: Store, flush: () => Promise<void>): CallQueries {
  return {
    list: async (query) => {
      const checked = validateListQuery(query);
      return read(flush, () => store.list(checked));
    },
    get: async (id) => {
      const checked = validateId(id, 'id', 'calls.get()');
      return read(flush, () => store.get(checked));
    },
    byTrace: async (traceId) => {
      const checked = validateId(traceId, 'traceId', 'calls.byTrace()');
      return read(flush, () => store.byTrace(checked));
    },
  };
}

function createUsageQueries(store: Store, flush: () => Promise<void>): UsageQueries {
  return {
    summary: async (query) => {
      const checked = validateSummaryQuery(query);
      const rows = await read(flush, () => store.summary(checked));
      // A store written before `top` existed returns every group: ranking again here makes its
      // answer the same as any other store's, and costs nothing when the store has ranked.
      return checked.top === undefined ? rows : topRows(rows, checked.top, checked.groupBy ?? []);
    },
  };
}

async function read<T>(flush: () => Promise<void>, query: () => Promise<T>): Promise<T> {
  await flush();
  return query();
}
