import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stderrLogger } from '../../src/cli/open-ledger.js';
import { logLine } from '../../src/core/logger.js';
import type { CallRecord } from '../../src/core/record.js';
import type { Store } from '../../src/core/store.js';
import { PostgresStore } from '../../src/stores/postgres/postgres-store.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { makeRecord } from '../support/records.js';
import { dropSchema, PG_URL, postgresAvailable, uniqueSchema } from '../stores/postgres-support.js';
import { cli, tempDir } from './cli-harness.js';

const available = await postgresAvailable();
const schemas: string[] = [];
afterAll(async () => {
  if (available) for (const schema of schemas) await dropSchema(schema);
});

let dir: ReturnType<typeof tempDir>;
beforeEach(() => (dir = tempDir()));
afterEach(() => dir.remove());

// Every C0 control except tab and newline, DEL, a C1 CSI and a bidirectional override.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE_MODEL = 'x\u001b[2J\u0007\u009b31m\u202eevil\n[llm-ledger] warn: FAKE';

describe('reading commands never create a missing database', () => {
  for (const argv of [
    ['calls'],
    ['trace', 'some-trace'],
    ['report'],
    ['usage', '--user', 'u-1'],
    ['export'],
    ['purge', '--older-than', '90d'],
  ]) {
    it(`${argv[0]} --db typo.db is an error naming the path, and creates nothing`, async () => {
      const run = await cli([...argv, '--db', 'typo.db'], dir.path);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`No ledger database at ${join(dir.path, 'typo.db')} (from --db)`);
      expect(run.stdout).not.toContain('No calls match');
      expect(existsSync(join(dir.path, 'typo.db'))).toBe(false);
      expect(existsSync(join(dir.path, '.llm-ledger'))).toBe(false);
    });
  }

  it('says where a missing path came from: LLM_LEDGER_DB or the default location', async () => {
    const fromEnv = await cli(['calls'], dir.path, { LLM_LEDGER_DB: 'elsewhere.db' });
    expect(fromEnv.stderr).toContain(`No ledger database at ${join(dir.path, 'elsewhere.db')} (from LLM_LEDGER_DB)`);
    const fromDefault = await cli(['calls'], dir.path);
    expect(fromDefault.stderr).toContain('(from the default location)');
    expect(existsSync(join(dir.path, '.llm-ledger'))).toBe(false);
  });
});

describe('terminal output escapes content', () => {
  it('the stderr logger shows control characters visibly and cannot forge a line', () => {
    const line = logLine('warn', `no price for openai/${HOSTILE_MODEL}: recorded as unpriced`, {
      model: HOSTILE_MODEL,
    });
    expect(line).not.toMatch(RAW_CONTROL);
    expect(line.split('\n')).toEqual([expect.stringContaining('\\x1b[2J\\x07\\x9b31m\\u202eevil\\n[llm-ledger]'), '']);
    let written = '';
    stderrLogger({ stdout: () => undefined, stderr: (text) => (written += text), env: {}, cwd: dir.path }).warn(
      {},
      HOSTILE_MODEL,
    );
    expect(written).toBe('llm-ledger warning: x\\x1b[2J\\x07\\x9b31m\\u202eevil\\n[llm-ledger] warn: FAKE\n');
  });

  it('the default logger escapes what the ledger warns about (an unpriced model name)', async () => {
    const { createLedger } = await import('../../src/create-ledger.js');
    const original = process.stderr.write.bind(process.stderr);
    let captured = '';
    process.stderr.write = ((chunk: string) => ((captured += chunk), true)) as typeof process.stderr.write;
    try {
      const ledger = createLedger({ store: 'memory', shutdownHooks: false });
      ledger
        .start({ provider: 'openai', model: HOSTILE_MODEL, messages: [] })
        .complete({ tokens: { input: 1, output: 1 } });
      await ledger.close();
    } finally {
      process.stderr.write = original;
    }
    expect(captured).toContain('no price for openai/x\\x1b[2J');
    expect(captured).not.toMatch(RAW_CONTROL);
    expect(
      captured
        .trimEnd()
        .split('\n')
        .every((line) => line.startsWith('[llm-ledger] ')),
    ).toBe(true);
  });
});

/** Runs `fn` with a store of each kind holding `records`, and its --db value. */
function eachStore(name: string, fn: (db: string) => Promise<void>, records: () => CallRecord[]) {
  it(`${name} (SQLite)`, async () => {
    const path = join(dir.path, 'ledger.db');
    await seedStore(new SqliteStore({ path }), records());
    await fn(path);
  });
  it.skipIf(!available)(`${name} (PostgreSQL)`, async () => {
    const schema = uniqueSchema('cli_safety');
    schemas.push(schema);
    await seedStore(new PostgresStore({ connectionString: PG_URL, schema }), records());
    await fn(`${PG_URL}?schema=${schema}`);
  });
}

async function seedStore(store: Store, records: CallRecord[]): Promise<void> {
  await store.write(records);
  await store.close();
}

const hostile = () => [
  makeRecord({
    model: HOSTILE_MODEL,
    userId: '=HYPERLINK("http://evil")',
    tags: ['\u0007bell'],
    status: 'error',
    errorType: 'Error',
    errorMessage: 'bad\u001b]0;title\u0007',
    messages: [{ role: 'user', content: 'prompt \u001b[31mred' }],
  }),
];

describe('content from the database is escaped on every output', () => {
  eachStore(
    'calls (table and --json), trace and CSV export show control characters visibly',
    async (db) => {
      const table = await cli(['calls', '--db', db], dir.path);
      expect(table.code).toBe(0);
      expect(table.stdout).not.toMatch(RAW_CONTROL);
      expect(table.stdout).toContain('x\\x1b[2J');
      // Header, rule and one row: the newline in the model name forged no line.
      expect(table.stdout.trimEnd().split('\n')).toHaveLength(3);

      const json = await cli(['calls', '--db', db, '--json'], dir.path);
      expect(json.stdout).not.toMatch(RAW_CONTROL);
      const parsed = JSON.parse(json.stdout) as { records: CallRecord[] };
      expect(parsed.records[0]!.model).toBe(HOSTILE_MODEL);

      const record = parsed.records[0]!;
      const trace = await cli(['trace', record.traceId, '--db', db], dir.path);
      expect(trace.stdout).not.toMatch(RAW_CONTROL);
      expect(trace.stdout).toContain('bad\\x1b]0;title\\x07');

      const csv = await cli(['export', '--db', db, '--format', 'csv'], dir.path);
      expect(csv.stdout).not.toMatch(RAW_CONTROL);
      expect(csv.stdout).toContain(`'=HYPERLINK(""http://evil"")`);
      expect(csv.stdout).toContain('\\x07bell');

      const jsonl = await cli(['export', '--db', db], dir.path);
      expect(jsonl.stdout).not.toMatch(RAW_CONTROL);
      expect((JSON.parse(jsonl.stdout) as CallRecord).model).toBe(HOSTILE_MODEL);
    },
    hostile,
  );
});

describe('trace with a parent cycle', () => {
  const cycle = () => {
    const traceId = 'trace-cycle';
    const a = makeRecord({ traceId, model: 'model-a' });
    const b = makeRecord({ traceId, model: 'model-b', parentId: a.id });
    const c = makeRecord({ traceId, model: 'model-c', parentId: b.id });
    a.parentId = c.id; // a -> c -> b -> a: no root
    const root = makeRecord({ traceId, model: 'model-root' });
    const child = makeRecord({ traceId, model: 'model-child', parentId: root.id });
    return [a, b, c, root, child];
  };
  eachStore(
    'shows every call once, the cycle marked, and counts what it shows',
    async (db) => {
      const run = await cli(['trace', 'trace-cycle', '--db', db], dir.path);
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0]).toContain('trace-cycle: 5 calls');
      expect(lines).toHaveLength(6);
      for (const model of ['model-a', 'model-b', 'model-c', 'model-root', 'model-child']) {
        expect(lines.filter((line) => line.includes(`${model} `))).toHaveLength(1);
      }
      expect(lines.filter((line) => line.includes('parent cycle'))).toHaveLength(1);
    },
    cycle,
  );
});
