import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { MIGRATIONS } from '../../src/stores/sqlite/migrations.js';
import { PERCENTILE_RELATIVE_ERROR } from '../../src/stores/rollup/latency-histogram.js';
import { describeStoreContract } from '../../src/extend/contract/index.js';
import { buildDataset } from '../../src/extend/contract/store/data.js';
import { vitestApi } from '../support/contract-api.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
// Made in beforeAll rather than at import, so that a run that filters out every test here
// (vitest -t) leaves no empty directory behind.
let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'llm-ledger-sqlite-contract-'));
});
let files = 0;
const nextPath = () => join(directory, `contract-${files++}.db`);

afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});

// Summaries from rollups estimate latency percentiles (src/stores/rollup/latency-histogram.ts).
const options = { percentileTolerance: PERCENTILE_RELATIVE_ERROR };
describeStoreContract(vitestApi, 'sqlite :memory:', () => new SqliteStore({ path: ':memory:' }), options);
describeStoreContract(vitestApi, 'sqlite file', () => new SqliteStore({ path: nextPath() }), options);

describe('SqliteStore persistence', () => {
  it('keeps records across close and re-open, and migrates only once', async () => {
    const path = nextPath();
    const records = buildDataset(50);
    const first = new SqliteStore({ path });
    await first.write(records);
    await first.close();

    const second = new SqliteStore({ path });
    expect(await second.get(records[7]!.id)).toStrictEqual(records[7]);
    expect((await second.list({ limit: 1000 })).records).toHaveLength(50);
    await second.write(records);
    expect((await second.list({ limit: 1000 })).records).toHaveLength(50);
    await second.close();

    const db = new Database(path, { readonly: true });
    try {
      const migrations = db.prepare('SELECT version, name, applied_at FROM schema_migrations').all() as Array<{
        version: number;
        name: string;
        applied_at: string;
      }>;
      expect(migrations.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
      expect(Number.isNaN(Date.parse(migrations[0]!.applied_at))).toBe(false);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });
});
