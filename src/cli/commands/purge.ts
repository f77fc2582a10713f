import { parseArgs } from 'node:util';
import { resolveLedgerConfig } from '../../create-ledger.js';
import type { Store } from '../../core/store.js';
import { loadDriver } from '../../stores/sqlite/driver.js';
import { PostgresStore } from '../../stores/postgres/postgres-store.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { LEDGER_OPTIONS, requireDatabase } from '../open-ledger.js';
import { parseSince } from '../time-range.js';
import { isPostgresLocation } from './migrate.js';

const USAGE = `llm-ledger purge --older-than 90d [--dry-run] [--db PATH|postgres://...] [--schema NAME]

Deletes the calls that started before the cutoff (a duration such as 90d, 12w, or a date).
--dry-run only counts them. Budgets already spent are not refunded: meters keep their own counters.`;

export const command: CliCommand = {
  name: 'purge',
  summary: 'delete records older than a cutoff (retention)',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        ...LEDGER_OPTIONS,
        'older-than': { type: 'string' },
        'dry-run': { type: 'boolean' },
        schema: { type: 'string' },
      },
      strict: true,
    });
    const olderThan = values['older-than'];
    if (!olderThan) throw new UsageError('--older-than is required (for example --older-than 90d)');
    const cutoff = parseSince(olderThan);
    const dryRun = values['dry-run'] === true;
    const location =
      values.db ?? resolveLedgerConfig({ configFile: values.config, env: io.env, cwd: io.cwd }).storeLocation;
    requireDatabase(location, values, io);
    const count = isPostgresLocation(location)
      ? await purgeStore(new PostgresStore({ connectionString: location, schema: values.schema }), cutoff, dryRun)
      : purgeSqlite(location.replace(/^(sqlite|file):(\/\/)?/, ''), cutoff, dryRun);
    io.stdout(
      `${dryRun ? 'would delete' : 'deleted'} ${count.toLocaleString('en-US')} calls started before ${cutoff.toISOString()}\n`,
    );
    return 0;
  },
};

async function purgeStore(store: Store, cutoff: Date, dryRun: boolean): Promise<number> {
  try {
    return await store.purge!(cutoff, { dryRun });
  } finally {
    await store.close();
  }
}

/** SQLite stores times as ISO text, so the cutoff compares as text; served by the started_at index. */
function purgeSqlite(path: string, cutoff: Date, dryRun: boolean): number {
  const Database = loadDriver();
  const db = new Database(path, { fileMustExist: true, timeout: 5_000 });
  try {
    const bound = cutoff.toISOString();
    if (dryRun) {
      return db.prepare('SELECT COUNT(*) FROM llm_request_logs WHERE started_at < ?').pluck().get(bound) as number;
    }
    return db.prepare('DELETE FROM llm_request_logs WHERE started_at < ?').run(bound).changes;
  } finally {
    db.close();
  }
}
