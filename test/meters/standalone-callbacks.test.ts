import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger, type LedgerLogger } from '../../src/core/logger.js';
import { createTokenCallback, createDetailedTokenCallback } from '../../src/meters/callbacks/token-callback.js';
import { createMeter } from '../../src/meters/create-meter.js';
import type { Meter } from '../../src/meters/meter.js';

type Standalone = ReturnType<typeof createTokenCallback>;

let meter: Meter | undefined;
afterEach(async () => {
  await meter?.close();
  meter = undefined;
});

describe('token callbacks driven standalone, as an LLM client drives them', () => {
  it("onLlmStart / onLlmEnd with the response dict's tokens_used count the user's usage", async () => {
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    const callback = createDetailedTokenCallback('u-7', undefined, { meter }) as Standalone;
    await callback.onLlmStart([{ role: 'user', content: 'x'.repeat(400) }], { provider: 'openai' });
    await callback.onLlmEnd({ content: 'answer', tokens_used: 150, model: 'gpt-4o-mini' }, { id: 'call-1' });
    await meter.flush();
    const usage = await meter.get('user:u-7', 'month');
    expect(usage.requests).toBe(1);
    expect(usage.tokens).toMatchObject({ input: 100, output: 50, total: 150 });
    // The same call id again (a duplicate end) is not counted twice.
    await callback.onLlmEnd({ tokens_used: 150 }, { id: 'call-1' });
    await meter.flush();
    expect((await meter.get('user:u-7', 'month')).requests).toBe(1);
  });

  it('prompt and completion tokens are taken as given', async () => {
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    const callback = createTokenCallback('u-8', undefined, { meter }) as Standalone;
    await callback.onLlmEnd({ prompt_tokens: 30, completion_tokens: 12, model: 'm' });
    await meter.flush();
    expect((await meter.get('user:u-8', 'month')).tokens).toMatchObject({ input: 30, output: 12, total: 42 });
  });

  it('onLlmError is reported (warn), not silently dropped', async () => {
    const warnings: string[] = [];
    const logger: LedgerLogger = { ...silentLogger, warn: (_details, message) => warnings.push(message) };
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    const callback = createTokenCallback('u-9', undefined, { meter, logger }) as Standalone;
    await callback.onLlmError(new Error('429 rate limited'), { model: 'gpt-4o' });
    expect(warnings).toEqual([expect.stringContaining('LLM call failed for u-9: 429 rate limited')]);
  });

  it('a failing count is retried CALLBACK_RETRY_ATTEMPTS times with CALLBACK_RETRY_DELAY before it counts as failed', async () => {
    const real = createMeter({ backend: 'memory', logger: silentLogger });
    meter = real;
    let calls = 0;
    const flaky = Object.create(real) as Meter;
    flaky.count = async (record, target) => {
      calls += 1;
      if (calls < 3) throw new Error('backend hiccup');
      return real.count(record, target);
    };
    const warnings: string[] = [];
    const logger: LedgerLogger = { ...silentLogger, warn: (_details, message) => warnings.push(message) };
    const env = { CALLBACK_RETRY_ATTEMPTS: '2', CALLBACK_RETRY_DELAY: '1' };
    const callback = createTokenCallback('u-10', undefined, { meter: flaky, logger, env }) as Standalone;
    await callback.onLlmEnd({ tokens_used: 10 }, { id: 'retry-1' });
    expect(calls).toBe(3);
    expect(warnings).toEqual([]);
    await real.flush();
    expect((await real.get('user:u-10', 'month')).requests).toBe(1);

    calls = -10; // every attempt fails now
    await callback.onLlmEnd({ tokens_used: 10 }, { id: 'retry-2' });
    expect(calls).toBe(-7); // the first try and two retries
    expect(warnings).toEqual([expect.stringContaining('Failed to record token usage: Error: backend hiccup')]);
  });

  it('invalid CALLBACK_RETRY_* values are ConfigErrors at creation', () => {
    expect(() => createTokenCallback('u', undefined, { env: { CALLBACK_RETRY_ATTEMPTS: 'many' } })).toThrow(
      ConfigError,
    );
    expect(() => createTokenCallback('u', undefined, { env: { CALLBACK_RETRY_DELAY: '-5' } })).toThrow(ConfigError);
  });
});
