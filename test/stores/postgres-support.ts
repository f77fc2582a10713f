import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The CI database: 127.0.0.1:5432, user postgres, trust auth, database `test`. */
export const PG_URL = process.env.LLM_LEDGER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether the test PostgreSQL answers. In CI (CI=true) its absence fails the run, elsewhere the
 * PostgreSQL tests are skipped with one line saying so.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.CI !== 'true') {
      console.warn(
        `PostgreSQL tests skipped: no server at ${PG_URL} (${(error as Error).message}); CI=true makes them required`,
      );
    }
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A schema name unique to this run, so parallel runs and files never meet. */
export function uniqueSchema(label: string): string {
  return `llm_ledger_test_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Runs SQL on a short-lived connection (setup, teardown, inspection). */
export async function adminQuery<T extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await adminQuery(`DROP SCHEMA IF EXISTS "${schema}_compat" CASCADE`);
}
