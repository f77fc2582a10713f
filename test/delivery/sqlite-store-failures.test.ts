import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { command as replayCommand } from '../../src/cli/commands/replay.js';
import { createLedger } from '../../src/create-ledger.js';
import { StoreReadOnlyError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Problem } from '../../src/core/problem-reporter.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'llm-ledger-sqlite-failures-'));
  // The read-only tests run a process as another user, which must reach the files.
  chmodSync(directory, 0o755);
});
afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});
let count = 0;
const fresh = (name: string) => {
  const path = join(directory, `${name}-${count++}`);
  mkdirSync(path, { recursive: true });
  return path;
};

function io(cwd: string): CliIo & { out: string; err: string } {
  const result = {
    out: '',
    err: '',
    env: {},
    cwd,
    stdout: (text: string) => void (result.out += text),
    stderr: (text: string) => void (result.err += text),
  };
  return result;
}

function ledgerOn(store: SqliteStore, deadLetters: string, problems: Problem[]) {
  return createLedger({
    store,
    configFile: false,
    env: {},
    logger: silentLogger,
    onError: (problem) => problems.push(problem),
    shutdownHooks: false,
    deadLetters,
    flushIntervalMs: 5,
  });
}

function record(ledger: ReturnType<typeof ledgerOn>, count: number): string[] {
  return Array.from(
    { length: count },
    (_unused, index) =>
      ledger
        .start({ provider: 'openai', model: 'gpt-4o-mini', messages: [{ role: 'user', content: `question ${index}` }] })
        .complete({ responseMessage: `answer ${index} `.repeat(40), tokens: { input: 10, output: 20 } }).id,
  );
}

function storedIds(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT id FROM llm_request_logs').pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
}

/** The close() report naming the dead-letter file: its path and count. */
function closeReport(problems: Problem[]): { count: number; path: string } {
  const messages = problems.map((problem) => (problem.error as Error).message);
  const report = messages.find((message) => message.includes('could not be written before close'));
  expect(report, messages.join('\n')).toBeDefined();
  const [, count, path] = /^(\d+) records could not be written before close .*; they were saved to (\S+):/.exec(
    report!,
  )!;
  return { count: Number(count), path: path! };
}

/*
 * Tests run as root here, and root writes through any file mode. So the read-only cases open the
 * database from a child process running as `nobody` (uid 65534) when this one is root, and as this
 * user otherwise, where the file mode alone stops writes. The child first shows that a plain
 * better-sqlite3 write really fails (the file is read-only to it, not merely flagged), then that
 * SqliteStore and createLedger refuse it at open with StoreReadOnlyError.
 */
function openAsReader(
  path: string,
): Record<'raw' | 'store' | 'ledger', { name: string; code: string; message: string }> {
  const asOtherUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(here, 'fixtures', 'open-read-only.ts'), path],
    { cwd: root, encoding: 'utf8', env: { ...process.env, HOME: directory }, ...asOtherUser },
  );
  return JSON.parse(output.trim().split('\n').pop()!) as ReturnType<typeof openAsReader>;
}

describe('a read-only SQLite ledger is refused when it opens', () => {
  it('refuses a file its process cannot write', async () => {
    const folder = fresh('ro-file');
    chmodSync(folder, 0o777);
    const path = join(folder, 'ledger.db');
    await new SqliteStore({ path }).close();
    chmodSync(path, 0o444);
    const result = openAsReader(path);
    expect(result.raw.code).toMatch(/^SQLITE_READONLY/);
    for (const outcome of [result.store, result.ledger]) {
      expect(outcome.name).toBe('StoreReadOnlyError');
      expect(outcome.code).toBe('STORE_READ_ONLY');
      expect(outcome.message).toContain(path);
      expect(outcome.message).toMatch(/file is not writable/);
    }
  });

  it('refuses a file in a directory where SQLite cannot create its -wal and -shm files', async () => {
    const folder = fresh('ro-directory');
    const path = join(folder, 'ledger.db');
    await new SqliteStore({ path }).close();
    chmodSync(path, 0o666);
    chmodSync(folder, 0o555);
    try {
      const result = openAsReader(path);
      expect(result.raw.code).toMatch(/^SQLITE_READONLY/);
      for (const outcome of [result.store, result.ledger]) {
        expect(outcome.name).toBe('StoreReadOnlyError');
        expect(outcome.message).toMatch(/directory is not writable/);
      }
    } finally {
      chmodSync(folder, 0o755);
    }
  });

  it('refuses a connection opened read-only', async () => {
    const path = join(fresh('ro-connection'), 'ledger.db');
    await new SqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    try {
      expect(() => new SqliteStore({ database: db })).toThrow(StoreReadOnlyError);
    } finally {
      db.close();
    }
  });
});

describe('records the store cannot take at close() go to a dead-letter file, and replay writes them back', () => {
  it('saves them when the disk is full, reports path and count, and replays them once there is room', async () => {
    const folder = fresh('disk-full');
    const path = join(folder, 'ledger.db');
    await new SqliteStore({ path }).close();
    // A database capped at its current size: the next page it needs fails with SQLITE_FULL,
    // as on a full disk. The cap belongs to this connection, so the store writes through it.
    const db = new Database(path);
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const problems: Problem[] = [];
    const ledger = ledgerOn(new SqliteStore({ database: db }), join(folder, 'dead-letters'), problems);
    const ids = record(ledger, 300);
    await ledger.close(); // fail-open: the failure is reported, not thrown
    db.close();
    expect(storedIds(path)).toEqual([]);

    const saved = closeReport(problems);
    expect(saved.count).toBe(300);
    expect(dirname(saved.path)).toBe(join(folder, 'dead-letters'));
    const lines = readFileSync(saved.path, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { record: { id: string } }).record.id).sort()).toEqual(
      [...ids].sort(),
    );
    expect((JSON.parse(lines[0]!) as { reason: string }).reason).toMatch(/SQLITE_FULL/);

    // There is room again: replay the directory, then again (nothing left, nothing doubled).
    const first = io(folder);
    expect(await replayCommand.run(['--db', path, 'dead-letters'], first)).toBe(0);
    expect(first.out).toContain('replayed 300 records from 1 files');
    expect(storedIds(path)).toEqual([...ids].sort());
    expect(existsSync(`${saved.path}.replayed`)).toBe(true);
    const second = io(folder);
    expect(await replayCommand.run(['--db', path, 'dead-letters'], second)).toBe(0);
    expect(second.out).toContain('no dead-letter files to replay');
    // Replaying a file again (named explicitly) doubles nothing: records are written by id.
    const again = io(folder);
    expect(await replayCommand.run(['--db', path, `${saved.path}.replayed`], again)).toBe(0);
    expect(again.out).toContain('replayed 300 records');
    expect(storedIds(path)).toEqual([...ids].sort());
  });

  it('saves them when another process holds the lock beyond the busy timeout, through the write worker', async () => {
    const folder = fresh('busy');
    const path = join(folder, 'ledger.db');
    const problems: Problem[] = [];
    const ledger = ledgerOn(new SqliteStore({ path, busyTimeoutMs: 100 }), join(folder, 'dead-letters'), problems);
    const locker = new Database(path);
    locker.exec('BEGIN IMMEDIATE');
    let ids: string[];
    try {
      ids = record(ledger, 120);
      await ledger.close();
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    const saved = closeReport(problems);
    expect(saved.count).toBe(120);
    expect(storedIds(path)).toEqual([]);
    const replayed = io(folder);
    expect(await replayCommand.run(['--db', path, saved.path], replayed)).toBe(0);
    expect(storedIds(path)).toEqual([...ids].sort());
  });

  it('without a spool, a record the store refuses for good is kept in the dead-letter file, not only in memory', async () => {
    const folder = fresh('refused');
    const path = join(folder, 'ledger.db');
    const problems: Problem[] = [];
    const ledger = ledgerOn(new SqliteStore({ path }), join(folder, 'dead-letters'), problems);
    // A NOT NULL column the ledger always fills: a trigger makes the store refuse one model only.
    const db = new Database(path);
    db.exec(`CREATE TRIGGER refuse_one BEFORE INSERT ON llm_request_logs WHEN NEW.model = 'refused'
             BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END`);
    db.close();
    const good = ledger.start({ provider: 'openai', model: 'gpt-4o-mini' }).complete({}).id;
    const bad = ledger.start({ provider: 'openai', model: 'refused' }).complete({}).id;
    await ledger.flush().catch(() => undefined);
    await ledger.close().catch(() => undefined);
    expect(storedIds(path)).toEqual([good]);
    const files = readdirSync(join(folder, 'dead-letters'));
    expect(files).toHaveLength(1);
    const line = JSON.parse(readFileSync(join(folder, 'dead-letters', files[0]!), 'utf8')) as {
      reason: string;
      record: { id: string };
    };
    expect(line.record.id).toBe(bad);
    expect(line.reason).toMatch(/refused by a trigger/);
  });

  it('a call started after close() (a process still working while a signal closes the ledger) is kept in the dead-letter file', async () => {
    const folder = fresh('after-close');
    const path = join(folder, 'ledger.db');
    const problems: Problem[] = [];
    const ledger = ledgerOn(new SqliteStore({ path }), join(folder, 'dead-letters'), problems);
    const early = record(ledger, 1);
    const closing = ledger.close();
    // Started and finished while close() runs, and after it returned: both returned to their caller.
    const during = ledger
      .start({ provider: 'openai', model: 'gpt-4o-mini' })
      .complete({ tokens: { input: 1, output: 2 } }).id;
    await closing;
    const after = ledger
      .start({ provider: 'openai', model: 'gpt-4o-mini' })
      .complete({ tokens: { input: 3, output: 4 } }).id;
    expect(problems.map((problem) => String(problem.error))).toContainEqual(expect.stringMatching(/ledger is closed/));
    const cli = io(folder);
    const code = await replayCommand.run(['--db', path, join(folder, 'dead-letters')], cli);
    expect(code, cli.err).toBe(0);
    expect(storedIds(path)).toEqual([...early, during, after].sort());
  });

  it('a call still running at close() is kept in the dead-letter file when it ends, and replays into the store', async () => {
    const folder = fresh('late');
    const path = join(folder, 'ledger.db');
    const problems: Problem[] = [];
    const ledger = ledgerOn(new SqliteStore({ path }), join(folder, 'dead-letters'), problems);
    const early = record(ledger, 1);
    const running = ledger.start({ provider: 'openai', model: 'gpt-4o-mini' });
    await ledger.close();
    const late = running.complete({ responseMessage: 'late answer', tokens: { input: 3, output: 4 } }).id;
    expect(storedIds(path)).toEqual(early);
    expect(problems.map((problem) => String(problem.error))).toContainEqual(
      expect.stringMatching(/finalized after close\(\) was saved to .*dead-letters/),
    );
    const cli = io(folder);
    const code = await replayCommand.run(['--db', path, join(folder, 'dead-letters')], cli);
    expect(code, cli.err).toBe(0);
    expect(storedIds(path)).toEqual([...early, late].sort());
  });
});
