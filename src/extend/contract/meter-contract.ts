import type { MeterBackend } from '../../meters/backend.js';
import { BackedMeter, type MeterOptions } from '../../meters/backed-meter/backed-meter.js';
import { costToUnits } from '../../meters/counters/cost-units.js';
import { MeterClosedError, QuotaExceededError, RateLimitedError } from '../../meters/errors.js';
import type { LimitAlert } from '../../meters/meter.js';
import { makeCost } from './records.js';
import { FIXED_ESTIMATE, FIXED_ESTIMATE_COST, TestClock, usageRecord } from './meter-fixtures.js';
import type { ContractTestApi } from './test-api.js';

/** A fresh, empty backend per test, and what to do after the test (drop its keys, close files). */
export type MeterBackendFactory = () => Promise<{ backend: MeterBackend; cleanup?: () => Promise<void> }>;

const START = Date.parse('2031-03-14T12:00:00.000Z');

/**
 * The behaviour every meter backend must have: each backend's test file calls this with a factory.
 * The same scenarios, checked the same way, for memory, SQLite and Redis.
 *
 * @example
 * import { afterEach, beforeEach, describe, expect, it } from 'vitest';
 * const test = { describe, it, expect, beforeEach, afterEach };
 * describeMeterContract(test, 'memory', async () => ({ backend: new MemoryMeterBackend() }));
 */
export function describeMeterContract(t: ContractTestApi, name: string, factory: MeterBackendFactory): void {
  const { afterEach, describe } = t;
  describe(`Meter contract: ${name}`, () => {
    const open: Array<{ meter: BackedMeter; cleanup?: () => Promise<void> }> = [];
    let clock: TestClock;

    async function meter(
      options: Partial<MeterOptions> = {},
      shared?: { backend: MeterBackend; cleanup?: () => Promise<void> },
    ): Promise<BackedMeter> {
      clock ??= new TestClock(START);
      const made = shared ?? (await factory());
      const created = new BackedMeter({
        clock,
        estimate: FIXED_ESTIMATE,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        ...options,
        backend: made.backend,
      });
      open.push({ meter: created, cleanup: 'cleanup' in made ? made.cleanup : undefined });
      return created;
    }

    afterEach(async () => {
      for (const { meter: created, cleanup } of open.splice(0).reverse()) {
        await created.close();
        await cleanup?.();
      }
      clock = new TestClock(START);
    });

    const suite: MeterSuite = { t, factory, meter, clock: () => (clock ??= new TestClock(START)) };
    describeCounters(suite);
    describeWindows(suite);
    describeBudgets(suite);
    describeRateLimits(suite);
  });
}

/** What the sections of the suite share: the test functions, a meter on a fresh backend, its clock. */
interface MeterSuite {
  t: ContractTestApi;
  factory: MeterBackendFactory;
  meter(
    options?: Partial<MeterOptions>,
    shared?: { backend: MeterBackend; cleanup?: () => Promise<void> },
  ): Promise<BackedMeter>;
  /** The clock every meter of the current test reads; tests move it by hand. */
  clock(): TestClock;
}

function describeCounters(suite: MeterSuite): void {
  const { describe, it, expect } = suite.t;
  const { meter, factory } = suite;
  describe('counters', () => {
    it('starts at zero, with the window it reads', async () => {
      const m = await meter();
      const usage = await m.get('user:nobody', 'day');
      expect(usage).toMatchObject({
        subject: 'user:nobody',
        period: 'day',
        requests: 0,
        cost: '0',
        currency: 'USD',
        unpricedRequests: 0,
        reserved: { cost: '0', tokens: 0, requests: 0 },
      });
      expect(usage.windowStart.toISOString()).toBe('2031-03-14T00:00:00.000Z');
      expect(usage.windowEnd.toISOString()).toBe('2031-03-15T00:00:00.000Z');
    });

    it('counts every field and the exact cost per subject and period', async () => {
      const m = await meter();
      await m.settle(usageRecord(START, { costTotal: '0.0000063' }));
      await m.settle(usageRecord(START + 1000, { costTotal: '0.000001234567' }));
      await m.flush();
      for (const [subject, period] of [
        ['user:u-1', 'day'],
        ['user:u-1', 'cycle'],
        ['tenant:t-1', 'day'],
        ['tenant:t-1', 'month'],
      ] as const) {
        const usage = await m.get(subject, period);
        expect(usage.requests, `${subject} ${period}`).toBe(2);
        expect(usage.tokens).toEqual({
          input: 240,
          cacheRead: 40,
          cacheWrite: 10,
          output: 60,
          reasoning: 20,
          total: 300,
        });
        expect(usage.cost).toBe('0.000007534567');
      }
      expect((await m.get('user:someone-else', 'day')).requests).toBe(0);
    });

    it('is idempotent per record id, also across meter instances', async () => {
      const made = await factory();
      const m = await meter({}, made);
      const record = usageRecord(START);
      await m.settle(record);
      await m.settle({ ...record });
      await m.flush();
      // A second process (another meter on the same backend) replaying the same record.
      const other = await meter({}, { backend: made.backend });
      await other.settle(record);
      await other.flush();
      expect((await m.get('user:u-1', 'day')).requests).toBe(1);
      expect(other.stats().duplicates).toBe(1);
    });

    it('counts model, apiKey and custom dimensions', async () => {
      const m = await meter({
        dimensions: ['model', 'apiKey', 'feature', 'team'],
        dimensionReaders: { team: (call) => (call.userId ? `team-of-${call.userId}` : null) },
      });
      await m.settle(usageRecord(START, { metadata: { apiKeyId: 'key-7', feature: 'search' } }));
      await m.flush();
      expect((await m.get('model:gpt-4o-mini', 'day')).requests).toBe(1);
      expect((await m.get('apiKey:key-7', 'day')).requests).toBe(1);
      expect((await m.get('feature:search', 'day')).requests).toBe(1);
      expect((await m.get('team:team-of-u-1', 'day')).requests).toBe(1);
      expect((await m.get('user:u-1', 'day')).requests).toBe(0);
    });

    it('rounds costs with more than 12 decimals up, and counts unpriced calls apart', async () => {
      const m = await meter();
      await m.settle(usageRecord(START, { costTotal: '0.0000000000001' }));
      await m.settle(usageRecord(START, { costTotal: null }));
      await m.settle(
        usageRecord(START, {
          cost: null,
          tokenSource: null,
          tokens: { input: 0, output: 0, total: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
        }),
      );
      await m.flush();
      const usage = await m.get('user:u-1', 'day');
      expect(usage.cost).toBe('0.000000000001');
      expect(usage.unpricedRequests).toBe(1);
      expect(usage.requests).toBe(3);
    });

    it('adds costs beyond 2^53 counter units exactly', async () => {
      const m = await meter();
      await m.settle(usageRecord(START, { costTotal: '12345.678901234567' }));
      await m.settle(usageRecord(START, { costTotal: '12345.678901234567' }));
      await m.flush();
      expect((await m.get('user:u-1', 'day')).cost).toBe('24691.357802469134');
    });

    it('count() counts one record for one subject and period, idempotently', async () => {
      const m = await meter();
      const record = usageRecord(START);
      await m.count(record, { subject: 'user:u-1', period: 'cycle:2031-01-20' });
      await m.count(record, { subject: 'user:u-1', period: 'cycle:2031-01-20' });
      await m.settle(record);
      await m.flush();
      const cycle = await m.get('user:u-1', 'cycle:2031-01-20');
      expect(cycle.requests).toBe(1);
      expect(cycle.windowStart.toISOString()).toBe('2031-02-20T00:00:00.000Z');
      expect((await m.get('user:u-1', 'day')).requests).toBe(1);
    });
  });
}

function describeWindows(suite: MeterSuite): void {
  const { describe, it, expect } = suite.t;
  const { meter } = suite;
  describe('windows', () => {
    it('rolls over at the day and billing-cycle boundaries (injected clock)', async () => {
      const m = await meter({ cycleStartDate: '2031-01-15' });
      const before = Date.parse('2031-03-14T23:59:59.999Z');
      const after = Date.parse('2031-03-15T00:00:00.000Z');
      suite.clock().time = before;
      await m.settle(usageRecord(before, { costTotal: '1' }));
      suite.clock().time = after;
      await m.settle(usageRecord(after, { costTotal: '2' }));
      await m.flush();
      const dayBefore = await m.get('user:u-1', 'day', before);
      const dayAfter = await m.get('user:u-1', 'day', after);
      expect([dayBefore.cost, dayAfter.cost]).toEqual(['1', '2']);
      const cycleBefore = await m.get('user:u-1', 'cycle', before);
      const cycleAfter = await m.get('user:u-1', 'cycle', after);
      expect([cycleBefore.cost, cycleAfter.cost]).toEqual(['1', '2']);
      expect(cycleBefore.windowStart.toISOString()).toBe('2031-02-15T00:00:00.000Z');
      expect(cycleBefore.windowEnd.toISOString()).toBe('2031-03-15T00:00:00.000Z');
      expect(cycleAfter.windowEnd.toISOString()).toBe('2031-04-15T00:00:00.000Z');
      // The calendar month does not roll over on the 15th.
      expect((await m.get('user:u-1', 'month', after)).cost).toBe('0');
    });

    it('gives a budget back at the boundary', async () => {
      const m = await meter();
      m.limits.set({ subject: 'user:*', period: 'day', maxRequests: 1 });
      suite.clock().set('2031-03-14T23:59:59.999Z');
      await m.reserve({ id: 'call-1', model: 'm', userId: 'u-1' });
      await m.settle(usageRecord(suite.clock().now(), { id: 'call-1' }));
      const error = await m.reserve({ id: 'call-2', model: 'm', userId: 'u-1' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(QuotaExceededError);
      expect((error as QuotaExceededError).resetsAt.toISOString()).toBe('2031-03-15T00:00:00.000Z');
      suite.clock().set('2031-03-15T00:00:00.000Z');
      await expect(m.reserve({ id: 'call-3', model: 'm', userId: 'u-1' })).resolves.not.toBeNull();
    });
  });
}

function describeBudgets(suite: MeterSuite): void {
  const { describe, it, expect } = suite.t;
  const { meter } = suite;
  describe('budgets', () => {
    it('reserves the estimate and refuses, before the call, what would exceed a hard limit', async () => {
      const m = await meter();
      m.limits.set({ subject: 'user:*', period: 'month', maxCost: '0.001', mode: 'hard' });
      for (const id of ['a', 'b', 'c']) {
        const reservation = await m.reserve({ id, model: 'm', userId: 'u-1' });
        expect(reservation?.estimate.cost).toBe(FIXED_ESTIMATE_COST);
      }
      expect((await m.get('user:u-1', 'month')).reserved).toEqual({ cost: '0.0009', tokens: 600, requests: 3 });
      const error = (await m
        .reserve({ id: 'd', model: 'm', userId: 'u-1' })
        .catch((caught: unknown) => caught)) as QuotaExceededError;
      expect(error).toBeInstanceOf(QuotaExceededError);
      expect(error).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        subject: 'user:u-1',
        field: 'cost',
        used: '0',
        reserved: '0.0009',
        estimate: '0.0003',
        max: '0.001',
        limit: { subject: 'user:*', period: 'month', maxCost: '0.001', mode: 'hard' },
      });
      expect(error.resetsAt.toISOString()).toBe('2031-04-01T00:00:00.000Z');
      // Settling releases the rest: used 0.0001 + reserved 0.0006 + 0.0003 = 0.001 exactly fits.
      await m.settle(usageRecord(START, { id: 'a', costTotal: '0.0001' }));
      await m.flush();
      expect(await m.get('user:u-1', 'month')).toMatchObject({
        cost: '0.0001',
        reserved: { cost: '0.0006', requests: 2 },
      });
      await expect(m.reserve({ id: 'e', model: 'm', userId: 'u-1' })).resolves.not.toBeNull();
      expect(m.stats()).toMatchObject({ reservations: 4, quotaRejections: 1 });
    });

    it('checks every applicable limit in one step: all reserved or none', async () => {
      const m = await meter();
      m.limits.set({ subject: 'user:u-1', period: 'day', maxRequests: 10 });
      m.limits.set({ subject: 'tenant:t-1', period: 'day', maxTokens: 250 });
      await m.reserve({ id: 'a', model: 'm', userId: 'u-1', tenantId: 't-1' });
      const error = await m
        .reserve({ id: 'b', model: 'm', userId: 'u-1', tenantId: 't-1' })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        subject: 'tenant:t-1',
        field: 'tokens',
        reserved: '200',
        estimate: '200',
        max: '250',
      });
      expect((await m.get('user:u-1', 'day')).reserved.requests).toBe(1);
    });

    it('lets a soft limit through with one alert per window', async () => {
      const alerts: LimitAlert[] = [];
      const m = await meter({ onAlert: (alert) => alerts.push(alert) });
      m.limits.set({ subject: 'user:*', period: 'day', maxCost: '0.0005', mode: 'soft' });
      await m.reserve({ id: 'a', model: 'm', userId: 'u-1' });
      const second = await m.reserve({ id: 'b', model: 'm', userId: 'u-1' });
      await m.reserve({ id: 'c', model: 'm', userId: 'u-1' });
      expect(second?.alerts).toHaveLength(1);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ subject: 'user:u-1', field: 'cost', reserved: '0.0003', max: '0.0005' });
    });

    it("a subject's own budget overrides the wildcard's", async () => {
      const m = await meter();
      m.limits.set({ subject: 'user:*', period: 'day', maxRequests: 1 });
      m.limits.set({ subject: 'user:vip', period: 'day', maxRequests: 3 });
      for (const id of ['a', 'b', 'c']) await m.reserve({ id, model: 'm', userId: 'vip' });
      await m.reserve({ id: 'd', model: 'm', userId: 'u-1' });
      await expect(m.reserve({ id: 'e', model: 'm', userId: 'u-1' })).rejects.toBeInstanceOf(QuotaExceededError);
      await expect(m.reserve({ id: 'f', model: 'm', userId: 'vip' })).rejects.toBeInstanceOf(QuotaExceededError);
    });

    it('combines budgets on one counter to the lowest maximum', async () => {
      const m = await meter();
      m.limits.set({ subject: 'user:*', period: 'day', maxRequests: 5 });
      m.limits.set({ subject: 'user:*', period: 'day', maxRequests: 2, maxCost: '1', mode: 'soft' });
      m.limits.set({ subject: 'user:u-1', period: 'day', maxRequests: 1, mode: 'soft' });
      const first = await m.reserve({ id: 'a', model: 'm', userId: 'u-1' });
      expect(first?.alerts).toHaveLength(0);
      const second = await m.reserve({ id: 'b', model: 'm', userId: 'u-1' });
      expect(second?.alerts.map((alert) => alert.limit.subject)).toEqual(['user:u-1']);
    });

    it('compares large amounts exactly', async () => {
      const m = await meter();
      m.limits.set({ subject: 'user:*', period: 'day', maxCost: '24691.357802469135' });
      await m.settle(usageRecord(START, { costTotal: '24691.357802469134' }));
      await m.flush();
      const estimate = (cost: string) => ({
        inputTokens: 0,
        outputTokens: 0,
        totalTokens: 0,
        cost,
        costUnits: costToUnits(cost),
      });
      await expect(
        m.reserve({ id: 'a', model: 'm', userId: 'u-1' }, estimate('0.000000000002')),
      ).rejects.toBeInstanceOf(QuotaExceededError);
      await expect(
        m.reserve({ id: 'b', model: 'm', userId: 'u-1' }, estimate('0.000000000001')),
      ).resolves.not.toBeNull();
    });

    it('releases reservations that are never settled when they expire', async () => {
      const m = await meter({ reservationTtlMs: 1000 });
      m.limits.set({ subject: 'user:*', period: 'day', maxRequests: 1 });
      await m.reserve({ id: 'lost', model: 'm', userId: 'u-1' });
      await expect(m.reserve({ id: 'b', model: 'm', userId: 'u-1' })).rejects.toBeInstanceOf(QuotaExceededError);
      suite.clock().advance(1000);
      await expect(m.reserve({ id: 'c', model: 'm', userId: 'u-1' })).resolves.not.toBeNull();
      expect((await m.get('user:u-1', 'day')).reserved.requests).toBe(1);
      // The lost call's late settlement counts its usage and does not release anything twice.
      await m.settle(usageRecord(suite.clock().now(), { id: 'lost' }));
      await m.flush();
      expect(await m.get('user:u-1', 'day')).toMatchObject({ requests: 1, reserved: { requests: 1 } });
    });

    it('settles what a failed or cancelled call used, and release() frees an unused reservation', async () => {
      const m = await meter();
      m.limits.set({ subject: 'user:*', period: 'day', maxCost: '1' });
      await m.reserve({ id: 'failed', model: 'm', userId: 'u-1' });
      await m.reserve({ id: 'never-sent', model: 'm', userId: 'u-1' });
      const failed = usageRecord(START, {
        id: 'failed',
        status: 'cancelled',
        tokens: { input: 100, output: 7, total: 107, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
        cost: makeCost('0.000114'),
      });
      await m.settle(failed);
      await m.release('never-sent');
      await m.flush();
      expect(await m.get('user:u-1', 'day')).toMatchObject({
        requests: 1,
        cost: '0.000114',
        tokens: { total: 107 },
        reserved: { cost: '0', tokens: 0, requests: 0 },
      });
    });

    it('never lets concurrent reservations exceed a hard limit', async () => {
      const m = await meter();
      m.limits.set({ subject: 'user:*', period: 'day', maxRequests: 50 });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 200 }, (_, index) => m.reserve({ id: `c-${index}`, model: 'm', userId: 'u-1' })),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(50);
      expect((await m.get('user:u-1', 'day')).reserved.requests).toBe(50);
    });

    it('reserves nothing when no limit applies', async () => {
      const m = await meter();
      m.limits.set({ subject: 'tenant:other', period: 'day', maxRequests: 1 });
      await expect(m.reserve({ id: 'a', model: 'm', userId: 'u-1', tenantId: 't-1' })).resolves.toBeNull();
    });
  });
}

function describeRateLimits(suite: MeterSuite): void {
  const { describe, it, expect } = suite.t;
  const { meter } = suite;
  describe('rate limits', () => {
    it('rejects requests beyond the per-minute limit with the exact retry time', async () => {
      const m = await meter();
      m.limits.setRate({ subject: 'user:*', requestsPerMinute: 3 });
      for (const id of ['a', 'b', 'c']) await m.reserve({ id, model: 'm', userId: 'u-1' });
      const error = (await m
        .reserve({ id: 'd', model: 'm', userId: 'u-1' })
        .catch((caught: unknown) => caught)) as RateLimitedError;
      expect(error).toBeInstanceOf(RateLimitedError);
      expect(error).toMatchObject({
        code: 'RATE_LIMITED',
        subject: 'user:u-1',
        kind: 'requests',
        perMinute: 3,
        retryAfterMs: 20_000,
      });
      suite.clock().advance(19_999);
      await expect(m.reserve({ id: 'e', model: 'm', userId: 'u-1' })).rejects.toMatchObject({ retryAfterMs: 1 });
      suite.clock().advance(1);
      await expect(m.reserve({ id: 'f', model: 'm', userId: 'u-1' })).resolves.not.toBeNull();
      // Another subject has its own bucket.
      await expect(m.reserve({ id: 'g', model: 'm', userId: 'u-2' })).resolves.not.toBeNull();
      expect(m.stats().rateLimitRejections).toBe(2);
    });

    it('charges tokens per minute by the estimate and corrects it on settle', async () => {
      const m = await meter();
      m.limits.setRate({ subject: 'user:*', tokensPerMinute: 1000 });
      await m.reserve({ id: 'a', model: 'm', userId: 'u-1', params: { maxTokens: 300 } });
      await m.reserve({ id: 'b', model: 'm', userId: 'u-1', params: { maxTokens: 300 } });
      // 800 of 1000 taken; 400 more must wait until 200 have refilled: 12 s.
      await expect(m.reserve({ id: 'c', model: 'm', userId: 'u-1', params: { maxTokens: 300 } })).rejects.toMatchObject(
        {
          kind: 'tokens',
          retryAfterMs: 12_000,
        },
      );
      await m.settle(
        usageRecord(START, {
          id: 'a',
          tokens: { input: 80, output: 20, total: 100, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
        }),
      );
      await m.flush();
      await expect(
        m.reserve({ id: 'd', model: 'm', userId: 'u-1', params: { maxTokens: 300 } }),
      ).resolves.not.toBeNull();
    });
  });

  it('refuses use after close', async () => {
    const m = await meter();
    await m.close();
    await expect(m.get('user:u-1')).rejects.toBeInstanceOf(MeterClosedError);
    await expect(m.reserve({ id: 'a', model: 'm' })).rejects.toBeInstanceOf(MeterClosedError);
  });
}
