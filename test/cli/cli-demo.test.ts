import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedger, silentLogger } from '../../src/index.js';
import { cli, tempDir } from './cli-harness.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => (dir = tempDir()));
afterEach(() => dir.remove());

describe('llm-ledger demo', () => {
  it('records the demo calls into ./.llm-ledger/ledger.db and prints the report and the trace', async () => {
    const run = await cli(['demo'], dir.path);
    // the one model no catalog knows is warned about once, and recorded as unpriced
    expect(run.stderr.trim().split('\n')).toEqual([
      'llm-ledger warning: no price for self-hosted/acme-support-finetune-v2: its calls are recorded as unpriced (cost null, not 0)',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Recorded 10 calls into the sqlite ledger/);
    expect(run.stdout).toContain('Usage by model');
    expect(run.stdout).toMatch(/trace \S+: 3 calls/);

    const ledger = createLedger({
      store: join(dir.path, '.llm-ledger', 'ledger.db'),
      configFile: false,
      logger: silentLogger,
    });
    const { records } = await ledger.calls.list({ limit: 100 });
    expect(records).toHaveLength(10);
    const statuses = records.map((record) => record.status).sort();
    expect(statuses).toEqual([
      'cancelled',
      'error',
      'success',
      'success',
      'success',
      'success',
      'success',
      'success',
      'success',
      'success',
    ]);
    const models = new Set(records.map((record) => record.model));
    expect(models.size).toBeGreaterThanOrEqual(5);
    expect(new Set(records.map((record) => record.userId)).size).toBe(4);
    expect(records.some((record) => record.streamed && record.status === 'success' && record.ttftMs !== null)).toBe(
      true,
    );
    const cancelled = records.find((record) => record.status === 'cancelled')!;
    expect(cancelled.partial).toBe(true);
    expect(cancelled.responseMessage?.content).toContain('Welcome aboard');
    const failed = records.find((record) => record.status === 'error')!;
    expect(failed).toMatchObject({ httpStatus: 429, retryAfterMs: 20_000 });
    const withParent = records.filter((record) => record.parentId !== null);
    expect(withParent).toHaveLength(2);
    await ledger.close();
  });
});
