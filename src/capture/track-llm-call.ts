import type { CachedResponse } from '../cache/cached-response.js';
import type { CallHandle, CallInit } from '../core/call.js';
import { unknownKeyProblems } from '../core/unknown-keys.js';
import { createBinding, DEFAULT_STREAM_IDLE_TIMEOUT_MS, type CaptureLedger } from './capture-defaults.js';
import { CacheTicket } from './cache/cache-ticket.js';
import { classifyError } from './error-classification.js';
import { completeCall, failCall } from './record-call.js';
import { StreamCapture } from './stream-capture.js';
import { buildRequest, canStream, detectClient, type ClientShape, type RequestSpec } from './track/client-shape.js';
import { trackedCall, type TrackedCall } from './track/tracked-call.js';
import { universalEndpoint } from './track/universal-response.js';
import { UniversalStreamAccumulator } from './track/universal-stream-accumulator.js';

export type { TrackedCall } from './track/tracked-call.js';

const TRACK_OPTION_KEYS: ReadonlySet<string> = new Set([
  'provider',
  'model',
  'messages',
  'client',
  'stream',
  'systemPrompt',
  'tools',
  'params',
  'maxTokens',
  'signal',
  'callType',
  'userId',
  'sessionId',
  'tenantId',
  'traceId',
  'parentId',
  'requestId',
  'tags',
  'metadata',
  'streamIdleTimeoutMs',
  'cache',
]);
const TRACK_ALIASES = { temperature: 'params.temperature', max_tokens: 'maxTokens', top_p: 'params.top_p' };

export interface TrackLLMCallOptions {
  /** Recorded as given (`openai`, `anthropic`, `gemini`, `mistral`...); it also picks prices. */
  provider: string;
  model: string;
  /** Chat messages (`{ role, content }`); a `system` message becomes the system prompt where the API wants one. */
  messages: readonly unknown[];
  /** Any client: OpenAI-style, Anthropic-style, Gemini-style, one with `.stream()` / `.createStream()` / `.create()`, or a function. */
  client: unknown;
  /** Stream the response; default: whenever the client appears able to. */
  stream?: boolean;
  systemPrompt?: string;
  tools?: readonly unknown[];
  /** More request fields, sent as they are (`temperature`, `max_tokens`, `response_format`...). */
  params?: Record<string, unknown>;
  /** Anthropic's required `max_tokens` when `params` has none. Default 1024. */
  maxTokens?: number;
  signal?: AbortSignal;
  callType?: string;
  userId?: string;
  sessionId?: string;
  tenantId?: string;
  traceId?: string;
  parentId?: string;
  requestId?: string;
  tags?: readonly string[];
  metadata?: Record<string, unknown>;
  /** See `CaptureDefaults.streamIdleTimeoutMs`. */
  streamIdleTimeoutMs?: number;
  /**
   * The ledger's response cache for this call (createLedger's `cache`): `false` never uses it,
   * `true` uses it even when the cache is opt-in. Default: the ledger's setting. On a hit the
   * client is not called: the stored answer is returned (a stored stream is read again, chunk by
   * chunk, as the client's stream was) and recorded with `cacheHit: true` and cost '0'.
   */
  cache?: boolean;
}

/**
 * A universal tracker: calls any LLM client, streaming when it can, and records the call.
 * It never throws for provider errors: the payload's `error` says what failed, and tokens and cost
 * are always filled from the finalized record (estimated when the provider sent no usage).
 * Streaming falls back to a plain call only when the stream is refused before any output, so a
 * call is never paid twice; a client that ignores `stream` and answers in full is not called again.
 *
 * @example
 * const result = await trackLLMCall(ledger, { provider: 'openai', model: 'gpt-4o-mini', messages, client: openai });
 * if (result.error) console.warn(result.error);
 * console.log(result.text, result.totalTokens, result.costUsd);
 */
export async function trackLLMCall(ledger: CaptureLedger, options: TrackLLMCallOptions): Promise<TrackedCall> {
  for (const problem of unknownKeyProblems(options, TRACK_OPTION_KEYS, 'trackLLMCall() options', TRACK_ALIASES)) {
    ledger.reportInvalidInput(problem.key, `${problem.message} The value is ignored.`);
  }
  const shape = detectClient(options.client);
  const streaming = options.stream ?? (shape ? canStream(shape) : false);
  const spec: RequestSpec = {
    model: options.model,
    messages: options.messages,
    systemPrompt: options.systemPrompt,
    tools: options.tools,
    params: options.params,
    maxTokens: options.maxTokens,
    signal: options.signal,
  };
  const init: CallInit = {
    provider: options.provider,
    model: options.model,
    callType: options.callType,
    messages: options.messages,
    systemPrompt: options.systemPrompt ?? systemMessageText(options.messages),
    tools: options.tools ?? null,
    params: options.params,
    requestMode: streaming ? 'streaming' : 'sync',
    userId: options.userId,
    sessionId: options.sessionId,
    tenantId: options.tenantId,
    traceId: options.traceId,
    parentId: options.parentId,
    requestId: options.requestId,
    tags: options.tags,
    metadata: options.metadata,
  };
  const ticket = trackCacheTicket(ledger, options, spec, streaming);
  const entry = ticket ? await ticket.found() : undefined;
  // Budgets and rate limits refuse the call here (QuotaExceededError, RateLimitedError are thrown:
  // they are the application's own limits, not provider errors), before the provider is contacted.
  // A cache hit spends nothing and contacts no provider: it is neither reserved nor refused.
  const admit = entry === undefined && ledger.gated === true && ledger.startAdmitted !== undefined;
  const started = admit ? await ledger.startAdmitted!(init) : ledger.start(init);
  const call = ticket ? ticket.handle(started) : started;
  const run = new TrackedRun(ledger, options, spec, init, call, ticket);
  let response: unknown;
  let error: unknown;
  let payload: TrackedCall | undefined;
  try {
    if (!shape)
      throw new TypeError('trackLLMCall: the client has no create(), stream(), createStream() or known SDK method');
    if (entry) response = await run.replay(entry);
    else response = streaming ? await run.stream(shape) : await run.sync(shape, undefined);
  } catch (caught) {
    error = caught;
    failCall(call, caught);
  } finally {
    // Whatever happened above, the call is finalized and the cost read here, from the record.
    if (!call.finalized) failCall(call, error ?? new Error('trackLLMCall ended without a result'));
    payload = trackedCall(call, { provider: options.provider, model: options.model }, response, error);
  }
  return payload;
}

class TrackedRun {
  constructor(
    private readonly ledger: CaptureLedger,
    private readonly options: TrackLLMCallOptions,
    private readonly spec: RequestSpec,
    private readonly init: CallInit,
    private readonly call: CallHandle,
    private readonly ticket: CacheTicket | undefined,
  ) {}

  /** A cache hit: the stored answer, read as the client's would have been; the client is not called. */
  async replay(entry: CachedResponse): Promise<unknown> {
    if (!entry.streamed) {
      this.complete(entry.body, undefined);
      return entry.body;
    }
    await this.drain(replayChunks(entry.chunks ?? []), undefined);
    return undefined;
  }

  async stream(shape: ClientShape): Promise<unknown> {
    const method = streamMethod(shape);
    let stream: unknown;
    try {
      stream = await method(...buildRequest(shape, this.spec, true));
    } catch (error) {
      if (isStreamRefusal(error)) return this.sync(shape, error);
      throw error;
    }
    if (!isAsyncIterable(stream)) {
      // The client answered in full although asked to stream: that answer is the call (not cached
      // as the stream its key names).
      this.ticket?.forgo();
      this.complete(stream, { streamIgnored: true });
      return stream;
    }
    const iterator = stream[Symbol.asyncIterator]();
    let first: IteratorResult<unknown>;
    try {
      first = await iterator.next();
    } catch (error) {
      if (!isStreamRefusal(error)) throw error;
      await Promise.resolve(iterator.return?.()).catch(() => undefined);
      return this.sync(shape, error);
    }
    const controller = (stream as { controller?: { signal?: AbortSignal } }).controller;
    await this.drain(prepend(first, iterator), controller?.signal ?? this.options.signal);
    return undefined;
  }

  /** Reads a stream to its end for the record; the assembled message is the response. */
  private async drain(chunks: AsyncIterator<unknown>, signal: AbortSignal | undefined): Promise<void> {
    const reader = new UniversalStreamAccumulator(this.options.provider);
    const capture = new StreamCapture(this.call, this.ticket ? this.ticket.recordChunks(reader) : reader, {
      idleTimeoutMs: this.options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
      // Not deferred: trackLLMCall reads the finalized record as soon as the stream ends.
      ledger: { tokenEstimator: this.ledger.tokenEstimator },
      failClosed: this.ledger.settings?.failOpen === false,
    });
    capture.watchSignal(signal);
    const captured = capture.iterate(chunks);
    for (let result = await captured.next(); !result.done; result = await captured.next()) {
      // Drained for the record.
    }
  }

  async sync(shape: ClientShape, refusal: unknown): Promise<unknown> {
    const method = syncMethod(shape);
    if (!method) throw refusal ?? new TypeError('trackLLMCall: the client has no method for a non-streamed call');
    const data = await method(...buildRequest(shape, this.spec, false));
    // Asked again without streaming: this answer is not the stream the key names.
    if (refusal !== undefined) this.ticket?.forgo();
    else this.ticket?.noteBody(data);
    this.complete(data, refusal === undefined ? undefined : { streamFallback: messageOf(refusal) });
    return data;
  }

  private complete(data: unknown, metadata: Record<string, unknown> | undefined): void {
    const binding = createBinding(this.ledger, { provider: this.options.provider });
    const endpoint = universalEndpoint(this.options.provider, { request: () => this.init, isStream: () => false });
    completeCall(binding, this.call, endpoint, data, metadata);
  }
}

type Method = (...args: unknown[]) => unknown;

/**
 * The cache ticket of a tracked call, or undefined (no cache, `cache: false`, an opt-in cache the
 * call did not opt into, a disabled ledger, a key hook that said no). The key covers what decides
 * the answer: provider, model, streamed or not, messages, system prompt, tools, params and
 * maxTokens; never the client, the signal or attribution.
 */
function trackCacheTicket(
  ledger: CaptureLedger,
  options: TrackLLMCallOptions,
  spec: RequestSpec,
  streamed: boolean,
): CacheTicket | undefined {
  const cache = ledger.cache;
  if (cache === undefined || ledger.enabled === false || !cache.appliesTo(options.cache)) return undefined;
  const request: Record<string, unknown> = {
    model: spec.model,
    messages: spec.messages,
    systemPrompt: spec.systemPrompt,
    tools: spec.tools,
    params: spec.params,
    maxTokens: spec.maxTokens,
  };
  const input = { provider: options.provider, endpoint: 'trackLLMCall', model: options.model, streamed, request };
  const key = cache.keyOf(input);
  return key === undefined ? undefined : new CacheTicket(cache, input, key, {});
}

/** The stored chunks of a streamed answer, as a stream again. */
function replayChunks(chunks: readonly unknown[]): AsyncIterator<unknown> {
  let index = 0;
  return {
    next: () =>
      Promise.resolve(
        index < chunks.length ? { done: false, value: chunks[index++] } : { done: true, value: undefined },
      ),
    return: () => {
      index = chunks.length;
      return Promise.resolve({ done: true, value: undefined });
    },
  };
}

function streamMethod(shape: ClientShape): Method {
  switch (shape.kind) {
    case 'openai':
    case 'anthropic':
      return shape.create;
    case 'gemini':
      return shape.generateStream ?? shape.generate;
    case 'generic':
      return (shape.stream ?? shape.create)!;
  }
}

function syncMethod(shape: ClientShape): Method | undefined {
  switch (shape.kind) {
    case 'openai':
    case 'anthropic':
      return shape.create;
    case 'gemini':
      return shape.generate;
    case 'generic':
      return shape.create;
  }
}

const REFUSED_STATUSES = new Set([405, 501]);
const MAYBE_REFUSED_STATUSES = new Set([400, 404, 415, 422]);

/**
 * Streaming was refused, not attempted and failed: the endpoint does not exist for streams
 * (405, 501), the request was rejected for its stream flag, or the client cannot stream at all.
 * Such a request produced nothing and is not billed, so asking again without streaming is safe.
 */
function isStreamRefusal(error: unknown): boolean {
  const classified = classifyError(error);
  const message = messageOf(error);
  const status = classified.httpStatus;
  if (status !== null) {
    return REFUSED_STATUSES.has(status) || (MAYBE_REFUSED_STATUSES.has(status) && /stream/i.test(message));
  }
  if (classified.errorType === 'network' || classified.errorType === 'timeout' || classified.errorType === 'aborted') {
    return false;
  }
  return error instanceof TypeError || /stream/i.test(message);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  );
}

function prepend<T>(first: IteratorResult<T>, rest: AsyncIterator<T>): AsyncIterator<T> {
  let head: IteratorResult<T> | undefined = first;
  return {
    next: () => {
      if (!head) return rest.next();
      const result = head;
      head = undefined;
      return Promise.resolve(result);
    },
    return: (value?: unknown) =>
      rest.return ? rest.return(value as T) : Promise.resolve({ done: true, value } as IteratorResult<T>),
  };
}

function systemMessageText(messages: readonly unknown[]): string | undefined {
  for (const message of messages) {
    const record = message as { role?: unknown; content?: unknown } | null;
    if (record?.role === 'system' && typeof record.content === 'string') return record.content;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
