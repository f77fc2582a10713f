import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { PostgresStore } from '../../src/stores/postgres/postgres-store.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { makeCost, makeRecord } from '../support/records.js';
import { dropSchema, PG_URL, postgresAvailable, uniqueSchema } from '../stores/postgres-support.js';
import { cli, tempDir } from './cli-harness.js';

const available = await postgresAvailable();
const MAIN = resolve('dist/cli/main.js');
const RECORDS = 200_000;
const temp = tempDir();
const schemas: string[] = [];
afterAll(async () => {
  temp.remove();
  if (available) for (const schema of schemas) await dropSchema(schema);
});

async function seed(store: Store, count: number): Promise<void> {
  for (let written = 0; written < count; written += 5_000) {
    const batch = Array.from({ length: Math.min(5_000, count - written) }, (_unused, index) =>
      makeRecord({ requestId: `r-${written + index}`, messages: [], systemPrompt: null, responseMessage: null }),
    );
    await store.write(batch);
  }
}

interface Run {
  code: number | null;
  stderr: string;
  lines: number;
}

/** Runs the built CLI with stdout read by a slow consumer (paused every few chunks). */
function runSlowReader(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: temp.path, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let lines = 0;
  let chunks = 0;
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => {
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) lines++;
    if (++chunks % 20 === 0) {
      child.stdout!.pause();
      setTimeout(() => child.stdout!.resume(), 15);
    }
  });
  return new Promise((resolvePromise) => child.on('close', (code) => resolvePromise({ code, stderr, lines })));
}

/** Runs the built CLI with stdout on a given file descriptor (such as /dev/full). */
function runWithStdout(args: string[], fd: number | 'pipe'): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: temp.path, stdio: ['ignore', fd, 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (fd === 'pipe') child.stdout!.once('data', () => child.stdout!.destroy());
  return new Promise((resolvePromise) => child.on('close', (code) => resolvePromise({ code, stderr })));
}

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |node:internal|Unhandled/);

describe('export writes every record and fails cleanly, SQLite', () => {
  const db = join(temp.path, 'big.db');
  beforeAll(async () => {
    const store = new SqliteStore({ path: db });
    await seed(store, RECORDS);
    await store.close();
  }, 240_000);

  it(`streams ${RECORDS.toLocaleString('en-US')} records to a slow reader through a pipe, all of them`, async () => {
    const run = await runSlowReader(['export', '--db', db]);
    expect(run.stderr).toContain(`exported ${RECORDS.toLocaleString('en-US')} records`);
    expect(run.code).toBe(0);
    expect(run.lines).toBe(RECORDS);
  }, 240_000);

  it('a reader that goes away: a one-line message and exit code 1, no stack trace', async () => {
    const run = await runWithStdout(['export', '--db', db], 'pipe');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/llm-ledger export: Writing to stdout failed after [\d,]+ records: EPIPE/);
    noStackTrace(run.stderr);
  }, 120_000);

  it('a full disk on stdout (/dev/full): ENOSPC said plainly, exit code 1', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const run = await runWithStdout(['export', '--db', db, '--format', 'csv'], fd);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/Writing to stdout failed after [\d,]+ records: ENOSPC/);
      noStackTrace(run.stderr);
    } finally {
      closeSync(fd);
    }
  }, 120_000);

  it('--out to a full device, a directory or a missing directory: clean errors, no partial file left', async () => {
    const full = await runWithStdout(['export', '--db', db, '--out', '/dev/full'], 'pipe');
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/Writing to \/dev\/full failed after [\d,]+ records: ENOSPC/);
    noStackTrace(full.stderr);

    const directory = join(temp.path, 'a-directory');
    mkdirSync(directory);
    const intoDirectory = await runWithStdout(['export', '--db', db, '--out', directory], 'pipe');
    expect(intoDirectory.code).toBe(1);
    expect(intoDirectory.stderr).toContain(`--out ${directory} is a directory`);
    noStackTrace(intoDirectory.stderr);

    const missing = join(temp.path, 'missing', 'out.jsonl');
    const intoMissing = await runWithStdout(['export', '--db', db, '--out', missing], 'pipe');
    expect(intoMissing.code).toBe(1);
    expect(intoMissing.stderr).toMatch(/Writing to .*out\.jsonl failed after 0 records: ENOENT/);
    noStackTrace(intoMissing.stderr);
    expect(readdirSync(temp.path).filter((name) => name.includes('.partial'))).toEqual([]);
  }, 240_000);

  it('--out FILE appears complete, with every record', async () => {
    const out = join(temp.path, 'all.csv');
    const run = await runWithStdout(['export', '--db', db, '--format', 'csv', '--out', out], 'pipe');
    expect(run.code).toBe(0);
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(RECORDS + 1);
    expect(readdirSync(temp.path).filter((name) => name.includes('.partial'))).toEqual([]);
  }, 240_000);
});

describe.runIf(process.env.CI === 'true')('PostgreSQL for the export tests in CI', () => {
  it(`is reachable at ${PG_URL}`, () => expect(available, 'CI=true requires PostgreSQL').toBe(true));
});

describe.skipIf(!available)('export writes every record, PostgreSQL', () => {
  it(`streams ${RECORDS.toLocaleString('en-US')} records to a slow reader through a pipe, all of them`, async () => {
    const schema = uniqueSchema('export_slow');
    schemas.push(schema);
    const store = new PostgresStore({ connectionString: PG_URL, schema });
    await seed(store, RECORDS);
    await store.close();
    const run = await runSlowReader(['export', '--db', `${PG_URL}?schema=${schema}`, '--format', 'csv']);
    expect(run.code).toBe(0);
    expect(run.lines).toBe(RECORDS + 1);
    // A reading command leaves no spool behind in the working directory.
    expect(existsSync(join(temp.path, '.llm-ledger'))).toBe(false);
  }, 300_000);
});

describe('export --round', () => {
  it('is exact by default; --round N rounds the cost columns half away from zero', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'round.db');
      const store = new SqliteStore({ path: db });
      const record = makeRecord({
        cost: { ...makeCost('0.000012345'), breakdown: { input: '0.000002345', output: '0.00001' } },
      });
      await store.write([record]);
      await store.close();
      const exact = await cli(['export', '--db', db], dir.path);
      expect((JSON.parse(exact.stdout) as typeof record).cost).toStrictEqual(record.cost);
      const rounded = await cli(['export', '--db', db, '--round', '5'], dir.path);
      const cost = (JSON.parse(rounded.stdout) as typeof record).cost!;
      expect(cost.total).toBe('0.00001');
      expect(cost.breakdown).toEqual({ input: '0.00000', output: '0.00001' });
      const csv = await cli(['export', '--db', db, '--format', 'csv', '--round', '7'], dir.path);
      const [header, row] = csv.stdout.trimEnd().split('\n');
      expect(row!.split(',')[header!.split(',').indexOf('cost')]).toBe('0.0000123');
      const bad = await cli(['export', '--db', db, '--round', '2.5'], dir.path);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--round 2.5 is not a whole number');
    } finally {
      dir.remove();
    }
  });
});
