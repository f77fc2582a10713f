/**
 * `llm-ledger/otel`: one OpenTelemetry span per LLM call (needs the `@opentelemetry/api` peer dependency).
 */
export { OtelSpanHandler, TRACER_NAME, spanName } from './otel-handler.js';
export type { OtelHandlerOptions } from './otel-handler.js';
export { GEN_AI_ATTRIBUTES, ERROR_TYPE_ATTRIBUTE, LEDGER_ATTRIBUTES } from './attributes.js';
export { otelTraceId, otelSpanId } from './span-ids.js';
