import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { UsageError, type CliIo } from '../../src/cli/command.js';
import { command } from '../../src/cli/commands/usage.js';
import type { Pricer } from '../../src/core/call.js';
import { silentLogger } from '../../src/core/logger.js';
import { createLedger } from '../../src/create-ledger.js';
import { attachMeter } from '../../src/meters/gate/attach-meter.js';
import { createMeter } from '../../src/meters/create-meter.js';
import { tempDir } from '../cli/cli-harness.js';
import {
  deletePrefix,
  describeWithRedis,
  openTestClient,
  REDIS_URL,
  uniquePrefix,
} from './support/redis-test-server.js';

const pricer: Pricer = {
  price: (record) => ({
    total: `0.00000${record.tokens.output}`,
    breakdown: {},
    currency: 'USD',
    pricingVersion: 't',
    status: 'priced',
  }),
};

async function usage(args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env, cwd };
  const code = await command.run(args, io);
  return { code, stdout, stderr };
}

/** Records calls for u-1 into the ledger at `dbPath`, metered by `meterLocation` when given. */
async function recordCalls(dbPath: string, meterLocation?: string, keyPrefix?: string): Promise<void> {
  const ledger = createLedger({ store: dbPath, configFile: false, env: {}, logger: silentLogger, pricer });
  const meter = meterLocation ? createMeter({ backend: meterLocation, keyPrefix, logger: silentLogger }) : undefined;
  if (meter) attachMeter(ledger, meter);
  for (const output of [3, 4]) ledger.start({ model: 'm', userId: 'u-1' }).complete({ tokens: { input: 10, output } });
  ledger.start({ model: 'm', userId: 'u-2' }).complete({ tokens: { input: 10, output: 9 } });
  await ledger.flush();
  await meter?.close();
  await ledger.close();
}

describe('llm-ledger usage', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("reads the SQLite meter kept in the ledger's own database file", async () => {
    const dbPath = join(dir.path, 'metered.db');
    await recordCalls(dbPath, `sqlite:${dbPath}`);
    const { code, stdout } = await usage(['--user', 'u-1', '--db', dbPath, '--period', 'day', '--json'], dir.path);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      subject: 'user:u-1',
      period: 'day',
      source: 'meter:sqlite',
      requests: 2,
      tokens: { input: 20, output: 7, total: 27 },
      cost: '0.000007',
      currency: 'USD',
      reserved: { cost: '0', tokens: 0, requests: 0 },
    });
    const text = await usage(['--user', 'u-1', '--db', dbPath], dir.path);
    expect(text.stdout).toContain('$0.000007');
    expect(text.stdout).toContain('(source: meter:sqlite)');
  });

  it('computes from the ledger records when the meter has nothing for the window', async () => {
    const dbPath = join(dir.path, 'unmetered.db');
    await recordCalls(dbPath);
    const { stdout } = await usage(['--user', 'u-1', '--db', dbPath, '--json'], dir.path);
    expect(JSON.parse(stdout)).toMatchObject({ source: 'ledger', requests: 2, cost: '0.000007', reserved: null });
    const tenant = await usage(['--tenant', 'nobody', '--db', dbPath, '--json'], dir.path);
    expect(JSON.parse(tenant.stdout)).toMatchObject({ source: 'ledger', requests: 0, cost: '0' });
  });

  it('rejects a missing subject, a bad period and custom dimensions without a meter', async () => {
    const dbPath = join(dir.path, 'unmetered.db');
    await expect(usage(['--db', dbPath], dir.path)).rejects.toBeInstanceOf(UsageError);
    await expect(usage(['--user', 'u', '--period', 'week', '--db', dbPath], dir.path)).rejects.toThrow(/--period week/);
    await expect(
      usage(['--subject', 'feature:search', '--source', 'ledger', '--db', dbPath], dir.path),
    ).rejects.toThrow(/no feature dimension/);
  });
});

describeWithRedis('llm-ledger usage --meter redis://', () => {
  let client: Redis;
  const prefix = uniquePrefix('cli');
  const dir = tempDir();
  beforeAll(() => {
    client = openTestClient();
  });
  afterAll(async () => {
    await deletePrefix(client, prefix);
    await client.quit();
    dir.remove();
  });

  it('reads the Redis meter', async () => {
    const dbPath = join(dir.path, 'ledger.db');
    await recordCalls(dbPath, REDIS_URL, prefix);
    const { stdout } = await usage(['--user', 'u-1', '--meter', REDIS_URL, '--key-prefix', prefix, '--json'], dir.path);
    expect(JSON.parse(stdout)).toMatchObject({ source: 'meter:redis', requests: 2, cost: '0.000007' });
    const fromEnv = await usage(['--user', 'u-2', '--key-prefix', prefix, '--json'], dir.path, {
      LLM_LEDGER_METER: REDIS_URL,
    });
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ source: 'meter:redis', requests: 1, cost: '0.000009' });
  });
});
