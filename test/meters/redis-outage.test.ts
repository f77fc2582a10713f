import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { Pricer } from '../../src/core/call.js';
import { silentLogger } from '../../src/core/logger.js';
import { createLedger } from '../../src/create-ledger.js';
import { attachMeter } from '../../src/meters/gate/attach-meter.js';
import { createMeter } from '../../src/meters/create-meter.js';
import { MeterUnavailableError } from '../../src/meters/errors.js';
import { FIXED_ESTIMATE, usageRecord } from './support/meter-fixtures.js';
import {
  deletePrefix,
  describeWithRedis,
  openTestClient,
  REDIS_URL,
  uniquePrefix,
} from './support/redis-test-server.js';
import { TcpProxy } from './support/tcp-proxy.js';

const pricer: Pricer = {
  price: (record) => ({
    total: `0.00000${record.tokens.output}`,
    breakdown: {},
    currency: 'USD',
    pricingVersion: 'test',
    status: 'priced',
  }),
};

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWithRedis('Redis meter through an outage', () => {
  let client: Redis;
  let proxy: TcpProxy;
  const prefix = uniquePrefix('outage');
  beforeAll(async () => {
    client = openTestClient();
    const target = new URL(REDIS_URL);
    proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
    await deletePrefix(client, prefix);
    await client.quit();
  });

  it('fails open while Redis is away and replays the missed usage from the records when it is back', async () => {
    const ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger, pricer });
    const meter = createMeter({
      backend: `redis://127.0.0.1:${proxy.port}`,
      keyPrefix: prefix,
      logger: silentLogger,
      estimate: FIXED_ESTIMATE,
      operationTimeoutMs: 300,
      retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 200 },
    });
    meter.limits.set({ subject: 'user:*', period: 'day', maxCost: '10' });
    const metering = attachMeter(ledger, meter);
    const call = (output: number) =>
      metering.logCall({ model: 'm', userId: 'u-out' }, (handle) => {
        handle.complete({ responseMessage: 'ok', tokens: { input: 10, output } });
        return output;
      });

    for (let output = 1; output <= 3; output++) await call(output);
    await meter.flush();
    expect((await meter.get('user:u-out', 'day')).requests).toBe(3);

    await proxy.stop();
    // Calls go on while Redis is unreachable: no reservation, settlements queued for replay.
    const during = await Promise.all([4, 5, 6, 7, 8].map((output) => call(output)));
    expect(during).toEqual([4, 5, 6, 7, 8]);
    await meter.flush();
    expect(meter.stats()).toMatchObject({ unreserved: 5, pendingReplay: 5 });
    await expect(meter.get('user:u-out', 'day')).rejects.toBeInstanceOf(MeterUnavailableError);

    await proxy.start();
    await until(() => meter.stats().pendingReplay === 0);
    await ledger.flush();
    const [row] = await ledger.usage.summary({ where: { userId: 'u-out' } });
    const usage = await meter.get('user:u-out', 'day');
    expect(usage.requests).toBe(8);
    expect(usage.cost).toBe(row!.cost);
    expect(usage.reserved).toEqual({ cost: '0', tokens: 0, requests: 0 });
    // Each missed settlement was applied exactly once, by the replay.
    expect(meter.stats()).toMatchObject({ replayed: 5, applied: 8, duplicates: 0 });
    await ledger.close();
    await meter.close();
  }, 30_000);

  it('refuses limited calls while Redis is away when fail-closed', async () => {
    const meter = createMeter({
      backend: `redis://127.0.0.1:${proxy.port}`,
      keyPrefix: prefix,
      logger: silentLogger,
      estimate: FIXED_ESTIMATE,
      failOpen: false,
      operationTimeoutMs: 300,
    });
    meter.limits.set({ subject: 'user:*', period: 'day', maxRequests: 100 });
    await expect(meter.reserve({ id: 'before', model: 'm', userId: 'u-closed' })).resolves.not.toBeNull();
    await proxy.stop();
    await expect(meter.reserve({ id: 'during', model: 'm', userId: 'u-closed' })).rejects.toBeInstanceOf(
      MeterUnavailableError,
    );
    await proxy.start();
    await until(
      async () =>
        (await meter.reserve({ id: `after-${Date.now()}`, model: 'm', userId: 'u-closed' }).catch(() => null)) !== null,
    );
    await meter.close();
  }, 30_000);

  it('starts without Redis and meters once it appears', async () => {
    await proxy.stop();
    const meter = createMeter({
      backend: `redis://127.0.0.1:${proxy.port}`,
      keyPrefix: prefix,
      logger: silentLogger,
      estimate: FIXED_ESTIMATE,
      operationTimeoutMs: 300,
      retry: { attempts: 1, baseDelayMs: 20, maxDelayMs: 100 },
    });
    meter.limits.set({ subject: 'user:*', period: 'day', maxRequests: 100 });
    // Fails open at once (no reservation), and the usage waits for replay.
    await expect(meter.reserve({ id: 'early', model: 'm', userId: 'u-late' })).resolves.toBeNull();
    void meter.settle(usageRecord(Date.now(), { id: 'early', userId: 'u-late' }));
    await meter.flush();
    expect(meter.stats().pendingReplay).toBe(1);
    await proxy.start();
    await until(() => meter.stats().pendingReplay === 0);
    expect(await meter.get('user:u-late', 'day')).toMatchObject({ requests: 1, reserved: { requests: 0 } });
    await meter.close();
  }, 30_000);
});
