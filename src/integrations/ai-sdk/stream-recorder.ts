import type { CallHandle, FailureDetails } from '../../core/call.js';
import { idleWatchdog, type Watched } from '../../capture/idle-watchdog.js';
import { classifyAiSdkError, safely, type MiddlewareLedger } from './begin-call.js';
import { countTokens } from './call-tokens.js';
import { unifiedFinishReason } from './response-message.js';
import { StreamState } from './stream-parts.js';

type Ending = 'finished' | 'ended' | 'consumer_stopped' | 'aborted' | 'abandoned' | 'failed';

export interface StreamRecorderOptions {
  ledger: MiddlewareLedger;
  /** A stream left unread this long (no read pending) is recorded as `partial`, `abandoned`. 0 = off. */
  idleTimeoutMs: number;
  /** The call's `abortSignal`: when it fires first, the call is recorded as cancelled. */
  signal: AbortSignal | undefined;
}

/**
 * Finalizes one streamed model call exactly once, however its stream ends: the `finish` part (usage
 * and finish reason), an `error` part or a failing read, the call's AbortSignal, the consumer
 * cancelling the stream, the stream ending without `finish`, or nobody reading it any more (idle
 * timeout). Without usage, output tokens are estimated from what arrived.
 */
export class StreamRecorder implements Watched {
  activity = 0;
  pending = 0;
  readonly idleTimeoutMs: number;
  private readonly state = new StreamState();
  private sawOutput = false;
  private finalized = false;
  private detachSignal: (() => void) | undefined;

  constructor(
    private readonly call: CallHandle,
    private readonly options: StreamRecorderOptions,
  ) {
    this.idleTimeoutMs = options.idleTimeoutMs;
    idleWatchdog.add(this);
    const signal = options.signal;
    if (!signal) return;
    if (signal.aborted) {
      this.finish('aborted', signal.reason);
      return;
    }
    const onAbort = () => this.finish('aborted', signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    this.detachSignal = () => signal.removeEventListener('abort', onAbort);
  }

  /** Passes `source` through part for part, unchanged; the consumer reads the returned stream instead. */
  wrap<Part>(source: ReadableStream<Part>): ReadableStream<Part> {
    const reader = source.getReader();
    return new ReadableStream<Part>(
      {
        pull: async (controller) => {
          this.pending++;
          let result: Awaited<ReturnType<typeof reader.read>>;
          try {
            result = await reader.read();
          } catch (error) {
            this.pending--;
            this.finish('failed', error);
            controller.error(error);
            return;
          }
          this.pending--;
          if (result.done) {
            this.finish('ended', undefined);
            controller.close();
            return;
          }
          this.observe(result.value);
          controller.enqueue(result.value);
        },
        cancel: (reason) => {
          this.finish('consumer_stopped', reason);
          return reader.cancel(reason);
        },
      },
      // No read-ahead: the provider stream is read only as fast as the consumer reads ours.
      { highWaterMark: 0 },
    );
  }

  /** The watchdog found the stream unread past its idle timeout. */
  onIdle(): void {
    this.finish('abandoned', undefined);
  }

  private observe(part: unknown): void {
    this.activity++;
    if (this.finalized) return;
    safely(this.options.ledger, () => {
      const output = this.state.add(part);
      if (output && !this.sawOutput) {
        this.sawOutput = true;
        this.call.update({ firstToken: true });
      }
      // `finish` is the last part the provider sends: the record need not wait for the consumer.
      if (this.state.finished) this.finish('finished', undefined);
    });
  }

  private finish(ending: Ending, reason: unknown): void {
    if (this.finalized) return;
    this.finalized = true;
    idleWatchdog.delete(this);
    this.detachSignal?.();
    this.detachSignal = undefined;
    safely(this.options.ledger, () => this.record(ending, reason));
  }

  private record(ending: Ending, reason: unknown): void {
    const state = this.state;
    const call = this.call;
    if (state.responseModel !== undefined || state.finishReason !== undefined) {
      call.update({ responseModel: state.responseModel, finishReason: state.finishReason });
    }
    const error = ending === 'failed' ? reason : state.hasError ? state.error : undefined;
    if (ending === 'failed' || state.hasError) {
      const classified = classifyAiSdkError(error);
      const details: FailureDetails = {
        ...this.failureTokens(),
        errorType: classified.errorType,
        httpStatus: classified.httpStatus,
        retryAfterMs: classified.retryAfterMs,
        responseMessage: state.message(),
        partial: this.sawOutput,
      };
      if (classified.errorType === 'aborted') call.cancel(error, details);
      else call.fail(error, details);
      return;
    }
    if (ending === 'aborted' && !state.finished) {
      const classified = classifyAiSdkError(reason ?? new DOMException('The call was aborted', 'AbortError'));
      call.cancel(reason, {
        ...this.failureTokens(),
        errorType: classified.errorType === 'timeout' ? 'timeout' : 'aborted',
        responseMessage: state.message(),
        partial: this.sawOutput,
      });
      return;
    }
    const counted = this.tokens();
    const complete = state.finished && unifiedFinishReason(state.rawFinishReason) !== 'interrupted';
    call.complete({
      responseMessage: state.message(),
      tokens: counted.tokens,
      tokenSource: counted.tokenSource,
      status: complete ? 'success' : 'partial',
      metadata: complete ? undefined : { streamEnd: streamEnd(ending) },
    });
  }

  private tokens() {
    return countTokens({
      usage: this.state.usage,
      earlyInput: this.state.earlyInput,
      call: this.call,
      ledger: this.options.ledger,
      outputText: this.state.outputText(),
      reasoningText: this.state.content.reasoning,
    });
  }

  /** Failures carry tokens only when something was produced or counted: a request refused outright is not billed. */
  private failureTokens(): Pick<FailureDetails, 'tokens' | 'tokenSource'> {
    if (!this.sawOutput && !this.state.usage && !this.state.earlyInput) return {};
    return this.tokens();
  }
}

function streamEnd(ending: Ending): string {
  if (ending === 'ended') return 'ended_early';
  if (ending === 'finished') return 'interrupted';
  return ending;
}
