import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_MIGRATIONS } from '../../src/stores/postgres/migrations.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { adminQuery, dropSchema, PG_URL, postgresAvailable, uniqueSchema } from '../stores/postgres-support.js';
import { recordCall, spooledLedger, spoolDirectory } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

const available = await postgresAvailable();

describe.runIf(process.env.CI === 'true')('PostgreSQL for the delivery tests in CI', () => {
  it(`is reachable at ${PG_URL}`, () => {
    expect(available, 'CI=true requires PostgreSQL').toBe(true);
  });
});
const here = dirname(fileURLToPath(import.meta.url));
const schemas: string[] = [];
const directories: string[] = [];

afterAll(async () => {
  if (available) for (const schema of schemas) await dropSchema(schema);
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function freshSchema(label: string): string {
  const schema = uniqueSchema(label);
  schemas.push(schema);
  return schema;
}

function freshDirectory(label: string): string {
  const directory = spoolDirectory(label);
  directories.push(directory);
  return directory;
}

async function storedIds(schema: string): Promise<{ count: number; distinct: number; ids: Set<string> }> {
  const rows = await adminQuery<{ id: string }>(`SELECT id FROM "${schema}".llm_request_logs`);
  const ids = new Set(rows.map((row) => row.id));
  return { count: rows.length, distinct: ids.size, ids };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!available)('delivery to PostgreSQL', () => {
  it('loses and duplicates nothing while the database goes away and comes back', async () => {
    const schema = freshSchema('outage');
    const url = new URL(PG_URL);
    const proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    const address = await proxy.listen();
    url.host = address;
    const store = new PostgresStore({ connectionString: url.toString(), schema });
    await store.migrate();
    const ledger = spooledLedger(store, freshDirectory('outage'), { batchSize: 100, flushIntervalMs: 10 });
    const ids: string[] = [];
    let running = true;
    const producer = (async () => {
      for (let index = 0; running; index++) {
        ids.push(recordCall(ledger, index));
        if (index % 50 === 0) await sleep(1);
      }
    })();
    await sleep(300);
    proxy.down(); // the database disappears mid-stream: connections cut, new ones refused
    await sleep(600);
    const during = ledger.stats();
    proxy.up();
    await sleep(300);
    proxy.down(); // and once more, briefly
    await sleep(200);
    proxy.up();
    await sleep(200);
    running = false;
    await producer;
    // The retry backoff may still be waiting: flush until the spool is empty.
    for (
      let attempt = 0;
      attempt < 50 && (ledger.stats().spool!.pending > 0 || ledger.stats().pending > 0);
      attempt++
    ) {
      await ledger.flush();
      await sleep(100);
    }
    const stats = ledger.stats();
    await ledger.close();
    await proxy.close();
    expect(during.spooled).toBeGreaterThan(0);
    expect(stats.replayed).toBeGreaterThan(0);
    expect(stats.spool!.pending).toBe(0);
    const stored = await storedIds(schema);
    expect(stored.count).toBe(ids.length);
    expect(stored.distinct).toBe(ids.length);
    expect(ids.every((id) => stored.ids.has(id))).toBe(true);
  }, 30_000);

  async function runChild(mode: 'sync' | 'batched', signal: NodeJS.Signals, after: number) {
    const schema = freshSchema(`crash_${mode}`);
    const directory = freshDirectory(`crash-${mode}`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'fixtures', 'crash-writer.ts'), mode, directory, PG_URL, schema],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const printed: string[] = [];
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, killedBy) => resolve(killedBy ?? code)),
    );
    for await (const line of createInterface({ input: child.stdout! })) {
      printed.push(line);
      if (printed.length === after) child.kill(signal);
    }
    const ended = await exited;
    return { schema, directory, printed, ended };
  }

  it('sync durability: a SIGKILLed process loses no completed call after replay', async () => {
    const { schema, directory, printed, ended } = await runChild('sync', 'SIGKILL', 3_000);
    expect(ended).toBe('SIGKILL');
    expect(printed.length).toBeGreaterThanOrEqual(3_000);
    // The next process with the same spool replays what the killed one had not written.
    const store = new PostgresStore({ connectionString: PG_URL, schema });
    const ledger = spooledLedger(store, directory);
    await ledger.flush();
    await ledger.close();
    const stored = await storedIds(schema);
    expect(printed.filter((id) => !stored.ids.has(id))).toEqual([]);
    expect(stored.count).toBe(stored.distinct);
  }, 60_000);

  it('batched durability: SIGTERM flushes every completed call before the process exits', async () => {
    const { schema, printed, ended } = await runChild('batched', 'SIGTERM', 20_000);
    expect(ended).toBe('SIGTERM');
    const stored = await storedIds(schema);
    expect(printed.filter((id) => !stored.ids.has(id))).toEqual([]);
    expect(stored.count).toBe(printed.length);
    expect(stored.count).toBe(stored.distinct);
  }, 60_000);

  it('four processes writing 50,000 records each: all 200,000 present once', async () => {
    const schema = freshSchema('four');
    // Migrated by the children themselves, concurrently: the advisory lock makes it happen once.
    const children = Array.from({ length: 4 }, (_unused, index) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(here, 'fixtures', 'bulk-writer.ts'),
          PG_URL,
          schema,
          '50000',
          freshDirectory(`four-${index}`),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      return new Promise<{ code: number | null; output: string }>((resolve) =>
        child.on('exit', (code) => resolve({ code, output })),
      );
    });
    const results = await Promise.all(children);
    expect(results.map((result) => result.code)).toEqual([0, 0, 0, 0]);
    const [row] = await adminQuery<{ total: number; distinct: number; processes: number }>(
      `SELECT COUNT(*)::int AS total, COUNT(DISTINCT id)::int AS distinct, COUNT(DISTINCT request_id)::int AS processes FROM "${schema}".llm_request_logs`,
    );
    expect(row).toEqual({ total: 200_000, distinct: 200_000, processes: 4 });
    // Each migration ran once although four processes raced to apply them.
    const versions = await adminQuery(`SELECT version FROM "${schema}".schema_migrations`);
    expect(versions).toHaveLength(PG_MIGRATIONS.length);
  }, 120_000);
});
