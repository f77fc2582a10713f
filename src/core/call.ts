import { checkFailure, checkProgress, checkResult } from './call-checks.js';
import type { ResolvedIdentity } from './call-identity.js';
import type { CallHandle, CallInit, CallProgress, CallResult, FailureDetails } from './call-types.js';
import { callerCost } from './caller-cost.js';
import { describeError, type ErrorDetails } from './error-details.js';
import { CallAlreadyFinalizedError, isLedgerError } from './errors.js';
import type {
  CallCost,
  CallParams,
  CallRecord,
  CallStatus,
  RequestMode,
  ResponseMessage,
  TokenSource,
  TokenUsage,
} from './record.js';
import { CallType, EMPTY_TOKENS, NO_COST_HISTORY } from './record.js';
import { toIsoString } from './iso-time.js';
import { json, jsonArray, jsonObject, textField, type FieldOwner } from './record-fields.js';
import { capText } from './sanitize.js';
import { redactSecrets } from './secret-redaction.js';
import { normalizeTokenCounts, type NormalizedTokens } from './token-input.js';
import { toToolCalls } from './tool-calls.js';

export type { CallHandle, CallInit, CallProgress, CallResult, CallStart, FailureDetails } from './call-types.js';

export interface Clock {
  /** Wall clock, epoch milliseconds. */
  now(): number;
  /** Monotonic milliseconds, for durations. */
  monotonic(): number;
}

export interface Pricer {
  /** Returns the record's cost, or null to leave it unset. Must not throw for unknown models. */
  price(record: CallRecord): CallCost | null;
}

/** What a call needs from the ledger that started it. */
export interface CallOwner {
  readonly clock: Clock;
  readonly maxFieldChars: number;
  readonly baseCurrency: string;
  readonly pricer: Pricer | undefined;
  /** Reports sanitized input, or throws a ValidationError when the ledger is fail-closed. */
  invalid(field: string, message: string): void;
  finalize(record: CallRecord, error: unknown): void;
}

/**
 * What one call's caller got wrong, collected while the call runs and listed on its record
 * (`record.problems`), so a report can find the records that were touched. Each problem is also
 * passed to the ledger, which counts it (`stats().invalidInput`), reports it once through the
 * logger and `onError`, or throws a ValidationError when the ledger is fail-closed.
 */
export class CallProblems implements FieldOwner {
  /** Allocated on the first problem: a well-formed call carries none. */
  list: string[] | undefined;

  constructor(
    private readonly reporter: { invalid(field: string, message: string): void },
    readonly maxFieldChars: number,
  ) {}

  invalid(field: string, message: string): void {
    const line = `${field}: ${message}`;
    // Stored as given back by every store: well-formed text (a key may hold a lone surrogate).
    (this.list ??= []).push(line.isWellFormed() ? line : line.toWellFormed());
    this.reporter.invalid(field, message);
  }
}

/** One running call; produces exactly one record. */
export class Call implements CallHandle {
  readonly id: string;
  readonly traceId: string;
  readonly parentId: string | null;
  readonly sessionId: string | null;
  readonly userId: string | null;
  readonly tenantId: string | null;
  readonly requestId: string | null;
  readonly callType: string;
  readonly provider: string;
  readonly model: string;
  readonly requestMode: RequestMode;
  readonly systemPrompt: string | null;
  readonly messages: readonly unknown[];
  readonly tools: readonly unknown[] | null;
  readonly toolChoice: unknown;
  readonly params: CallParams;
  readonly tags: readonly string[];
  readonly metadata: Record<string, unknown>;
  readonly startedAtMs: number;

  private readonly startedMonotonic: number;
  /** When the response arrived, for a call finalized later (`Ledger.finalizeSoon`). */
  private endedMonotonic: number | undefined;
  private ttft: number | null = null;
  private streamedText: string | undefined;
  // What update() reported while the call ran, already checked and sanitized.
  private progressTokens: CheckedTokens | undefined;
  private progressTokenSource: TokenSource | undefined;
  private progressMessage: ResponseMessage | null = null;
  private progressModel: string | undefined;
  private progressFinishReason: string | undefined;
  private finalRecord: CallRecord | undefined;
  /** Set when the call was cancelled by its AbortSignal: a later complete/fail is then ignored. */
  private cancelledBySignal = false;
  private detachSignal: (() => void) | undefined;
  private readonly signal: AbortSignal | undefined;

  /**
   * @param init already checked (`checkInit`): every field present is valid.
   * @param problems what the caller got wrong so far (in the init); the call adds its own.
   */
  constructor(
    private readonly owner: CallOwner,
    init: CallInit,
    identity: ResolvedIdentity,
    private readonly problems: CallProblems,
  ) {
    this.id = identity.id;
    this.traceId = identity.traceId;
    this.parentId = identity.parentId;
    this.sessionId = identity.sessionId;
    this.userId = identity.userId;
    this.tenantId = identity.tenantId;
    this.requestId = identity.requestId;
    this.tags = identity.tags;
    this.metadata = jsonObject(problems, 'metadata', identity.metadata);
    this.callType = textField(problems, 'callType', init.callType) ?? CallType.CHAT;
    this.provider = textField(problems, 'provider', init.provider) ?? 'unknown';
    this.model = capText(init.model, owner.maxFieldChars, problems, 'model');
    this.requestMode = init.requestMode === 'streaming' ? 'streaming' : 'sync';
    this.systemPrompt =
      typeof init.systemPrompt === 'string'
        ? capText(init.systemPrompt, owner.maxFieldChars, problems, 'systemPrompt')
        : null;
    // Copies: callers often push the reply onto the same array after the call.
    this.messages = jsonArray(problems, 'messages', init.messages) ?? [];
    this.tools = jsonArray(problems, 'tools', init.tools);
    this.toolChoice = init.toolChoice === undefined ? null : json(problems, 'toolChoice', init.toolChoice);
    this.params = jsonObject(problems, 'params', init.params);
    this.startedMonotonic = owner.clock.monotonic();
    this.startedAtMs = resolveStart(init.startedAt, owner.clock, problems);

    this.signal = init.signal;
  }

  /**
   * Starts watching `init.signal`; the ledger calls it once the call's start is announced.
   * A signal that already fired cancels the call at once, so nothing can record it as a
   * success afterwards.
   */
  watchSignal(): void {
    const signal = this.signal;
    if (!signal || this.finalRecord) return;
    const onAbort = () => {
      if (this.finalRecord) return;
      this.cancelledBySignal = true;
      try {
        this.cancel(signal.reason);
      } catch {
        // Runs inside the signal's event dispatch, where a throw would reach the host as an
        // uncaught exception. Nothing the caller gave is left to refuse here (update() checked it).
      }
    };
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      this.detachSignal = () => signal.removeEventListener('abort', onAbort);
    }
  }

  /** The response has arrived: the latency ends now, whenever the call is finalized. */
  markEnded(): void {
    if (this.endedMonotonic === undefined) this.endedMonotonic = this.owner.clock.monotonic();
  }

  get finalized(): boolean {
    return this.finalRecord !== undefined;
  }

  get record(): CallRecord | undefined {
    return this.finalRecord;
  }

  update(given: CallProgress): void {
    if (this.finalRecord) return;
    this.guarded(() => {
      const progress = checkProgress(this.problems, given);
      // An empty delta (OpenAI's first chunk carries only the role) is not a token yet.
      if (progress.appendText || progress.firstToken) {
        if (this.ttft === null) this.ttft = this.owner.clock.monotonic() - this.startedMonotonic;
        if (progress.appendText) this.streamedText = (this.streamedText ?? '') + progress.appendText;
      }
      // Checked now, where the caller can see a ValidationError (fail-closed); a later cancellation
      // by the signal then has nothing left that could be refused.
      if (progress.tokens !== undefined) this.progressTokens = normalizeTokens(this.problems, progress.tokens);
      if (progress.responseMessage) {
        this.progressMessage = toResponseMessage(this.problems, progress.responseMessage);
      }
      if (progress.tokenSource) this.progressTokenSource = progress.tokenSource;
      if (progress.responseModel) this.progressModel = progress.responseModel;
      if (progress.finishReason) this.progressFinishReason = progress.finishReason;
    });
  }

  /** Records the call's success; a string is taken as the response text. */
  complete(given?: CallResult | string): CallRecord {
    const ignored = this.guard('success');
    if (ignored) return ignored;
    return this.guardedFinish('success', undefined, () => {
      const result = checkResult(this.problems, given);
      const status: CallStatus = result.status ?? 'success';
      const record = this.build(status, result.tokens, result.tokenSource, result.responseMessage, result.metadata);
      if (result.toolCalls !== undefined || result.tool_calls !== undefined) {
        const base = record.responseMessage ?? { role: 'assistant', content: null };
        const withCalls = withToolCallList(
          this.problems,
          base,
          result.toolCalls ?? result.tool_calls,
          result.toolCalls !== undefined && result.tool_calls !== undefined,
          'toolCalls',
        );
        if (withCalls !== base) record.responseMessage = withCalls;
      }
      record.responseModel = this.text('responseModel', result.responseModel ?? this.progressModel ?? null);
      record.finishReason = this.text('finishReason', result.finishReason ?? this.progressFinishReason ?? null);
      if (result.ttftMs !== undefined) record.ttftMs = result.ttftMs;
      record.partial = status === 'partial';
      if (result.cacheHit) {
        // Served from the cache: nothing was billed, and what the original call cost is named.
        record.tokens = { ...EMPTY_TOKENS };
        record.tokenSource = 'provider';
        record.cost = cacheHitCost(this.owner.baseCurrency);
        record.cacheHit = true;
        record.costSaved = result.cacheHit.costSaved;
        return record;
      }
      const cost =
        result.cost === undefined ? undefined : callerCost(this.owner.baseCurrency, this.problems, result.cost);
      record.cost = cost ?? priceRecord(this.owner, this.problems, record);
      return record;
    });
  }

  fail(error: unknown, details?: FailureDetails): CallRecord {
    const described = describeError(error, this.owner.clock.now());
    return this.finalizeFailure(described.aborted ? 'cancelled' : 'error', error, described, details, 'fail()');
  }

  cancel(reason?: unknown, details?: FailureDetails): CallRecord {
    const described = describeCancellation(reason, this.owner.clock.now());
    return this.finalizeFailure('cancelled', reason, described, details, 'cancel()');
  }

  private finalizeFailure(
    status: CallStatus,
    error: unknown,
    described: ErrorDetails,
    given: FailureDetails | undefined,
    place: string,
  ): CallRecord {
    const ignored = this.guard(status);
    if (ignored) return ignored;
    return this.guardedFinish(status, error ?? described.errorMessage, () => {
      const details = checkFailure(this.problems, given, place);
      const record = this.build(status, details.tokens, details.tokenSource, details.responseMessage, details.metadata);
      applyFailure(record, described, details, this.problems);
      record.responseModel = this.text('responseModel', this.progressModel ?? null);
      record.finishReason = this.text('finishReason', this.progressFinishReason ?? null);
      record.partial = details.partial ?? this.streamedText !== undefined;
      record.cost = record.tokenSource === null ? null : priceRecord(this.owner, this.problems, record);
      return record;
    });
  }

  /** A text field of the response, capped and made well-formed (reported when it had to be). */
  private text(field: string, value: string | null): string | null {
    return value === null ? null : capText(value, this.owner.maxFieldChars, this.problems, field);
  }

  /**
   * Runs a step on the caller's path. A ValidationError (fail-closed) or any other typed error
   * goes to the caller; an untyped one is a bug of ours, so it is reported as a typed problem
   * (thrown as a ValidationError only when fail-closed) instead of reaching the caller as is.
   */
  private guarded(step: () => void): void {
    try {
      step();
    } catch (error) {
      if (isLedgerError(error)) throw error;
      this.problems.invalid('internal', `llm-ledger failed on this input: ${describeError(error, 0).errorMessage}`);
    }
  }

  /**
   * Builds and finishes the record. When building fails with an untyped error (a bug of ours on
   * odd input), the call is still recorded, without what the caller gave at the end, and the
   * problem is listed on it: every call yields exactly one record or a typed refusal.
   */
  private guardedFinish(status: CallStatus, error: unknown, build: () => CallRecord): CallRecord {
    let record: CallRecord;
    try {
      record = build();
    } catch (failure) {
      if (isLedgerError(failure)) throw failure;
      this.problems.invalid('internal', `llm-ledger failed on this input: ${describeError(failure, 0).errorMessage}`);
      record = this.build(status, undefined, undefined, undefined, undefined);
    }
    return this.finish(record, error);
  }

  /** Throws on a second finalization, except after an automatic cancellation by the signal. */
  private guard(status: CallStatus): CallRecord | undefined {
    if (!this.finalRecord) return undefined;
    if (this.cancelledBySignal) return this.finalRecord;
    throw new CallAlreadyFinalizedError(this.id, `${this.finalRecord.status} (then ${status} was attempted)`);
  }

  private build(
    status: CallStatus,
    tokenInput: unknown,
    tokenSource: TokenSource | undefined,
    responseMessage: ResponseMessage | string | null | undefined,
    metadata: Record<string, unknown> | undefined,
  ): CallRecord {
    const endedMonotonic = this.endedMonotonic ?? this.owner.clock.monotonic();
    const latencyMs = Math.max(0, endedMonotonic - this.startedMonotonic);
    const checked = tokenInput !== undefined ? normalizeTokens(this.problems, tokenInput) : this.progressTokens;
    const tokens = checked?.tokens ?? EMPTY_TOKENS;
    // No usage at all (none given, or nothing that holds a count) is not 0 tokens: it stays unpriced.
    const tokenSourceOf =
      checked === undefined || checked.source === 'none'
        ? null
        : checked.source === 'estimated'
          ? 'estimate'
          : (tokenSource ?? this.progressTokenSource ?? 'provider');
    return {
      id: this.id,
      traceId: this.traceId,
      parentId: this.parentId,
      sessionId: this.sessionId,
      userId: this.userId,
      tenantId: this.tenantId,
      requestId: this.requestId,
      callType: this.callType,
      tags: this.tags as string[],
      metadata:
        metadata === undefined || metadata === null
          ? this.metadata
          : { ...this.metadata, ...jsonObject(this.problems, 'metadata', metadata) },
      provider: this.provider,
      model: this.model,
      systemPrompt: this.systemPrompt,
      messages: this.messages as unknown[],
      tools: this.tools as unknown[] | null,
      toolChoice: this.toolChoice,
      params: this.params,
      responseModel: null,
      responseMessage: this.resolveResponse(responseMessage),
      finishReason: null,
      tokens: tokens as TokenUsage,
      tokenSource: tokenSourceOf,
      cost: null,
      costHistory: NO_COST_HISTORY as CallCost[],
      startedAt: toIsoString(this.startedAtMs),
      endedAt: toIsoString(this.startedAtMs + latencyMs),
      latencyMs: Math.round(latencyMs * 1000) / 1000,
      ttftMs: this.ttft === null ? null : Math.round(this.ttft * 1000) / 1000,
      requestMode: this.requestMode,
      streamed: this.requestMode === 'streaming' || this.ttft !== null,
      partial: false,
      status,
      errorType: null,
      errorMessage: null,
      httpStatus: null,
      retryAfterMs: null,
    };
  }

  private resolveResponse(given: ResponseMessage | string | null | undefined): ResponseMessage | null {
    if (given !== undefined && given !== null) return toResponseMessage(this.problems, given);
    if (this.progressMessage) return this.progressMessage;
    if (this.streamedText !== undefined) return toResponseMessage(this.problems, this.streamedText);
    return null;
  }

  private finish(record: CallRecord, error: unknown): CallRecord {
    // Listed last, so that a problem found while building the record is on it too.
    if (this.problems.list) record.problems = Object.freeze(this.problems.list.slice()) as string[];
    // The record is an immutable row: handlers and callers share it with the write queue.
    Object.freeze(record.tokens);
    Object.freeze(record);
    this.finalRecord = record;
    this.detachSignal?.();
    this.detachSignal = undefined;
    this.owner.finalize(record, error);
    return record;
  }
}

/* The call's helpers: what a caller reports, checked and sanitized (problems go to the call's
   CallProblems), the failure fields of a record, and its price. */

/**
 * The response message as stored. A string is the assistant's text. Tool calls under `tool_calls`
 * (OpenAI's raw message) or `toolCalls`, in any shape `toToolCalls` accepts, are converted to the
 * shape the SDK wrappers store, so hand-logged and captured calls read alike.
 */
function toResponseMessage(owner: FieldOwner, message: ResponseMessage | string): ResponseMessage {
  if (typeof message === 'string') {
    return { role: 'assistant', content: capText(message, owner.maxFieldChars, owner, 'responseMessage') };
  }
  const plain = json(owner, 'responseMessage', withToolCalls(owner, message));
  if (typeof plain === 'object' && plain !== null && !Array.isArray(plain)) return plain as ResponseMessage;
  owner.invalid('responseMessage', 'expected a message object or a string; recorded as the content');
  return { role: 'assistant', content: plain };
}

function withToolCalls(owner: FieldOwner, message: ResponseMessage): ResponseMessage {
  const raw = message as ResponseMessage & { tool_calls?: unknown };
  if (raw.tool_calls === undefined && raw.toolCalls === undefined) return message;
  const { tool_calls: snake, toolCalls: camel, ...rest } = raw;
  return withToolCallList(owner, rest as ResponseMessage, camel ?? snake, camel !== undefined && snake !== undefined);
}

/**
 * `message` with the tool calls given (any accepted shape) in our shape under `toolCalls`; an
 * empty list is left out, as the SDK wrappers leave it out.
 */
function withToolCallList(
  owner: FieldOwner,
  message: ResponseMessage,
  given: unknown,
  givenTwice: boolean,
  field = 'responseMessage.toolCalls',
): ResponseMessage {
  if (givenTwice) owner.invalid(field, 'both toolCalls and tool_calls were given; toolCalls was kept');
  const calls = toToolCalls(owner, field, given);
  if (calls === undefined || calls.length === 0) return message;
  return { ...message, toolCalls: calls };
}

interface CheckedTokens {
  tokens: TokenUsage;
  source: NormalizedTokens['source'];
}

function normalizeTokens(owner: FieldOwner, counts: unknown): CheckedTokens {
  const normalized = normalizeTokenCounts(counts);
  for (const problem of normalized.problems) owner.invalid('tokens', problem);
  return { tokens: normalized.tokens, source: normalized.source };
}

/** Dates a call may start at: a date outside is a unit mistake (seconds for ms) or garbage. */
const EARLIEST_START_MS = Date.UTC(2000, 0, 1);
const LATEST_START_MS = Date.UTC(2200, 0, 1);

function resolveStart(value: Date | string | number | undefined, clock: Clock, owner: FieldOwner): number {
  if (value === undefined) return clock.now();
  const time = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(String(value));
  if (Number.isFinite(time) && time >= EARLIEST_START_MS && time < LATEST_START_MS) return time;
  let shown: string;
  try {
    shown = value instanceof Date ? (Number.isFinite(time) ? value.toISOString() : 'Invalid Date') : String(value);
  } catch {
    shown = 'an invalid date';
  }
  owner.invalid(
    'startedAt',
    `${shown.slice(0, 60)} is not a date between 2000-01-01 and 2200-01-01 (epoch milliseconds or ISO 8601); the current time is used`,
  );
  return clock.now();
}

/** How `cancel()` describes its reason; without one, a standard AbortError. */
function describeCancellation(reason: unknown, now: number): ErrorDetails {
  return describeError(reason ?? new DOMException('The call was cancelled', 'AbortError'), now);
}

/** Sets a failed or cancelled record's error fields: what the caller gave wins over what the error says. */
function applyFailure(
  record: CallRecord,
  described: ErrorDetails,
  details: FailureDetails,
  problems: FieldOwner,
): void {
  const errorType = details.errorType ?? described.errorType;
  record.errorType = errorType === null ? null : capText(errorType, problems.maxFieldChars, problems, 'errorType');
  // Providers echo the rejected key ("Incorrect API key provided: sk-..."): never store it.
  record.errorMessage = capText(
    redactSecrets(details.errorMessage ?? described.errorMessage),
    problems.maxFieldChars,
    details.errorMessage === undefined ? undefined : problems,
    'errorMessage',
  );
  record.httpStatus = details.httpStatus ?? described.httpStatus;
  record.retryAfterMs = details.retryAfterMs ?? described.retryAfterMs;
}

/** The pricer's cost for the record; a pricer that throws is reported, and the cost left unset. */
function priceRecord(owner: CallOwner, problems: FieldOwner, record: CallRecord): CallCost | null {
  const pricer = owner.pricer;
  if (!pricer) return null;
  try {
    return pricer.price(record);
  } catch (error) {
    problems.invalid('cost', `pricing failed: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/** The cost of an answer served from the response cache: nothing billed. */
function cacheHitCost(currency: string): CallCost {
  return { total: '0', breakdown: {}, currency, pricingVersion: 'cache', status: 'priced' };
}
