import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLedger } from '../../src/create-ledger.js';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { FileSpool, SpoolInUseError } from '../../src/delivery/file-spool.js';
import { openProcessSpool } from '../../src/delivery/process-spool.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { makeRecord } from '../support/records.js';
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
const fresh = (label: string) => {
  const directory = spoolDirectory(label);
  directories.push(directory);
  return directory;
};
const pgUrl = (label: string) => {
  const schema = uniqueSchema(label);
  schemas.push(schema);
  return { schema, url: `${PG_URL}?schema=${schema}` };
};

interface WorkerRun {
  code: number | null;
  lines: string[];
}

/** Starts spool-worker.ts; with `hold`, resolves `ready` once it holds its spool and waits for `release()`. */
function worker(store: string, cwd: string, count: number, options: { spool?: string; hold?: boolean } = {}) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(here, 'fixtures', 'spool-worker.ts'),
      store,
      cwd,
      String(count),
      options.spool ?? '-',
      ...(options.hold ? ['hold'] : []),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const done = (async (): Promise<WorkerRun> => {
    for await (const line of createInterface({ input: child.stdout! })) {
      lines.push(line);
      if (line === 'ready' || line.startsWith('error')) markReady();
    }
    const code = child.exitCode ?? (await new Promise<number | null>((resolve) => child.on('exit', resolve)));
    return { code, lines };
  })();
  return { ready, done, release: () => child.stdin!.end('go\n') };
}

describe('one spool per process', () => {
  it('two spools on one directory in one process: the second is a SpoolInUseError naming the option', () => {
    const directory = fresh('same-process');
    const first = new FileSpool({ directory });
    let error: unknown;
    try {
      new FileSpool({ directory });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SpoolInUseError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_ERROR');
    expect((error as ConfigError).path).toBe('spool');
    expect((error as Error).message).toContain('another ledger of this process');
    first.close();
    // Released on close: the directory can be taken again.
    new FileSpool({ directory }).close();
  });

  it('takes over a lock holding its own pid (a container restarted as pid 1) or a dead pid, with the records', () => {
    const directory = fresh('stale');
    const record = makeRecord();
    const previous = new FileSpool({ directory });
    previous.append([record]);
    previous.close();
    // The predecessor crashed: its lock stays, naming this very pid, with no spool of this process behind it.
    writeFileSync(join(directory, 'spool.lock'), String(process.pid));
    const restarted = new FileSpool({ directory });
    expect(restarted.peek(10)).toStrictEqual([record]);
    restarted.close();
    writeFileSync(join(directory, 'spool.lock'), '999999999');
    const afterDeadProcess = new FileSpool({ directory });
    expect(afterDeadProcess.state.pending).toBe(1);
    afterDeadProcess.close();
  });

  it('a lock held by another running process is refused with its pid', () => {
    const directory = fresh('live');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'spool.lock'), String(process.ppid));
    expect(() => new FileSpool({ directory })).toThrow(SpoolInUseError);
    expect(() => new FileSpool({ directory })).toThrow(`in use by process ${process.ppid}`);
    // The default location steps aside to the next directory instead.
    const spool = openProcessSpool(directory);
    expect(spool.directory).toBe(`${directory}-1`);
    spool.close();
  });

  it('the per-process location prefers a directory with records left by a stopped process', () => {
    const base = join(fresh('prefer'), 'spool');
    const left = makeRecord();
    const first = openProcessSpool(base);
    const second = openProcessSpool(base);
    expect([first.directory, second.directory]).toEqual([base, `${base}-1`]);
    second.append([left]);
    second.close();
    first.close();
    const next = openProcessSpool(base);
    expect(next.directory).toBe(`${base}-1`);
    expect(next.peek(1)).toStrictEqual([left]);
    next.close();
  });

  it('SQLite, sync durability: two ledgers in one process and directory both record, each with its own spool', async () => {
    const cwd = fresh('sqlite-two');
    const open = () =>
      createLedger({ store: 'ledger.db', cwd, durability: 'sync', logger: silentLogger, pricer: false });
    const first = open();
    const second = open();
    for (const [index, ledger] of [first, second].entries()) {
      for (let call = 0; call < 50; call++) {
        ledger
          .start({ provider: 'test', model: `m${index}`, messages: [] })
          .complete({ tokens: { input: 1, output: 1 } });
      }
    }
    await first.close();
    await second.close();
    expect(readdirSync(join(cwd, '.llm-ledger')).sort()).toEqual(['spool', 'spool-1']);
    const store = new SqliteStore({ path: join(cwd, 'ledger.db') });
    expect((await store.list({ limit: 500 })).records).toHaveLength(100);
    await store.close();
  });

  it('SQLite: a spool option naming a directory another process holds is a ConfigError saying which option to set', async () => {
    const cwd = fresh('sqlite-conflict');
    const holder = worker(join(cwd, 'ledger.db'), cwd, 5, { spool: 'shared-spool', hold: true });
    await holder.ready;
    let error: unknown;
    try {
      createLedger({ store: 'ledger.db', cwd, spool: 'shared-spool', logger: silentLogger, shutdownHooks: false });
    } catch (caught) {
      error = caught;
    }
    holder.release();
    expect((await holder.done).lines).toEqual(['ready', 'ok spool']);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('spool');
    expect((error as Error).message).toMatch(/in use by process \d+/);
    expect((error as Error).message).toContain('`spool`');
  }, 60_000);
});

describe.runIf(process.env.CI === 'true')('PostgreSQL for the spool tests in CI', () => {
  it(`is reachable at ${PG_URL}`, () => expect(available, 'CI=true requires PostgreSQL').toBe(true));
});

describe.skipIf(!available)('one spool per process, PostgreSQL', () => {
  it('four worker processes in one directory all start and record everything, each in its own spool', async () => {
    const cwd = fresh('pg-four');
    const { schema, url } = pgUrl('spool_four');
    const workers = Array.from({ length: 4 }, () => worker(url, cwd, 500, { hold: true }));
    // All four hold their spool at the same time before any closes.
    await Promise.all(workers.map((run) => run.ready));
    for (const run of workers) run.release();
    const runs = await Promise.all(workers.map((run) => run.done));
    expect(runs.map((run) => [run.code, run.lines])).toEqual(Array(4).fill([0, ['ready', 'ok spool']]));
    expect(readdirSync(join(cwd, '.llm-ledger')).sort()).toEqual(['spool', 'spool-1', 'spool-2', 'spool-3']);
    const [row] = await adminQuery<{ total: number; workers: number }>(
      `SELECT COUNT(*)::int AS total, COUNT(DISTINCT request_id)::int AS workers FROM "${schema}".llm_request_logs`,
    );
    expect(row).toEqual({ total: 2_000, workers: 4 });
  }, 120_000);

  it('two ledgers in one process on the default spool both work', async () => {
    const cwd = fresh('pg-two');
    const { schema, url } = pgUrl('spool_two');
    const ledgers = [0, 1].map(() =>
      createLedger({ store: url, cwd, logger: silentLogger, pricer: false, shutdownHooks: false }),
    );
    for (const ledger of ledgers) {
      for (let call = 0; call < 20; call++) {
        ledger.start({ provider: 'test', model: 'm', messages: [] }).complete({ tokens: { input: 1, output: 1 } });
      }
    }
    for (const ledger of ledgers) await ledger.close();
    expect(existsSync(join(cwd, '.llm-ledger', 'spool-1'))).toBe(true);
    const [row] = await adminQuery<{ total: number }>(
      `SELECT COUNT(*)::int AS total FROM "${schema}".llm_request_logs`,
    );
    expect(row!.total).toBe(40);
  }, 60_000);

  it('restarts in place over a lock naming its own pid', async () => {
    const cwd = fresh('pg-own-pid');
    const { schema, url } = pgUrl('spool_pid');
    const directory = join(cwd, '.llm-ledger', 'spool');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'spool.lock'), String(process.pid));
    const ledger = createLedger({ store: url, cwd, logger: silentLogger, pricer: false, shutdownHooks: false });
    ledger.start({ provider: 'test', model: 'm', messages: [] }).complete({ tokens: { input: 1, output: 1 } });
    await ledger.close();
    expect(existsSync(join(cwd, '.llm-ledger', 'spool-1'))).toBe(false);
    const [row] = await adminQuery<{ total: number }>(
      `SELECT COUNT(*)::int AS total FROM "${schema}".llm_request_logs`,
    );
    expect(row!.total).toBe(1);
  }, 60_000);
});
