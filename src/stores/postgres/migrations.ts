import { StoreError } from '../../core/errors.js';
import type { PgClientLike, PgPoolLike } from './pg-pool.js';
import { compatSchemaOf, PG_COMPAT_VIEW_SQL } from './pg-compat-view.js';
import { PG_ATTRIBUTION_ROLLUP_MIGRATION_SQL, PG_ROLLUP_MIGRATION_SQL } from './pg-rollup-sql.js';

export interface PgMigration {
  /** Applied in ascending order; never renumber or edit a released migration, add a new one. */
  version: number;
  name: string;
  /** `$schema` is replaced by the quoted schema name, `$compat` by that of its compat schema. */
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'create llm_request_logs',
    // id uses the "C" collation so that ORDER BY id and the keyset cursor compare bytes, like
    // the memory store's JavaScript comparison, whatever the database's locale. Token counts are
    // DOUBLE PRECISION: exact for integers up to 2^53, and a stray fraction from user code is
    // stored rather than refused. cost_total is NUMERIC: sums are exact.
    sql: `
      CREATE TABLE $schema.llm_request_logs (
        id TEXT COLLATE "C" PRIMARY KEY,
        trace_id TEXT NOT NULL,
        parent_id TEXT,
        session_id TEXT,
        user_id TEXT,
        tenant_id TEXT,
        request_id TEXT,
        call_type TEXT NOT NULL,
        tags JSONB NOT NULL,
        metadata JSONB NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        system_prompt TEXT,
        messages JSONB NOT NULL,
        tools JSONB,
        tool_choice JSONB,
        params JSONB NOT NULL,
        response_model TEXT,
        response_message JSONB,
        finish_reason TEXT,
        input_tokens DOUBLE PRECISION NOT NULL,
        output_tokens DOUBLE PRECISION NOT NULL,
        total_tokens DOUBLE PRECISION NOT NULL,
        cache_read_tokens DOUBLE PRECISION NOT NULL,
        cache_write_tokens DOUBLE PRECISION NOT NULL,
        reasoning_tokens DOUBLE PRECISION NOT NULL,
        token_details JSONB,
        token_source TEXT,
        cost_total NUMERIC,
        cost_currency TEXT,
        cost_status TEXT,
        pricing_version TEXT,
        cost_breakdown JSONB,
        cost_history JSONB NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        ended_at TIMESTAMPTZ NOT NULL,
        latency_ms DOUBLE PRECISION NOT NULL,
        ttft_ms DOUBLE PRECISION,
        request_mode TEXT NOT NULL,
        streamed BOOLEAN NOT NULL,
        partial BOOLEAN NOT NULL,
        status TEXT NOT NULL,
        error_type TEXT,
        error_message TEXT,
        http_status DOUBLE PRECISION,
        retry_after_ms DOUBLE PRECISION
      );
      CREATE INDEX llm_request_logs_started_at ON $schema.llm_request_logs (started_at);
      CREATE INDEX llm_request_logs_trace ON $schema.llm_request_logs (trace_id, started_at);
      CREATE INDEX llm_request_logs_user ON $schema.llm_request_logs (user_id, started_at) WHERE user_id IS NOT NULL;
      CREATE INDEX llm_request_logs_session ON $schema.llm_request_logs (session_id, started_at) WHERE session_id IS NOT NULL;
      CREATE INDEX llm_request_logs_tenant ON $schema.llm_request_logs (tenant_id, started_at) WHERE tenant_id IS NOT NULL;
      CREATE INDEX llm_request_logs_request ON $schema.llm_request_logs (request_id) WHERE request_id IS NOT NULL;
      CREATE INDEX llm_request_logs_model ON $schema.llm_request_logs (model, started_at);
      CREATE INDEX llm_request_logs_status ON $schema.llm_request_logs (status, started_at);
      CREATE INDEX llm_request_logs_tags ON $schema.llm_request_logs USING GIN (tags jsonb_path_ops);
    `,
  },
  {
    version: 2,
    name: 'create hourly rollups',
    // Summaries by model, user, tenant, day or hour are answered from these (pg-rollup-sql.ts);
    // the existing rows are summed into them here, in the migration's transaction.
    sql: PG_ROLLUP_MIGRATION_SQL,
  },
  {
    version: 3,
    name: 'add the problems column',
    // What the caller gave that was refused or sanitized (a JSON array of lines), NULL when nothing was.
    sql: 'ALTER TABLE $schema.llm_request_logs ADD COLUMN problems JSONB',
  },
  {
    version: 4,
    name: 'create the usage-logging compatible view',
    // $compat.llm_request_logs with task_type, model_name, cost_*_usd, success... (pg-compat-view.ts).
    sql: PG_COMPAT_VIEW_SQL,
  },
  {
    version: 5,
    name: 'add the cache columns',
    // cache_hit is 1 for an answer served from the response cache (NULL otherwise); cost_saved is
    // what the original call cost.
    sql: `
      ALTER TABLE $schema.llm_request_logs ADD COLUMN cache_hit SMALLINT;
      ALTER TABLE $schema.llm_request_logs ADD COLUMN cost_saved NUMERIC;
    `,
  },
  {
    version: 6,
    name: 'create the daily rollups by tenant and by user',
    // The overview's top tenants and top users read these instead of every call of the range
    // (rollup-tables.ts); the existing rows are summed into them here, in the migration's transaction.
    sql: PG_ATTRIBUTION_ROLLUP_MIGRATION_SQL,
  },
  {
    version: 7,
    name: 'cover the ranking of users by cost',
    // The overview's top users rank every user of the range by cost (stores/ranked-summary.ts):
    // with user_id and cost_total in the time index, that pass is an index-only scan on pages
    // VACUUM has marked all-visible, instead of one heap fetch per call. It replaces the index on
    // started_at alone, so a write still updates as many indexes as before.
    sql: `
      CREATE INDEX IF NOT EXISTS llm_request_logs_started_user_cost ON $schema.llm_request_logs (started_at) INCLUDE (user_id, cost_total);
      DROP INDEX IF EXISTS $schema.llm_request_logs_started_at;
    `,
  },
];

export const PG_LATEST_SCHEMA_VERSION = PG_MIGRATIONS.reduce(
  (latest, migration) => Math.max(latest, migration.version),
  0,
);

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Brings the schema up to date. Safe from many processes at once: the work runs in one
 * transaction holding a transaction-level advisory lock keyed by the schema name, and re-reads
 * the applied versions under it, so each migration is applied exactly once. Returns the versions
 * applied by this call.
 */
export async function applyPgMigrations(
  pool: PgPoolLike,
  schema: string,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<number[]> {
  const latest = migrations.reduce((max, migration) => Math.max(max, migration.version), 0);
  const quoted = quoteIdentifier(schema);
  // The common case, an up-to-date schema, takes no lock.
  if ((await appliedVersion(pool, quoted)) === latest) return [];
  const client = await pool.connect();
  // A connection dropped mid-migration surfaces as the query's rejection; the event must not crash the host.
  const dropped = () => undefined;
  client.on?.('error', dropped);
  let failed: unknown;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`llm-ledger migrations ${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const applied = await appliedSet(client, quoted);
    const newest = Math.max(0, ...applied);
    if (newest > latest) {
      throw new StoreError(
        `The database schema ${schema} is at version ${newest}, newer than this version of llm-ledger knows (${latest}); upgrade llm-ledger`,
        { retryable: false },
      );
    }
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      const sql = migration.sql.replaceAll('$compat', quoteIdentifier(compatSchemaOf(schema)));
      await client.query(sql.replaceAll('$schema', quoted));
      await client.query(`INSERT INTO ${quoted}.schema_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    failed = error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off?.('error', dropped);
    client.release(failed instanceof Error && !(failed instanceof StoreError) ? failed : undefined);
  }
}

async function appliedVersion(pool: PgPoolLike, quoted: string): Promise<number> {
  const exists = await pool.query('SELECT to_regclass($1) AS name', [`${quoted}.schema_migrations`]);
  if (exists.rows[0]?.name == null) return 0;
  const result = await pool.query(`SELECT MAX(version) AS version FROM ${quoted}.schema_migrations`);
  return Number(result.rows[0]?.version ?? 0);
}

async function appliedSet(client: PgClientLike, quoted: string): Promise<Set<number>> {
  const result = await client.query(`SELECT version FROM ${quoted}.schema_migrations`);
  return new Set(result.rows.map((row) => Number(row.version)));
}
