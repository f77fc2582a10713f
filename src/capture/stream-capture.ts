import type { CallHandle, FailureDetails } from '../core/call.js';
import type { ResponseMessage, TokenSource, TokenUsage } from '../core/record.js';
import type { TokenEstimate } from '../tokens/call-token-estimator.js';
import { classifyError } from './error-classification.js';
import { estimateRequestOf, finalizeWithEstimate, type EstimatorSource } from './estimate-tokens.js';
import { flattenText } from './flatten-text.js';
import { idleWatchdog, type Watched } from './idle-watchdog.js';

/** What an accumulator says about one chunk: what the application gets, and whether it carried output. */
export interface ChunkVerdict {
  /**
   * `chunk`: the chunk as it came; `replacement`: the accumulator's `replacement` instead (the same
   * chunk minus a field capture caused); `nothing`: the chunk is hidden (capture asked for it).
   */
  readonly send: 'chunk' | 'replacement' | 'nothing';
  /** The chunk carried output (text, tool calls, reasoning): the first one sets time to first token. */
  readonly output: boolean;
}

// The five verdicts there are, shared and frozen: `add` runs for every chunk and allocates none.
export const PASS: ChunkVerdict = Object.freeze({ send: 'chunk', output: false });
export const OUTPUT: ChunkVerdict = Object.freeze({ send: 'chunk', output: true });
export const HIDE: ChunkVerdict = Object.freeze({ send: 'nothing', output: false });
export const REPLACE: ChunkVerdict = Object.freeze({ send: 'replacement', output: false });
export const REPLACE_WITH_OUTPUT: ChunkVerdict = Object.freeze({ send: 'replacement', output: true });

/** What a stream produced, read once when it is finalized. */
export interface StreamOutcome {
  responseMessage: ResponseMessage | null;
  responseModel: string | null;
  finishReason: string | null;
  /** Provider counts seen so far (possibly only the input side). */
  tokens: TokenUsage | undefined;
  /** The provider's final counts arrived: no estimate needed. */
  usageComplete: boolean;
  /** The provider said the response is complete (finish reason, message_stop, response.completed). */
  finished: boolean;
  /** Every output text received (text, tool arguments, reasoning), for estimates. */
  outputText: string;
  reasoningText: string;
  /** An error the provider sent as a stream event rather than an HTTP status. */
  error: Error | undefined;
}

/** Per-provider reader of stream chunks. `add` runs for every chunk: it must be O(1) and allocation-light. */
export interface StreamAccumulator<Chunk> {
  add(chunk: Chunk): ChunkVerdict;
  /** The chunk to pass on when `add` answered REPLACE. */
  readonly replacement?: Chunk;
  /**
   * True when `add` may hide the next chunk, so capture must read it in front of the application.
   * Otherwise the application awaits the SDK's own promise and capture reads beside it, one
   * promise hop less per chunk; a REPLACE verdict then swaps the chunk in the read's result before
   * the application sees it. An accumulator that ever answers HIDE must implement this; without
   * it, no chunk is ever hidden.
   */
  mayHideNext?(): boolean;
  /**
   * True when the response is complete and only a usage chunk that capture asked for is still to
   * come: an application that stops reading at the finish reason then still gets exact counts.
   */
  awaitingUsage?(): boolean;
  outcome(): StreamOutcome;
}

/** How long a stream left after its finish reason is read on for its usage chunk. */
const USAGE_TAIL_TIMEOUT_MS = 2_000;
const USAGE_TAIL_MAX_CHUNKS = 4;

export interface StreamCaptureOptions {
  idleTimeoutMs: number;
  /**
   * A fail-closed ledger (`failOpen: false`): its refusal to record a chunk or the ending must reject
   * the application's read, so every chunk is read in front of the application.
   */
  failClosed?: boolean;
  /**
   * The ledger's token chain for a stream without usage; its `finalizeSoon`, when present, moves
   * the finalization (and the counting) off the application's last read.
   */
  ledger?: EstimatorSource;
  /** Emits `stream_progress` every `everyChunks` chunks or `everyMs` milliseconds, whichever first. */
  progress?: StreamProgressSink;
}

/** When `stream_progress` is emitted: every N chunks, or when T ms passed since the last one. */
export interface StreamProgressOptions {
  /** Default 50. */
  everyChunks?: number;
  /** Default 1000; 0 turns the time trigger off. */
  everyMs?: number;
}

export interface StreamProgressSink extends StreamProgressOptions {
  emit(fields: { chunks: number; elapsedMs: number }): void;
}

export const DEFAULT_PROGRESS_EVERY_CHUNKS = 50;
export const DEFAULT_PROGRESS_EVERY_MS = 1_000;

type Ending = 'ended' | 'consumer_stopped' | 'aborted' | 'abandoned';

/**
 * Finalizes one streamed call exactly once, however the stream ends: the provider finishes, an
 * error arrives, the application aborts, `break`s out of `for await`, or stops reading (idle
 * timeout). When usage never arrived, output tokens are estimated from the text received so far.
 */
export class StreamCapture<Chunk> implements Watched {
  activity = 0;
  pending = 0;
  readonly idleTimeoutMs: number;
  private finalized = false;
  private sawOutput = false;
  private aborted = false;
  private attached = false;
  private detachSignal: (() => void) | undefined;
  private readonly progressChunks: number;
  private readonly progressMs: number;
  private readonly startedAt: number;
  private lastProgressAt: number;
  private lastProgressChunk = 0;

  constructor(
    private readonly call: CallHandle,
    private readonly accumulator: StreamAccumulator<Chunk>,
    private readonly options: StreamCaptureOptions,
  ) {
    this.idleTimeoutMs = options.idleTimeoutMs;
    const progress = options.progress;
    this.progressChunks = progress ? (progress.everyChunks ?? DEFAULT_PROGRESS_EVERY_CHUNKS) : 0;
    this.progressMs = progress ? (progress.everyMs ?? DEFAULT_PROGRESS_EVERY_MS) : 0;
    this.startedAt = progress ? performance.now() : 0;
    this.lastProgressAt = this.startedAt;
    idleWatchdog.add(this);
  }

  /**
   * Listens for aborts. The SDKs also abort their controller themselves when a stream stops
   * early or fails, so an abort finalizes at once only when no read is in flight; otherwise the
   * outcome of that read decides (an SDK stream ends quietly after a user abort).
   */
  watchSignal(signal: AbortSignal | undefined): void {
    if (!signal || this.settledBefore(signal)) return;
    const onAbort = () => this.onAbort(signal);
    signal.addEventListener('abort', onAbort, { once: true });
    this.detachSignal = () => signal.removeEventListener('abort', onAbort);
  }

  /**
   * Like `watchSignal`, for the AbortController an SDK stream owns (one per request). Its signal
   * aborts only through the controller's `abort` method, which everyone calls: the application
   * (`stream.controller.abort()`), the SDK's timeout, its link to the request's own signal and its
   * cleanup. Wrapping that method on the instance sees every abort at the cost of one closure,
   * where an `abort` listener costs 6 to 8 µs per stream on Node 20 (AbortSignal listeners are
   * that slow). Anything that does not look like an AbortController gets the listener.
   */
  watchController(controller: unknown): void {
    const target = controller as { abort?: unknown; signal?: AbortSignal } | null | undefined;
    const signal = target?.signal;
    if (typeof target?.abort !== 'function' || typeof signal?.aborted !== 'boolean') {
      this.watchSignal(signal);
      return;
    }
    if (this.settledBefore(signal)) return;
    const abort = target.abort as (this: unknown, ...args: unknown[]) => unknown;
    const noteAbort = () => this.noteAbort(signal);
    const watched = function abortWatched(this: unknown, ...args: unknown[]) {
      const wasAborted = signal.aborted;
      const result = abort.apply(this, args);
      // Only the abort that fired the signal counts, as with a `once` listener.
      if (!wasAborted && signal.aborted) noteAbort();
      return result;
    };
    target.abort = watched;
    // Once finalized, the stream object (which the application may keep) no longer holds the capture.
    this.detachSignal = () => {
      if (target.abort === watched) target.abort = abort;
    };
  }

  /** Nothing to watch: finalized already, or the signal fired before it was watched (finalized now). */
  private settledBefore(signal: AbortSignal): boolean {
    if (this.finalized) return true;
    if (!signal.aborted) return false;
    this.aborted = true;
    this.finish('aborted', signal.reason);
    return true;
  }

  /** An abort seen by the wrapped `abort`: recording it must never throw into the caller of `abort()`. */
  private noteAbort(signal: AbortSignal): void {
    try {
      this.onAbort(signal);
    } catch {
      // A fail-closed ledger refused something it had counted and reported already.
    }
  }

  private onAbort(signal: AbortSignal): void {
    this.aborted = true;
    if (this.pending === 0) this.finish('aborted', signal.reason);
  }

  /**
   * The iterator the application reads instead of `inner`. Only the first one is recorded: an
   * SDK stream can be iterated once, so a second iterator is the SDK's own error to report.
   */
  iterate(inner: AsyncIterator<Chunk>): AsyncIterator<Chunk> & AsyncIterable<Chunk> {
    if (this.attached) return asIterable(inner);
    this.attached = true;
    /** Takes one read into the record; says what the application should receive instead, if anything. */
    const see = (result: IteratorResult<Chunk>): ChunkVerdict => {
      this.pending--;
      if (result.done) {
        this.finish(this.aborted ? 'aborted' : 'ended', undefined);
        return PASS;
      }
      this.activity++;
      if (this.options.progress !== undefined) this.noteProgress(this.options.progress);
      const verdict = this.accumulator.add(result.value);
      if (verdict.output && !this.sawOutput) {
        this.sawOutput = true;
        if (!this.finalized) this.call.update({ firstToken: true });
      }
      return verdict;
    };
    // In front of the application: it receives what `see` decides, one promise later.
    const onValue = (result: IteratorResult<Chunk>): IteratorResult<Chunk> | Promise<IteratorResult<Chunk>> => {
      const verdict = see(result);
      if (verdict.send === 'nothing') {
        this.pending++;
        return inner.next().then(onValue, onError);
      }
      return verdict.send === 'replacement' ? { done: false, value: this.accumulator.replacement as Chunk } : result;
    };
    const onError = (error: unknown): never => {
      this.pending--;
      this.fail(error);
      throw error;
    };
    // Beside the application: it awaits the SDK's own promise, whose first reaction (registered
    // before the application's await) is this one, so the record sees each chunk first, and a
    // replacement put into the read's result is what the application receives.
    const seeBeside = (result: IteratorResult<Chunk>): void => {
      try {
        if (see(result).send === 'replacement') result.value = this.accumulator.replacement as Chunk;
      } catch {
        // Only a fail-closed ledger throws in `see`, and it reads in front; a frozen result keeps
        // its chunk. Never an unhandled rejection.
      }
    };
    const failBeside = (error: unknown): void => {
      try {
        onError(error);
      } catch {
        // The application receives this very rejection from the promise it holds.
      }
    };
    return {
      next: () => {
        this.pending++;
        const inFront = this.options.failClosed === true || this.accumulator.mayHideNext?.() === true;
        const read = inner.next();
        if (!inFront && read instanceof Promise) {
          read.then(seeBeside, failBeside);
          return read;
        }
        return Promise.resolve(read).then(onValue, onError);
      },
      return: (value?: unknown) => {
        const closed = { done: true, value: value as Chunk } as IteratorResult<Chunk>;
        if (!this.finalized && this.pending === 0 && this.accumulator.awaitingUsage?.()) {
          // The application is done; the usage chunk is right behind. It is read in the
          // background and the SDK's cleanup runs after it, so `break` returns at once.
          void this.readUsageTail(inner).finally(() => inner.return?.(value as Chunk)?.catch(() => undefined));
          return Promise.resolve(closed);
        }
        // Finalize before the SDK's cleanup aborts its controller, which would read as a user abort.
        this.finish('consumer_stopped', undefined);
        return inner.return ? inner.return(value as Chunk) : Promise.resolve(closed);
      },
      throw: (error?: unknown) => {
        if (!inner.throw) {
          this.fail(error);
          return Promise.reject(error);
        }
        this.pending++;
        return inner.throw(error).then(onValue, onError);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  private async readUsageTail(inner: AsyncIterator<Chunk>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), USAGE_TAIL_TIMEOUT_MS);
      timer.unref();
    });
    try {
      for (let read = 0; read < USAGE_TAIL_MAX_CHUNKS && this.accumulator.awaitingUsage?.(); read++) {
        const result = await Promise.race([inner.next(), timeout]);
        if (!result || result.done) break;
        this.accumulator.add(result.value);
      }
    } catch {
      // The tail is a bonus: without it the output is estimated, as for any early stop.
    } finally {
      clearTimeout(timer);
      this.finish('consumer_stopped', undefined);
    }
  }

  /** One more chunk: emits `stream_progress` when N chunks or T ms passed since the last one. */
  private noteProgress(sink: StreamProgressSink): void {
    const chunks = this.activity;
    const byCount = this.progressChunks > 0 && chunks - this.lastProgressChunk >= this.progressChunks;
    const now = this.progressMs > 0 || byCount ? performance.now() : 0;
    if (!byCount && !(this.progressMs > 0 && now - this.lastProgressAt >= this.progressMs)) return;
    this.lastProgressChunk = chunks;
    this.lastProgressAt = now;
    try {
      sink.emit({ chunks, elapsedMs: Math.round((now - this.startedAt) * 100) / 100 });
    } catch {
      // Progress is for logs; it never touches the stream.
    }
  }

  /** The watchdog found the stream unread past its idle timeout. */
  onIdle(): void {
    this.finish('abandoned', undefined);
  }

  /** `outcome` when the caller has it already (an error event found by `finish`). */
  private fail(error: unknown, outcome?: StreamOutcome): void {
    if (this.finalized) return;
    const classified = classifyError(error);
    // An SDK aborts its own controller when a stream fails, so only the error itself says "aborted".
    if (classified.errorType === 'aborted') return this.finish('aborted', error);
    this.close();
    failStream(this.options.ledger, this.call, outcome ?? this.outcome(), this.sawOutput, error);
  }

  private finish(ending: Ending, reason: unknown): void {
    if (this.finalized) return;
    const outcome = this.outcome();
    if (ending !== 'aborted' && outcome.error) return this.fail(outcome.error, outcome);
    this.close();
    if (ending === 'aborted') return cancelStream(this.options.ledger, this.call, outcome, this.sawOutput, reason);
    completeStream(this.options.ledger, this.call, outcome, ending === 'ended' ? 'ended_early' : ending);
  }

  /** What the stream produced, its text flattened for the record that keeps it. */
  private outcome(): StreamOutcome {
    const outcome = this.accumulator.outcome();
    flattenText(outcome.responseMessage);
    return outcome;
  }

  private close(): void {
    this.finalized = true;
    idleWatchdog.delete(this);
    this.detachSignal?.();
    this.detachSignal = undefined;
  }
}

/** Input-side buckets a stream reports before its output, kept when the output must be estimated. */
const INPUT_DETAIL_BUCKETS = ['cacheWrite1h', 'inputAudio', 'cacheAudioRead', 'inputImage'] as const;

/** The chain's counts, with the input side and cache counts the provider did report. */
export function estimatedTokens(
  estimate: TokenEstimate,
  known: TokenUsage | undefined,
): { tokens: TokenUsage; tokenSource: TokenSource } {
  const input = known ? known.input : estimate.input;
  const tokens: TokenUsage = {
    input,
    output: estimate.output,
    total: input + estimate.output,
    cacheRead: known?.cacheRead ?? 0,
    cacheWrite: known?.cacheWrite ?? 0,
    reasoning: estimate.reasoning,
  };
  // The input side the provider already reported (Anthropic's message_start) is kept whole: the
  // 1-hour cache-write split and the media counts are priced differently from plain input.
  if (known) {
    for (const bucket of INPUT_DETAIL_BUCKETS) if (known[bucket] !== undefined) tokens[bucket] = known[bucket];
  }
  // `tokenizer` when what the provider did not report was counted exactly (the model's own encoding).
  return { tokens, tokenSource: estimate.source };
}

function asIterable<T>(inner: AsyncIterator<T>): AsyncIterator<T> & AsyncIterable<T> {
  if (Symbol.asyncIterator in inner) return inner as AsyncIterator<T> & AsyncIterable<T>;
  return Object.assign(inner, {
    [Symbol.asyncIterator]() {
      return inner;
    },
  });
}

/**
 * Completes a stream that ended without an error: `success` when the provider said it was done,
 * otherwise `partial`, with what was received priced and `streamEnd` in the metadata saying how it
 * ended. Shared by the SDK capture and the proxy, so that both record an ending the same way.
 */
export function completeStream(
  ledger: EstimatorSource | undefined,
  call: CallHandle,
  outcome: StreamOutcome,
  streamEnd: string,
): void {
  const complete = outcome.finished;
  finalizeStreamTokens(ledger, call, outcome, false, (counted) =>
    call.complete({
      responseMessage: outcome.responseMessage,
      responseModel: outcome.responseModel,
      finishReason: outcome.finishReason,
      tokens: counted.tokens,
      tokenSource: counted.tokenSource,
      status: complete ? 'success' : 'partial',
      metadata: complete ? undefined : { streamEnd },
    }),
  );
}

/** Cancels a stream's call (the consumer gave up on it), with what had arrived priced. */
export function cancelStream(
  ledger: EstimatorSource | undefined,
  call: CallHandle,
  outcome: StreamOutcome,
  sawOutput: boolean,
  reason: unknown,
): void {
  noteStreamResponse(call, outcome);
  const details: FailureDetails = {
    errorType: 'aborted',
    responseMessage: outcome.responseMessage,
    partial: sawOutput,
  };
  finalizeStreamTokens(ledger, call, outcome, !sawOutput, (tokens) => call.cancel(reason, { ...details, ...tokens }));
}

/** Fails a stream's call that broke (an error event, a reset, a timeout), with what had arrived. */
export function failStream(
  ledger: EstimatorSource | undefined,
  call: CallHandle,
  outcome: StreamOutcome,
  sawOutput: boolean,
  error: unknown,
): void {
  noteStreamResponse(call, outcome);
  const classified = classifyError(error);
  const details: FailureDetails = {
    errorType: classified.errorType,
    httpStatus: classified.httpStatus,
    retryAfterMs: classified.retryAfterMs,
    responseMessage: outcome.responseMessage,
    partial: sawOutput,
  };
  finalizeStreamTokens(ledger, call, outcome, !sawOutput, (tokens) => call.fail(error, { ...details, ...tokens }));
}

/** Failure paths take the model and finish reason from the call's progress. */
function noteStreamResponse(call: CallHandle, outcome: StreamOutcome): void {
  if (outcome.responseModel || outcome.finishReason) {
    call.update({ responseModel: outcome.responseModel ?? undefined, finishReason: outcome.finishReason ?? undefined });
  }
}

/**
 * Finalizes a stream with its counts: the provider's when they all arrived, otherwise the token
 * chain's count of the prompt (unless the provider reported it) and of the text received. A failure
 * before any output carries tokens only if the provider sent some: a request refused outright is
 * not billed.
 */
export function finalizeStreamTokens(
  ledger: EstimatorSource | undefined,
  call: CallHandle,
  outcome: StreamOutcome,
  failedBeforeOutput: boolean,
  finalize: (counted: Pick<FailureDetails, 'tokens' | 'tokenSource'>) => void,
): void {
  if (failedBeforeOutput && !outcome.tokens) return finalize({});
  if (outcome.tokens && outcome.usageComplete) return finalize({ tokens: outcome.tokens, tokenSource: 'provider' });
  const known = outcome.tokens;
  const request = estimateRequestOf(call, {
    text: outcome.outputText,
    reasoningText: outcome.reasoningText,
    inputKnown: known !== undefined,
  });
  finalizeWithEstimate(
    ledger,
    call,
    request,
    (estimate) => finalize(estimate ? estimatedTokens(estimate, known) : {}),
    { defer: true },
  );
}
