import { percentile } from '../../core/store.js';

/** Latency distribution of a window, in milliseconds. */
export interface LatencySummary {
  avg: number;
  p50: number;
  p95: number;
  p99: number;
}

/**
 * The last `size` calls of one model in fixed-size typed arrays: pushing is O(1) and allocates
 * nothing. Sums are kept in integer microseconds (records carry latency to the microsecond), so
 * they stay exact however many samples enter and leave; percentiles sort a copy on demand.
 */
export class ModelWindow {
  private readonly latency: Float64Array;
  private readonly ttft: Float64Array;
  private readonly failed: Uint8Array;
  private readonly output: Float64Array;
  private next = 0;
  private filled = 0;
  private latencySumMicros = 0;
  private ttftSumMicros = 0;
  private ttftCount = 0;
  private failures = 0;
  private outputSum = 0;
  private outputLatencySumMicros = 0;
  /** Calls seen over the monitor's lifetime, not just the window. */
  total = 0;

  constructor(readonly size: number) {
    this.latency = new Float64Array(size);
    this.ttft = new Float64Array(size).fill(Number.NaN);
    this.failed = new Uint8Array(size);
    this.output = new Float64Array(size).fill(Number.NaN);
  }

  /** `outputTokens` is NaN for calls that produced no measurable output (failures). */
  push(latencyMs: number, ttftMs: number | null, failed: boolean, outputTokens: number): void {
    const slot = this.next;
    if (this.filled === this.size) this.evict(slot);
    else this.filled += 1;
    this.latency[slot] = latencyMs;
    this.latencySumMicros += micros(latencyMs);
    if (ttftMs !== null) {
      this.ttft[slot] = ttftMs;
      this.ttftSumMicros += micros(ttftMs);
      this.ttftCount += 1;
    }
    this.failed[slot] = failed ? 1 : 0;
    if (failed) this.failures += 1;
    if (!Number.isNaN(outputTokens)) {
      this.output[slot] = outputTokens;
      this.outputSum += outputTokens;
      this.outputLatencySumMicros += micros(latencyMs);
    }
    this.next = slot + 1 === this.size ? 0 : slot + 1;
    this.total += 1;
  }

  get count(): number {
    return this.filled;
  }

  get errorCount(): number {
    return this.failures;
  }

  averageLatencyMs(): number {
    return this.filled === 0 ? 0 : this.latencySumMicros / this.filled / 1000;
  }

  errorRatePercent(): number {
    return this.filled === 0 ? 0 : (this.failures / this.filled) * 100;
  }

  latencyMs(): LatencySummary {
    return summarize(this.latency.subarray(0, this.filled), this.averageLatencyMs());
  }

  /** null when no call in the window reported a time to first token. */
  ttftMs(): (LatencySummary & { count: number }) | null {
    if (this.ttftCount === 0) return null;
    const values = this.ttft.subarray(0, this.filled).filter((value) => !Number.isNaN(value));
    return { count: this.ttftCount, ...summarize(values, this.ttftSumMicros / this.ttftCount / 1000) };
  }

  /** Output tokens over the summed latency of the calls that produced them; null without any. */
  outputTokensPerSecond(): number | null {
    if (this.outputLatencySumMicros === 0) return null;
    return this.outputSum / (this.outputLatencySumMicros / 1_000_000);
  }

  private evict(slot: number): void {
    this.latencySumMicros -= micros(this.latency[slot]!);
    const ttft = this.ttft[slot]!;
    if (!Number.isNaN(ttft)) {
      this.ttftSumMicros -= micros(ttft);
      this.ttftCount -= 1;
      this.ttft[slot] = Number.NaN;
    }
    if (this.failed[slot] === 1) this.failures -= 1;
    const output = this.output[slot]!;
    if (!Number.isNaN(output)) {
      this.outputSum -= output;
      this.outputLatencySumMicros -= micros(this.latency[slot]!);
      this.output[slot] = Number.NaN;
    }
  }
}

function micros(milliseconds: number): number {
  return Math.round(milliseconds * 1000);
}

/** Same percentile definition as `ledger.usage.summary()` (linear interpolation), so both agree. */
function summarize(values: Float64Array, avg: number): LatencySummary {
  const sorted = Array.from(values).sort((a, b) => a - b);
  return { avg, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99) };
}
