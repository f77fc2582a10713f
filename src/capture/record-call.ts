import type { CallHandle, CallInit, CallResult } from '../core/call.js';
import { withAdmission } from './admission.js';
import { sdkCacheTicket } from './cache/cache-ticket-for.js';
import type { CacheTicket } from './cache/cache-ticket.js';
import { withGeminiTicket, withTicketOption } from './cache/replay-fetch.js';
import { observeResponse, type ResponseObserver } from './api-promise.js';
import { applyDefaults, DEFAULT_STREAM_IDLE_TIMEOUT_MS, startCall, type CaptureBinding } from './capture-defaults.js';
import type { Endpoint, PreparedStream } from './endpoint.js';
import { classifyError } from './error-classification.js';
import { estimateRequestOf, finalizeWithEstimate, responseTextOf } from './estimate-tokens.js';
import { instrumentAsyncGenerator, instrumentSdkStream } from './instrument-stream.js';
import { StreamCapture, type StreamProgressSink } from './stream-capture.js';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Records one call of an SDK method and returns exactly what the SDK returned: the same
 * APIPromise, the same Stream object, the same error instances. The first argument is the
 * request; the others (request options) pass through untouched.
 */
export function recordSdkCall(
  binding: CaptureBinding,
  endpoint: Endpoint,
  provider: string,
  original: AnyFunction,
  self: unknown,
  args: unknown[],
): unknown {
  const params = args[0];
  // A disabled ledger costs the application nothing: not even reading the request.
  if (typeof params !== 'object' || params === null || binding.ledger.enabled === false) {
    return original.apply(self, args);
  }
  let init: CallInit;
  let prepared: PreparedStream<Record<string, unknown>> | undefined;
  let ticket: CacheTicket | undefined;
  try {
    const request = params as Record<string, unknown>;
    init = endpoint.request(request);
    init.provider = provider;
    if (endpoint.isStream(request)) {
      init.requestMode = 'streaming';
      prepared = endpoint.prepareStream?.(request, { includeUsage: binding.defaults.includeStreamUsage !== false });
    }
    if (binding.ledger.cache !== undefined && binding.replayVia !== undefined) {
      ticket = sdkCacheTicket(binding, endpoint, provider, request, init.requestMode === 'streaming', self, args[1]);
      if (ticket && prepared) prepared.accumulator = ticket.recordChunks(prepared.accumulator);
    }
  } catch (error) {
    reportCaptureProblem(binding, error);
    return original.apply(self, args);
  }
  let callArgs = prepared && prepared.params !== params ? [prepared.params, ...args.slice(1)] : args;
  if (ticket) callArgs = withTicket(binding, callArgs, self, ticket);
  if (binding.ledger.gated === true && binding.admission !== 'none') {
    return recordAdmittedCall(binding, endpoint, init, prepared, original, self, callArgs, ticket);
  }
  const started = startCall(binding, init);
  const call = ticket ? ticket.handle(started) : started;
  let result: unknown;
  try {
    result = original.apply(self, callArgs);
  } catch (error) {
    failCall(call, error);
    throw error;
  }
  return observeResponse(
    result,
    recorder(binding, () => call, init, endpoint, prepared, undefined, ticket),
  );
}

/** The SDK call's arguments carrying the cache ticket to the fetch that answers a hit. */
function withTicket(binding: CaptureBinding, args: unknown[], self: unknown, ticket: CacheTicket): unknown[] {
  if (binding.replayVia === 'request-fetch') {
    return [withGeminiTicket(args[0] as Record<string, unknown>, self, ticket), ...args.slice(1)];
  }
  return withTicketOption(args, ticket);
}

/**
 * The call under budgets and rate limits: its record starts once the reservation fits, and the
 * provider is contacted only then. A refused call (QuotaExceededError, RateLimitedError) reaches
 * the application as the SDK call's rejection and leaves no record, as with `ledger.logCall`.
 */
function recordAdmittedCall(
  binding: CaptureBinding,
  endpoint: Endpoint,
  init: CallInit,
  prepared: PreparedStream<Record<string, unknown>> | undefined,
  original: AnyFunction,
  self: unknown,
  callArgs: unknown[],
  ticket: CacheTicket | undefined,
): unknown {
  let call: CallHandle | undefined;
  const admission = admitUnlessCached(binding, init, ticket).then((started) => {
    call = ticket ? ticket.handle(started) : started;
  });
  const observer = recorder(binding, () => call, init, endpoint, prepared, admission, ticket);
  if (binding.admission === 'defer-call') {
    return observeResponse(
      admission.then(() => original.apply(self, callArgs)),
      observer,
    );
  }
  // Never an unhandled rejection: the SDK's request awaits it and rejects the call with it.
  admission.catch(ignore);
  let result: unknown;
  try {
    result = original.apply(self, withAdmission(callArgs, admission));
  } catch (error) {
    observer.onError(error);
    throw error;
  }
  return observeResponse(result, observer);
}

function ignore(): void {}

/**
 * A cacheable call asks the cache first: a hit spends nothing, so it is neither reserved against a
 * budget nor refused by one (or by a rate limit), and starts unadmitted; a miss is admitted as any
 * call. The price is that a miss's admission waits for the lookup (microseconds in memory, one
 * round trip with Redis) instead of running beside it.
 */
function admitUnlessCached(binding: CaptureBinding, init: CallInit, ticket: CacheTicket | undefined) {
  const admit = () => binding.ledger.startAdmitted!(applyDefaults(binding, init));
  if (ticket === undefined) return admit();
  return ticket.found().then((entry) => (entry !== undefined ? startCall(binding, init) : admit()));
}

function recorder(
  binding: CaptureBinding,
  current: () => CallHandle | undefined,
  init: CallInit,
  endpoint: Endpoint,
  prepared: PreparedStream<Record<string, unknown>> | undefined,
  admission?: Promise<void>,
  ticket?: CacheTicket,
): ResponseObserver {
  return {
    onData: (data) => {
      const call = current();
      if (!call || call.finalized) return data;
      if (prepared && isStreamLike(data)) return captureStream(binding, call, init, prepared, data);
      ticket?.noteBody(data);
      completeCallSoon(binding, call, endpoint, data);
      return data;
    },
    onError: (error) => {
      const call = current();
      if (call) failCall(call, error);
      // Failed before its admission settled (a synchronous throw): the record, once started, fails too.
      else void admission?.then(() => failCall(current()!, error), ignore);
    },
  };
}

function isStreamLike(value: unknown): value is object {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function captureStream(
  binding: CaptureBinding,
  call: CallHandle,
  init: CallInit,
  prepared: PreparedStream<Record<string, unknown>>,
  stream: object,
): unknown {
  const capture = new StreamCapture(call, prepared.accumulator, {
    idleTimeoutMs: binding.defaults.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    ledger: binding.ledger,
    failClosed: binding.ledger.settings?.failOpen === false,
    progress: progressSink(binding, call),
  });
  if (typeof (stream as { iterator?: unknown }).iterator === 'function' || !isGenerator(stream)) {
    return instrumentSdkStream(stream, capture);
  }
  return instrumentAsyncGenerator(stream, capture, prepared.signal);
}

/** Where a stream's `stream_progress` events go: the ledger's handlers, when progress is on. */
function progressSink(binding: CaptureBinding, call: CallHandle): StreamProgressSink | undefined {
  const options = binding.ledger.streamProgress;
  const ledger = binding.ledger;
  if (options === undefined || ledger.emit === undefined || ledger.hasHandlers === false) return undefined;
  return {
    ...options,
    emit: ({ chunks, elapsedMs }) =>
      ledger.emit!({
        event: 'stream_progress',
        callId: call.id,
        model: call.model,
        provider: call.provider,
        fields: { chunks_streamed: chunks, elapsed_ms: elapsedMs },
      }),
  };
}

function isGenerator(value: object): value is AsyncGenerator<unknown> {
  const generator = value as Partial<AsyncGenerator<unknown>>;
  return typeof generator.next === 'function' && typeof generator.return === 'function';
}

/** Completes a call from a non-streamed response now; counts are estimated when the provider sent none. */
export function completeCall(
  binding: CaptureBinding,
  call: CallHandle,
  endpoint: Endpoint,
  data: unknown,
  metadata?: Record<string, unknown>,
): void {
  const result = readResponse(binding, call, endpoint, data);
  if (!result) return;
  if (metadata) result.metadata = { ...result.metadata, ...metadata };
  completeWithCounts(binding, call, result, false);
}

/**
 * `completeCall` for a wrapped SDK call: the response is read now, and the record is built, priced
 * and queued after the application's continuation has run (`Ledger.finalizeSoon`), its tokens
 * counted then when the provider sent none.
 */
function completeCallSoon(binding: CaptureBinding, call: CallHandle, endpoint: Endpoint, data: unknown): void {
  const result = readResponse(binding, call, endpoint, data);
  if (result) completeWithCounts(binding, call, result, true);
}

/** Completes with the provider's counts, or with the token chain's estimate of prompt and answer. */
function completeWithCounts(binding: CaptureBinding, call: CallHandle, result: CallResult, defer: boolean): void {
  const request = result.tokens ? undefined : estimateRequestOf(call, { text: responseTextOf(result.responseMessage) });
  finalizeWithEstimate(
    binding.ledger,
    call,
    request,
    (estimate) => {
      if (estimate) {
        result.tokens = { input: estimate.input, output: estimate.output, total: estimate.input + estimate.output };
        result.tokenSource = estimate.source;
      }
      call.complete(result);
    },
    { defer },
  );
}

/**
 * The call's result, read from the response at once into objects of the record's own (the
 * application may change the response afterwards); undefined when the call is finalized already
 * or the response reported an error (the call is failed with it).
 */
function readResponse(
  binding: CaptureBinding,
  call: CallHandle,
  endpoint: Endpoint,
  data: unknown,
): CallResult | undefined {
  if (call.finalized) return undefined;
  let read: ReturnType<Endpoint['response']>;
  try {
    read = endpoint.response(data);
  } catch (error) {
    reportCaptureProblem(binding, error);
    read = { result: {} };
  }
  if (read.error) {
    failCall(call, read.error, read.result);
    return undefined;
  }
  return read.result;
}

/** Records a failure with its classification; an abort becomes `cancelled`. */
export function failCall(call: CallHandle, error: unknown, result: CallResult = {}): void {
  if (call.finalized) return;
  const classified = classifyError(error);
  const details = {
    errorType: classified.errorType,
    httpStatus: classified.httpStatus,
    retryAfterMs: classified.retryAfterMs,
    tokens: result.tokens,
    tokenSource: result.tokenSource,
    responseMessage: result.responseMessage,
  };
  if (result.responseModel || result.finishReason) {
    call.update({ responseModel: result.responseModel ?? undefined, finishReason: result.finishReason ?? undefined });
  }
  if (classified.errorType === 'aborted') call.cancel(error, details);
  else call.fail(error, details);
}

/** Capture's own bugs never reach the application: they are reported and the call goes on. */
export function reportCaptureProblem(binding: CaptureBinding, error: unknown): void {
  try {
    binding.ledger.reportInvalidInput('capture', error instanceof Error ? error.message : String(error));
  } catch {
    // A fail-closed ledger throws here; the provider call must still run.
  }
}
