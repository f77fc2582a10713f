import { checkMonitorOptions } from '../observe-options.js';
import type { LedgerHandler } from '../../core/handlers.js';
import { addDecimal, compareDecimal, formatDecimal, parseDecimal, type Decimal } from '../../core/money.js';
import type { CallRecord } from '../../core/record.js';
import { costKey } from '../shared/cost-key.js';
import { failureKind } from '../shared/failure-kind.js';
import { CrossingTracker } from './crossing-alert.js';
import { DailyUsage, utcDay, type DailyUsageRow } from './daily-usage.js';
import { dailySummaryEvent, metricsFields, modelPerformance, round2 } from './event-fields.js';
import { ModelWindow } from './model-window.js';
import {
  DEFAULT_THRESHOLDS,
  type MonitorEvent,
  type MonitorListener,
  type MonitorSnapshot,
  type MonitorThresholds,
} from './monitor-events.js';

export interface PerformanceMonitorOptions {
  /** Calls kept per model. Default 100. */
  windowSize?: number;
  /** Calls a window needs before latency and error-rate alerts apply. Default 10. */
  minSamples?: number;
  /** Publish `performance_metrics` for a model every this many of its calls; 0 never. Default `windowSize`. */
  metricsEvery?: number;
  thresholds?: Partial<MonitorThresholds>;
  /** Currency of the cost thresholds and daily totals. Default USD. */
  currency?: string;
  /** Wall clock (epoch ms) deciding the day; inject one in tests. Default `Date.now`. */
  clock?: { now(): number };
  /** Models tracked separately; more are pooled under `(other)`. Default 1000. */
  maxModels?: number;
  /** Users tracked per day; more are pooled under `(other)`. Default 100,000. */
  maxUsers?: number;
}

/** A model's window and its alert keys, built once. */
interface ModelState {
  model: string;
  window: ModelWindow;
  latencyKey: string;
  errorKey: string;
  costKey: string;
}

const OTHER_MODELS = '(other)';
const DAY_MS = 86_400_000;

/**
 * A performance monitor as a ledger handler: a rolling window per model (latency
 * percentiles, time to first token, output tokens per second, error rate), alerts when a
 * threshold is crossed (once per crossing, re-armed when the value falls back under), and a
 * per-user daily usage summary published when the day changes. Failed calls count as errors;
 * cancellations count only when caused by a timeout.
 *
 * @example
 * const monitor = new PerformanceMonitor({ thresholds: { dailyUserCost: '25' } });
 * monitor.subscribe((alert) => pager.notify(alert));
 * const ledger = createLedger({ handlers: [monitor, createLogHandler({ sources: [monitor] })] });
 * // later
 * monitor.snapshot().models; // [{ model: 'gpt-4o', latencyMs: { avg, p50, p95, p99 }, errorRatePercent, ... }]
 */
export class PerformanceMonitor implements LedgerHandler {
  readonly name = 'PerformanceMonitor';
  readonly windowSize: number;
  readonly thresholds: Readonly<MonitorThresholds>;
  private readonly minSamples: number;
  private readonly metricsEvery: number;
  private readonly currency: string;
  private readonly clock: { now(): number };
  private readonly maxModels: number;
  private readonly callCost: Decimal | null;
  private readonly dailyUserCost: Decimal | null;
  private readonly windows = new Map<string, ModelState>();
  private readonly crossings = new CrossingTracker();
  private readonly daily: DailyUsage;
  private listeners: MonitorListener[] = [];
  private day: string;
  /** The current day's bounds in epoch ms: a call compares two numbers instead of formatting a date. */
  private dayStartMs = 0;
  private nextDayMs = 0;

  constructor(options: PerformanceMonitorOptions = {}) {
    checkMonitorOptions(options);
    this.windowSize = positiveInteger(options.windowSize ?? 100, 'windowSize');
    this.minSamples = Math.max(1, options.minSamples ?? 10);
    this.metricsEvery = Math.max(0, options.metricsEvery ?? this.windowSize);
    this.thresholds = Object.freeze({ ...DEFAULT_THRESHOLDS, ...options.thresholds });
    this.currency = options.currency ?? 'USD';
    this.clock = options.clock ?? { now: () => Date.now() };
    this.maxModels = options.maxModels ?? 1000;
    // Parsed once: a bad threshold fails at configuration, not on the first expensive call.
    this.callCost = this.thresholds.callCost === null ? null : parseDecimal(this.thresholds.callCost);
    this.dailyUserCost = this.thresholds.dailyUserCost === null ? null : parseDecimal(this.thresholds.dailyUserCost);
    this.daily = new DailyUsage(this.currency, options.maxUsers ?? 100_000);
    this.day = this.enterDay(this.clock.now());
  }

  /** Receives every alert, metrics line and daily summary. Returns the unsubscribe function. */
  subscribe(listener: MonitorListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((existing) => existing !== listener);
    };
  }

  onEnd(record: CallRecord): void {
    this.rollover();
    const failed = record.status === 'error' || (record.status === 'cancelled' && failureKind(record) === 'timeout');
    const countable = record.status !== 'cancelled' || failed;
    const cost = record.cost;
    // Parsed once, used for the daily sum and the per-call threshold alike.
    const amount =
      cost !== null && cost.total !== null && cost.currency === this.currency ? parseDecimal(cost.total) : null;
    let events: MonitorEvent[] | undefined;
    this.cacheCounts.calls += 1;
    if (record.cacheHit === true) {
      // A hit's latency is the cache's, not the model's: it is counted here and kept out of the windows.
      this.cacheCounts.hits += 1;
      if (record.costSaved != null && cost?.currency === this.currency) {
        this.cacheCounts.saved = addDecimal(this.cacheCounts.saved, parseDecimal(record.costSaved));
      }
    } else if (countable) events = this.observeModel(record, failed, events);
    events = this.observeCost(record, amount, events);
    if (events) this.publish(events);
  }

  /** Publishes the finished day's summaries if the day has changed; calls do this on their own. */
  rollover(): void {
    const now = this.clock.now();
    if (now >= this.dayStartMs && now < this.nextDayMs) return;
    const finished = this.day;
    const rows = this.daily.rows(finished);
    this.daily.reset();
    this.crossings.clear('high_daily_cost:');
    this.day = this.enterDay(now);
    this.publish(rows.map((row) => dailySummaryEvent(row)));
  }

  private enterDay(now: number): string {
    this.dayStartMs = now - (((now % DAY_MS) + DAY_MS) % DAY_MS);
    this.nextDayMs = this.dayStartMs + DAY_MS;
    return utcDay(now);
  }

  /** Today's usage per user so far. */
  dailyUsage(): DailyUsageRow[] {
    this.rollover();
    return this.daily.rows(this.day);
  }

  /** Calls seen, those answered from the response cache, and what they saved (monitor currency). */
  private readonly cacheCounts = { calls: 0, hits: 0, saved: parseDecimal('0') };

  snapshot(): MonitorSnapshot {
    this.rollover();
    const models = [...this.windows.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([model, state]) => modelPerformance(model, state.window));
    return {
      at: new Date(this.clock.now()).toISOString(),
      windowSize: this.windowSize,
      models,
      activeAlerts: this.crossings.active(),
      daily: this.daily.rows(this.day),
      cache: {
        hits: this.cacheCounts.hits,
        calls: this.cacheCounts.calls,
        hitRatePercent:
          this.cacheCounts.calls === 0
            ? 0
            : Math.round((this.cacheCounts.hits / this.cacheCounts.calls) * 10_000) / 100,
        saved: formatDecimal(this.cacheCounts.saved),
      },
    };
  }

  private observeModel(
    record: CallRecord,
    failed: boolean,
    events: MonitorEvent[] | undefined,
  ): MonitorEvent[] | undefined {
    const state = this.stateFor(record.model);
    const { window, model } = state;
    const output = !failed && record.tokenSource !== null && record.tokens.output > 0 ? record.tokens.output : NaN;
    window.push(record.latencyMs, record.ttftMs, failed, output);
    if (this.metricsEvery > 0 && window.total % this.metricsEvery === 0 && window.count >= this.minSamples) {
      (events ??= []).push({ event: 'performance_metrics', level: 'info', fields: metricsFields(model, window) });
    }
    const enough = window.count >= this.minSamples;
    const latencyLimit = this.thresholds.averageLatencyMs;
    if (latencyLimit !== null) {
      const average = window.averageLatencyMs();
      if (this.crossings.update(state.latencyKey, enough && average > latencyLimit)) {
        (events ??= []).push({
          event: 'high_average_latency',
          level: 'warn',
          fields: {
            alert: true,
            model,
            avg_latency_ms: round2(average),
            threshold_ms: latencyLimit,
            window_count: window.count,
          },
        });
      }
    }
    const errorLimit = this.thresholds.errorRatePercent;
    if (errorLimit !== null) {
      const rate = window.errorRatePercent();
      if (this.crossings.update(state.errorKey, enough && rate > errorLimit)) {
        (events ??= []).push({
          event: 'high_error_rate',
          level: 'warn',
          fields: {
            alert: true,
            model,
            error_rate_percent: round2(rate),
            threshold_percent: errorLimit,
            error_count: window.errorCount,
            window_count: window.count,
          },
        });
      }
    }
    return events;
  }

  private observeCost(
    record: CallRecord,
    amount: Decimal | null,
    events: MonitorEvent[] | undefined,
  ): MonitorEvent[] | undefined {
    const { userId, cost: dayTotal } = this.daily.add(record, amount);
    // Only a priced call in the monitor's currency says anything about the thresholds; an
    // unpriced or failed call neither fires nor re-arms them.
    if (amount === null) return events;
    if (this.callCost !== null) {
      // Exact comparison of decimals: "1.000000001" is over "1.00", a float might not say so.
      const over = compareDecimal(amount, this.callCost) > 0;
      if (this.crossings.update(this.stateFor(record.model).costKey, over)) {
        (events ??= []).push({
          event: 'high_cost_request',
          level: 'warn',
          fields: {
            alert: true,
            model: record.model,
            call_id: record.id,
            user_id: record.userId,
            [costKey(this.currency)]: record.cost!.total,
            [costKey(this.currency, 'threshold')]: this.thresholds.callCost,
          },
        });
      }
    }
    // Calls without a user are nobody's budget: the per-user threshold skips them.
    if (this.dailyUserCost !== null && userId !== null) {
      const over = compareDecimal(dayTotal, this.dailyUserCost) > 0;
      if (this.crossings.update(`high_daily_cost:${userId}`, over)) {
        (events ??= []).push({
          event: 'high_daily_cost',
          level: 'warn',
          fields: {
            alert: true,
            user_id: userId,
            day: this.day,
            [costKey(this.currency, 'total_cost')]: formatDecimal(dayTotal),
            [costKey(this.currency, 'threshold')]: this.thresholds.dailyUserCost,
          },
        });
      }
    }
    return events;
  }

  private stateFor(model: string): ModelState {
    const known = this.windows.get(model);
    if (known) return known;
    const key = this.windows.size >= this.maxModels ? OTHER_MODELS : model;
    let state = this.windows.get(key);
    if (!state) {
      state = {
        model: key,
        window: new ModelWindow(this.windowSize),
        latencyKey: `high_average_latency:${key}`,
        errorKey: `high_error_rate:${key}`,
        costKey: `high_cost_request:${key}`,
      };
      this.windows.set(key, state);
    }
    return state;
  }

  /** Every listener sees every event; the first listener error is re-thrown afterwards so the ledger reports it. */
  private publish(events: readonly MonitorEvent[]): void {
    if (events.length === 0) return;
    let failure: unknown;
    const listeners = this.listeners;
    for (const event of events) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          failure ??= error;
        }
      }
    }
    if (failure !== undefined) throw failure;
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
