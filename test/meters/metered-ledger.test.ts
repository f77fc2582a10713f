import { afterEach, describe, expect, it } from 'vitest';
import type { Pricer } from '../../src/core/call.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Ledger } from '../../src/core/ledger.js';
import { createLedger } from '../../src/create-ledger.js';
import { attachMeter } from '../../src/meters/gate/attach-meter.js';
import { createMeter } from '../../src/meters/create-meter.js';
import { QuotaExceededError } from '../../src/meters/errors.js';
import type { Meter } from '../../src/meters/meter.js';
import { replayRecords } from '../../src/meters/gate/replay-records.js';
import { createPricer } from '../../src/pricing/create-pricer.js';
import { FIXED_ESTIMATE } from './support/meter-fixtures.js';

const pricer: Pricer = {
  price: (record) => ({
    total: `0.00000${record.tokens.output}`,
    breakdown: {},
    currency: 'USD',
    pricingVersion: 'test',
    status: 'priced',
  }),
};

describe('metering a ledger', () => {
  const opened: Array<Ledger | Meter> = [];
  const open = () => {
    const ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger, pricer });
    const meter = createMeter({ backend: 'memory', logger: silentLogger, estimate: FIXED_ESTIMATE });
    opened.push(ledger, meter);
    return { ledger, meter, metering: attachMeter(ledger, meter) };
  };
  afterEach(async () => {
    for (const item of opened.splice(0)) await item.close();
  });

  it('refuses over-budget calls before the provider is contacted, and records nothing for them', async () => {
    const { ledger, meter, metering } = open();
    metering.limits.set({ subject: 'user:*', period: 'day', maxRequests: 1 });
    let providerCalls = 0;
    const run = () =>
      metering.logCall({ model: 'm', userId: 'u-1' }, (call) => {
        providerCalls += 1;
        call.complete({ tokens: { input: 10, output: 5 } });
      });
    await run();
    await expect(run()).rejects.toBeInstanceOf(QuotaExceededError);
    expect(providerCalls).toBe(1);
    await meter.flush();
    expect((await ledger.calls.list()).records).toHaveLength(1);
    expect(await meter.get('user:u-1', 'day')).toMatchObject({
      requests: 1,
      cost: '0.000005',
      reserved: { requests: 0 },
    });
  });

  it('settles what failed and aborted calls used, and takes attribution from the context', async () => {
    const { meter, metering, ledger } = open();
    metering.limits.set({ subject: 'tenant:*', period: 'day', maxCost: '1' });
    await ledger.context({ tenantId: 'acme' }, async () => {
      await expect(
        metering.logCall({ model: 'm' }, (call) => {
          call.update({ tokens: { input: 10, output: 3 } });
          throw new Error('stream broke');
        }),
      ).rejects.toThrow('stream broke');
      const controller = new AbortController();
      await metering.logCall({ model: 'm', signal: controller.signal }, (call) => {
        call.update({ tokens: { input: 10, output: 2 } });
        controller.abort();
      });
    });
    await meter.flush();
    expect(await meter.get('tenant:acme', 'day')).toMatchObject({
      requests: 2,
      tokens: { output: 5 },
      cost: '0.000005',
      reserved: { cost: '0', requests: 0 },
    });
  });

  it('settles calls made without a reservation through the ledger handler', async () => {
    const { ledger, meter } = open();
    const call = ledger.start({ model: 'm', userId: 'u-2' });
    call.complete({ tokens: { input: 1, output: 9 } });
    await ledger.flush();
    await meter.flush();
    expect((await meter.get('user:u-2', 'day')).cost).toBe('0.000009');
  });

  it('replays the ledger records the meter missed, once', async () => {
    const ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger, pricer });
    opened.push(ledger);
    for (let output = 1; output <= 4; output++) {
      ledger.start({ model: 'm', userId: 'u-3' }).complete({ tokens: { input: 1, output } });
    }
    const meter = createMeter({ backend: 'memory', logger: silentLogger });
    opened.push(meter);
    expect(await replayRecords(ledger, meter)).toBe(4);
    expect(await replayRecords(ledger, meter)).toBe(4);
    expect(await meter.get('user:u-3', 'day')).toMatchObject({ requests: 4, cost: '0.00001' });
  });

  it("prices the reservation with the pricing module's pricer", async () => {
    const modelPricer = createPricer({
      catalog: null,
      models: {
        'house-model': { provider: 'house', pricing: { input: { cost_per_1m: 3 }, output: { cost_per_1m: 15 } } },
      },
    });
    const meter = createMeter({
      backend: 'memory',
      logger: silentLogger,
      estimate: { pricer: modelPricer, countInputTokens: () => 1000 },
    });
    opened.push(meter);
    meter.limits.set({ subject: 'user:*', period: 'day', maxCost: '0.01' });
    const reservation = await meter.reserve({
      id: 'priced',
      model: 'house-model',
      provider: 'house',
      userId: 'u-4',
      params: { maxTokens: 200 },
    });
    // 1000 x 3e-6 + 200 x 15e-6
    expect(reservation?.estimate).toMatchObject({ inputTokens: 1000, outputTokens: 200, cost: '0.006' });
    await expect(
      meter.reserve({
        id: 'second',
        model: 'house-model',
        provider: 'house',
        userId: 'u-4',
        params: { maxTokens: 200 },
      }),
    ).rejects.toMatchObject({ reserved: '0.006', estimate: '0.006', max: '0.01' });
  });

  it('counts input tokens with the tokens module by default', async () => {
    const meter = createMeter({ backend: 'memory', logger: silentLogger });
    opened.push(meter);
    meter.limits.set({ subject: 'user:*', period: 'day', maxTokens: 1_000_000 });
    const reservation = await meter.reserve({
      id: 'counted',
      model: 'claude-sonnet-4',
      userId: 'u-5',
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
      params: { max_tokens: 50 },
    });
    expect(reservation?.estimate.inputTokens).toBeGreaterThanOrEqual(100);
    expect(reservation?.estimate.outputTokens).toBe(50);
    expect(reservation?.estimate.cost).toBeNull();
  });
});
