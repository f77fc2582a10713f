/** pino's level names used by the LLM logger. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** How an event is logged and which emoji describes it: `getEmoji(action, status)` of a set. */
export interface LLMEventSpec {
  level: LogLevel;
  action: string;
  status: string;
}

/**
 * The standard LLM event names, each with the level it is logged at. Calls produce the
 * inference, stream, failure, token and cost events; the performance monitor produces the
 * metrics, alert and daily summary events; the rest are for application code (`logger.event()`).
 */
export const LLM_EVENTS = Object.freeze({
  model_loaded: { level: 'info', action: 'model_load', status: 'success' },
  inference_started: { level: 'debug', action: 'inference', status: 'started' },
  inference_completed: { level: 'info', action: 'inference', status: 'success' },
  inference_failed: { level: 'error', action: 'inference', status: 'failure' },
  stream_started: { level: 'info', action: 'stream', status: 'started' },
  stream_progress: { level: 'debug', action: 'stream', status: 'progress' },
  stream_completed: { level: 'info', action: 'stream', status: 'success' },
  stream_failed: { level: 'error', action: 'stream', status: 'failure' },
  token_count: { level: 'debug', action: 'token_count', status: 'measured' },
  request_cost_calculated: { level: 'debug', action: 'cost', status: 'success' },
  high_cost_request: { level: 'warn', action: 'cost', status: 'warning' },
  unknown_model_pricing: { level: 'warn', action: 'cost', status: 'unknown' },
  rate_limited: { level: 'warn', action: 'rate_limit', status: 'exceeded' },
  model_timeout: { level: 'error', action: 'timeout', status: 'failure' },
  context_length_exceeded: { level: 'error', action: 'context_length', status: 'exceeded' },
  performance_metrics: { level: 'info', action: 'latency', status: 'measured' },
  high_average_latency: { level: 'warn', action: 'latency', status: 'warning' },
  high_error_rate: { level: 'warn', action: 'error_rate', status: 'warning' },
  high_daily_cost: { level: 'warn', action: 'cost', status: 'warning' },
  daily_usage_summary: { level: 'info', action: 'cost', status: 'summary' },
  batch_processing_started: { level: 'info', action: 'batch', status: 'started' },
  batch_processing_completed: { level: 'info', action: 'batch', status: 'success' },
  batch_request_started: { level: 'debug', action: 'batch_request', status: 'started' },
  batch_request_completed: { level: 'debug', action: 'batch_request', status: 'success' },
  batch_request_failed: { level: 'error', action: 'batch_request', status: 'failure' },
  cache_hit: { level: 'debug', action: 'cache', status: 'hit' },
  cache_miss: { level: 'debug', action: 'cache', status: 'miss' },
  response_cached: { level: 'debug', action: 'cache', status: 'stored' },
  model_load_started: { level: 'info', action: 'model_load', status: 'started' },
  model_load_completed: { level: 'info', action: 'model_load', status: 'success' },
  model_load_failed: { level: 'error', action: 'model_load', status: 'failure' },
  slow_callback: { level: 'warn', action: 'latency', status: 'warning' },
} satisfies Record<string, LLMEventSpec>);

export type LLMEventName = keyof typeof LLM_EVENTS;

/**
 * Spec of an event; events the table does not know are logged at info with action = name.
 *
 * @example
 * eventSpec('rate_limited'); // { level: 'warn', action: 'rate_limit', status: 'exceeded' }
 */
export function eventSpec(event: string): LLMEventSpec {
  return (LLM_EVENTS as Record<string, LLMEventSpec>)[event] ?? { level: 'info', action: event, status: 'info' };
}
