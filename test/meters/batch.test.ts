import { afterEach, describe, expect, it } from 'vitest';
import type { Pricer } from '../../src/core/call.js';
import type { Ledger } from '../../src/core/ledger.js';
import { silentLogger, type LedgerLogger } from '../../src/core/logger.js';
import { createLedger } from '../../src/create-ledger.js';
import { runBatch } from '../../src/meters/batch/run-batch.js';
import { RateLimitedError } from '../../src/meters/errors.js';

const pricer: Pricer = {
  price: (record) =>
    record.model === 'unknown-model'
      ? { total: null, breakdown: {}, currency: 'USD', pricingVersion: null, status: 'unpriced' }
      : {
          total: `0.0000${record.tokens.output}`,
          breakdown: {},
          currency: 'USD',
          pricingVersion: 't',
          status: 'priced',
        },
};

describe("seed 003's batch runner", () => {
  let ledger: Ledger;
  const lines: Array<[string, string]> = [];
  const logger: LedgerLogger = {
    ...silentLogger,
    info: (_details, message) => lines.push(['info', message]),
    warn: (_details, message) => lines.push(['warn', message]),
  };
  afterEach(async () => {
    lines.length = 0;
    await ledger?.close();
  });

  it('bounds concurrency, captures per-item errors and sums the recorded calls', async () => {
    ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger, pricer });
    let running = 0;
    let peak = 0;
    const { results, summary } = await runBatch(
      ledger,
      Array.from({ length: 20 }, (_, index) => index),
      async (item) => {
        running += 1;
        peak = Math.max(peak, running);
        try {
          await new Promise((resolve) => setTimeout(resolve, 5 + (item % 3) * 5));
          if (item === 5 || item === 7) throw new Error(`item ${item} failed`);
          return await ledger.logCall({ model: item === 9 ? 'unknown-model' : 'm' }, (call) => {
            call.complete({ tokens: { input: 10, output: 2 } });
            return item * 2;
          });
        } finally {
          running -= 1;
        }
      },
      { concurrency: 3, name: 'reviews' },
    );
    expect(peak).toBe(3);
    expect(results.map((result) => result.index)).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(results[4]).toMatchObject({ ok: true, value: 8 });
    expect(results[5]).toMatchObject({ ok: false, error: new Error('item 5 failed') });
    expect(summary).toMatchObject({
      name: 'reviews',
      count: 20,
      succeeded: 18,
      failures: 2,
      calls: 18,
      tokens: { input: 180, output: 36, total: 216 },
      cost: '0.00034',
      unpricedCalls: 1,
    });
    expect(summary.requestsPerSecond).toBeGreaterThan(0);
    const completed = lines.find(([, message]) => message.startsWith('batch reviews completed'));
    expect(completed?.[0]).toBe('info');
    expect(lines.filter(([level]) => level === 'warn')).toHaveLength(2);
    // Records are tagged with the batch, so they can be found later.
    const page = await ledger.calls.list({ tags: [`batch:${summary.batchId}`], limit: 100 });
    expect(page.records).toHaveLength(18);
  });

  it('paces starts to the rate limit and retries items refused by a rate limit', async () => {
    ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger, pricer });
    let refusals = 0;
    const started = Date.now();
    const { summary, results } = await runBatch(
      ledger,
      [1, 2, 3, 4, 5],
      async (item) => {
        if (item === 3 && refusals === 0) {
          refusals += 1;
          throw new RateLimitedError({ subject: 'user:u', kind: 'requests', perMinute: 60, retryAfterMs: 15 });
        }
        return item;
      },
      { concurrency: 5, rateLimit: { perSecond: 50 } },
    );
    expect(results.every((result) => result.ok)).toBe(true);
    expect(summary.failures).toBe(0);
    // Six starts 20 ms apart (one retry), after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('fails the items not started once the signal aborts', async () => {
    ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger, pricer });
    const controller = new AbortController();
    const { summary, results } = await runBatch(
      ledger,
      [1, 2, 3, 4],
      async (item) => {
        if (item === 2) controller.abort(new Error('stop'));
        return item;
      },
      { concurrency: 1, signal: controller.signal },
    );
    expect(results.map((result) => result.ok)).toEqual([true, true, false, false]);
    expect(summary.failures).toBe(2);
  });
});
