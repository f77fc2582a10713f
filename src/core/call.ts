import { describeError } from './error-details.js';
import { CallAlreadyFinalizedError } from './errors.js';
import { parseDecimal, formatDecimal } from './money.js';
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
import { CallType, EMPTY_TOKENS } from './record.js';
import { capText } from './sanitize.js';
import { normalizeTokenCounts, type TokenCountsInput } from './token-input.js';

/** What a call is, known when it starts. Only `model` is required. */
export interface CallInit {
  model: string;
  provider?: string;
  callType?: string;
  systemPrompt?: string | null;
  messages?: readonly unknown[];
  tools?: readonly unknown[] | null;
  toolChoice?: unknown;
  params?: CallParams;
  requestMode?: RequestMode;
  // attribution; inherited from the surrounding context when omitted
  id?: string;
  traceId?: string;
  parentId?: string | null;
  sessionId?: string;
  userId?: string;
  tenantId?: string;
  requestId?: string;
  tags?: readonly string[];
  metadata?: Record<string, unknown>;
  /** When it fires before the call is finalized, the call is recorded as cancelled. */
  signal?: AbortSignal;
  /** For importing past calls; defaults to now. */
  startedAt?: Date | string | number;
}

/** Read-only view of a call that has started; handlers receive it in `onStart`. */
export interface CallStart {
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
  readonly params: CallParams;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Epoch milliseconds. */
  readonly startedAtMs: number;
}

/** Progress while a call runs (streaming). */
export interface CallProgress {
  /** Appends streamed text to the response; the first piece sets time to first token. */
  appendText?: string;
  /** Marks the first token without text (tool-call deltas, audio). */
  firstToken?: boolean;
  responseMessage?: ResponseMessage;
  responseModel?: string;
  finishReason?: string;
  tokens?: TokenCountsInput;
  tokenSource?: TokenSource;
}

export interface CallResult {
  /** A string is taken as the assistant's text. */
  responseMessage?: ResponseMessage | string | null;
  responseModel?: string | null;
  finishReason?: string | null;
  tokens?: TokenCountsInput;
  tokenSource?: TokenSource;
  /** A cost the caller computed (seed 001's `estimated_cost`), as a decimal string or number. */
  cost?: string | number | CallCost;
  /** `partial` for a stream that ended before the provider said it was done. */
  status?: 'success' | 'partial';
  metadata?: Record<string, unknown>;
  ttftMs?: number;
}

export interface FailureDetails {
  errorType?: string;
  errorMessage?: string;
  httpStatus?: number | null;
  retryAfterMs?: number | null;
  tokens?: TokenCountsInput;
  tokenSource?: TokenSource;
  responseMessage?: ResponseMessage | string | null;
  /** Output had started arriving when it failed. */
  partial?: boolean;
  metadata?: Record<string, unknown>;
}

export interface CallHandle extends CallStart {
  readonly finalized: boolean;
  /** The record, once finalized. */
  readonly record: CallRecord | undefined;
  update(progress: CallProgress): void;
  complete(result?: CallResult): CallRecord;
  fail(error: unknown, details?: FailureDetails): CallRecord;
  cancel(reason?: unknown, details?: FailureDetails): CallRecord;
}

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

export interface ResolvedIdentity {
  id: string;
  traceId: string;
  parentId: string | null;
  sessionId: string | null;
  userId: string | null;
  tenantId: string | null;
  requestId: string | null;
  tags: readonly string[];
  metadata: Record<string, unknown>;
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
  private ttft: number | null = null;
  private streamedText: string | undefined;
  private progress: CallProgress | undefined;
  private finalRecord: CallRecord | undefined;
  /** Set when the call was cancelled by its AbortSignal: a later complete/fail is then ignored. */
  private cancelledBySignal = false;
  private detachSignal: (() => void) | undefined;

  constructor(
    private readonly owner: CallOwner,
    init: CallInit,
    identity: ResolvedIdentity,
  ) {
    this.id = identity.id;
    this.traceId = identity.traceId;
    this.parentId = identity.parentId;
    this.sessionId = identity.sessionId;
    this.userId = identity.userId;
    this.tenantId = identity.tenantId;
    this.requestId = identity.requestId;
    this.tags = identity.tags;
    this.metadata = identity.metadata;
    this.callType = init.callType ?? CallType.CHAT;
    this.provider = init.provider ?? 'unknown';
    this.model = init.model;
    this.requestMode = init.requestMode ?? 'sync';
    this.systemPrompt = init.systemPrompt ?? null;
    // Shallow copies: callers often push the reply onto the same array after the call.
    this.messages = Array.isArray(init.messages) ? init.messages.slice() : [];
    this.tools = Array.isArray(init.tools) ? init.tools.slice() : null;
    this.toolChoice = init.toolChoice ?? null;
    this.params = init.params ? { ...init.params } : {};
    this.startedMonotonic = owner.clock.monotonic();
    this.startedAtMs = resolveStart(init.startedAt, owner);

    const signal = init.signal;
    if (signal) {
      const onAbort = () => {
        if (this.finalRecord) return;
        this.cancel(signal.reason);
        this.cancelledBySignal = true;
      };
      if (signal.aborted) queueMicrotask(onAbort);
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.detachSignal = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  get finalized(): boolean {
    return this.finalRecord !== undefined;
  }

  get record(): CallRecord | undefined {
    return this.finalRecord;
  }

  update(progress: CallProgress): void {
    if (this.finalRecord) return;
    if (progress.appendText !== undefined || progress.firstToken) {
      if (this.ttft === null) this.ttft = this.owner.clock.monotonic() - this.startedMonotonic;
      if (progress.appendText) this.streamedText = (this.streamedText ?? '') + progress.appendText;
    }
    if (
      progress.responseMessage ||
      progress.responseModel ||
      progress.finishReason ||
      progress.tokens ||
      progress.tokenSource
    ) {
      this.progress = { ...this.progress, ...progress };
    }
  }

  complete(result: CallResult = {}): CallRecord {
    const ignored = this.guard('success');
    if (ignored) return ignored;
    const status: CallStatus = result.status === 'partial' ? 'partial' : 'success';
    const record = this.build(status, result.tokens, result.tokenSource, result.responseMessage, result.metadata);
    record.responseModel = result.responseModel ?? this.progress?.responseModel ?? null;
    record.finishReason = result.finishReason ?? this.progress?.finishReason ?? null;
    if (result.ttftMs !== undefined) record.ttftMs = result.ttftMs;
    record.partial = status === 'partial';
    record.cost = result.cost === undefined ? this.price(record) : this.callerCost(result.cost);
    return this.finish(record, undefined);
  }

  fail(error: unknown, details: FailureDetails = {}): CallRecord {
    const described = describeError(error, this.owner.clock.now());
    return this.finalizeFailure(described.aborted ? 'cancelled' : 'error', error, described, details);
  }

  cancel(reason?: unknown, details: FailureDetails = {}): CallRecord {
    const described = describeError(
      reason ?? new DOMException('The call was cancelled', 'AbortError'),
      this.owner.clock.now(),
    );
    return this.finalizeFailure('cancelled', reason, described, details);
  }

  private finalizeFailure(
    status: CallStatus,
    error: unknown,
    described: ReturnType<typeof describeError>,
    details: FailureDetails,
  ): CallRecord {
    const ignored = this.guard(status);
    if (ignored) return ignored;
    const record = this.build(status, details.tokens, details.tokenSource, details.responseMessage, details.metadata);
    record.errorType = details.errorType ?? described.errorType;
    record.errorMessage = capText(details.errorMessage ?? described.errorMessage, this.owner.maxFieldChars);
    record.httpStatus = details.httpStatus ?? described.httpStatus;
    record.retryAfterMs = details.retryAfterMs ?? described.retryAfterMs;
    record.responseModel = this.progress?.responseModel ?? null;
    record.finishReason = this.progress?.finishReason ?? null;
    record.partial = details.partial ?? this.streamedText !== undefined;
    record.cost = record.tokenSource === null ? null : this.price(record);
    return this.finish(record, error ?? described.errorMessage);
  }

  /** Throws on a second finalization, except after an automatic cancellation by the signal. */
  private guard(status: CallStatus): CallRecord | undefined {
    if (!this.finalRecord) return undefined;
    if (this.cancelledBySignal) return this.finalRecord;
    throw new CallAlreadyFinalizedError(this.id, `${this.finalRecord.status} (then ${status} was attempted)`);
  }

  private build(
    status: CallStatus,
    tokenInput: TokenCountsInput | undefined,
    tokenSource: TokenSource | undefined,
    responseMessage: ResponseMessage | string | null | undefined,
    metadata: Record<string, unknown> | undefined,
  ): CallRecord {
    const endedMonotonic = this.owner.clock.monotonic();
    const latencyMs = Math.max(0, endedMonotonic - this.startedMonotonic);
    const counts = tokenInput ?? this.progress?.tokens;
    let tokens: TokenUsage = EMPTY_TOKENS;
    if (counts) {
      const normalized = normalizeTokenCounts(counts);
      tokens = normalized.tokens;
      for (const problem of normalized.problems) this.owner.invalid('tokens', problem);
    }
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
      metadata: metadata ? { ...this.metadata, ...metadata } : this.metadata,
      provider: this.provider,
      model: this.model,
      systemPrompt: this.systemPrompt === null ? null : capText(this.systemPrompt, this.owner.maxFieldChars),
      messages: this.messages as unknown[],
      tools: this.tools as unknown[] | null,
      toolChoice: this.toolChoice,
      params: this.params,
      responseModel: null,
      responseMessage: this.resolveResponse(responseMessage),
      finishReason: null,
      tokens,
      tokenSource: counts ? (tokenSource ?? this.progress?.tokenSource ?? 'provider') : null,
      cost: null,
      costHistory: [],
      startedAt: new Date(this.startedAtMs).toISOString(),
      endedAt: new Date(this.startedAtMs + latencyMs).toISOString(),
      latencyMs: Math.round(latencyMs * 1000) / 1000,
      ttftMs: this.ttft === null ? null : Math.round(this.ttft * 1000) / 1000,
      requestMode: this.requestMode,
      streamed: this.requestMode === 'streaming',
      partial: false,
      status,
      errorType: null,
      errorMessage: null,
      httpStatus: null,
      retryAfterMs: null,
    };
  }

  private resolveResponse(given: ResponseMessage | string | null | undefined): ResponseMessage | null {
    if (typeof given === 'string') return { role: 'assistant', content: given };
    if (given) return given;
    if (this.progress?.responseMessage) return this.progress.responseMessage;
    if (this.streamedText !== undefined) return { role: 'assistant', content: this.streamedText };
    return null;
  }

  private price(record: CallRecord): CallCost | null {
    const pricer = this.owner.pricer;
    if (!pricer) return null;
    try {
      return pricer.price(record);
    } catch (error) {
      this.owner.invalid('cost', `pricing failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  private callerCost(cost: string | number | CallCost): CallCost | null {
    if (typeof cost === 'object') return cost;
    try {
      const total = formatDecimal(parseDecimal(cost));
      return { total, breakdown: {}, currency: this.owner.baseCurrency, pricingVersion: 'caller', status: 'priced' };
    } catch {
      this.owner.invalid('cost', `${JSON.stringify(String(cost))} is not a decimal amount; the cost is left unset`);
      return null;
    }
  }

  private finish(record: CallRecord, error: unknown): CallRecord {
    this.finalRecord = record;
    this.detachSignal?.();
    this.detachSignal = undefined;
    this.owner.finalize(record, error);
    return record;
  }
}

function resolveStart(value: Date | string | number | undefined, owner: CallOwner): number {
  if (value === undefined) return owner.clock.now();
  const time = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (Number.isFinite(time)) return time;
  owner.invalid('startedAt', `${String(value)} is not a valid date; the current time is used`);
  return owner.clock.now();
}
