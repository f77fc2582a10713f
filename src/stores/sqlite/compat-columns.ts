/**
 * The Python usage-logging layout of `llm_request_logs` (task_type, model_name, cost_*_usd,
 * success, ...), so SQL written for it runs unchanged on a ledger file, from any SQLite client.
 *
 * SQLite cannot hold a view with the table's own name, and has no search path an outside client
 * would follow, so the table itself carries those columns, as VIRTUAL generated columns: computed
 * when read, nothing stored, nothing to keep in step. The other columns of that layout
 * (request_mode, provider, session_id, user_id, request_id, input_tokens, output_tokens,
 * total_tokens, error_type, error_message, streamed, partial, latency_ms) already exist under
 * the same names and meanings.
 *
 * Only built-in functions are used: a client without the store's registered functions must be
 * able to read them. Costs are REAL (SQLite has no decimal type; the exact amounts stay in
 * `cost_total` and `cost_breakdown`), and NULL unless the call is priced in USD. A stored amount
 * that is no number, or a breakdown that is no JSON, reads as NULL rather than failing the query.
 */

/** Buckets of what the model generated; everything else a call is charged for is input-side. */
export const OUTPUT_COST_BUCKETS = ['output', 'reasoning', 'outputAudio', 'outputImage'] as const;

const NUMBER_TEXT = (value: string) => `(${value} GLOB '*[0-9]*' AND NOT ${value} GLOB '*[^0-9.eE+-]*')`;

const TOTAL_USD = `CASE WHEN cost_currency = 'USD' AND ${NUMBER_TEXT('cost_total')} THEN CAST(cost_total AS REAL) END`;

const OUTPUT_USD =
  `CASE WHEN cost_currency = 'USD' AND ${NUMBER_TEXT('cost_total')} AND json_valid(cost_breakdown) THEN ` +
  OUTPUT_COST_BUCKETS.map(
    (bucket) =>
      `COALESCE(CASE WHEN ${NUMBER_TEXT(`json_extract(cost_breakdown, '$.${bucket}')`)} ` +
      `THEN CAST(json_extract(cost_breakdown, '$.${bucket}') AS REAL) END, 0)`,
  ).join(' + ') +
  ' END';

export const COMPAT_COLUMNS: ReadonlyArray<[name: string, type: string, expression: string]> = [
  ['task_type', 'TEXT', 'call_type'],
  ['model_name', 'TEXT', 'model'],
  ['cost_total_usd', 'REAL', TOTAL_USD],
  ['cost_output_usd', 'REAL', OUTPUT_USD],
  // Input-side is the rest of the total (input, cache reads and writes, per-request and per-page
  // fees...), so that input + output = total.
  ['cost_input_usd', 'REAL', `(${TOTAL_USD}) - (${OUTPUT_USD})`],
  ['success', 'INTEGER', "status = 'success'"],
  ['created_at', 'TEXT', 'started_at'],
];

export const COMPAT_COLUMNS_SQL = COMPAT_COLUMNS.map(
  ([name, type, expression]) =>
    `ALTER TABLE llm_request_logs ADD COLUMN ${name} ${type} GENERATED ALWAYS AS (${expression}) VIRTUAL;`,
).join('\n');
