import type { CallRecord } from '../../core/record.js';
// The column list, the sanitation and the row-to-record mapping are the SQLite store's: both
// SQL stores must turn the same record into the same values. Only what PostgreSQL stores
// differently (JSONB, timestamptz, NUMERIC, booleans, the NUL encoding) is handled here.
import { COLUMNS, rowToRecord, writeRow, type StoredRow } from '../sqlite/row-mapping.js';
import { decodeJson, decodeText, encodeJson, encodeText } from './text-encoding.js';

export { COLUMNS };
export const COLUMN_COUNT = COLUMNS.length;

const JSON_COLUMNS: ReadonlySet<string> = new Set([
  'tags',
  'metadata',
  'messages',
  'tools',
  'tool_choice',
  'params',
  'response_message',
  'token_details',
  'cost_breakdown',
  'cost_history',
  'problems',
]);
const NUMBER_COLUMNS: ReadonlySet<string> = new Set([
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'latency_ms',
  'ttft_ms',
  'http_status',
  'retry_after_ms',
  'cache_hit',
]);
const TIME_COLUMNS: ReadonlySet<string> = new Set(['started_at', 'ended_at']);

/** Per column, whether its value is JSON text (true) or plain text (false); numbers are skipped. */
const IS_JSON: readonly boolean[] = COLUMNS.map((column) => JSON_COLUMNS.has(column));
const IS_STRING: readonly boolean[] = COLUMNS.map((column) => !NUMBER_COLUMNS.has(column));

/** Times come back in the ledger's ISO form (UTC, milliseconds) rather than as Date objects. */
export function timeText(expression: string): string {
  return `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/**
 * The SELECT list: every column as the SQLite row shape rowToRecord reads (JSON as text, times as
 * ISO text, booleans as 0/1, NUMERIC as its exact text).
 */
export const SELECT_LIST = COLUMNS.map((column) => {
  if (JSON_COLUMNS.has(column)) return `${column}::text AS ${column}`;
  if (TIME_COLUMNS.has(column)) return `${timeText(column)} AS ${column}`;
  if (column === 'streamed' || column === 'partial') return `${column}::int AS ${column}`;
  if (column === 'cost_total' || column === 'cost_saved') return `${column}::text AS ${column}`;
  return column;
}).join(', ');

/** Fills `target` from `offset` with the record's values, encoded for PostgreSQL. */
export function writePgRow(
  record: CallRecord,
  target: unknown[],
  offset: number,
  maxChars: number,
  row: unknown[],
): void {
  writeRow(record, row, maxChars);
  for (let index = 0; index < COLUMN_COUNT; index++) {
    const value = row[index];
    target[offset + index] =
      typeof value === 'string' && IS_STRING[index] ? (IS_JSON[index] ? encodeJson(value) : encodeText(value)) : value;
  }
}

export function pgRowToRecord(row: Record<string, unknown>): CallRecord {
  for (const column of COLUMNS) {
    const value = row[column];
    if (typeof value === 'string') row[column] = JSON_COLUMNS.has(column) ? decodeJson(value) : decodeText(value);
  }
  return rowToRecord(row as StoredRow);
}
