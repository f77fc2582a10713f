import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ResponseCache } from '../cache/response-cache.js';
import { createBinding, type CaptureBinding } from '../capture/capture-defaults.js';
import { withStreamUsage } from '../capture/openai/chat-request.js';
import { completeCall, failCall } from '../capture/record-call.js';
import type { CallHandle, CallInit } from '../core/call.js';
import { isIdText, MAX_ID_CHARS } from '../core/call-identity.js';
import { ValidationError } from '../core/errors.js';
import type { Ledger } from '../core/ledger.js';
import { QuotaExceededError, RateLimitedError } from '../meters/errors.js';
import { write } from './backpressure.js';
import { attributionOf, isLedgerHeader, type HeaderAttribution } from './attribution.js';
import { answerFromCache, CacheFill, proxyCacheInput } from './proxy-cache.js';
import { ProxyMetrics } from './proxy-metrics.js';
import { recordSafely } from './safe-recording.js';
import { sendProviderError, type ApiFamily, type ProxyErrorKind } from './provider-errors.js';
import { PlainUpstreamPool, type UpstreamAnswer, type UpstreamRequest } from './plain-upstream.js';
import {
  buildUpstreams,
  pathProblem,
  recordedRouteOf,
  upstreamOf,
  type RecordedRoute,
  type Upstream,
} from './routes.js';
import { StreamRecorder } from './stream-recorder.js';
import { StreamRelay } from './stream-relay.js';
import { isEventStream } from './sse-splitter.js';
import { UpstreamError, upstreamFailure } from './upstream-error.js';
import { clientKeyOf, VirtualKeyTable, type VirtualKey } from './virtual-keys.js';

export interface LedgerProxyOptions {
  /**
   * Base URL per upstream. `openai`, `anthropic` and `gemini` replace the providers' own (the URL
   * stands for `/openai/v1`, `/anthropic/v1`, `/gemini/v1beta`); any other name adds an
   * OpenAI-compatible upstream at `/u/<name>/v1`, such as `groq: 'https://api.groq.com/openai/v1'`.
   */
  upstreams?: Record<string, string>;
  /** Virtual keys: a client sends one of these instead of a provider key. */
  virtualKeys?: readonly VirtualKey[];
  /** With virtual keys, also let clients send their own provider keys. Default false. */
  allowProviderKeys?: boolean;
  /** Request bodies above this are refused with 413. Default 16 MiB. */
  maxRequestBytes?: number;
  /** A response above this is cut off and recorded as failed. Default 64 MiB. */
  maxResponseBytes?: number;
  /** No response headers from the upstream within this long: 504 in the provider's shape. Default 10 minutes. */
  upstreamTimeoutMs?: number;
  /**
   * The response cache; default the ledger's own (`createLedger({ cache })`). A request uses it
   * with `x-ledger-cache: on`; `false` turns it off for the proxy.
   */
  cache?: ResponseCache | false;
  /** Upstreams whose requests use the cache without asking (`x-ledger-cache: off` still opts out). */
  cacheUpstreams?: readonly string[];
}

/** A `node:http` request listener that forwards, records and meters LLM calls. */
export interface LedgerProxy {
  (request: IncomingMessage, response: ServerResponse): void;
  /** Counters in the Prometheus text format (also served at `/metrics`). */
  metricsText(): string;
  /** Closes the upstream connection pools (the ledger stays open: it is the caller's). */
  close(): void;
}

const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const DEFAULT_UPSTREAM_TIMEOUT_MS = 600_000;

/** Request headers that belong to one hop, never forwarded. */
const HOP_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'accept-encoding',
]);
const HOP_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-connection',
  'trailer',
  'upgrade',
]);
const KEY_HEADERS: ReadonlySet<string> = new Set(['authorization', 'x-api-key', 'x-goog-api-key', 'api-key']);

/**
 * The proxy as a request listener: `createServer(createLedgerProxy(ledger))`. Every LLM request
 * becomes one record of `ledger`, attributed from its `x-ledger-*` headers, admitted against the
 * ledger's budgets and rate limits before it is forwarded; the answer reaches the client as the
 * upstream sends it, chunk by chunk.
 *
 * @example
 * const ledger = createLedger();
 * const server = createServer({ noDelay: true }, createLedgerProxy(ledger, { upstreams: { groq: 'https://api.groq.com/openai/v1' } }));
 * server.listen(4000);
 */
export function createLedgerProxy(ledger: Ledger, options: LedgerProxyOptions = {}): LedgerProxy {
  const upstreams = buildUpstreams(options.upstreams);
  const keys =
    options.virtualKeys && options.virtualKeys.length > 0 ? new VirtualKeyTable(options.virtualKeys) : undefined;
  const settings = {
    maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    upstreamTimeoutMs: options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    allowProviderKeys: options.allowProviderKeys ?? keys === undefined,
  };
  // Plain-http upstreams (local models, gateways on the same network, the benchmarks) get a lean
  // client of the proxy's own; TLS keeps node:https, whose defaults are the pool wanted (unlimited
  // sockets, most recently used first): only keep-alive is given, because every agent option is
  // copied into each request's options.
  const plainPools = new Map<Upstream, PlainUpstreamPool>();
  for (const upstream of upstreams.values()) {
    if (!upstream.https) plainPools.set(upstream, new PlainUpstreamPool(upstream.hostname, upstream.port));
  }
  const httpsAgent = new HttpsAgent({ keepAlive: true });
  const binding = createBinding(ledger);
  const metrics = new ProxyMetrics();
  const cache =
    options.cache === false ? undefined : (options.cache ?? (ledger as { cache?: ResponseCache }).cache ?? undefined);
  const cacheUpstreams = new Set(options.cacheUpstreams ?? []);
  const context: ProxyContext = {
    ledger,
    binding,
    keys,
    settings,
    plainPools,
    httpsAgent,
    metrics,
    cache,
    cacheUpstreams,
  };

  const listener = ((request: IncomingMessage, response: ServerResponse) => {
    request.socket.setNoDelay(true);
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    if (path === '/healthz') return sendHealth(ledger, response);
    if (path === '/metrics') return sendText(response, 200, metrics.text(ledger), 'text/plain; version=0.0.4');
    const found = upstreamOf(upstreams, path);
    if (!found) {
      sendText(
        response,
        404,
        `no upstream for ${path}: use /openai/v1, /anthropic/v1, /gemini/v1beta or /u/<name>/v1\n`,
      );
      request.resume();
      return;
    }
    const ambiguous = ambiguityOf(request, path, found.rest);
    if (ambiguous !== undefined) {
      sendProviderError(response, found.upstream.family, 'invalid_request', ambiguous);
      request.resume();
      return;
    }
    const query = queryAt < 0 ? '' : url.slice(queryAt);
    handle(context, request, response, found.upstream, found.rest, query).catch((error: unknown) => {
      metrics.internalErrors++;
      ledger.reportProblem({ kind: 'internal', subject: 'proxy', error });
      sendProviderError(response, found.upstream.family, 'internal', 'llm-ledger proxy internal error');
    });
  }) as LedgerProxy;
  listener.metricsText = () => metrics.text(ledger);
  listener.close = () => {
    for (const pool of plainPools.values()) pool.close();
    httpsAgent.destroy();
  };
  return listener;
}

interface ProxyContext {
  ledger: Ledger;
  binding: CaptureBinding;
  keys: VirtualKeyTable | undefined;
  settings: {
    maxRequestBytes: number;
    maxResponseBytes: number;
    upstreamTimeoutMs: number;
    allowProviderKeys: boolean;
  };
  plainPools: ReadonlyMap<Upstream, PlainUpstreamPool>;
  httpsAgent: HttpsAgent;
  metrics: ProxyMetrics;
  cache: ResponseCache | undefined;
  cacheUpstreams: ReadonlySet<string>;
}

async function handle(
  context: ProxyContext,
  request: IncomingMessage,
  response: ServerResponse,
  upstream: Upstream,
  rest: string,
  query: string,
): Promise<void> {
  const family = upstream.family;
  context.metrics.requests++;
  const body = await readBody(request, context.settings.maxRequestBytes);
  if (body === 'too_large') {
    sendProviderError(response, family, 'too_large', `request body over ${context.settings.maxRequestBytes} bytes`);
    return;
  }
  if (body === 'aborted') return;

  const attribution = attributionOf(request.rawHeaders);
  if (typeof attribution === 'string') {
    sendProviderError(response, family, 'invalid_request', attribution);
    return;
  }
  const headers = forwardHeaders(request.headers);
  // The client's key: a virtual key is swapped for the secret the proxy holds.
  const keyed = applyKey(context, upstream, headers, request.headers, query);
  if (typeof keyed === 'string') {
    sendProviderError(response, family, 'authentication', keyed);
    return;
  }
  const { virtualKey, query: forwardedQuery } = keyed;
  if (virtualKey) {
    const conflict = keyConflict(virtualKey, attribution);
    if (conflict !== undefined) {
      sendProviderError(response, family, 'invalid_request', conflict);
      return;
    }
    const waitMs = context.keys!.admit(virtualKey, Date.now());
    if (waitMs !== undefined) {
      context.metrics.refused++;
      sendProviderError(
        response,
        family,
        'rate_limit',
        `virtual key ${virtualKey.name ?? ''} is over its requests per minute`.replace('  ', ' '),
        {
          'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
        },
      );
      return;
    }
  }

  const recorded = request.method === 'POST' ? recordedRouteOf(family, rest) : undefined;
  let outgoing = body;
  let call: CallHandle | undefined;
  let route: RecordedRoute | undefined;
  let streams = false;
  let hideUsage = false;
  let fill: CacheFill | undefined;
  let cacheHeader: string | undefined;
  if (recorded && context.ledger.enabled) {
    route = recorded.route;
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
      sendProviderError(
        response,
        family,
        'invalid_request',
        `the request body is encoded (content-encoding: ${encoding}): the proxy reads every request it records, send the body uncompressed`,
      );
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      sendProviderError(
        response,
        family,
        'invalid_request',
        `malformed JSON in the request body: ${(error as Error).message}`,
      );
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      sendProviderError(response, family, 'invalid_request', 'the request body must be a JSON object');
      return;
    }
    let json = parsed as Record<string, unknown>;
    const userProblem = bodyUserProblem(json, attribution, virtualKey);
    if (userProblem !== undefined) {
      sendProviderError(response, family, 'invalid_request', userProblem);
      return;
    }
    streams = route.streams(json, recorded.action);
    if (streams && route.addsStreamUsage) {
      const prepared = withStreamUsage(json);
      if (prepared.added) {
        hideUsage = true;
        outgoing =
          json.stream_options === undefined ? withIncludeUsage(body) : Buffer.from(JSON.stringify(prepared.params));
        json = prepared.params;
      }
    }
    const init = callInitOf(route, json, recorded.model, upstream, attribution, virtualKey, streams);
    const wantsCache =
      attribution.cache === 'on' || (attribution.cache !== 'off' && context.cacheUpstreams.has(upstream.name));
    if (wantsCache && !context.cache) cacheHeader = 'unavailable';
    else if (wantsCache) {
      const cached = recorded.model === undefined ? parsed : { ...parsed, model: recorded.model };
      const input = proxyCacheInput(
        upstream.name,
        rest,
        query,
        request.headers,
        init.model,
        streams,
        cached as Record<string, unknown>,
      );
      const lookup = await context.cache!.lookup(input);
      if (lookup?.entry) {
        // A hit costs nothing and contacts no one: recorded, not admitted against limits.
        let hit: CallHandle;
        try {
          hit = context.ledger.start(init);
        } catch (error) {
          if (refused(context, response, family, error)) return;
          throw error;
        }
        answerFromCache(response, lookup.entry, hit, route, context.ledger);
        return;
      }
      if (lookup) {
        fill = new CacheFill(context.cache!, input, lookup.key, context.settings.maxResponseBytes);
        cacheHeader = 'miss';
      }
    }
    try {
      call = context.ledger.gated ? await context.ledger.startAdmitted(init) : context.ledger.start(init);
    } catch (error) {
      if (refused(context, response, family, error)) return;
      throw error;
    }
  }
  // Node adds `Host` itself only to headers given as an object: here it goes last, as it did then.
  headers.push('content-length', String(outgoing.length), 'Host', upstream.hostHeader);
  forward(context, request, response, {
    upstream,
    target: upstream.basePath + rest + forwardedQuery,
    headers,
    body: outgoing,
    call,
    route,
    streams,
    hideUsage,
    fill,
    cacheHeader,
  });
}

interface Forwarded {
  upstream: Upstream;
  target: string;
  /** Flat name/value list, `Host` and `content-length` included. */
  headers: string[];
  body: Buffer;
  call: CallHandle | undefined;
  route: RecordedRoute | undefined;
  streams: boolean;
  hideUsage: boolean;
  /** A cache miss: what the client receives is stored once the call completes whole. */
  fill: CacheFill | undefined;
  /** The `x-ledger-cache` response header: `miss`, or `unavailable` when the proxy has no cache. */
  cacheHeader: string | undefined;
}

function forward(context: ProxyContext, request: IncomingMessage, response: ServerResponse, job: Forwarded): void {
  const { upstream } = job;
  let call = job.call;
  const family = upstream.family;
  if (request.socket.destroyed) {
    // The client left while its request was admitted or looked up in the cache: nothing is sent.
    context.metrics.cancelled++;
    if (call) failSafely(context, call, abortError());
    return;
  }
  const method = request.method ?? 'GET';
  const outgoing: UpstreamRequest = upstream.https
    ? httpsRequest({
        hostname: upstream.hostname,
        port: upstream.port,
        method,
        path: job.target,
        headers: job.headers,
        agent: context.httpsAgent,
      })
    : context.plainPools.get(upstream)!.request(method, job.target, job.headers);
  context.metrics.inFlight++;
  let settled = false;
  let stream: StreamRecorder | undefined;
  const settle = () => {
    if (settled) return false;
    settled = true;
    context.metrics.inFlight--;
    return true;
  };
  const timer = setTimeout(() => {
    outgoing.destroy(
      upstreamFailure('timeout', `no response from ${upstream.name} within ${context.settings.upstreamTimeoutMs} ms`),
    );
  }, context.settings.upstreamTimeoutMs);
  timer.unref();

  // The client went away before the answer was complete: the upstream request is cancelled.
  response.on('close', () => {
    clearTimeout(timer);
    if (response.writableFinished || settled) return;
    settle();
    context.metrics.cancelled++;
    const reason = abortError();
    outgoing.destroy();
    if (stream) stream.cancel(reason);
    else if (call) failSafely(context, call, reason);
  });

  const upstreamFailed = (failure: UpstreamError) => {
    if (!settle()) return;
    context.metrics.upstreamFailures++;
    if (stream) stream.fail(failure);
    else if (call) failSafely(context, call, failure);
    if (response.headersSent) response.destroy();
    else sendProviderError(response, family, PROXY_ERROR_OF[failure.kind], failure.message);
  };

  outgoing.on('error', (error) => {
    clearTimeout(timer);
    upstreamFailed(
      error instanceof UpstreamError
        ? error
        : isParseError(error)
          ? upstreamFailure('invalid_response', `${upstream.name} sent an invalid HTTP answer: ${error.message}`, error)
          : upstreamFailure('network', `${upstream.name} unreachable: ${error.message}`, error),
    );
  });

  // Everything below runs in the connections' event callbacks, outside `handle`'s promise: an
  // exception there would end the process. The proxy's own fault is answered 500 and reported, and
  // the call is recorded as failed, never lost.
  const internalFailure = (answer: UpstreamAnswer, error: unknown) => {
    context.metrics.internalErrors++;
    context.ledger.reportProblem({ kind: 'internal', subject: 'proxy', error });
    answer.destroy();
    outgoing.destroy();
    if (settle()) {
      if (stream) stream.fail(error);
      else if (call) failSafely(context, call, error);
    }
    if (response.headersSent) response.destroy();
    else sendProviderError(response, family, 'internal', 'llm-ledger proxy internal error');
  };

  outgoing.on('response', (answer) => {
    clearTimeout(timer);
    try {
      answered(answer);
    } catch (error) {
      internalFailure(answer, error);
    }
  });

  const answered = (answer: UpstreamAnswer) => {
    const status = answer.statusCode ?? 502;
    if (status < 100) {
      // Node's server cannot write such a status: refused like any other invalid answer.
      answer.destroy();
      outgoing.destroy();
      upstreamFailed(upstreamFailure('invalid_response', `${upstream.name} answered with status code ${status}`));
      return;
    }
    const ok = status >= 200 && status < 300;
    // Read from the raw list: `answer.headers` would build an object of every header per answer.
    const contentType = rawHeader(answer.rawHeaders, 'content-type');
    const sse = ok && job.streams && isEventStream(contentType);
    const headers = responseHeaders(answer.rawHeaders, job.hideUsage && sse);
    if (job.cacheHeader) headers.push('x-ledger-cache', job.cacheHeader);
    response.writeHead(status, headers);
    if (!call || !job.route) return pipeThrough(context, answer, response, settle);
    const fill = ok ? job.fill : undefined;
    if (fill) {
      call = storedOnCompletion(call, fill, contentType);
      job.call = call;
    }
    if (sse) {
      stream = new StreamRecorder(call, job.route.accumulator(job.hideUsage), context.ledger);
      new StreamRelay(answer, response, stream, job.hideUsage, settle, fill, context.settings.maxResponseBytes);
      return;
    }
    relayBody(context, answer, response, call, job, status, settle, fill);
  };
  outgoing.end(job.body);
}

/**
 * Headers by which some servers let a request name another method than its own. The proxy decides
 * what it records by the method it sees (only a POST is an LLM call): a GET an upstream would run
 * as a POST would reach it unrecorded, and the providers' APIs never need one.
 */
const METHOD_OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'];

/** Why a request would reach the upstream as another request than the proxy sees, or undefined. */
function ambiguityOf(request: IncomingMessage, path: string, rest: string): string | undefined {
  const pathRefused = pathProblem(rest);
  if (pathRefused !== undefined) return `the path ${path} ${pathRefused}`;
  const override = METHOD_OVERRIDE_HEADERS.find((name) => request.headers[name] !== undefined);
  if (override !== undefined) return `${override} is not forwarded: send the request with the method it means`;
  return undefined;
}

/**
 * Answers a refusal from starting the call: a limit (429 with `retry-after`) or, from a fail-closed
 * ledger, request fields it will not record (400: they came from the client). False for anything
 * else, which is the proxy's own fault.
 */
function refused(context: ProxyContext, response: ServerResponse, family: ApiFamily, error: unknown): boolean {
  if (error instanceof RateLimitedError || error instanceof QuotaExceededError) {
    context.metrics.refused++;
    const waitMs =
      error instanceof RateLimitedError ? error.retryAfterMs : Math.max(0, error.resetsAt.getTime() - Date.now());
    sendProviderError(response, family, error instanceof RateLimitedError ? 'rate_limit' : 'quota', error.message, {
      'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
    });
    return true;
  }
  if (error instanceof ValidationError) {
    sendProviderError(response, family, 'invalid_request', error.message);
    return true;
  }
  return false;
}

/** A header naming another user or tenant than the virtual key bills: refused, never overridden in silence. */
function keyConflict(key: VirtualKey, attribution: HeaderAttribution): string | undefined {
  const label = key.name === undefined ? 'this virtual key' : `virtual key ${key.name}`;
  if (key.user !== undefined && attribution.userId !== undefined && attribution.userId !== key.user) {
    return `x-ledger-user names another user than ${label} bills: leave the header out`;
  }
  if (key.tenant !== undefined && attribution.tenantId !== undefined && attribution.tenantId !== key.tenant) {
    return `x-ledger-tenant names another tenant than ${label} bills: leave the header out`;
  }
  return undefined;
}

/**
 * OpenAI's `user` field names the call's user when nothing else does; one the ledger could not
 * record as an id is refused rather than dropped (the call would escape that user's limits).
 */
function bodyUserProblem(
  json: Record<string, unknown>,
  attribution: HeaderAttribution,
  virtualKey: VirtualKey | undefined,
): string | undefined {
  if (virtualKey?.user !== undefined || attribution.userId !== undefined) return undefined;
  const user = bodyUserOf(json);
  if (user === undefined || isIdText(user)) return undefined;
  return (
    `the request's "user" names the call's user in the ledger and must be well-formed text of at most ` +
    `${MAX_ID_CHARS} characters: shorten it, or name the user in x-ledger-user`
  );
}

/** OpenAI's `user` field as the call's user: an empty one names no one. */
function bodyUserOf(json: Record<string, unknown>): string | undefined {
  return typeof json.user === 'string' && json.user.length > 0 ? json.user : undefined;
}

const PROXY_ERROR_OF: Record<UpstreamError['kind'], ProxyErrorKind> = {
  http: 'upstream_invalid',
  network: 'upstream_unreachable',
  timeout: 'upstream_timeout',
  too_large: 'upstream_invalid',
  invalid_response: 'upstream_invalid',
};

function failSafely(context: ProxyContext, call: CallHandle, error: unknown): void {
  recordSafely(context.ledger, call, () => failCall(call, error));
}

/** A response node's or the proxy's own HTTP client could not parse (its codes start `HPE_`). */
function isParseError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('HPE_');
}

/** Unrecorded paths (`GET /models`, count_tokens): bytes through, nothing read. */
function pipeThrough(
  context: ProxyContext,
  answer: UpstreamAnswer,
  response: ServerResponse,
  settle: () => boolean,
): void {
  answer.on('data', (chunk: Buffer) => write(response, answer, chunk));
  answer.on('end', () => {
    settle();
    response.end();
  });
  answer.on('error', () => {
    if (settle()) response.destroy();
  });
}

/** A whole JSON answer (or an error): forwarded as it arrives, read for the record once complete. */
function relayBody(
  context: ProxyContext,
  answer: UpstreamAnswer,
  response: ServerResponse,
  call: CallHandle,
  job: Forwarded,
  status: number,
  settle: () => boolean,
  fill: CacheFill | undefined,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  answer.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > context.settings.maxResponseBytes) {
      const failure = upstreamFailure(
        'too_large',
        `response from ${job.upstream.name} over ${context.settings.maxResponseBytes} bytes`,
      );
      if (settle()) failSafely(context, call, failure);
      answer.destroy();
      response.destroy();
      return;
    }
    chunks.push(chunk);
    fill?.add(chunk);
    write(response, answer, chunk);
  });
  answer.on('end', () => {
    if (!settle()) return;
    response.end();
    const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    recordSafely(context.ledger, call, () => recordBody(context, call, job, status, answer, text));
  });
  answer.on('error', (error) => {
    if (!settle()) return;
    failSafely(
      context,
      call,
      upstreamFailure('network', `${job.upstream.name} broke off its response: ${error.message}`, error),
    );
    response.destroy();
  });
}

function recordBody(
  context: ProxyContext,
  call: CallHandle,
  job: Forwarded,
  status: number,
  answer: UpstreamAnswer,
  text: string,
): void {
  let data: unknown;
  try {
    data = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (status < 200 || status >= 300) {
    context.metrics.upstreamErrors++;
    failCall(call, new UpstreamError('http', status, messageOf(data, text, status), answer.headers, data));
    return;
  }
  if (data === undefined) {
    failCall(
      call,
      upstreamFailure('invalid_response', `${job.upstream.name} answered ${status} with a body that is not JSON`),
    );
    return;
  }
  if (job.streams && Array.isArray(data)) {
    // Gemini's streamGenerateContent without `alt=sse` answers one JSON array of chunks.
    const recorder = new StreamRecorder(call, job.route!.accumulator(false), context.ledger);
    for (const chunk of data) recorder.add(chunk);
    recorder.end();
    return;
  }
  completeCall(context.binding, call, job.route!.endpoint, data);
}

const INCLUDE_USAGE = Buffer.from('"stream_options":{"include_usage":true},');

/**
 * The client's bytes with `stream_options.include_usage` as the body's first key: the rest goes
 * upstream exactly as sent, without serializing the whole request again (for a 200 kB prompt,
 * about a quarter of the CPU). Only for a body without `stream_options` (a JSON object holding
 * `stream`, so the comma after the new key is right).
 */
function withIncludeUsage(body: Buffer): Buffer {
  const brace = body.indexOf(0x7b /* { */);
  return Buffer.concat([body.subarray(0, brace + 1), INCLUDE_USAGE, body.subarray(brace + 1)]);
}

/** The call, its completion storing the answer in the cache (only a complete success is stored). */
function storedOnCompletion(call: CallHandle, fill: CacheFill, contentType: string | undefined): CallHandle {
  const complete: CallHandle['complete'] = (result) => {
    const record = call.complete(result);
    fill.finish(record, contentType);
    return record;
  };
  return new Proxy(call, {
    get(target, property) {
      if (property === 'complete') return complete;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function callInitOf(
  route: RecordedRoute,
  json: Record<string, unknown>,
  model: string | undefined,
  upstream: Upstream,
  attribution: HeaderAttribution,
  virtualKey: VirtualKey | undefined,
  streams: boolean,
): CallInit {
  const init = route.endpoint.request(route.requestOf(json, model));
  init.provider = upstream.name;
  init.requestMode = streams ? 'streaming' : 'sync';
  // The virtual key's identity first: a header naming someone else was refused (keyConflict).
  const user = virtualKey?.user ?? attribution.userId ?? bodyUserOf(json);
  if (user !== undefined) init.userId = user;
  const tenant = virtualKey?.tenant ?? attribution.tenantId;
  if (tenant !== undefined) init.tenantId = tenant;
  if (attribution.sessionId !== undefined) init.sessionId = attribution.sessionId;
  if (attribution.traceId !== undefined) {
    init.traceId = attribution.traceId;
    init.parentId = attribution.parentId;
  }
  const tags = virtualKey?.tags ? [...virtualKey.tags, ...(attribution.tags ?? [])] : attribution.tags;
  if (tags) init.tags = tags;
  const metadata: Record<string, unknown> = { ...attribution.metadata, proxyUpstream: upstream.name };
  if (virtualKey?.name) metadata.virtualKey = virtualKey.name;
  init.metadata = metadata;
  return init;
}

/**
 * The client's headers minus hop-by-hop and `x-ledger-*` ones, as the flat name/value list
 * `http.request` writes as given (no per-header `setHeader`); answers come back uncompressed so
 * they can be read.
 */
function forwardHeaders(incoming: IncomingMessage['headers']): string[] {
  const headers: string[] = [];
  for (const name in incoming) {
    if (HOP_REQUEST_HEADERS.has(name) || isLedgerHeader(name)) continue;
    const value = incoming[name];
    if (typeof value === 'string') headers.push(name, value);
    else if (value !== undefined) for (const item of value) headers.push(name, item);
  }
  headers.push('accept-encoding', 'identity');
  return headers;
}

/**
 * Applies the key policy: a virtual key is replaced by the upstream secret it holds (in the header
 * that upstream reads); a provider key passes untouched when allowed. Returns a refusal message
 * otherwise. The key itself is never recorded or logged.
 */
function applyKey(
  context: ProxyContext,
  upstream: Upstream,
  headers: string[],
  incoming: IncomingMessage['headers'],
  query: string,
): { virtualKey?: VirtualKey; query: string } | string {
  if (!context.keys) return { query };
  const params = query ? new URLSearchParams(query.slice(1)) : undefined;
  const sent = clientKeyOf(incoming, params);
  const virtualKey = sent === undefined ? undefined : context.keys.find(sent);
  if (!virtualKey) {
    if (context.settings.allowProviderKeys) return { query };
    return sent === undefined
      ? 'no API key: send your llm-ledger virtual key as the API key'
      : 'unknown virtual key: this proxy accepts only the llm-ledger virtual keys in its key file';
  }
  const secret = virtualKey.upstreams[upstream.name];
  if (secret === undefined) return `this virtual key has no access to the ${upstream.name} upstream`;
  withoutKeyHeaders(headers);
  let forwardedQuery = query;
  if (params?.has('key')) {
    params.delete('key');
    const rest = params.toString();
    forwardedQuery = rest ? `?${rest}` : '';
  }
  if (upstream.family === 'anthropic') headers.push('x-api-key', secret);
  else if (upstream.family === 'gemini') headers.push('x-goog-api-key', secret);
  else headers.push('authorization', `Bearer ${secret}`);
  return { virtualKey, query: forwardedQuery };
}

/** Drops every key header from a flat name/value list, in place. */
function withoutKeyHeaders(headers: string[]): void {
  let kept = 0;
  for (let index = 0; index < headers.length; index += 2) {
    if (KEY_HEADERS.has(headers[index]!)) continue;
    headers[kept++] = headers[index]!;
    headers[kept++] = headers[index + 1]!;
  }
  headers.length = kept;
}

function responseHeaders(raw: readonly string[], bodyChanges: boolean): string[] {
  const headers: string[] = [];
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!.toLowerCase();
    if (HOP_RESPONSE_HEADERS.has(name) || (bodyChanges && name === 'content-length')) continue;
    headers.push(raw[index]!, raw[index + 1]!);
  }
  return headers;
}

/** The first value of header `name` (lowercase) in Node's raw name/value list, as `headers[name]` has it. */
function rawHeader(raw: readonly string[], name: string): string | undefined {
  for (let index = 0; index < raw.length; index += 2) {
    const candidate = raw[index]!;
    if (candidate.length === name.length && candidate.toLowerCase() === name) return raw[index + 1];
  }
  return undefined;
}

type Body = Buffer | 'too_large' | 'aborted';

function readBody(request: IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve('too_large');
        // Stop reading what is left; the 413 is sent, the connection closes after it.
        request.removeAllListeners('data');
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    request.on('error', () => resolve('aborted'));
    request.on('aborted', () => resolve('aborted'));
  });
}

function messageOf(data: unknown, text: string, status: number): string {
  const error = (data as { error?: unknown } | undefined)?.error;
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : error;
  if (typeof message === 'string') return message;
  return text.length > 0 && text.length < 500 ? `${status}: ${text}` : `upstream answered ${status}`;
}

function abortError(): Error {
  const error = new Error('the client disconnected; the upstream request was cancelled');
  error.name = 'AbortError';
  return error;
}

function sendHealth(ledger: Ledger, response: ServerResponse): void {
  sendText(response, 200, JSON.stringify({ status: 'ok', recording: ledger.enabled }), 'application/json');
}

function sendText(response: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export type { ApiFamily };
