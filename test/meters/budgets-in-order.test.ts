import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { createLedger } from '../../src/create-ledger.js';
import type { CreatedLedger } from '../../src/ledger-options.js';
import { attachMeter } from '../../src/meters/gate/attach-meter.js';
import { createMeter } from '../../src/meters/create-meter.js';
import { QuotaExceededError } from '../../src/meters/errors.js';
import type { EstimateOptions } from '../../src/meters/limits/call-estimate.js';
import type { Meter } from '../../src/meters/meter.js';
import { TestClock, usageRecord } from './support/meter-fixtures.js';
import { deletePrefix, openTestClient, redisAvailable, REDIS_URL, uniquePrefix } from './support/redis-test-server.js';

/** 25 input tokens counted, 25 output allowed: each call reserves 50 tokens and uses 150. */
const SMALL_ESTIMATE = { countInputTokens: () => 25, defaultMaxOutputTokens: 25 };

const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-order-'));
const redisPrefixes: string[] = [];
let redisClient: Redis | undefined;

type Backend = 'memory' | 'sqlite' | 'redis';
const BACKENDS: Backend[] = ['memory', 'sqlite', 'redis'];
const CI = process.env.CI === 'true';

function meterOf(backend: Backend, estimate: EstimateOptions = SMALL_ESTIMATE): Meter {
  const location =
    backend === 'memory'
      ? 'memory'
      : backend === 'sqlite'
        ? `sqlite:${join(directory, `${Math.random()}.db`)}`
        : REDIS_URL;
  const keyPrefix = backend === 'redis' ? uniquePrefix('order') : undefined;
  if (keyPrefix) redisPrefixes.push(keyPrefix);
  return createMeter({
    backend: location,
    keyPrefix,
    logger: silentLogger,
    estimate,
    limits: { budgets: [{ subject: 'user:*', period: 'day', maxTokens: 300, mode: 'hard' }] },
  });
}

afterAll(async () => {
  rmSync(directory, { recursive: true, force: true });
  if (redisPrefixes.length > 0) {
    redisClient ??= openTestClient();
    for (const prefix of redisPrefixes) await deletePrefix(redisClient, prefix);
  }
  await redisClient?.quit();
});

for (const backend of BACKENDS) {
  const skip = backend === 'redis' && !redisAvailable;
  if (skip && CI) throw new Error(`Redis is not reachable at ${REDIS_URL}; CI=true requires it`);
  describe.skipIf(skip)(`budgets in order, ${backend} meter`, () => {
    const opened: Array<{ close(): Promise<void> }> = [];
    afterEach(async () => {
      for (const item of opened.splice(0).reverse()) await item.close();
    });
    const ledgerWith = (meter: Meter): CreatedLedger => {
      const ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger, meter });
      opened.push(ledger);
      return ledger;
    };
    const call150 = (ledger: CreatedLedger) =>
      ledger.logCall({ model: 'm', provider: 'p', userId: 'u-1' }, (call) => {
        call.complete({ responseMessage: 'ok', tokens: { input: 100, output: 50 } });
      });

    it('a call settled before the next reserves counts against it: 150-token calls one after another stop at 300', async () => {
      const ledger = ledgerWith(meterOf(backend));
      let admitted = 0;
      let refused: unknown;
      for (let index = 0; index < 6; index++) {
        try {
          await call150(ledger);
          admitted += 1;
        } catch (error) {
          refused = error;
          break;
        }
      }
      expect(admitted).toBe(2);
      expect(refused).toBeInstanceOf(QuotaExceededError);
      await ledger.flush();
      const usage = await ledger.meter!.get('user:u-1', 'day');
      expect(usage).toMatchObject({ requests: 2, tokens: { total: 300 }, reserved: { tokens: 0, requests: 0 } });
      // Both calls used more than their 50-token reservations.
      expect(ledger.meter!.stats()).toMatchObject({ reservations: 2, exceededReservation: 2 });
    });

    it('ledger.flush() is a barrier for settlements: every finished call counted, nothing left reserved', async () => {
      const meter = meterOf(backend);
      meter.limits.set({ subject: 'user:*', period: 'day', maxTokens: 1_000_000, mode: 'hard' });
      const ledger = ledgerWith(meter);
      await Promise.all(Array.from({ length: 10 }, () => call150(ledger)));
      await ledger.flush();
      const usage = await meter.get('user:u-1', 'day');
      expect(usage).toMatchObject({ requests: 10, tokens: { total: 1500 }, reserved: { requests: 0, tokens: 0 } });
      expect((await ledger.calls.list()).records).toHaveLength(10);
    });

    it('ledger.flush() waits for an attached meter too (its handler flushes)', async () => {
      const meter = meterOf(backend);
      opened.push(meter);
      const ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger, meter: false });
      opened.push(ledger);
      const metering = attachMeter(ledger, meter);
      metering.limits.set({ subject: 'user:*', period: 'day', maxTokens: 1_000_000, mode: 'hard' });
      await Promise.all(
        Array.from({ length: 10 }, () =>
          metering.logCall({ model: 'm', userId: 'u-2' }, (call) => {
            call.complete({ tokens: { input: 100, output: 50 } });
          }),
        ),
      );
      await ledger.flush();
      expect(await meter.get('user:u-2', 'day')).toMatchObject({ requests: 10, reserved: { requests: 0 } });
    });

    it("modelMaxOutputTokens reserves the model's maximum output when a call sets none: no call goes past its reservation", async () => {
      const ledger = ledgerWith(meterOf(backend, { ...SMALL_ESTIMATE, modelMaxOutputTokens: { m: 125 } }));
      let admitted = 0;
      for (let index = 0; index < 6; index++) {
        try {
          await call150(ledger);
          admitted += 1;
        } catch (error) {
          expect(error).toBeInstanceOf(QuotaExceededError);
          break;
        }
      }
      expect(admitted).toBe(2);
      await ledger.flush();
      expect(ledger.meter!.stats().exceededReservation).toBe(0);
      expect(await ledger.meter!.get('user:u-1', 'day')).toMatchObject({
        tokens: { total: 300 },
        reserved: { tokens: 0 },
      });
    });
  });
}

describe.skipIf(!redisAvailable)('budgets in order, Redis details', () => {
  it('the settlement of a call whose reservation expired (and was swept) still comes before the next reservation', async () => {
    const clock = new TestClock(Date.now());
    const keyPrefix = uniquePrefix('order-expired');
    redisPrefixes.push(keyPrefix);
    const meter = createMeter({
      backend: REDIS_URL,
      keyPrefix,
      clock,
      reservationTtlMs: 1_000,
      logger: silentLogger,
      limits: { budgets: [{ subject: 'user:*', period: 'day', maxTokens: 300, mode: 'hard' }] },
    });
    try {
      const tokens = (total: number) => ({
        inputTokens: total,
        outputTokens: 0,
        totalTokens: total,
        cost: null,
        costUnits: 0n,
      });
      const startedAt = clock.now();
      await meter.reserve({ id: 'call-a', model: 'm', userId: 'u-1' }, tokens(50));
      clock.advance(2_000);
      // Another user's reservation sweeps call-a's, expired by now.
      await meter.reserve({ id: 'call-b', model: 'm', userId: 'u-2' }, tokens(10));
      const settled = meter.settle(usageRecord(startedAt, { id: 'call-a', userId: 'u-1' }));
      // call-a used 150: 150 + 200 is over 300, whatever the fast script makes of the swept reservation.
      await expect(meter.reserve({ id: 'call-c', model: 'm', userId: 'u-1' }, tokens(200))).rejects.toBeInstanceOf(
        QuotaExceededError,
      );
      await settled;
      expect((await meter.get('user:u-1', 'day')).tokens.total).toBe(150);
    } finally {
      await meter.close();
    }
  });
});
