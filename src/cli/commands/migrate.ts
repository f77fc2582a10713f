import { parseArgs } from 'node:util';
import { resolveLedgerConfig } from '../../create-ledger.js';
import { applyPgMigrations, PG_LATEST_SCHEMA_VERSION } from '../../stores/postgres/migrations.js';
import { createPgPool } from '../../stores/postgres/pg-pool.js';
import { LATEST_SCHEMA_VERSION } from '../../stores/sqlite/migrations.js';
import { SqliteStore } from '../../stores/sqlite/sqlite-store.js';
import type { CliCommand } from '../command.js';
import { LEDGER_OPTIONS } from '../open-ledger.js';

const USAGE = `llm-ledger migrate [--db PATH|postgres://...] [--schema NAME]

Brings the store's schema up to date (the ledger also does it on open). Safe to run while
applications write: SQLite migrates under its write lock, PostgreSQL under an advisory lock.`;

/** PostgreSQL locations: postgres:// and postgresql:// URLs. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export const command: CliCommand = {
  name: 'migrate',
  summary: 'apply pending schema migrations (SQLite or PostgreSQL)',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { ...LEDGER_OPTIONS, schema: { type: 'string' } }, strict: true });
    const location =
      values.db ?? resolveLedgerConfig({ configFile: values.config, env: io.env, cwd: io.cwd }).storeLocation;
    if (isPostgresLocation(location)) {
      const pool = createPgPool(location, { max: 1 });
      try {
        const schema = values.schema ?? 'public';
        const applied = await applyPgMigrations(pool, schema);
        io.stdout(
          applied.length === 0
            ? `PostgreSQL schema ${schema} is up to date (version ${PG_LATEST_SCHEMA_VERSION})\n`
            : `PostgreSQL schema ${schema}: applied ${applied.join(', ')} (now version ${PG_LATEST_SCHEMA_VERSION})\n`,
        );
        return 0;
      } finally {
        await pool.end();
      }
    }
    if (location === 'memory') {
      io.stdout('the memory store has no schema to migrate\n');
      return 0;
    }
    // Opening the SQLite store applies its migrations.
    const store = new SqliteStore({ path: location.replace(/^(sqlite|file):(\/\/)?/, '') });
    await store.close();
    io.stdout(`SQLite database ${store.path} is at schema version ${LATEST_SCHEMA_VERSION}\n`);
    return 0;
  },
};
