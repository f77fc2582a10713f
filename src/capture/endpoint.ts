import type { CallInit, CallResult } from '../core/call.js';
import type { ReplaySpec } from './cache/cache-ticket.js';
import type { StreamAccumulator } from './stream-capture.js';

/** A request prepared for streaming: possibly rewritten params and the accumulator for its chunks. */
export interface PreparedStream<Params> {
  params: Params;
  accumulator: StreamAccumulator<unknown>;
  /** Abort signal carried in the request itself (Gemini's `config.abortSignal`). */
  signal?: AbortSignal;
}

/** A completed response read into a record: a result, or an error the provider sent in a 200 body. */
export type ReadResponse = { result: CallResult; error?: undefined } | { result: CallResult; error: Error };

/**
 * How one provider endpoint maps onto a record. Every function is pure over the request and
 * response objects, and none of them may throw for an odd shape (they are guarded anyway).
 */
export interface Endpoint<Params = Record<string, unknown>> {
  /** What the call is, from the request (provider and request mode are added by the caller). */
  request(params: Params): CallInit;
  /** True when the request asks for a stream. */
  isStream(params: Params): boolean;
  /** Rewrites the request for capture (OpenAI's include_usage) and creates the chunk reader. */
  prepareStream?(params: Params, options: { includeUsage: boolean }): PreparedStream<Params>;
  /** Reads a non-streamed response. */
  response(data: unknown): ReadResponse;
  /** The API's name in cache keys (`chat.completions`); endpoints without one are never cached. */
  cacheName?: string;
  /** How a cached answer is replayed to the SDK. */
  replay?: ReplaySpec;
}
