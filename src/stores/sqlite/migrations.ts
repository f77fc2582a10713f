import { StoreError } from '../../core/errors.js';
import type { SqliteDatabase } from './driver.js';
import { COMPAT_COLUMNS_SQL } from './compat-columns.js';
import { ATTRIBUTION_ROLLUP_MIGRATION_SQL, ROLLUP_MIGRATION_SQL } from './rollup-schema.js';
import { ODD_COST } from './query-sql.js';

export interface Migration {
  /** Applied in ascending order; never renumber or edit a released migration, add a new one. */
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create llm_request_logs',
    // No STRICT: a stray value of the wrong type from user code must still be stored, not refused.
    // Partial indexes on the nullable attribution columns keep anonymous calls out of them; an
    // equality filter (`user_id = ?`) implies IS NOT NULL, so SQLite still uses them.
    sql: `
      CREATE TABLE llm_request_logs (
        id TEXT PRIMARY KEY NOT NULL,
        trace_id TEXT NOT NULL,
        parent_id TEXT,
        session_id TEXT,
        user_id TEXT,
        tenant_id TEXT,
        request_id TEXT,
        call_type TEXT NOT NULL,
        tags TEXT NOT NULL,
        metadata TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        system_prompt TEXT,
        messages TEXT NOT NULL,
        tools TEXT,
        tool_choice TEXT,
        params TEXT NOT NULL,
        response_model TEXT,
        response_message TEXT,
        finish_reason TEXT,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        total_tokens INTEGER NOT NULL,
        cache_read_tokens INTEGER NOT NULL,
        cache_write_tokens INTEGER NOT NULL,
        reasoning_tokens INTEGER NOT NULL,
        token_details TEXT,
        token_source TEXT,
        cost_total TEXT,
        cost_currency TEXT,
        cost_status TEXT,
        pricing_version TEXT,
        cost_breakdown TEXT,
        cost_history TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        latency_ms REAL NOT NULL,
        ttft_ms REAL,
        request_mode TEXT NOT NULL,
        streamed INTEGER NOT NULL,
        partial INTEGER NOT NULL,
        status TEXT NOT NULL,
        error_type TEXT,
        error_message TEXT,
        http_status INTEGER,
        retry_after_ms REAL
      );
      CREATE INDEX llm_request_logs_started_at ON llm_request_logs (started_at);
      CREATE INDEX llm_request_logs_trace ON llm_request_logs (trace_id, started_at);
      CREATE INDEX llm_request_logs_user ON llm_request_logs (user_id, started_at) WHERE user_id IS NOT NULL;
      CREATE INDEX llm_request_logs_session ON llm_request_logs (session_id, started_at) WHERE session_id IS NOT NULL;
      CREATE INDEX llm_request_logs_tenant ON llm_request_logs (tenant_id, started_at) WHERE tenant_id IS NOT NULL;
      CREATE INDEX llm_request_logs_model ON llm_request_logs (model, started_at);
      CREATE INDEX llm_request_logs_status ON llm_request_logs (status, started_at);
    `,
  },
  {
    version: 2,
    name: 'create hourly rollups',
    // Summaries by model, user, tenant, day or hour are answered from these (rollup-schema.ts);
    // existing rows are summed into them when the store next opens (the hours are marked dirty).
    sql: ROLLUP_MIGRATION_SQL,
  },
  {
    version: 3,
    name: 'add the problems column',
    // What the caller gave that was refused or sanitized (a JSON array of lines), NULL when nothing was.
    sql: 'ALTER TABLE llm_request_logs ADD COLUMN problems TEXT',
  },
  {
    version: 4,
    name: 'add the usage-logging compatible columns',
    // task_type, model_name, cost_*_usd, success, created_at: generated, nothing stored (compat-columns.ts).
    sql: COMPAT_COLUMNS_SQL,
  },
  {
    version: 5,
    name: 'add the cache columns',
    // cache_hit is 1 for an answer served from the response cache (NULL otherwise); cost_saved is
    // what the original call cost, the exact decimal text.
    sql: `
      ALTER TABLE llm_request_logs ADD COLUMN cache_hit INTEGER;
      ALTER TABLE llm_request_logs ADD COLUMN cost_saved TEXT;
      CREATE TABLE IF NOT EXISTS llm_response_cache (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        expires_at REAL
      );
    `,
  },
  {
    version: 6,
    name: 'index the filter columns in page order',
    // A calls page filters on a column and reads in id order: with (column, id) SQLite walks the
    // index and stops after one page, instead of sorting every matching row (143 ms -> 2 ms for
    // model + status + tenant on 400,000 rows). The (column, started_at) indexes stay for ranges.
    sql: `
      CREATE INDEX IF NOT EXISTS llm_request_logs_model_id ON llm_request_logs (model, id);
      CREATE INDEX IF NOT EXISTS llm_request_logs_status_id ON llm_request_logs (status, id);
      CREATE INDEX IF NOT EXISTS llm_request_logs_tenant_id ON llm_request_logs (tenant_id, id) WHERE tenant_id IS NOT NULL;
      CREATE INDEX IF NOT EXISTS llm_request_logs_user_id ON llm_request_logs (user_id, id) WHERE user_id IS NOT NULL;
      CREATE INDEX IF NOT EXISTS llm_request_logs_session_id ON llm_request_logs (session_id, id) WHERE session_id IS NOT NULL;
    `,
  },
  {
    version: 7,
    name: 'create the daily rollups by tenant and by user',
    // The overview's top tenants and top users read these instead of every call of the range
    // (rollup-tables.ts); existing rows are summed into them when the store next opens.
    sql: ATTRIBUTION_ROLLUP_MIGRATION_SQL,
  },
  {
    version: 8,
    name: 'cover the ranking of users by cost, and index odd costs',
    // The overview's top users rank every user of the range by cost (stores/ranked-summary.ts):
    // with user_id and cost_total in the time index that pass reads the index alone, instead of
    // one table row per call (this index replaces the one on started_at alone, so a write still
    // updates as many indexes as before). The partial index holds only the calls whose stored
    // cost is no plain decimal (normally none), so the ranking finds them without testing every
    // row; its WHERE must stay ODD_COST of query-sql.ts word for word.
    sql: `
      CREATE INDEX IF NOT EXISTS llm_request_logs_started_user_cost ON llm_request_logs (started_at, user_id, cost_total);
      DROP INDEX IF EXISTS llm_request_logs_started_at;
      CREATE INDEX IF NOT EXISTS llm_request_logs_odd_cost ON llm_request_logs (started_at) WHERE ${ODD_COST};
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((latest, migration) => Math.max(latest, migration.version), 0);

/**
 * Brings the schema up to date. Safe to run on every open and from several processes at once:
 * the work happens under BEGIN IMMEDIATE, which re-reads the applied versions while holding the
 * write lock, so two openers never apply the same migration twice.
 */
export function applyMigrations(db: SqliteDatabase, migrations: readonly Migration[] = MIGRATIONS): void {
  const latest = migrations.reduce((max, migration) => Math.max(max, migration.version), 0);
  // The common case, an up-to-date file, needs no write lock at all.
  if (appliedVersion(db) === latest) return;
  const migrate = db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    const newest = Math.max(0, ...applied);
    if (newest > latest) {
      throw new StoreError(
        `The database schema is at version ${newest}, newer than this version of llm-ledger knows (${latest}); upgrade llm-ledger`,
        { retryable: false },
      );
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    }
  });
  migrate.immediate();
}

/** The highest applied version, 0 for a new file. */
function appliedVersion(db: SqliteDatabase): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .pluck()
    .get();
  if (table === undefined) return 0;
  return (db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number | null) ?? 0;
}
