import {
  ATTRIBUTION_ROLLUP_TABLES,
  BASE_ROLLUP_TABLES,
  hasCountColumns,
  TOKEN_COLUMNS,
  type RollupTable,
} from '../rollup/rollup-tables.js';

/**
 * DDL of the SQLite rollup tables (migration 2). A row is identified by (hour, row_key), row_key
 * being the JSON of its dimension values: SQLite's UNIQUE treats NULLs as distinct, so the
 * nullable dimensions (user, tenant, cost status) could not be the conflict target themselves.
 * The cost is exact decimal TEXT, added by `ledger_decimal_add` and summed by `ledger_decimal_sum`
 * (sql-functions.ts), as the scan sums `cost_total`.
 *
 * Deletions from `llm_request_logs` by anyone (the CLI's `purge` opens the file directly) mark the
 * hour in `llm_usage_dirty_hours` through a trigger; the store rebuilds those days from the
 * remaining rows before answering a summary from rollups (rollup-sqlite.ts). The migration
 * backfills the same way: it marks every hour that has rows dirty.
 */
function tableSql(table: RollupTable): string {
  const dimensions = table.dimensions.slice(1).map((d) => `${d} TEXT`);
  const tokens = TOKEN_COLUMNS.map((column) => `${column} INTEGER NOT NULL`);
  const counts = hasCountColumns(table) ? 'errors INTEGER NOT NULL, unpriced_calls INTEGER NOT NULL,' : '';
  return `
    CREATE TABLE ${table.name} (
      ${table.period} TEXT NOT NULL,
      row_key TEXT NOT NULL,
      ${dimensions.join(', ')},
      calls INTEGER NOT NULL, ${counts}
      ${tokens.join(', ')},
      cost TEXT NOT NULL,
      bad_costs INTEGER NOT NULL,
      latency_sum REAL NOT NULL,
      latency_hist TEXT NOT NULL,
      PRIMARY KEY (${table.period}, row_key)
    ) WITHOUT ROWID;`;
}

export const ROLLUP_MIGRATION_SQL = `
  ${BASE_ROLLUP_TABLES.map(tableSql).join('\n')}
  CREATE TABLE llm_usage_dirty_hours (hour TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
  CREATE TRIGGER llm_request_logs_rollup_delete AFTER DELETE ON llm_request_logs BEGIN
    INSERT OR IGNORE INTO llm_usage_dirty_hours (hour) VALUES (substr(old.started_at, 1, 13));
  END;
  INSERT OR IGNORE INTO llm_usage_dirty_hours (hour) SELECT DISTINCT substr(started_at, 1, 13) FROM llm_request_logs;
`;

/**
 * Migration 7: the daily tables by tenant and by user. Every hour that has rows is marked dirty,
 * so the store rebuilds those days (all tables, from the same rows: the existing ones come out
 * as they were) when it next opens, as migration 2 backfilled.
 */
export const ATTRIBUTION_ROLLUP_MIGRATION_SQL = `
  ${ATTRIBUTION_ROLLUP_TABLES.map(tableSql).join('\n')}
  INSERT OR IGNORE INTO llm_usage_dirty_hours (hour) SELECT DISTINCT substr(started_at, 1, 13) FROM llm_request_logs;
`;
