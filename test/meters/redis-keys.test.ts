import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { BackedMeter } from '../../src/meters/backed-meter/backed-meter.js';
import type { RedisLike, RedisPipelineLike } from '../../src/meters/redis/redis-like.js';
import { RedisMeterBackend } from '../../src/meters/redis/redis-meter-backend.js';
import { FIXED_ESTIMATE, TestClock, usageRecord } from './support/meter-fixtures.js';
import { deletePrefix, describeWithRedis, openTestClient, uniquePrefix } from './support/redis-test-server.js';

const DAY = 86_400_000;

describeWithRedis('Redis meter keys', () => {
  let client: Redis;
  const prefix = uniquePrefix('keys');
  beforeAll(() => {
    client = openTestClient();
  });
  afterAll(async () => {
    await deletePrefix(client, prefix);
    await client.quit();
  });

  it('keeps counters, applied ids and reservations under the prefix, each with a TTL', async () => {
    const clock = new TestClock(Date.parse('2031-03-14T12:00:00.000Z'));
    const meter = new BackedMeter({
      backend: new RedisMeterBackend(client, { keyPrefix: prefix }),
      clock,
      estimate: FIXED_ESTIMATE,
      retentionMs: 2 * DAY,
      idempotencyTtlMs: 3_600_000,
      reservationTtlMs: 60_000,
    });
    meter.limits.set({ subject: 'user:*', period: 'day', maxRequests: 10 });
    await meter.reserve({ id: 'running', model: 'm', userId: 'u-1' });
    await meter.settle(usageRecord(clock.now(), { id: 'done' }));
    await meter.flush();

    const dayKey = `${prefix}c:user:d2031-03-14:u-1`;
    expect(await client.hgetall(dayKey)).toMatchObject({
      requests: '1',
      total: '150',
      cost: '6300000',
      reservedRequests: '1',
    });
    // Window end (12 hours away) plus 2 days of retention, relative to the meter's clock.
    const ttl = await client.pttl(dayKey);
    expect(ttl).toBeGreaterThan(2 * DAY + 12 * 3_600_000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(2 * DAY + 12 * 3_600_000);
    const monthTtl = await client.pttl(`${prefix}c:user:m2031-03-01:u-1`);
    expect(monthTtl).toBeGreaterThan(2 * DAY + 17 * DAY - 5_000);
    const appliedTtl = await client.pttl(`${prefix}applied:done`);
    expect(appliedTtl).toBeGreaterThan(3_590_000);
    expect(appliedTtl).toBeLessThanOrEqual(3_600_000);
    const reservations = await client.zrange(`${prefix}reservations`, '0', '-1', 'WITHSCORES');
    expect(JSON.parse(reservations[0]!)).toMatchObject({ id: 'running', k: ['user:d2031-03-14:u-1'], r: '1' });
    expect(Number(reservations[1])).toBe(clock.now() + 60_000);
    await meter.close();
  });

  it('falls back to EVAL when Redis does not know a script (after a restart)', async () => {
    // Every EVALSHA names an unknown script, as after a Redis restart, without flushing the
    // shared server's script cache.
    const unknownSha = 'f'.repeat(40);
    const forgetful: RedisLike = {
      evalsha: (_sha, keys, ...args) => client.evalsha(unknownSha, keys, ...args),
      eval: (script, keys, ...args) => client.eval(script, keys, ...args),
      quit: async () => undefined,
      pipeline: () => {
        const pipeline = client.pipeline();
        const wrapper: RedisPipelineLike = {
          hgetall: (key) => pipeline.hgetall(key),
          exec: () => pipeline.exec(),
        };
        return wrapper;
      },
    };
    const meter = new BackedMeter({
      backend: new RedisMeterBackend(forgetful, { keyPrefix: prefix }),
      estimate: FIXED_ESTIMATE,
    });
    meter.limits.set({ subject: 'user:*', period: 'day', maxRequests: 10 });
    await meter.reserve({ id: 'after-restart', model: 'm', userId: 'u-2' });
    await meter.settle(usageRecord(Date.now(), { id: 'after-restart', userId: 'u-2' }));
    await meter.flush();
    expect(await meter.get('user:u-2', 'day')).toMatchObject({ requests: 1, reserved: { requests: 0 } });
    expect(meter.stats().backendErrors).toBe(0);
    await meter.close();
  });
});
