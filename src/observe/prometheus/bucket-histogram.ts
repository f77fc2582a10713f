import type { Histogram, MetricType } from 'prom-client';
import type { Labels } from './label-limiter.js';

/** Counts of one histogram series: a plain array add per observation, no label hashing. */
export class BucketCounts {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index++;
    if (index < bounds.length) this.counts[index]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

export interface BucketHistogramConfig {
  name: string;
  help: string;
  buckets: readonly number[];
  /** Every series at scrape time: its labels and its counts. */
  series: () => Iterable<readonly [Labels, BucketCounts | undefined]>;
}

/**
 * A histogram whose series are counted by the handler and read at scrape time. prom-client's
 * `Histogram.observe` validates and hashes the label object on every call, which costs more than
 * the rest of a call's bookkeeping; here a call adds to arrays it already holds, and the
 * exposition is produced through prom-client's public metric shape (`get()`), so any registry,
 * `metrics()` and `getMetricsAsJSON()` read it like one of its own.
 */
export class BucketHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly bounds: readonly number[];
  private readonly series: BucketHistogramConfig['series'];

  constructor(config: BucketHistogramConfig) {
    this.name = config.name;
    this.help = config.help;
    this.bounds = config.buckets;
    this.series = config.series;
  }

  counts(): BucketCounts {
    return new BucketCounts(this.bounds);
  }

  async get(): Promise<Awaited<ReturnType<Histogram['get']>>> {
    const values: Array<{ labels: Labels; value: number; metricName: string }> = [];
    const bucket = `${this.name}_bucket`;
    for (const [labels, counts] of this.series()) {
      if (!counts || counts.count === 0) continue;
      let cumulative = 0;
      for (let index = 0; index < this.bounds.length; index++) {
        cumulative += counts.counts[index]!;
        values.push({ labels: { ...labels, le: String(this.bounds[index]) }, value: cumulative, metricName: bucket });
      }
      values.push({ labels: { ...labels, le: '+Inf' }, value: counts.count, metricName: bucket });
      values.push({ labels, value: counts.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: counts.count, metricName: `${this.name}_count` });
    }
    return {
      name: this.name,
      help: this.help,
      // prom-client declares the type as an enum that exists in its typings only; the value is the string.
      type: this.type as unknown as MetricType,
      aggregator: this.aggregator,
      values,
      collect: () => {},
    };
  }

  /** `registry.resetMetrics()` calls this; the series belong to PrometheusMetrics (see its `reset()`). */
  reset(): void {}
}
