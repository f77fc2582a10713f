import type { CallHandle, FailureDetails } from '../core/call.js';
import { classifyError } from '../capture/error-classification.js';
import type { EstimatorSource } from '../capture/estimate-tokens.js';
import { flattenText } from '../capture/flatten-text.js';
import {
  completeStream,
  finalizeStreamTokens,
  PASS,
  type ChunkVerdict,
  type StreamAccumulator,
  type StreamOutcome,
} from '../capture/stream-capture.js';

/**
 * Records one streamed call passing through the proxy. The provider's chunks are read by the same
 * accumulators `ledger.wrap()` uses; the ending is told by the proxy (the upstream finished, broke,
 * or the client went away), and the call is finalized exactly once, as `StreamCapture` does for a
 * wrapped SDK: provider counts when they all arrived, the token chain's estimate of what was
 * received otherwise.
 */
export class StreamRecorder {
  private sawOutput = false;
  private finalized = false;

  constructor(
    private readonly call: CallHandle,
    private readonly accumulator: StreamAccumulator<unknown>,
    private readonly ledger: EstimatorSource,
  ) {}

  /** Reads one parsed chunk; the verdict says what the client gets (the chunk, a replacement or nothing). */
  add(chunk: unknown): ChunkVerdict {
    if (this.finalized) return PASS;
    const verdict = this.accumulator.add(chunk);
    if (verdict.output && !this.sawOutput) {
      this.sawOutput = true;
      this.call.update({ firstToken: true });
    }
    return verdict;
  }

  /** The upstream ended its response: complete, or partial when the provider never said it was done. */
  end(): void {
    if (this.finalized) return;
    const outcome = this.outcome();
    if (outcome.error) return this.fail(outcome.error, outcome);
    this.finalized = true;
    completeStream(this.ledger, this.call, outcome, 'ended_early');
  }

  /** The client disconnected: the upstream request is cancelled and what arrived is priced. */
  cancel(reason: unknown): void {
    if (this.finalized) return;
    this.finalized = true;
    const outcome = this.outcome();
    this.noteResponse(outcome);
    const details: FailureDetails = {
      errorType: 'aborted',
      responseMessage: outcome.responseMessage,
      partial: this.sawOutput,
    };
    this.withTokens(outcome, true, (tokens) => this.call.cancel(reason, { ...details, ...tokens }));
  }

  /** The upstream broke mid-stream (connection reset, timeout, an error event). */
  fail(error: unknown, known?: StreamOutcome): void {
    if (this.finalized) return;
    this.finalized = true;
    const outcome = known ?? this.outcome();
    this.noteResponse(outcome);
    const classified = classifyError(error);
    const details: FailureDetails = {
      errorType: classified.errorType,
      httpStatus: classified.httpStatus,
      retryAfterMs: classified.retryAfterMs,
      responseMessage: outcome.responseMessage,
      partial: this.sawOutput,
    };
    this.withTokens(outcome, true, (tokens) => this.call.fail(error, { ...details, ...tokens }));
  }

  private outcome(): StreamOutcome {
    const outcome = this.accumulator.outcome();
    flattenText(outcome.responseMessage);
    return outcome;
  }

  private withTokens(
    outcome: StreamOutcome,
    failure: boolean,
    finalize: (counted: Pick<FailureDetails, 'tokens' | 'tokenSource'>) => void,
  ): void {
    finalizeStreamTokens(this.ledger, this.call, outcome, failure && !this.sawOutput, finalize);
  }

  private noteResponse(outcome: StreamOutcome): void {
    if (outcome.responseModel || outcome.finishReason) {
      this.call.update({
        responseModel: outcome.responseModel ?? undefined,
        finishReason: outcome.finishReason ?? undefined,
      });
    }
  }
}
