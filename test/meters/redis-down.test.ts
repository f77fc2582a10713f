import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LedgerLogger } from '../../src/core/logger.js';
import { silentLogger } from '../../src/core/logger.js';
import { createLedger } from '../../src/create-ledger.js';
import { FileSpool } from '../../src/delivery/file-spool.js';
import type { CreatedLedger } from '../../src/ledger-options.js';
import { createMeter } from '../../src/meters/create-meter.js';
import { MeterUnavailableError, QuotaExceededError } from '../../src/meters/errors.js';
import type { Meter } from '../../src/meters/meter.js';
import {
  ownRedisServerAvailable,
  REDIS_SERVER_REQUIRED,
  until,
  useOwnRedisServer,
} from '../support/own-redis-suite.js';

/** 25 input tokens counted and 25 output: each call reserves 50 tokens; it uses 150. */
const ESTIMATE = { countInputTokens: () => 25, defaultMaxOutputTokens: 25 };
const tsxLoader = pathToFileURL(join(process.cwd(), 'node_modules/tsx/dist/loader.mjs')).href;
const available = await ownRedisServerAvailable('Redis down');

function capturingLogger(): LedgerLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (_details: Record<string, unknown>, message: string) => void lines.push(message);
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

describe.skipIf(!available && !REDIS_SERVER_REQUIRED)('the meter with Redis down (a redis-server of its own)', () => {
  const redis = useOwnRedisServer(available, 'llm-ledger-redis-down-');

  const meterFor = (options: { failOpen?: boolean; spool?: string; logger?: LedgerLogger } = {}): Meter =>
    createMeter({
      backend: redis.server.url,
      logger: options.logger ?? silentLogger,
      estimate: ESTIMATE,
      failOpen: options.failOpen,
      retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 200 },
      spool: options.spool === undefined ? undefined : new FileSpool({ directory: options.spool }),
      limits: { budgets: [{ subject: 'user:*', period: 'day', maxTokens: 300, mode: 'hard' }] },
    });
  const ledgerWith = (meter: Meter): CreatedLedger => redis.ledgerWith(meter);
  const call150 = (ledger: CreatedLedger, userId = 'u-1') =>
    ledger.logCall({ model: 'm', provider: 'p', userId }, (call) => {
      call.complete({ responseMessage: 'ok', tokens: { input: 100, output: 50 } });
    });

  it('down at start: calls do not wait for a connect timeout, overspend is reported, and the spooled settlements apply once when Redis returns', async () => {
    const logger = capturingLogger();
    const meter = meterFor({ spool: join(redis.directory, 'spool-1'), logger });
    const ledger = ledgerWith(meter);

    await call150(ledger); // finds out that Redis is not there (connection refused)
    const started = performance.now();
    for (let index = 0; index < 30; index++) await call150(ledger);
    // Each call waited the 2 s connect timeout before the breaker: 30 calls took a minute.
    expect(performance.now() - started).toBeLessThan(2_000);

    await ledger.flush();
    expect(meter.stats()).toMatchObject({
      backendDown: true,
      unreserved: 31,
      reservations: 0,
      pendingReplay: 31,
      spooled: 31,
      overspend: { calls: 31, tokens: 31 * 150 },
    });
    const health = await ledger.health();
    expect(health.meter.status).toBe('unhealthy');
    expect(health.meter.error).toMatch(/down/);
    await expect(meter.get('user:u-1', 'day')).rejects.toBeInstanceOf(MeterUnavailableError);

    await redis.server.start();
    await until(async () => meter.stats().pendingReplay === 0 && meter.stats().spooled === 0);
    expect(meter.stats()).toMatchObject({ backendDown: false, applied: 31, duplicates: 0 });
    expect(await meter.get('user:u-1', 'day')).toMatchObject({ requests: 31, tokens: { total: 4650 } });
    expect(logger.lines.some((line) => /31 calls ran without a budget check/.test(line))).toBe(true);
    // The budget holds again: the usage of the outage is counted.
    await expect(call150(ledger)).rejects.toBeInstanceOf(QuotaExceededError);

    await ledger.close();
    expect(logger.lines.filter((line) => /not applied/.test(line))).toEqual([]);
  });

  it('fail-closed: once Redis is known to be down, gated calls are refused at once', async () => {
    const ledger = ledgerWith(meterFor({ failOpen: false }));
    await expect(call150(ledger)).rejects.toBeInstanceOf(MeterUnavailableError);
    const started = performance.now();
    for (let index = 0; index < 30; index++) {
      await expect(call150(ledger)).rejects.toThrow(/down \(since .*calls with limits are refused/);
    }
    expect(performance.now() - started).toBeLessThan(2_000);
    expect((await ledger.calls.list()).records).toHaveLength(0);
    expect(ledger.meter!.stats()).toMatchObject({ backendDown: true, unreserved: 0 });
  });

  it('Redis stopped mid-run and restarted: usage of the outage is applied once, without replayRecords()', async () => {
    await redis.server.start();
    const logger = capturingLogger();
    const meter = meterFor({ spool: join(redis.directory, 'spool-2'), logger });
    meter.limits.set({ subject: 'user:*', period: 'day', maxTokens: 1_000_000, mode: 'hard' });
    const ledger = ledgerWith(meter);
    for (let index = 0; index < 3; index++) await call150(ledger);
    await ledger.flush();
    expect(await meter.get('user:u-1', 'day')).toMatchObject({ requests: 3, reserved: { requests: 0 } });

    await redis.server.stop();
    for (let index = 0; index < 5; index++) await call150(ledger);
    await ledger.flush();
    expect(meter.stats()).toMatchObject({ backendDown: true, pendingReplay: 5, spooled: 5 });

    await redis.server.start(); // empty: nothing persisted
    await until(() => meter.stats().pendingReplay === 0 && meter.stats().spooled === 0 && !meter.stats().backendDown);
    expect(await meter.get('user:u-1', 'day')).toMatchObject({ requests: 5, tokens: { total: 750 } });
    await ledger.flush();
    expect(meter.stats()).toMatchObject({ duplicates: 0, overspend: { calls: 5 } });
    expect(logger.lines.some((line) => /backend is back/.test(line))).toBe(true);
  });

  it('settlements spooled by a process that stopped while Redis was down are applied, once, by the next one', async () => {
    const spoolDirectory = join(redis.directory, 'spool-3');
    const logger = capturingLogger();
    const first = ledgerWith(meterFor({ spool: spoolDirectory, logger }));
    for (let index = 0; index < 4; index++) await call150(first, 'u-9');
    await first.close();
    expect(logger.lines.some((line) => /kept in the spool/.test(line))).toBe(true);

    await redis.server.start();
    const second = meterFor({ spool: spoolDirectory });
    redis.track(second);
    await until(async () => second.stats().spooled === 0);
    expect(await second.get('user:u-9', 'day')).toMatchObject({ requests: 4, tokens: { total: 600 } });
    expect(second.stats()).toMatchObject({ applied: 4, duplicates: 0 });
    await redis.closeNow(second);

    const third = meterFor({ spool: spoolDirectory });
    redis.track(third);
    await third.flush();
    expect(third.stats()).toMatchObject({ applied: 0, spooled: 0 });
    expect((await third.get('user:u-9', 'day')).requests).toBe(4);
  });

  it("a ledger's own Redis meter keeps its settlements in the ledger's spool directory while Redis is down", async () => {
    const cwd = mkdtempSync(join(redis.directory, 'ledger-'));
    const ledger = createLedger({
      store: 'memory',
      configFile: false,
      env: {},
      cwd,
      logger: silentLogger,
      meter: redis.server.url,
      shutdownHooks: false,
    });
    redis.track(ledger);
    ledger.limits!.set({ subject: 'user:*', period: 'day', maxTokens: 300, mode: 'hard' });
    for (let index = 0; index < 3; index++) await call150(ledger, 'u-5');
    await ledger.flush();
    expect(ledger.meter!.stats()).toMatchObject({ backendDown: true, spooled: 3 });
    const spooled = readFileSync(join(cwd, '.llm-ledger/meter-spool/spool.jsonl'), 'utf8').trim().split('\n');
    expect(spooled.map((line) => (JSON.parse(line) as { userId: string }).userId)).toEqual(['u-5', 'u-5', 'u-5']);
  });

  it('`llm-ledger usage` against an unreachable meter exits with a clear error instead of hanging', async () => {
    const cwd = mkdtempSync(join(redis.directory, 'cli-'));
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          // tsx by its path: the CLI runs in a directory of its own, outside the project.
          ['--import', tsxLoader, join(process.cwd(), 'src/cli/main.ts'), 'usage', '--user', 'u-1', ...args],
          { cwd, timeout: 30_000, env: { PATH: process.env.PATH } },
          (error, stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stdout, stderr }),
        );
      });
    const strict = await run(['--meter', `${redis.server.url}/0`, '--source', 'meter']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/meter at redis:\/\/127\.0\.0\.1:\d+\/0 is unavailable \(.*ECONNREFUSED/);
    // --source auto falls back to the ledger's records (here there is no database: that is the error).
    const fallback = await run(['--meter', `${redis.server.url}/0`, '--json']);
    expect(fallback.code).not.toBeNull();
    expect(fallback.stderr).toMatch(/unavailable; computing from the ledger's records/);
  });
});
