import type { DailyUsageRow } from './daily-usage.js';
import type { LatencySummary } from './model-window.js';

/** Names of what the monitor publishes; they match the LLM log event names. */
export type MonitorEventName =
  | 'performance_metrics'
  | 'high_average_latency'
  | 'high_error_rate'
  | 'high_cost_request'
  | 'high_daily_cost'
  | 'daily_usage_summary';

/** One published event: an alert, a periodic metrics line or a daily summary. */
export interface MonitorEvent {
  event: MonitorEventName;
  /** `warn` for alerts, `info` otherwise. */
  level: 'info' | 'warn';
  /** Alert events carry `alert: true` among the fields, besides the value and its threshold. */
  fields: Record<string, unknown>;
}

export type MonitorListener = (event: MonitorEvent) => void;

/** Alert thresholds; `null` turns one off. */
export interface MonitorThresholds {
  /** Average latency of a model's window above this many ms. Default 5000. */
  averageLatencyMs: number | null;
  /** Share of failed calls in a model's window above this percentage. Default 5. */
  errorRatePercent: number | null;
  /** One call costing more than this decimal amount. Default "1.00". */
  callCost: string | null;
  /** One user's calls today costing more than this decimal amount. Default off. */
  dailyUserCost: string | null;
}

export const DEFAULT_THRESHOLDS: Readonly<MonitorThresholds> = Object.freeze({
  averageLatencyMs: 5000,
  errorRatePercent: 5,
  callCost: '1.00',
  dailyUserCost: null,
});

/** One model's window, as `snapshot()` reports it. */
export interface ModelPerformance {
  model: string;
  /** Calls seen since the monitor started. */
  requestCount: number;
  /** Calls in the window (at most `windowSize`). */
  windowCount: number;
  errorCount: number;
  errorRatePercent: number;
  latencyMs: LatencySummary;
  ttftMs: (LatencySummary & { count: number }) | null;
  outputTokensPerSecond: number | null;
}

export interface MonitorSnapshot {
  /** ISO time the snapshot was taken. */
  at: string;
  windowSize: number;
  models: ModelPerformance[];
  /** Alerts currently above their threshold, as `event:key` (`high_error_rate:gpt-4o`). */
  activeAlerts: string[];
  /** Today's usage per user. */
  daily: DailyUsageRow[];
  /** Response cache: calls seen, hits among them, and the cost the hits saved (exact decimal). */
  cache: { hits: number; calls: number; hitRatePercent: number; saved: string };
}
