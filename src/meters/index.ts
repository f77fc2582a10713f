/**
 * Metering, budgets and rate limits: usage counters per subject and period (memory, SQLite or
 * Redis), exact costs, atomic reservations against budgets, GCRA rate limits, per-user token
 * callbacks and a batch runner.
 */
export type {
  Meter,
  MeterUsage,
  MeterStats,
  MeterableRecord,
  Reservation,
  ReserveCall,
  LimitAlert,
  CountTarget,
} from './meter.js';
export { createMeter, openMeterBackend, type CreateMeterOptions } from './create-meter.js';
export { BackedMeter, type MeterOptions } from './backed-meter/backed-meter.js';
export type { MeterBackend } from './backend.js';
export { MemoryMeterBackend } from './memory/memory-meter.js';
export { SqliteMeterBackend, type SqliteMeterOptions } from './sqlite/sqlite-meter.js';
export {
  QuotaExceededError,
  RateLimitedError,
  MeterUnavailableError,
  MeterClosedError,
  type LimitField,
} from './errors.js';
export { Limits } from './limits/limit-registry.js';
export type { Budget, BudgetInput, RateLimit, RateLimitInput, LimitMode } from './limits/limit-types.js';
export { limitsFromConfig, type LimitsConfig, type LimitsFromConfig } from './limits/limits-config.js';
export { meterOptionsFromConfig, type MeterSettingsConfig } from './meter-config.js';
export {
  estimateCall,
  DEFAULT_MAX_OUTPUT_TOKENS,
  type CallEstimate,
  type CostCalculator,
  type EstimateOptions,
  type EstimatableCall,
  type PriceLookup,
} from './limits/call-estimate.js';
export { parsePeriod, windowOf, type Period, type PeriodInput, type MeterWindow } from './counters/period.js';
export {
  parseSubject,
  formatSubject,
  BUILT_IN_DIMENSIONS,
  type Subject,
  type DimensionReader,
  type MeteredCall,
} from './counters/subject.js';
export { createMeterHandler } from './gate/meter-handler.js';
export { meteredCall } from './gate/metered-call.js';
export { createMeterGate, type MeterGate } from './gate/meter-gate.js';
export { attachMeter, type LedgerMetering } from './gate/attach-meter.js';
export { replayRecords } from './gate/replay-records.js';
export { runBatch, type BatchOptions, type BatchResult, type BatchItemResult } from './batch/run-batch.js';
export type { BatchSummary } from './batch/batch-summary.js';
export {
  createTokenCallback,
  createDetailedTokenCallback,
  type TokenCallback,
  type TokenCallbackOptions,
  type LLMResponseLike,
  type LLMCallExtra,
} from './callbacks/token-callback.js';
export { createCompositeCallback, CompositeCallback } from './callbacks/composite-callback.js';
export { getDefaultMeter, setDefaultMeter } from './default-meter.js';
