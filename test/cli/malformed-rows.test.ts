import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { makeCost, makeRecord } from '../support/records.js';
import { cli, tempDir } from './cli-harness.js';

/* A malformed stored cost (an older version's, or one written by hand) never fails a command for the whole database. */

let dir: ReturnType<typeof tempDir>;
let db: string;
beforeEach(async () => {
  dir = tempDir();
  db = join(dir.path, 'ledger.db');
  const store = new SqliteStore({ path: db });
  const now = new Date().toISOString();
  await store.write([
    makeRecord({ startedAt: now, userId: 'alice', cost: makeCost('0.5', { total: 'abc' }) }),
    makeRecord({ startedAt: now, userId: 'alice', cost: makeCost('0.25') }),
  ]);
  await store.close();
});
afterEach(() => dir.remove());

describe('a malformed stored cost', () => {
  it.each([
    ['report', ['report', '--db']],
    ['calls', ['calls', '--db']],
    ['usage', ['usage', '--user', 'alice', '--db']],
    ['reprice --dry-run', ['reprice', '--since', '1d', '--dry-run', '--db']],
  ])('%s still answers', async (_label, argv) => {
    const run = await cli([...argv, db], dir.path);
    expect(run.stderr).not.toMatch(/Not a decimal number/);
    expect(run.code).toBe(0);
    // Counted and named, not skipped silently (the summaries leave the rollups for the scan).
    expect(run.stderr).toMatch(/^warning: 1 stored call has a cost that is no decimal number \([0-9a-f-]{36}\); /);
  });

  it('calls shows it as invalid, the good one as its amount', async () => {
    const run = await cli(['calls', '--db', db], dir.path);
    expect(run.stdout).toContain('invalid');
    expect(run.stdout).toContain('$0.25');
  });
});
