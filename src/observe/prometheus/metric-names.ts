/**
 * Metric and label names. The GenAI ones are what OpenTelemetry's Prometheus exporter produces
 * from the GenAI semantic conventions (dots become underscores, seconds get a `_seconds` suffix),
 * so dashboards written for OTel GenAI metrics read these too. The three callback metrics keep their
 * conventional names (`token_usage_total`, `callback_duration_seconds`, `callback_errors_total`).
 */
export const METRIC = Object.freeze({
  /** `gen_ai.client.token.usage`: histogram of tokens per call, by `gen_ai_token_type`. */
  tokenUsage: 'gen_ai_client_token_usage',
  /** `gen_ai.client.operation.duration`: histogram of call latency in seconds. */
  operationDuration: 'gen_ai_client_operation_duration_seconds',
  /** `gen_ai.client.operation.time_to_first_chunk`: histogram, streamed calls only. */
  timeToFirstChunk: 'gen_ai_client_operation_time_to_first_chunk_seconds',
  cost: 'llm_ledger_cost_total',
  calls: 'llm_ledger_calls_total',
  unpricedCalls: 'llm_ledger_unpriced_calls_total',
  /** Calls answered from the response cache, and the cost they saved (what the original calls cost). */
  cacheHits: 'llm_ledger_cache_hits_total',
  costSaved: 'llm_ledger_cost_saved_total',
  handlerErrors: 'llm_ledger_handler_errors_total',
  handlerTimeouts: 'llm_ledger_handler_timeouts_total',
  queueDepth: 'llm_ledger_queue_depth',
  spoolSize: 'llm_ledger_spool_size',
  labelOverflow: 'llm_ledger_label_sets_overflow_total',
  /** Counter `token_usage_total` by `type` (input, output), and `user_id` only when allowed. */
  seedTokenUsage: 'token_usage_total',
  /** Histogram of handler invocation durations, in seconds. */
  callbackDuration: 'callback_duration_seconds',
  /** Counter of handler invocations that threw or rejected, by `handler_type`. */
  callbackErrors: 'callback_errors_total',
});

export const LABEL = Object.freeze({
  operation: 'gen_ai_operation_name',
  provider: 'gen_ai_provider_name',
  model: 'gen_ai_request_model',
  tokenType: 'gen_ai_token_type',
  status: 'status',
  currency: 'currency',
  seedTokenType: 'type',
  handlerType: 'handler_type',
});

/** Record fields that may be added as labels, by their label name. None is on by default. */
export const OPTIONAL_LABELS = Object.freeze([
  'user_id',
  'tenant_id',
  'session_id',
  'call_type',
  'request_mode',
  'response_model',
] as const);
export type OptionalLabel = (typeof OPTIONAL_LABELS)[number];

/** OTel's advised bucket boundaries for `gen_ai.client.token.usage`. */
export const TOKEN_BUCKETS: readonly number[] = Object.freeze([
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
]);

/** OTel's advised bucket boundaries for `gen_ai.client.operation.duration` (seconds). */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
]);

/** Handler invocations are expected in the millisecond range; the top buckets catch the slow ones. */
export const CALLBACK_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10,
]);
