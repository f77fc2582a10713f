import type { CounterField } from '../backend.js';

/** Column of each counter field in `llm_meter_counters`. */
export const COUNTER_COLUMNS: Readonly<Record<CounterField, string>> = {
  requests: 'requests',
  input: 'input',
  cacheRead: 'cache_read',
  cacheWrite: 'cache_write',
  output: 'output',
  reasoning: 'reasoning',
  total: 'total',
  cost: 'cost',
  unpriced: 'unpriced',
  reservedCost: 'reserved_cost',
  reservedTokens: 'reserved_tokens',
  reservedRequests: 'reserved_requests',
};

const counterColumns = Object.values(COUNTER_COLUMNS)
  // An integer sum past 64 bits silently becomes REAL in SQLite: the CHECK turns that into an error.
  .map((column) => `  ${column} INTEGER NOT NULL DEFAULT 0 CHECK (typeof(${column}) = 'integer')`)
  .join(',\n');

/**
 * Tables of the SQLite meter, beside the ledger's `llm_request_logs` in the same file. Idempotent:
 * every statement is IF NOT EXISTS, so any process may run it on open.
 */
export const METER_SCHEMA = `
CREATE TABLE IF NOT EXISTS llm_meter_counters (
  key TEXT PRIMARY KEY,
  dimension TEXT,
  subject_id TEXT,
  period TEXT,
  window_start INTEGER,
  window_end INTEGER,
  expires_at INTEGER NOT NULL,
${counterColumns}
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS llm_meter_counters_subject ON llm_meter_counters (dimension, subject_id, window_start);
CREATE INDEX IF NOT EXISTS llm_meter_counters_expiry ON llm_meter_counters (expires_at);
CREATE TABLE IF NOT EXISTS llm_meter_reservations (
  reservation TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS llm_meter_reservations_expiry ON llm_meter_reservations (expires_at);
CREATE TABLE IF NOT EXISTS llm_meter_applied (
  id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL,
  counters TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS llm_meter_applied_expiry ON llm_meter_applied (expires_at);
CREATE TABLE IF NOT EXISTS llm_meter_rates (
  key TEXT PRIMARY KEY,
  tat REAL NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
`;
