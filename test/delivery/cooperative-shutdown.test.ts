import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createLedger } from '../../src/create-ledger.js';
import { silentLogger } from '../../src/core/logger.js';
import { adminQuery, dropSchema, PG_URL, postgresAvailable, uniqueSchema } from '../stores/postgres-support.js';
import { spoolDirectory } from './support.js';

const available = await postgresAvailable();
const here = dirname(fileURLToPath(import.meta.url));
const directories: string[] = [];
const schemas: string[] = [];
afterAll(async () => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  if (available) for (const schema of schemas) await dropSchema(schema);
});

interface Drained {
  started: number;
  finished: number;
  duringDrain: number;
}

/** Runs graceful-app.ts, lets it record for a while, sends SIGTERM and waits for it to end. */
async function runApp(store: string, mode: 'exit' | 'natural') {
  const cwd = spoolDirectory(`graceful-${mode}`);
  directories.push(cwd);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'fixtures', 'graceful-app.ts'), store, cwd, mode],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  let drained: Drained | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line === 'ready') setTimeout(() => child.kill('SIGTERM'), 1_500);
    else drained = JSON.parse(line) as Drained;
  }
  return { cwd, drained: drained!, ended: await exited };
}

/** What a later process in the same directory sees once it has replayed any spool left behind. */
async function replayLeftovers(store: string, cwd: string): Promise<void> {
  const ledger = createLedger({ store, cwd, logger: silentLogger, pricer: false, shutdownHooks: false });
  await ledger.flush();
  await ledger.close();
}

function sqliteCount(path: string): number {
  const database = new Database(path, { readonly: true });
  try {
    return (database.prepare('SELECT COUNT(*) AS count FROM llm_request_logs').get() as { count: number }).count;
  } finally {
    database.close();
  }
}

function expectDrainRecorded(drained: Drained): void {
  expect(drained.finished).toBe(drained.started);
  // Calls did finish during the application's drain: the case the ledger must not drop.
  expect(drained.duringDrain).toBeGreaterThan(0);
}

describe('a SIGTERM handled by the application: the ledger records through its drain', () => {
  it('SQLite, the process ends when its work is done: every call is stored', async () => {
    const { cwd, drained, ended } = await runApp('ledger.db', 'natural');
    expect(ended).toBe(0);
    expectDrainRecorded(drained);
    expect(sqliteCount(join(cwd, 'ledger.db'))).toBe(drained.started);
    // Nothing was left to replay: the final flush wrote everything.
    expect(existsSync(join(cwd, '.llm-ledger', 'spool', 'spool.jsonl'))).toBe(false);
  }, 60_000);

  it('SQLite, the handler calls process.exit(): what was pending is spooled at exit and replayed next start', async () => {
    const { cwd, drained, ended } = await runApp('ledger.db', 'exit');
    expect(ended).toBe(0);
    expectDrainRecorded(drained);
    await replayLeftovers('ledger.db', cwd);
    expect(sqliteCount(join(cwd, 'ledger.db'))).toBe(drained.started);
  }, 60_000);
});

describe('the final flush is bounded', () => {
  it('a close that never settles: pending records are saved after timeoutMs and the process exits', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'hanging-close.ts'), '300'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    for await (const line of createInterface({ input: child.stdout! })) lines.push(line);
    const code = child.exitCode ?? (await new Promise((resolve) => child.on('exit', resolve)));
    expect(code).toBe(0);
    // Saved once by the timeout; at 'exit' nothing was left.
    expect(lines).toEqual(['running', 'spooled 3', 'spooled 0']);
  }, 60_000);
});

describe.runIf(process.env.CI === 'true')('PostgreSQL for the shutdown tests in CI', () => {
  it(`is reachable at ${PG_URL}`, () => expect(available, 'CI=true requires PostgreSQL').toBe(true));
});

describe.skipIf(!available)('a SIGTERM handled by the application, PostgreSQL', () => {
  const pgCount = async (schema: string) =>
    (await adminQuery<{ count: number }>(`SELECT COUNT(*)::int AS count FROM "${schema}".llm_request_logs`))[0]!.count;

  for (const mode of ['exit', 'natural'] as const) {
    it(`every call of the drain is stored (${mode === 'exit' ? 'process.exit()' : 'the process runs out of work'})`, async () => {
      const schema = uniqueSchema(`graceful_${mode}`);
      schemas.push(schema);
      const store = `${PG_URL}?schema=${schema}`;
      const { cwd, drained, ended } = await runApp(store, mode);
      expect(ended).toBe(0);
      expectDrainRecorded(drained);
      await replayLeftovers(store, cwd);
      expect(await pgCount(schema)).toBe(drained.started);
    }, 90_000);
  }
});
