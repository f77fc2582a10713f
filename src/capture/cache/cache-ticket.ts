import type { CacheKeyInput } from '../../cache/cache-key.js';
import type { CachedResponse } from '../../cache/cached-response.js';
import type { ResponseCache } from '../../cache/response-cache.js';
import type { CallHandle, CallResult } from '../../core/call.js';
import type { CallRecord } from '../../core/record.js';
import type { StreamAccumulator } from '../stream-capture.js';

/** How a cached answer goes back through the SDK: a JSON body, or server-sent events. */
export interface ReplaySpec {
  /** Chat Completions ends its stream with `data: [DONE]`. */
  sseDone?: boolean;
}

/**
 * One cacheable call: its key, the lookup started when the call was, and what the call produced
 * (body or chunks) for storing after a miss. The SDK's request waits for the lookup in its fetch:
 * a hit is answered there, from the entry, so the SDK builds its own objects (APIPromise, Stream,
 * response classes) exactly as for a provider's answer and the provider is never contacted.
 */
export class CacheTicket {
  /** Set once the lookup found an entry: the call is a cache hit. */
  entry: CachedResponse | undefined;
  private readonly lookup: Promise<CachedResponse | undefined>;
  private bodyText: string | undefined;
  private readonly chunkTexts: string[] | undefined;
  private tooLarge = false;
  private forgone = false;

  constructor(
    private readonly cache: ResponseCache,
    readonly input: CacheKeyInput,
    readonly key: string,
    readonly replay: ReplaySpec,
  ) {
    this.chunkTexts = input.streamed ? [] : undefined;
    this.lookup = cache.lookup(input, key).then((found) => (this.entry = found?.entry));
  }

  /** Resolves with the entry on a hit, undefined on a miss; never rejects. */
  found(): Promise<CachedResponse | undefined> {
    return this.lookup;
  }

  /** Keeps a non-streamed response as it is now, before the application can change it. */
  noteBody(data: unknown): void {
    if (this.entry !== undefined) return;
    this.bodyText = plainJson(data);
  }

  /** Keeps one chunk as it arrived (hidden ones too: a replay hides them again the same way). */
  noteChunk(chunk: unknown): void {
    if (this.entry !== undefined || this.chunkTexts === undefined || this.tooLarge) return;
    const text = plainJson(chunk);
    if (text === undefined) this.tooLarge = true;
    else this.chunkTexts.push(text);
  }

  /**
   * This call's answer is not the answer to its key (a stream refused and asked again without
   * streaming, a client that ignored `stream`): it is not stored.
   */
  forgo(): void {
    this.forgone = true;
  }

  /** A reader that shows every chunk to this ticket before capture's own reader. */
  recordChunks(inner: StreamAccumulator<unknown>): StreamAccumulator<unknown> {
    const recording: StreamAccumulator<unknown> = {
      add: (chunk) => {
        this.noteChunk(chunk);
        return inner.add(chunk);
      },
      get replacement() {
        return inner.replacement;
      },
      outcome: () => inner.outcome(),
    };
    if (inner.mayHideNext) recording.mayHideNext = () => inner.mayHideNext!();
    if (inner.awaitingUsage) recording.awaitingUsage = () => inner.awaitingUsage!();
    return recording;
  }

  /**
   * The call as capture finalizes it: a hit completes as a cache-hit record (cost 0, what the
   * original call cost named), and a miss that completed whole is stored. Errors, cancellations
   * and partial streams are never stored.
   */
  handle(call: CallHandle): CallHandle {
    const complete = (given?: CallResult | string): CallRecord => {
      const result: CallResult = typeof given === 'string' ? { responseMessage: given } : { ...given };
      const entry = this.entry;
      if (entry !== undefined) {
        delete result.tokens;
        delete result.tokenSource;
        delete result.cost;
        return call.complete({ ...result, cacheHit: { costSaved: entry.cost } });
      }
      const record = call.complete(result);
      if (record.status === 'success' && !record.partial) this.store(record);
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

  private store(record: CallRecord): void {
    const streamed = this.input.streamed;
    if (this.forgone) return;
    if (streamed ? this.tooLarge || this.chunkTexts === undefined : this.bodyText === undefined) return;
    let entry: CachedResponse;
    try {
      entry = {
        v: 1,
        provider: this.input.provider,
        model: this.input.model,
        streamed,
        ...(streamed
          ? { chunks: this.chunkTexts!.map((text) => JSON.parse(text) as unknown) }
          : { body: JSON.parse(this.bodyText!) as unknown }),
        cost: record.cost?.status === 'unpriced' ? null : (record.cost?.total ?? null),
        currency: record.cost?.currency ?? 'USD',
        tokens: { input: record.tokens.input, output: record.tokens.output },
        sourceCallId: record.id,
        storedAt: record.endedAt,
      };
    } catch {
      return;
    }
    void this.cache.store(this.key, this.input, entry);
  }
}

/** Fields the SDKs add to what they parsed (response headers), which are not the provider's answer. */
const SDK_FIELDS = new Set(['sdkHttpResponse', '_request_id']);

/** JSON of what the SDK parsed, without its own additions; undefined when it cannot be written. */
function plainJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, function replacer(this: unknown, key, item: unknown) {
      return this === value && SDK_FIELDS.has(key) ? undefined : item;
    });
  } catch {
    return undefined;
  }
}
