/**
 * `llm-ledger/prometheus`: Prometheus metrics for the ledger (needs the `prom-client` peer dependency).
 */
export { PrometheusMetrics, createPrometheusMetrics } from './prometheus-metrics.js';
export type { MetricsStats, PrometheusMetricsOptions } from './prometheus-metrics.js';
export { createMetricsHandler } from './metrics-handler.js';
export { METRIC, LABEL, OPTIONAL_LABELS, TOKEN_BUCKETS, DURATION_BUCKETS, CALLBACK_BUCKETS } from './metric-names.js';
export type { OptionalLabel } from './metric-names.js';
export { OVERFLOW_VALUE } from './label-limiter.js';
