import type { CallHandle } from '../core/call.js';
import type { EstimatorSource } from '../capture/estimate-tokens.js';
import { flattenText } from '../capture/flatten-text.js';
import {
  cancelStream,
  completeStream,
  failStream,
  PASS,
  type ChunkVerdict,
  type StreamAccumulator,
  type StreamOutcome,
} from '../capture/stream-capture.js';
import { recordingFailed, type ProblemSink } from './safe-recording.js';

/**
 * Records one streamed call passing through the proxy. The provider's chunks are read by the same
 * accumulators `ledger.wrap()` uses; the ending is told by the proxy (the upstream finished, broke,
 * or the client went away), and the call is finalized exactly once, as `StreamCapture` does for a
 * wrapped SDK: provider counts when they all arrived, the token chain's estimate of what was
 * received otherwise. Its methods run in event callbacks and never throw: whatever recording a
 * chunk or the ending throws is reported, and the call ends failed with it (`recordSafely`).
 */
export class StreamRecorder {
  private sawOutput = false;
  private finalized = false;

  constructor(
    private readonly call: CallHandle,
    private readonly accumulator: StreamAccumulator<unknown>,
    private readonly ledger: EstimatorSource & ProblemSink,
  ) {}

  /** Reads one parsed chunk; the verdict says what the client gets (the chunk, a replacement or nothing). */
  add(chunk: unknown): ChunkVerdict {
    if (this.finalized) return PASS;
    try {
      const verdict = this.accumulator.add(chunk);
      if (verdict.output && !this.sawOutput) {
        this.sawOutput = true;
        this.call.update({ firstToken: true });
      }
      return verdict;
    } catch (error) {
      // The chunk still reaches the client as the upstream sent it.
      this.abandon(error);
      return PASS;
    }
  }

  /** The upstream ended its response: complete, or partial when the provider never said it was done. */
  end(): void {
    if (this.finalized) return;
    try {
      const outcome = this.outcome();
      if (outcome.error) return this.fail(outcome.error, outcome);
      this.finalized = true;
      completeStream(this.ledger, this.call, outcome, 'ended_early');
    } catch (error) {
      this.abandon(error);
    }
  }

  /** The client disconnected: the upstream request is cancelled and what arrived is priced. */
  cancel(reason: unknown): void {
    if (this.finalized) return;
    this.finalized = true;
    try {
      cancelStream(this.ledger, this.call, this.outcome(), this.sawOutput, reason);
    } catch (error) {
      this.abandon(error);
    }
  }

  /** The upstream broke mid-stream (connection reset, timeout, an error event). */
  fail(error: unknown, known?: StreamOutcome): void {
    if (this.finalized) return;
    this.finalized = true;
    try {
      failStream(this.ledger, this.call, known ?? this.outcome(), this.sawOutput, error);
    } catch (thrown) {
      this.abandon(thrown);
    }
  }

  /** Recording threw: reported, the call failed with it, nothing more read. */
  private abandon(error: unknown): void {
    this.finalized = true;
    recordingFailed(this.ledger, this.call, error);
  }

  private outcome(): StreamOutcome {
    const outcome = this.accumulator.outcome();
    flattenText(outcome.responseMessage);
    return outcome;
  }
}
