import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXED_ESTIMATE, TestClock, usageRecord } from '../../src/extend/contract/meter-fixtures.js';
import type { MeterBackend } from '../../src/meters/backend.js';
import { BackedMeter } from '../../src/meters/backed-meter/backed-meter.js';
import type { BudgetInput, RateLimitInput } from '../../src/meters/limits/limit-types.js';
import { MemoryMeterBackend } from '../../src/meters/memory/memory-meter.js';
import { RedisMeterBackend } from '../../src/meters/redis/redis-meter-backend.js';
import { SqliteMeterBackend } from '../../src/meters/sqlite/sqlite-meter.js';
import { deletePrefix, openTestClient, redisAvailable, uniquePrefix } from '../meters/support/redis-test-server.js';
import { fuzzParameters } from './fuzz-settings.js';

/**
 * The three meter backends decide alike: the same budgets, rate limits and sequence of calls
 * (reserved, settled with any cost and tokens, released, across window boundaries) give every
 * backend the same answers, refusals with the same figures, and the same usage afterwards.
 * Redis takes part wherever it runs (always in CI, where the meter tests already require it).
 */

const START = Date.parse('2031-03-31T23:00:00.000Z');
const USERS = ['u1', 'u2', 'a:b', 'x\u0000y', '{t}', '*', '\uF8FF'];
const TENANTS = ['t1', 't2'];

const decimal = fc
  .tuple(fc.integer({ min: 0, max: 2000 }), fc.constantFrom(1, 3, 4, 6, 7))
  .map(([units, places]) => (units / 10 ** places).toFixed(places));

const budget: fc.Arbitrary<BudgetInput> = fc
  .record({
    subject: fc.constantFrom('user:*', 'user:u1', 'tenant:*', 'tenant:t2'),
    period: fc.constantFrom('day', 'month', 'cycle'),
    mode: fc.constantFrom('hard', 'soft'),
    limit: fc.oneof(
      // The estimate reserves 0.0003 per call: budgets of none to about ten calls.
      fc
        .tuple(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(6, 7))
        .map(([units, places]) => ({ maxCost: (units / 10 ** places).toFixed(places) })),
      fc.integer({ min: 100, max: 2000 }).map((maxTokens) => ({ maxTokens })),
      fc.integer({ min: 1, max: 6 }).map((maxRequests) => ({ maxRequests })),
    ),
  })
  .map(({ limit, ...rest }) => ({ ...rest, ...limit }) as BudgetInput);

const rate: fc.Arbitrary<RateLimitInput> = fc
  .record({
    subject: fc.constantFrom('user:*', 'tenant:t1'),
    limit: fc.oneof(
      fc.integer({ min: 1, max: 5 }).map((requestsPerMinute) => ({ requestsPerMinute })),
      fc.integer({ min: 200, max: 3000 }).map((tokensPerMinute) => ({ tokensPerMinute })),
    ),
  })
  .map(({ subject, limit }) => ({ subject, ...limit }) as RateLimitInput);

type Step =
  | { kind: 'reserve'; userId: string; tenantId: string; maxTokens: number | undefined }
  | { kind: 'settle'; pick: number; cost: string | null; input: number; output: number }
  | { kind: 'release'; pick: number }
  | { kind: 'advance'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      userId: fc.constantFrom(...USERS),
      tenantId: fc.constantFrom(...TENANTS),
      maxTokens: fc.option(fc.integer({ min: 1, max: 800 }), { nil: undefined }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(),
      cost: fc.option(decimal, { nil: null }),
      input: fc.integer({ min: 0, max: 500 }),
      output: fc.integer({ min: 0, max: 500 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.constantFrom(1, 999, 12_000, 60_000, 30 * 60_000, 3_600_000, 86_400_000),
    }),
    weight: 2,
  },
);

/** What a reserve answered, in the terms a caller sees. */
function outcome(result: unknown): unknown {
  if (result === null || result === undefined) return 'unmetered';
  if (result instanceof Error) {
    const { code, subject, field, used, reserved, estimate, max, kind, perMinute, retryAfterMs } = result as never;
    const resetsAt = (result as { resetsAt?: Date }).resetsAt?.toISOString();
    return { code, subject, field, used, reserved, estimate, max, kind, perMinute, retryAfterMs, resetsAt };
  }
  const { estimate } = result as { estimate: unknown };
  return { reserved: estimate };
}

describe('fuzz: meter backends', () => {
  let redis: Redis | undefined;
  const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-meter-fuzz-'));
  let files = 0;
  beforeAll(() => {
    if (redisAvailable) redis = openTestClient();
  });
  afterAll(async () => {
    await redis?.quit();
    rmSync(directory, { recursive: true, force: true });
  });

  function backends(): Array<{ name: string; backend: MeterBackend; cleanup: () => Promise<void> }> {
    const made: Array<{ name: string; backend: MeterBackend; cleanup: () => Promise<void> }> = [
      { name: 'memory', backend: new MemoryMeterBackend(), cleanup: async () => undefined },
      {
        name: 'sqlite',
        backend: new SqliteMeterBackend({ path: join(directory, `meter-${files++}.db`) }),
        cleanup: async () => undefined,
      },
    ];
    if (redis) {
      const client = redis;
      const prefix = uniquePrefix('fuzz-meter');
      made.push({
        name: 'redis',
        backend: new RedisMeterBackend(client, { keyPrefix: prefix }),
        cleanup: () => deletePrefix(client, prefix),
      });
    }
    return made;
  }

  it('every backend answers a sequence of calls alike, refusals and usage included', async () => {
    const answered = { reserved: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(budget, { maxLength: 3 }),
        fc.array(rate, { maxLength: 2 }),
        fc.array(step, { minLength: 5, maxLength: 40 }),
        // Billing cycles from the 1st, mid-month, or a 31st that most months do not have.
        fc.constantFrom(undefined, '2031-01-15', '2030-12-31', '2031-02-28'),
        async (budgets, rates, steps, cycleStartDate) => {
          const clock = new TestClock(START);
          const meters = backends().map(({ name, backend, cleanup }) => ({
            name,
            cleanup,
            meter: new BackedMeter({
              backend,
              clock,
              estimate: FIXED_ESTIMATE,
              periods: ['day', 'month', 'cycle'],
              cycleStartDate,
              limits: { budgets, rates },
              logger: { debug() {}, info() {}, warn() {}, error() {} },
            }),
          }));
          try {
            const reserved: Array<{ id: string; userId: string; tenantId: string }> = [];
            let next = 0;
            for (const [index, current] of steps.entries()) {
              const answers: unknown[] = [];
              if (current.kind === 'advance') {
                clock.advance(current.ms);
                continue;
              }
              if (current.kind === 'reserve') {
                const id = `c${next++}`;
                for (const { meter } of meters) {
                  answers.push(
                    outcome(
                      await meter
                        .reserve({
                          id,
                          model: 'm',
                          userId: current.userId,
                          tenantId: current.tenantId,
                          params: current.maxTokens === undefined ? undefined : { maxTokens: current.maxTokens },
                        })
                        .catch((error: unknown) => error),
                    ),
                  );
                }
                reserved.push({ id, userId: current.userId, tenantId: current.tenantId });
              } else if (reserved.length > 0) {
                const call = reserved.splice(current.pick % reserved.length, 1)[0]!;
                for (const { meter } of meters) {
                  if (current.kind === 'release') await meter.release(call.id);
                  else {
                    await meter.settle(
                      usageRecord(clock.now(), {
                        id: call.id,
                        userId: call.userId,
                        tenantId: call.tenantId,
                        costTotal: current.cost,
                        tokens: {
                          input: current.input,
                          output: current.output,
                          total: current.input + current.output,
                          cacheRead: 0,
                          cacheWrite: 0,
                          reasoning: 0,
                        },
                      }),
                    );
                    await meter.flush();
                  }
                }
              }
              if (answers.length > 0)
                answered[typeof answers[0] === 'object' && 'code' in answers[0]! ? 'refused' : 'reserved']++;
              for (let other = 1; other < answers.length; other++) {
                expect(answers[other], `${meters[other]!.name} at step ${index}`).toEqual(answers[0]);
              }
            }
            for (const subject of [...USERS.map((user) => `user:${user}`), ...TENANTS.map((t) => `tenant:${t}`)]) {
              for (const period of ['day', 'month', 'cycle'] as const) {
                const usages = [];
                for (const { meter } of meters) usages.push(await meter.get(subject, period));
                for (let other = 1; other < usages.length; other++) {
                  expect(usages[other], `${meters[other]!.name}: ${subject} ${period}`).toEqual(usages[0]);
                }
              }
            }
          } finally {
            for (const { meter, cleanup } of meters) {
              await meter.close();
              await cleanup();
            }
          }
        },
      ),
      fuzzParameters(),
    );
    // Worth something only if the limits do refuse a fair share of the calls.
    expect(answered.refused).toBeGreaterThan(answered.reserved / 10);
  });
});
