import { costKey } from '../shared/cost-key.js';
import type { DailyUsageRow } from './daily-usage.js';
import type { ModelWindow } from './model-window.js';
import type { ModelPerformance, MonitorEvent } from './monitor-events.js';

/** A window as `snapshot()` reports it. */
export function modelPerformance(model: string, window: ModelWindow): ModelPerformance {
  return {
    model,
    requestCount: window.total,
    windowCount: window.count,
    errorCount: window.errorCount,
    errorRatePercent: window.errorRatePercent(),
    latencyMs: window.latencyMs(),
    ttftMs: window.ttftMs(),
    outputTokensPerSecond: window.outputTokensPerSecond(),
  };
}

/** The `performance_metrics` event's fields, rounded to two decimals. */
export function metricsFields(model: string, window: ModelWindow): Record<string, unknown> {
  const latency = window.latencyMs();
  const fields: Record<string, unknown> = {
    model,
    request_count: window.total,
    window_count: window.count,
    avg_latency_ms: round2(latency.avg),
    p50_latency_ms: round2(latency.p50),
    p95_latency_ms: round2(latency.p95),
    p99_latency_ms: round2(latency.p99),
    error_rate_percent: round2(window.errorRatePercent()),
  };
  const ttft = window.ttftMs();
  if (ttft) {
    fields.p50_ttft_ms = round2(ttft.p50);
    fields.p95_ttft_ms = round2(ttft.p95);
  }
  const speed = window.outputTokensPerSecond();
  if (speed !== null) fields.tokens_per_second = round2(speed);
  return fields;
}

/** The `daily_usage_summary` event's fields for one user's finished day. */
export function dailySummaryEvent(row: DailyUsageRow): MonitorEvent {
  return {
    event: 'daily_usage_summary',
    level: 'info',
    fields: {
      user_id: row.userId,
      day: row.day,
      [costKey(row.currency, 'total_cost')]: row.totalCost,
      request_count: row.requestCount,
      average_cost_per_request: row.averageCostPerRequest,
      unpriced_calls: row.unpricedCalls,
      prompt_tokens: row.inputTokens,
      completion_tokens: row.outputTokens,
    },
  };
}

/** Rounds to two decimals, as monitor events are logged. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
