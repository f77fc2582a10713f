import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../src/core/errors.js';
import type { LedgerHandler } from '../../src/core/handlers.js';
import type { LedgerLogger } from '../../src/core/logger.js';
import { silentLogger } from '../../src/core/logger.js';
import { createCompositeCallback } from '../../src/meters/callbacks/composite-callback.js';
import { getDefaultMeter, setDefaultMeter } from '../../src/meters/default-meter.js';
import { createDetailedTokenCallback, createTokenCallback } from '../../src/meters/callbacks/token-callback.js';
import { createMeter } from '../../src/meters/create-meter.js';
import type { Meter } from '../../src/meters/meter.js';
import { usageRecord } from './support/meter-fixtures.js';

const AT = Date.parse('2031-03-14T12:00:00.000Z');

describe("seed 002's token callbacks", () => {
  let meter: Meter;
  afterEach(async () => {
    setDefaultMeter(undefined);
    await meter?.close();
  });

  it('refuses an empty user id with a typed error, and a bad cycle date', () => {
    expect(() => createTokenCallback('')).toThrow(ValidationError);
    expect(() => createDetailedTokenCallback('  ')).toThrow(/non-empty user id/);
    expect(() => createTokenCallback('user_123', '2024-13-01')).toThrow(ConfigError);
  });

  it("counts one user's calls in their billing cycle and ignores others'", async () => {
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    const callback = createTokenCallback('user_123', '2024-01-15', { meter });
    await callback.onEnd!(usageRecord(AT, { userId: 'user_123' }));
    await callback.onEnd!(usageRecord(AT, { userId: 'someone-else' }));
    await meter.flush();
    const usage = await meter.get('user:user_123', 'cycle:2024-01-15', AT);
    expect(usage).toMatchObject({ requests: 1, tokens: { total: 150 } });
    expect(usage.windowStart.toISOString()).toBe('2031-02-15T00:00:00.000Z');
  });

  it('logs and carries on when its meter is closed, as the seed does', async () => {
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    await meter.close();
    const warnings: string[] = [];
    const logger: LedgerLogger = { ...silentLogger, warn: (_details, message) => warnings.push(message) };
    const callback = createTokenCallback('u-1', undefined, { meter, logger });
    expect(() => callback.onEnd!(usageRecord(AT, { userId: 'u-1' }))).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([expect.stringMatching(/^Failed to record token usage: MeterClosedError/)]);
  });

  it('splits a bare total into prompt and completion, and never counts a call twice when combined', async () => {
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    setDefaultMeter(meter);
    expect(getDefaultMeter()).toBe(meter);
    const lines: string[] = [];
    const logger: LedgerLogger = { ...silentLogger, debug: (_details, message) => lines.push(message) };
    const composite = createCompositeCallback(
      createDetailedTokenCallback('u-9', undefined, { logger }),
      createTokenCallback('u-9'),
    );
    const record = usageRecord(AT, {
      userId: 'u-9',
      messages: [{ role: 'user', content: 'x'.repeat(40) }],
      systemPrompt: null,
      tokens: { input: 0, output: 0, total: 50, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    });
    await composite.onEnd(record);
    await meter.flush();
    expect(await meter.get('user:u-9', 'month', AT)).toMatchObject({
      requests: 1,
      tokens: { input: 10, output: 40, total: 50 },
    });
    expect(lines).toEqual(['Recorded 10 prompt + 40 completion tokens for u-9']);
  });

  it('runs every handler of a composite even when one throws, and lets handlers be added and removed', async () => {
    const seen: string[] = [];
    const warnings: string[] = [];
    const logger: LedgerLogger = { ...silentLogger, warn: (_details, message) => warnings.push(message) };
    const failing: LedgerHandler = {
      name: 'failing',
      onEnd: () => {
        throw new Error('boom');
      },
    };
    const rejecting: LedgerHandler = { name: 'rejecting', onEnd: async () => Promise.reject(new Error('later boom')) };
    const recording: LedgerHandler = { onEnd: (record) => void seen.push(record.id) };
    const composite = createCompositeCallback(failing, rejecting);
    (composite as unknown as { logger: LedgerLogger }).logger = logger;
    composite.addHandler(recording);
    composite.addHandler(recording);
    expect(composite.size).toBe(3);
    const record = usageRecord(AT);
    await composite.onEnd(record);
    await composite.onStart({ id: 'x' } as never);
    expect(seen).toEqual([record.id]);
    expect(warnings).toEqual([
      'Error in callback handler failing.onEnd: boom',
      'Error in callback handler rejecting.onEnd: later boom',
    ]);
    expect(composite.removeHandler(failing)).toBe(true);
    expect(composite.size).toBe(2);
  });
});
