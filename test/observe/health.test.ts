import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth } from '../../src/core/health.js';
import { freePort, observedLedger, redisClient, redisReachable, startRedis, stopRedis } from './support.js';

const SHARED_REDIS_PORT = 6379;

describe('checkHealth', () => {
  let sharedRedis = false;
  beforeAll(async () => {
    sharedRedis = await redisReachable(SHARED_REDIS_PORT);
  });

  it('is healthy with a live ledger and no meter', async () => {
    const ledger = observedLedger([]);
    ledger.start({ model: 'gpt-4o' }).complete();
    await ledger.flush();
    const report = await checkHealth({ stats: () => ledger.stats(), now: () => Date.UTC(2025, 0, 15) });
    expect(report).toEqual({
      status: 'healthy',
      store: { status: 'healthy', written: 1, failedWrites: 0 },
      meter: { status: 'healthy', configured: false },
      queue: { status: 'healthy', pending: 0 },
      spool: { status: 'healthy', pending: 0, bytes: null },
      timestamp: '2025-01-15T00:00:00.000Z',
    });
    await ledger.close();
  });

  it('is healthy when the real Redis at 127.0.0.1:6379 answers PING', async (test) => {
    if (!sharedRedis) test.skip();
    const report = await checkHealth({ stats: () => ({ pending: 0 }), meter: redisClient(SHARED_REDIS_PORT) });
    expect(report.status).toBe('healthy');
    expect(report.meter).toMatchObject({ status: 'healthy', configured: true, latencyMs: expect.any(Number) });
  });

  describe('with a Redis that is stopped', () => {
    let redis: Awaited<ReturnType<typeof startRedis>>;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      if (redis && redis.process.exitCode === null && redis.process.signalCode === null) await stopRedis(redis);
    });

    it('reports the meter, and the ledger, unhealthy', async () => {
      let port: number;
      if (redis) {
        // A private redis-server: healthy while it runs, unhealthy once stopped.
        port = redis.port;
        const before = await checkHealth({ stats: () => ({ pending: 0 }), meter: redisClient(port) });
        expect(before.status).toBe('healthy');
        await stopRedis(redis);
      } else {
        // No redis-server installed: a port nothing listens on is what a stopped Redis looks like.
        port = await freePort();
      }
      const report = await checkHealth({ stats: () => ({ pending: 0 }), meter: redisClient(port) });
      expect(report.status).toBe('unhealthy');
      expect(report.meter).toMatchObject({
        status: 'unhealthy',
        configured: true,
        error: expect.stringMatching(/ECONNREFUSED/),
      });
      expect(report.store.status).toBe('healthy');
    });
  });

  it('reports a rejecting or hanging ping as unhealthy', async () => {
    const rejected = await checkHealth({
      stats: () => ({ pending: 0 }),
      meter: () => Promise.reject(new Error('NOAUTH Authentication required')),
    });
    expect(rejected.meter).toEqual({ status: 'unhealthy', configured: true, error: 'NOAUTH Authentication required' });
    const hanging = await checkHealth({
      stats: () => ({ pending: 0 }),
      meter: { ping: () => new Promise(() => {}) },
      pingTimeoutMs: 20,
    });
    expect(hanging.status).toBe('unhealthy');
    expect(hanging.meter.error).toBe('meter ping did not answer within 20 ms');
  });

  it('is degraded while the store fails, the spool holds records or the queue is over its mark', async () => {
    const storeDown = await checkHealth({
      stats: () => ({ pending: 12, written: 5, failedWrites: 3, storeError: new Error('SQLITE_BUSY') }),
    });
    expect(storeDown.status).toBe('degraded');
    expect(storeDown.store).toEqual({ status: 'degraded', error: 'SQLITE_BUSY', written: 5, failedWrites: 3 });
    const spooled = await checkHealth({ stats: () => ({ pending: 0, spool: { pending: 40, bytes: 8192 } }) });
    expect(spooled.status).toBe('degraded');
    expect(spooled.spool).toMatchObject({ status: 'degraded', pending: 40, bytes: 8192 });
    const backlog = await checkHealth({ stats: () => ({ pending: 11 }), queueHighWaterMark: 10 });
    expect(backlog.status).toBe('degraded');
    expect(backlog.queue).toMatchObject({ status: 'degraded', pending: 11 });
  });

  it('is unhealthy when the stats cannot be read', async () => {
    const report = await checkHealth({
      stats: () => {
        throw new Error('ledger closed');
      },
    });
    expect(report.status).toBe('unhealthy');
    expect(report.queue.error).toBe('stats unavailable: ledger closed');
  });
});
