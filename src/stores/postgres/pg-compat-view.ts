/**
 * The Python usage-logging layout of `llm_request_logs` (task_type, model_name, cost_*_usd,
 * success, ...) as a view, so SQL written for it runs unchanged. The store's own table already
 * has that name in the store's schema, so the view lives in a schema of its own beside it,
 * `<schema>_compat`: put that schema first on the search path and the Python layout's SQL reads
 * the view (`SET search_path TO public_compat, public`).
 *
 * Nothing a stored row can hold makes a query on the view fail: amounts that are no number (NaN,
 * Infinity, a breakdown entry that is no decimal) and token counts that are no whole number read
 * as NULL. Costs are NULL unless the call is priced in USD.
 */

/** Buckets of what the model generated; everything else a call is charged for is input-side. */
const OUTPUT_COST_BUCKETS = ['output', 'reasoning', 'outputAudio', 'outputImage'] as const;

const DECIMAL_TEXT = String.raw`'^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$'`;

const TOTAL_USD =
  "CASE WHEN cost_currency = 'USD' AND cost_total::text NOT IN ('NaN', 'Infinity', '-Infinity') THEN cost_total END";

const OUTPUT_USD =
  `CASE WHEN (${TOTAL_USD}) IS NOT NULL THEN ` +
  OUTPUT_COST_BUCKETS.map(
    (bucket) =>
      `COALESCE(CASE WHEN jsonb_typeof(cost_breakdown) = 'object' AND cost_breakdown->>'${bucket}' ~ ${DECIMAL_TEXT} ` +
      `THEN (cost_breakdown->>'${bucket}')::numeric END, 0)`,
  ).join(' + ') +
  ' END';

/** A token count as the layout's integer: NULL for a stray fraction, NaN or one out of range. */
const tokens = (column: string) =>
  `CASE WHEN ${column} = trunc(${column}) AND abs(${column}) < 9e18 THEN ${column}::bigint END`;

export const PG_COMPAT_VIEW_SQL = `
  CREATE SCHEMA IF NOT EXISTS $compat;
  CREATE OR REPLACE VIEW $compat.llm_request_logs AS SELECT
    id,
    call_type AS task_type,
    request_mode,
    model AS model_name,
    provider,
    session_id,
    user_id,
    request_id,
    ${tokens('input_tokens')} AS input_tokens,
    ${tokens('output_tokens')} AS output_tokens,
    ${tokens('total_tokens')} AS total_tokens,
    (${TOTAL_USD}) - (${OUTPUT_USD}) AS cost_input_usd,
    ${OUTPUT_USD} AS cost_output_usd,
    ${TOTAL_USD} AS cost_total_usd,
    status = 'success' AS success,
    error_type,
    error_message,
    streamed,
    partial,
    latency_ms,
    started_at AS created_at
  FROM $schema.llm_request_logs;
`;

/** The schema holding the view for a store schema. */
export function compatSchemaOf(schema: string): string {
  return `${schema}_compat`;
}
