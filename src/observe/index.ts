/**
 * Observability that needs no optional dependency: pino logging with the LLM emoji set, the
 * performance monitor and its alerts, slow-handler timing and the health check. Prometheus and
 * OpenTelemetry live in their own entry points (`llm-ledger/prometheus`, `llm-ledger/otel`).
 */
export * from './logging/index.js';
export * from './monitor/index.js';
export * from './timing/index.js';
export { checkHealth } from '../core/health.js';
export type {
  ComponentHealth,
  HealthOptions,
  HealthReport,
  HealthStats,
  HealthStatus,
  Pingable,
} from '../core/health.js';
export { Redactor, DEFAULT_REDACTION_RULES } from './shared/redaction.js';
export type { RedactionOptions, RedactionRule } from './shared/redaction.js';
export { failureKind } from './shared/failure-kind.js';
export type { FailureKind } from './shared/failure-kind.js';
