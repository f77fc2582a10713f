import { checkPrometheusOptions } from '../observe-options.js';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LedgerHandler } from '../../core/handlers.js';
import { formatDecimal } from '../../core/money.js';
import type { CallRecord } from '../../core/record.js';
import type { CallbackObserver } from '../timing/timed-handler.js';
import { BucketCounts, BucketHistogram } from './bucket-histogram.js';
import { LabelLimiter, type Labels } from './label-limiter.js';
import {
  CALLBACK_BUCKETS,
  DURATION_BUCKETS,
  LABEL,
  METRIC,
  OPTIONAL_LABELS,
  TOKEN_BUCKETS,
  type OptionalLabel,
} from './metric-names.js';
import { SeriesState } from './series-state.js';

/** What the gauges read from `ledger.stats()`; a spool is optional. */
export interface MetricsStats {
  pending: number;
  handlers?: { errors: number; timeouts: number };
  spool?: { pending: number };
}

export interface PrometheusMetricsOptions {
  /** The registry to register into (yours, or prom-client's global `register`). Default: a new one. */
  registry?: Registry;
  /**
   * Record fields added as labels to the call metrics. None by default: user and session ids
   * are unbounded, so add them only where the number of users is known to be small.
   */
  labels?: readonly OptionalLabel[];
  /** Most label combinations before new ones fold into one labelled `other`. Default 1000. */
  maxLabelSets?: number;
  /** Feeds queue depth, spool size and handler errors at scrape time (`() => ledger.stats()`). */
  stats?: () => MetricsStats;
}

/**
 * Prometheus metrics for the ledger, as a handler: the GenAI histograms (token usage,
 * operation duration, time to first chunk), `token_usage_total` by token type, and call, cost and
 * unpriced counters, per label combination; at scrape time queue depth, spool size and handler
 * errors from `stats`. As a `CallbackObserver` it also feeds `callback_duration_seconds` and
 * `callback_errors_total` (see `timeHandler`).
 *
 * A call only adds to numbers it already holds; samples are built when the registry is scraped.
 *
 * @example
 * import { createPrometheusMetrics, createMetricsHandler } from 'llm-ledger/prometheus';
 * const metrics = createPrometheusMetrics({ registry: register, stats: () => ledger.stats() });
 * ledger.addHandler(metrics);
 * http.createServer(createMetricsHandler(metrics.registry)).listen(9464);
 */
export class PrometheusMetrics implements LedgerHandler, CallbackObserver {
  readonly name = 'PrometheusMetrics';
  readonly registry: Registry;
  private readonly limiter: LabelLimiter<SeriesState>;
  private readonly callbackDuration: Histogram;
  private readonly callbackErrors: Counter;

  constructor(options: PrometheusMetricsOptions = {}) {
    checkPrometheusOptions(options, OPTIONAL_LABELS);
    const registry = options.registry ?? new Registry();
    this.registry = registry;
    const registers = [registry];
    const tokenUsage = histogram(registry, {
      name: METRIC.tokenUsage,
      help: 'Input and output tokens per LLM call (gen_ai.client.token.usage).',
      buckets: TOKEN_BUCKETS,
      series: () =>
        this.seriesOf((state) => [state.tokenInput, state.tokenOutput], LABEL.tokenType, ['input', 'output']),
    });
    const duration = histogram(registry, {
      name: METRIC.operationDuration,
      help: 'LLM call duration in seconds (gen_ai.client.operation.duration).',
      buckets: DURATION_BUCKETS,
      series: () => this.seriesOf((state) => [state.duration]),
    });
    histogram(registry, {
      name: METRIC.timeToFirstChunk,
      help: 'Time to the first streamed chunk in seconds (gen_ai.client.operation.time_to_first_chunk).',
      buckets: DURATION_BUCKETS,
      series: () => this.seriesOf((state) => [state.firstChunk]),
    });
    this.limiter = new LabelLimiter(
      options.labels ?? [],
      options.maxLabelSets ?? 1000,
      () => new SeriesState(tokenUsage.counts(), tokenUsage.counts(), duration.counts()),
    );
    const base = this.limiter.names;
    const entries = () => this.limiter.entries();
    counter(
      registry,
      METRIC.calls,
      'Recorded LLM calls by status (success, error, partial, cancelled).',
      [...base, LABEL.status],
      (add) => {
        for (const [labels, state] of entries()) {
          for (const [status, count] of state.calls) add({ ...labels, [LABEL.status]: status }, count);
        }
      },
    );
    counter(
      registry,
      METRIC.cost,
      'Cost of recorded LLM calls, in the label currency.',
      [...base, LABEL.currency],
      (add) => {
        // Summed exactly per combination, converted to a float only here: adding floats per call
        // would drift from the ledger's own totals.
        for (const [labels, state] of entries()) {
          for (const [currency, total] of state.costs)
            add({ ...labels, [LABEL.currency]: currency }, Number(formatDecimal(total)));
        }
      },
    );
    counter(
      registry,
      METRIC.unpricedCalls,
      'Calls whose model has no known price: their cost is unknown, not zero.',
      base,
      (add) => {
        for (const [labels, state] of entries()) if (state.unpriced > 0) add(labels, state.unpriced);
      },
    );
    counter(
      registry,
      METRIC.seedTokenUsage,
      'Total token usage by type (input, output).',
      [...base, LABEL.seedTokenType],
      (add) => {
        for (const [labels, state] of entries()) {
          if (state.inputTokens > 0) add({ ...labels, [LABEL.seedTokenType]: 'input' }, state.inputTokens);
          if (state.outputTokens > 0) add({ ...labels, [LABEL.seedTokenType]: 'output' }, state.outputTokens);
        }
      },
    );
    counter(registry, METRIC.cacheHits, 'Calls answered from the response cache.', base, (add) => {
      for (const [labels, state] of entries()) if (state.cacheHits > 0) add(labels, state.cacheHits);
    });
    counter(
      registry,
      METRIC.costSaved,
      'What calls answered from the response cache would have cost, in the label currency.',
      [...base, LABEL.currency],
      (add) => {
        for (const [labels, state] of entries()) {
          for (const [currency, total] of state.savedCosts)
            add({ ...labels, [LABEL.currency]: currency }, Number(formatDecimal(total)));
        }
      },
    );
    const limiter = this.limiter;
    counter(
      registry,
      METRIC.labelOverflow,
      'Calls whose label combination exceeded the cap and was recorded as "other".',
      [],
      (add) => add({}, limiter.overflowed),
    );
    // Handler timing happens a few times per call at most and has one label: prom-client's own
    // metrics are fine here.
    this.callbackDuration = new Histogram({
      name: METRIC.callbackDuration,
      help: 'Handler (callback) execution time in seconds.',
      labelNames: [LABEL.handlerType],
      buckets: [...CALLBACK_BUCKETS],
      registers,
    });
    this.callbackErrors = new Counter({
      name: METRIC.callbackErrors,
      help: 'Handler (callback) invocations that threw or rejected.',
      labelNames: [LABEL.handlerType],
      registers,
    });
    if (options.stats) registerStats(registry, options.stats);
  }

  onEnd(record: CallRecord): void {
    const state = this.limiter.stateFor(record);
    state.countCall(record.status);
    state.duration.observe(record.latencyMs / 1000);
    if (record.ttftMs !== null && record.streamed) {
      (state.firstChunk ??= new BucketCounts(DURATION_BUCKETS)).observe(record.ttftMs / 1000);
    }
    // Usage is known only when the provider (or a tokenizer) said so; unknown is not zero.
    if (record.tokenSource !== null) {
      const { input, output } = record.tokens;
      state.tokenInput.observe(input);
      state.tokenOutput.observe(output);
      state.inputTokens += input;
      state.outputTokens += output;
    }
    state.addCost(record);
  }

  observeCallback(handlerType: string, seconds: number, failed: boolean): void {
    this.callbackDuration.observe({ [LABEL.handlerType]: handlerType }, seconds);
    if (failed) this.callbackErrors.inc({ [LABEL.handlerType]: handlerType }, 1);
  }

  /** The exposition text, as a scrape would see it. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Forgets every call recorded so far (the handler-timing metrics stay with the registry). */
  reset(): void {
    this.limiter.clear();
  }

  /** Histogram series of every combination; `extra` names a label told apart by position. */
  private *seriesOf(
    pick: (state: SeriesState) => ReadonlyArray<BucketCounts | undefined>,
    extra?: string,
    values: readonly string[] = [],
  ): Iterable<readonly [Labels, BucketCounts | undefined]> {
    for (const [labels, state] of this.limiter.entries()) {
      const counts = pick(state);
      for (let index = 0; index < counts.length; index++) {
        yield [extra === undefined ? labels : { ...labels, [extra]: values[index]! }, counts[index]];
      }
    }
  }
}

/**
 * Creates the metrics handler.
 *
 * @example
 * const metrics = createPrometheusMetrics({ labels: ['tenant_id'], stats: () => ledger.stats() });
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  return new PrometheusMetrics(options);
}

function histogram(registry: Registry, config: ConstructorParameters<typeof BucketHistogram>[0]): BucketHistogram {
  const metric = new BucketHistogram(config);
  // The registry only calls the public metric surface (name, get, reset); see BucketHistogram.
  registry.registerMetric(metric as unknown as Histogram);
  return metric;
}

/** A counter whose samples are produced at scrape time by `fill`. */
function counter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  fill: (add: (labels: Labels, value: number) => void) => void,
): void {
  new Counter({
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    collect() {
      this.reset();
      fill((labels, value) => this.inc(labels, value));
    },
  });
}

function registerStats(registry: Registry, stats: () => MetricsStats): void {
  // One stats() read per scrape (within a millisecond), shared by the four series.
  let cached: { at: number; value: MetricsStats | undefined } = { at: -1, value: undefined };
  const read = (): MetricsStats | undefined => {
    const now = Date.now();
    if (now !== cached.at) {
      let value: MetricsStats | undefined;
      try {
        value = stats();
      } catch {
        value = undefined;
      }
      cached = { at: now, value };
    }
    return cached.value;
  };
  new Gauge({
    name: METRIC.queueDepth,
    help: 'Records waiting in memory for the store.',
    registers: [registry],
    collect() {
      const value = read();
      if (value) this.set(value.pending);
    },
  });
  new Gauge({
    name: METRIC.spoolSize,
    help: 'Records waiting in the disk spool while the store is unavailable.',
    registers: [registry],
    collect() {
      const value = read();
      if (value) this.set(value.spool?.pending ?? 0);
    },
  });
  counter(registry, METRIC.handlerErrors, 'Handler invocations that threw or rejected (all handlers).', [], (add) => {
    const value = read();
    if (value?.handlers) add({}, value.handlers.errors);
  });
  counter(
    registry,
    METRIC.handlerTimeouts,
    'Handler invocations that did not settle within the handler timeout.',
    [],
    (add) => {
      const value = read();
      if (value?.handlers) add({}, value.handlers.timeouts);
    },
  );
}
