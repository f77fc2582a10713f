import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { command as exportCommand, csvField } from '../../src/cli/commands/export.js';
import { command as migrateCommand } from '../../src/cli/commands/migrate.js';
import { command as purgeCommand } from '../../src/cli/commands/purge.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { makeRecord } from '../support/records.js';

const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-cli-export-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function io(): CliIo & { out: string; err: string } {
  const result = {
    out: '',
    err: '',
    env: {},
    cwd: directory,
    stdout: (text: string) => void (result.out += text),
    stderr: (text: string) => void (result.err += text),
  };
  return result;
}

describe('llm-ledger export and migrate', () => {
  it('exports every record across pages as JSON lines, oldest first, and as CSV to a file', async () => {
    const path = join(directory, 'export.db');
    const store = new SqliteStore({ path });
    const records = Array.from({ length: 2_345 }, (_unused, index) =>
      makeRecord({ userId: index % 2 ? 'u-1' : '=cmd()', model: 'gpt, "quoted"' }),
    );
    await store.write(records);
    await store.close();

    const jsonl = io();
    expect(await exportCommand.run(['--db', path], jsonl)).toBe(0);
    const lines = jsonl.out.trimEnd().split('\n');
    expect(lines).toHaveLength(records.length);
    expect(lines.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(records.map((r) => r.id).sort());
    expect(jsonl.err).toContain('exported 2,345 records');

    const out = join(directory, 'export.csv');
    expect(await exportCommand.run(['--db', path, '--format', 'csv', '--out', out, '--user', 'u-1'], io())).toBe(0);
    const csv = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(csv).toHaveLength(1 + records.filter((r) => r.userId === 'u-1').length);
    expect(csv[1]).toContain('"gpt, ""quoted"""');
    expect(csvField('=cmd()')).toBe("'=cmd()");
  });

  it('migrates a SQLite file', async () => {
    const output = io();
    expect(await migrateCommand.run(['--db', join(directory, 'migrate.db')], output)).toBe(0);
    expect(output.out).toContain('schema version');
  });

  it('purges records older than a cutoff, with a dry run first', async () => {
    const path = join(directory, 'purge.db');
    const store = new SqliteStore({ path });
    const old = makeRecord({ startedAt: '2020-01-01T00:00:00.000Z' });
    const recent = makeRecord({ startedAt: new Date().toISOString() });
    await store.write([old, recent]);
    await store.close();
    const dry = io();
    expect(await purgeCommand.run(['--db', path, '--older-than', '90d', '--dry-run'], dry)).toBe(0);
    expect(dry.out).toContain('would delete 1 calls');
    const real = io();
    expect(await purgeCommand.run(['--db', path, '--older-than', '90d'], real)).toBe(0);
    expect(real.out).toContain('deleted 1 calls');
    const reopened = new SqliteStore({ path });
    expect(await reopened.get(old.id)).toBeNull();
    expect(await reopened.get(recent.id)).toStrictEqual(recent);
    await reopened.close();
  });
});
