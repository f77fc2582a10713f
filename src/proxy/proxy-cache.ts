import { isUtf8 } from 'node:buffer';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { answerHeadersOf, answerQueryOf, type CacheKeyInput } from '../cache/cache-key.js';
import type { CachedResponse } from '../cache/cached-response.js';
import type { ResponseCache } from '../cache/response-cache.js';
import type { EstimatorSource } from '../capture/estimate-tokens.js';
import type { CallHandle, CallResult } from '../core/call.js';
import type { CallRecord } from '../core/record.js';
import type { RecordedRoute } from './routes.js';
import { isEventStream, SseSplitter, sseData } from './sse-splitter.js';
import { recordSafely, type ProblemSink } from './safe-recording.js';

/**
 * The proxy's use of the response cache. Entries hold the bytes the client received (a body, or
 * a stream's events as one text), so a hit answers byte for byte what the original call answered;
 * they are kept apart from the SDK capture's entries (which hold parsed objects) by their endpoint
 * name, `proxy:<path>`. Besides the body, the key reads what else the upstream answers by: the
 * query string (Gemini's `alt=sse` is the difference between events and a JSON array) and the
 * headers that pick an API version or beta features.
 */
export function proxyCacheInput(
  upstream: string,
  rest: string,
  query: string,
  headers: IncomingHttpHeaders,
  model: string,
  streamed: boolean,
  request: Record<string, unknown>,
): CacheKeyInput {
  const input: CacheKeyInput = { provider: upstream, endpoint: `proxy:${rest}`, model, streamed, request };
  const answerHeaders = answerHeadersOf(headers);
  if (answerHeaders) input.headers = answerHeaders;
  const answerQuery = answerQueryOf(query);
  if (answerQuery) input.query = answerQuery;
  return input;
}

/** Answers a hit from the entry and records it as a cache hit (cost 0, the original cost named as saved). */
export function answerFromCache(
  response: ServerResponse,
  entry: CachedResponse,
  call: CallHandle,
  route: RecordedRoute,
  ledger: ProblemSink,
): void {
  const text = entry.streamed ? (entry.chunks ?? []).join('') : String(entry.body);
  response.writeHead(200, {
    'content-type': entry.contentType ?? (entry.streamed ? 'text/event-stream' : 'application/json'),
    'content-length': Buffer.byteLength(text),
    'x-ledger-cache': 'hit',
  });
  response.end(text);
  recordSafely(ledger, call, () => {
    const result: CallResult = entry.streamed ? streamResult(text, route, entry.contentType) : bodyResult(text, route);
    call.update({ firstToken: true });
    delete result.tokens;
    delete result.tokenSource;
    call.complete({ ...result, cacheHit: { costSaved: entry.cost } });
  });
}

function bodyResult(text: string, route: RecordedRoute): CallResult {
  try {
    return route.endpoint.response(JSON.parse(text)).result;
  } catch {
    return {};
  }
}

/** The JSON value of `text`, or undefined when it is not JSON: a stored answer is read, never trusted. */
function parsedOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function streamResult(text: string, route: RecordedRoute, contentType: string | undefined): CallResult {
  const accumulator = route.accumulator(false);
  // An entry without a content type is read as events.
  if (contentType !== undefined && !isEventStream(contentType)) {
    // Gemini's streamGenerateContent without `alt=sse`: one JSON array of chunks.
    const chunks = parsedOrUndefined(text);
    if (Array.isArray(chunks)) for (const chunk of chunks) accumulator.add(chunk);
  } else {
    new SseSplitter().push(Buffer.from(text), (bytes, start, end) => {
      const data = sseData(bytes, start, end);
      if (data === undefined || data === '[DONE]') return;
      const chunk = parsedOrUndefined(data);
      if (chunk !== undefined) accumulator.add(chunk);
    });
  }
  const outcome = accumulator.outcome();
  return {
    responseMessage: outcome.responseMessage,
    responseModel: outcome.responseModel,
    finishReason: outcome.finishReason,
  };
}

/**
 * A miss being answered: collects what the client receives and stores it once the call is
 * recorded as a complete success. Errors, cancellations and cut streams are never stored.
 */
export class CacheFill {
  private readonly parts: Buffer[] = [];
  private size = 0;
  private tooLarge = false;

  constructor(
    private readonly cache: ResponseCache,
    private readonly input: CacheKeyInput,
    private readonly key: string,
    private readonly maxBytes: number,
  ) {}

  add(bytes: Buffer): void {
    if (this.tooLarge) return;
    this.size += bytes.length;
    if (this.size > this.maxBytes) {
      this.tooLarge = true;
      this.parts.length = 0;
      return;
    }
    this.parts.push(bytes);
  }

  /** Called with the finalized record; stores when it is a whole success. */
  finish(record: CallRecord | undefined, contentType: string | undefined): void {
    if (this.tooLarge || !record || record.status !== 'success' || record.partial) return;
    const bytes = Buffer.concat(this.parts);
    // Entries are text: bytes that are not UTF-8 would come back changed, so they are not stored.
    if (!isUtf8(bytes)) return;
    const text = bytes.toString('utf8');
    const entry: CachedResponse = {
      v: 1,
      provider: this.input.provider,
      model: this.input.model,
      streamed: this.input.streamed,
      ...(this.input.streamed ? { chunks: [text] } : { body: text }),
      contentType,
      cost: record.cost?.status === 'unpriced' ? null : (record.cost?.total ?? null),
      currency: record.cost?.currency ?? 'USD',
      tokens: { input: record.tokens.input, output: record.tokens.output },
      sourceCallId: record.id,
      storedAt: record.endedAt,
    };
    void this.cache.store(this.key, this.input, entry);
  }
}

export type { EstimatorSource };
