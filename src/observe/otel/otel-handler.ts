import {
  context as otelContext,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type HrTime,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { BoundedMap } from '../../core/bounded-map.js';
import type { CallStart } from '../../core/call.js';
import { ValidationError } from '../../core/errors.js';
import type { LedgerHandler } from '../../core/handlers.js';
import type { CallParams, CallRecord } from '../../core/record.js';
import { operationName, providerName } from '../shared/gen-ai-names.js';
import { Redactor, type RedactionOptions } from '../shared/redaction.js';
import { ERROR_TYPE_ATTRIBUTE, GEN_AI_ATTRIBUTES as GEN_AI, LEDGER_ATTRIBUTES as LEDGER } from './attributes.js';
import { inputMessages, outputMessages, systemInstructions } from './content-attributes.js';
import { remoteSpanContext } from './span-ids.js';

export interface OtelHandlerOptions {
  /** The tracer to use. Default: `tracerProvider`'s (or the global provider's) `llm-ledger` tracer. */
  tracer?: Tracer;
  tracerProvider?: TracerProvider;
  /**
   * Record prompts and responses as `gen_ai.input.messages` / `gen_ai.output.messages` /
   * `gen_ai.system_instructions`. Off by default; when on, content passes through redaction.
   */
  captureContent?: boolean | RedactionOptions;
  /** Calls whose span is remembered for their children, and open spans kept. Default 10,000 each. */
  maxTrackedCalls?: number;
}

/** The tracer name spans are created under. */
export const TRACER_NAME = 'llm-ledger';

/**
 * One OpenTelemetry CLIENT span per call, named `{operation} {model}` with the GenAI
 * semantic-convention attributes. Start and end times are the record's own. The parent is,
 * in order: the OTel context active where the call started (when the ledger calls
 * `onStartSync`), the span of the ledger parent call, a remote parent mapped from the ledger's
 * trace and parent ids; a call that is its own trace root starts a new OTel trace.
 *
 * @example
 * import { OtelSpanHandler } from 'llm-ledger/otel';
 * const ledger = createLedger({ handlers: [new OtelSpanHandler({ tracerProvider: provider })] });
 */
export class OtelSpanHandler implements LedgerHandler {
  readonly name = 'OtelSpanHandler';
  private readonly tracer: Tracer;
  private readonly redactor: Redactor | undefined;
  private readonly open: BoundedMap<string, Span>;
  /** Span contexts of recent calls, by call id: children started later find their parent here. */
  private readonly known: BoundedMap<string, Context>;
  /** OTel contexts captured synchronously at call start, until `onStart` uses them. */
  private readonly captured: BoundedMap<string, Context>;

  constructor(options: OtelHandlerOptions = {}) {
    this.tracer = options.tracer ?? (options.tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
    const content = options.captureContent;
    this.redactor = content ? new Redactor(content === true ? {} : content) : undefined;
    const maxTracked = options.maxTrackedCalls ?? 10_000;
    if (!Number.isInteger(maxTracked) || maxTracked < 1) {
      throw new ValidationError('maxTrackedCalls', `expected a whole number >= 1, got ${String(maxTracked)}`);
    }
    this.open = new BoundedMap({
      maxEntries: maxTracked,
      // A call that never ended (its handle was dropped): its span is ended so it is not held forever.
      onEvict: (_, span) => {
        span.setAttribute(LEDGER.status, 'unfinished');
        span.end();
      },
    });
    this.known = new BoundedMap({ maxEntries: maxTracked });
    this.captured = new BoundedMap({ maxEntries: maxTracked });
  }

  /**
   * Captures the caller's active OTel context. Handlers otherwise run on a later turn of the
   * event loop, where the caller's context is gone; the ledger calls this synchronously inside
   * `ledger.start()` where it supports it.
   */
  onStartSync(call: CallStart): void {
    const active = otelContext.active();
    if (trace.getSpan(active) === undefined) return;
    this.captured.set(call.id, active);
  }

  onStart(call: CallStart): void {
    const span = this.tracer.startSpan(
      spanName(call.callType, call.model),
      { kind: SpanKind.CLIENT, startTime: hrTime(call.startedAtMs), attributes: this.startAttributes(call) },
      this.parentOf(call),
    );
    this.track(call.id, span);
  }

  onEnd(record: CallRecord): void {
    const startedAtMs = Date.parse(record.startedAt);
    let span = this.open.get(record.id);
    if (span) this.open.delete(record.id);
    else {
      // Added after the call started, or its start was evicted: the record has everything needed.
      span = this.tracer.startSpan(
        spanName(record.callType, record.model),
        { kind: SpanKind.CLIENT, startTime: hrTime(startedAtMs), attributes: this.startAttributes(record) },
        this.parentOf(record),
      );
      this.remember(record.id, span);
    }
    span.setAttributes(this.endAttributes(record));
    if (record.status === 'error') {
      span.recordException({ name: record.errorType ?? 'Error', message: record.errorMessage ?? '' });
      span.setStatus({ code: SpanStatusCode.ERROR, message: record.errorMessage ?? undefined });
    }
    span.end(hrTime(startedAtMs + record.latencyMs));
  }

  private parentOf(call: Pick<CallStart, 'id' | 'traceId' | 'parentId'>): Context {
    const captured = this.captured.get(call.id);
    if (captured) {
      this.captured.delete(call.id);
      return captured;
    }
    if (call.parentId !== null) {
      const parent = this.known.get(call.parentId);
      if (parent) return parent;
      return trace.setSpanContext(ROOT_CONTEXT, remoteSpanContext(call.traceId, call.parentId));
    }
    // A root call whose trace id was given (an incoming request's, `ledger.context({ traceId })`):
    // a remote parent standing for that trace keeps its calls in one OTel trace.
    if (call.traceId !== call.id) {
      return trace.setSpanContext(ROOT_CONTEXT, remoteSpanContext(call.traceId, call.traceId));
    }
    return ROOT_CONTEXT;
  }

  private track(callId: string, span: Span): void {
    this.open.set(callId, span);
    this.remember(callId, span);
  }

  private remember(callId: string, span: Span): void {
    this.known.set(callId, trace.setSpan(ROOT_CONTEXT, span));
  }

  private startAttributes(call: CallStart | CallRecord): Attributes {
    const attributes: Attributes = {
      [GEN_AI.operationName]: operationName(call.callType),
      [GEN_AI.providerName]: providerName(call.provider),
      [GEN_AI.requestModel]: call.model,
      [LEDGER.callId]: call.id,
      [LEDGER.traceId]: call.traceId,
      [LEDGER.callType]: call.callType,
    };
    if (call.parentId !== null) attributes[LEDGER.parentId] = call.parentId;
    if (call.sessionId !== null) attributes[GEN_AI.conversationId] = call.sessionId;
    if (call.requestMode === 'streaming') attributes[GEN_AI.requestStream] = true;
    requestParams(attributes, call.params);
    if (this.redactor) {
      attributes[GEN_AI.inputMessages] = inputMessages(call.messages, this.redactor);
      if (call.systemPrompt !== null) {
        attributes[GEN_AI.systemInstructions] = systemInstructions(call.systemPrompt, this.redactor);
      }
    }
    return attributes;
  }

  private endAttributes(record: CallRecord): Attributes {
    const attributes: Attributes = { [LEDGER.status]: record.status };
    if (record.responseModel !== null) attributes[GEN_AI.responseModel] = record.responseModel;
    if (record.finishReason !== null) attributes[GEN_AI.responseFinishReasons] = [record.finishReason];
    if (record.tokenSource !== null) {
      attributes[GEN_AI.usageInputTokens] = record.tokens.input;
      attributes[GEN_AI.usageOutputTokens] = record.tokens.output;
      if (record.tokens.cacheRead > 0) attributes[GEN_AI.usageCacheReadInputTokens] = record.tokens.cacheRead;
      if (record.tokens.cacheWrite > 0) attributes[GEN_AI.usageCacheCreationInputTokens] = record.tokens.cacheWrite;
      if (record.tokens.reasoning > 0) attributes[GEN_AI.usageReasoningOutputTokens] = record.tokens.reasoning;
    }
    if (record.ttftMs !== null) attributes[GEN_AI.responseTimeToFirstChunk] = record.ttftMs / 1000;
    if (record.cost !== null) {
      // The exact decimal string: a double attribute would not match the ledger's total.
      if (record.cost.total !== null) attributes[LEDGER.cost] = record.cost.total;
      attributes[LEDGER.costCurrency] = record.cost.currency;
      attributes[LEDGER.costStatus] = record.cost.status;
    }
    if (record.partial) attributes[LEDGER.partial] = true;
    if (record.status === 'error' || record.status === 'cancelled') {
      attributes[ERROR_TYPE_ATTRIBUTE] = record.errorType ?? '_OTHER';
    }
    if (this.redactor) {
      const output = outputMessages(record, this.redactor);
      if (output !== undefined) attributes[GEN_AI.outputMessages] = output;
    }
    return attributes;
  }
}

/**
 * `{gen_ai.operation.name} {gen_ai.request.model}`.
 *
 * @example
 * spanName('CHAT', 'gpt-4o'); // 'chat gpt-4o'
 */
export function spanName(callType: string, model: string): string {
  return `${operationName(callType)} ${model}`;
}

function requestParams(attributes: Attributes, params: CallParams): void {
  if (typeof params.temperature === 'number') attributes[GEN_AI.requestTemperature] = params.temperature;
  if (typeof params.maxTokens === 'number') attributes[GEN_AI.requestMaxTokens] = params.maxTokens;
  if (typeof params.topP === 'number') attributes[GEN_AI.requestTopP] = params.topP;
  if (typeof params.seed === 'number') attributes[GEN_AI.requestSeed] = params.seed;
  if (typeof params.stop === 'string') attributes[GEN_AI.requestStopSequences] = [params.stop];
  else if (Array.isArray(params.stop)) attributes[GEN_AI.requestStopSequences] = params.stop;
}

/** Epoch milliseconds (with a fraction) as OTel's [seconds, nanoseconds]. */
export function hrTime(epochMs: number): HrTime {
  let seconds = Math.floor(epochMs / 1000);
  let nanos = Math.round((epochMs - seconds * 1000) * 1_000_000);
  if (nanos >= 1_000_000_000) {
    seconds += 1;
    nanos -= 1_000_000_000;
  }
  return [seconds, nanos];
}
