import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { silentLogger } from '../../src/core/logger.js';
import { compareDecimal, parseDecimal } from '../../src/core/money.js';
import { createLedger } from '../../src/create-ledger.js';
import { createMeter } from '../../src/meters/create-meter.js';
import {
  deletePrefix,
  describeWithRedis,
  openTestClient,
  REDIS_URL,
  uniquePrefix,
} from './support/redis-test-server.js';

const WORKER = fileURLToPath(new URL('./fixtures/spend-worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROCESSES = 4;
const CALLS_PER_PROCESS = 250;
const LIMIT = '0.1';

interface WorkerOutcome {
  allowed: number;
  denied: number;
  failed: number;
  unexpected: string[];
  stats: { pendingReplay: number; unreserved: number };
}

function runWorker(env: Record<string, string>): Promise<WorkerOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as WorkerOutcome);
    });
  });
}

describeWithRedis('Redis meter under concurrency', () => {
  let client: Redis;
  let directory: string;
  const prefix = uniquePrefix('spend');
  beforeAll(() => {
    client = openTestClient();
    directory = mkdtempSync(join(tmpdir(), 'llm-ledger-spend-'));
  });
  afterAll(async () => {
    await deletePrefix(client, prefix);
    await client.quit();
    rmSync(directory, { recursive: true, force: true });
  });

  it('1,000 concurrent calls from 4 processes never spend past a hard limit, and the counters equal the records', async () => {
    const dbPath = join(directory, 'ledger.db');
    const startAt = String(Date.now() + 3_000);
    const outcomes = await Promise.all(
      Array.from({ length: PROCESSES }, () =>
        runWorker({
          REDIS_URL,
          PREFIX: prefix,
          DB_PATH: dbPath,
          LIMIT,
          CALLS: String(CALLS_PER_PROCESS),
          START_AT: startAt,
        }),
      ),
    );
    for (const outcome of outcomes) {
      expect(outcome.unexpected).toEqual([]);
      expect(outcome.stats).toMatchObject({ pendingReplay: 0, unreserved: 0 });
    }
    const allowed = outcomes.reduce((sum, outcome) => sum + outcome.allowed, 0);
    const denied = outcomes.reduce((sum, outcome) => sum + outcome.denied, 0);
    expect(denied).toBeGreaterThan(0);
    expect(allowed).toBeGreaterThan(0);

    const ledger = createLedger({ store: dbPath, configFile: false, env: {}, logger: silentLogger });
    const [row] = await ledger.usage.summary({ where: { userId: 'shared' } });
    await ledger.close();
    const meter = createMeter({ backend: REDIS_URL, keyPrefix: prefix, logger: silentLogger });
    const usage = await meter.get('user:shared', 'cycle');
    await meter.close();

    expect(row!.calls).toBe(allowed);
    expect(usage.requests).toBe(allowed);
    expect(usage.cost).toBe(row!.cost);
    expect(usage.tokens.total).toBe(row!.tokens.total);
    expect(usage.reserved).toEqual({ cost: '0', tokens: 0, requests: 0 });
    expect(compareDecimal(parseDecimal(usage.cost), parseDecimal(LIMIT))).toBeLessThanOrEqual(0);
    // The limit binds: what is left is less than one more call's estimate (0.0005).
    expect(compareDecimal(parseDecimal(usage.cost), parseDecimal('0.09'))).toBe(1);
  }, 120_000);
});
