import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger, type LedgerLogger } from '../../src/core/logger.js';
import { CompositeCallback } from '../../src/meters/callbacks/composite-callback.js';
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
  it("onLLMStart / onLLMEnd with the response dict's tokens_used count the user's usage", async () => {
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    const callback = createDetailedTokenCallback('u-7', undefined, { meter }) as Standalone;
    await callback.onLLMStart([{ role: 'user', content: 'x'.repeat(400) }], { provider: 'openai' });
    await callback.onLLMEnd({ content: 'answer', tokens_used: 150, model: 'gpt-4o-mini' }, { id: 'call-1' });
    await meter.flush();
    const usage = await meter.get('user:u-7', 'month');
    expect(usage.requests).toBe(1);
    expect(usage.tokens).toMatchObject({ input: 100, output: 50, total: 150 });
    // The same call id again (a duplicate end) is not counted twice.
    await callback.onLLMEnd({ tokens_used: 150 }, { id: 'call-1' });
    await meter.flush();
    expect((await meter.get('user:u-7', 'month')).requests).toBe(1);
  });

  it('prompt and completion tokens are taken as given', async () => {
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    const callback = createTokenCallback('u-8', undefined, { meter }) as Standalone;
    await callback.onLLMEnd({ prompt_tokens: 30, completion_tokens: 12, model: 'm' });
    await meter.flush();
    expect((await meter.get('user:u-8', 'month')).tokens).toMatchObject({ input: 30, output: 12, total: 42 });
  });

  it('onLLMError is reported (warn), not silently dropped', async () => {
    const warnings: string[] = [];
    const logger: LedgerLogger = { ...silentLogger, warn: (_details, message) => warnings.push(message) };
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    const callback = createTokenCallback('u-9', undefined, { meter, logger }) as Standalone;
    await callback.onLLMError(new Error('429 rate limited'), { model: 'gpt-4o' });
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
    await callback.onLLMEnd({ tokens_used: 10 }, { id: 'retry-1' });
    expect(calls).toBe(3);
    expect(warnings).toEqual([]);
    await real.flush();
    expect((await real.get('user:u-10', 'month')).requests).toBe(1);

    calls = -10; // every attempt fails now
    await callback.onLLMEnd({ tokens_used: 10 }, { id: 'retry-2' });
    expect(calls).toBe(-7); // the first try and two retries
    expect(warnings).toEqual([expect.stringContaining('Failed to record token usage: Error: backend hiccup')]);
  });

  it('invalid CALLBACK_RETRY_* values are ConfigErrors at creation', () => {
    expect(() => createTokenCallback('u', undefined, { env: { CALLBACK_RETRY_ATTEMPTS: 'many' } })).toThrow(
      ConfigError,
    );
    expect(() => createTokenCallback('u', undefined, { env: { CALLBACK_RETRY_DELAY: '-5' } })).toThrow(ConfigError);
  });

  it('a response with no token count is estimated from the messages and the content, not counted as 0', async () => {
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    const callback = createTokenCallback('u-11', undefined, { meter }) as Standalone;
    await callback.onLLMStart([{ role: 'user', content: 'x'.repeat(80) }]);
    await callback.onLLMEnd({ content: 'y'.repeat(40), model: 'gpt-4o-mini' });
    await meter.flush();
    expect((await meter.get('user:u-11', 'month')).tokens).toMatchObject({ input: 20, output: 10, total: 30 });
  });

  it('a token count that is not a number is reported and estimated instead', async () => {
    const warnings: string[] = [];
    const logger: LedgerLogger = { ...silentLogger, warn: (_details, message) => warnings.push(message) };
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    const callback = createTokenCallback('u-12', undefined, { meter, logger }) as Standalone;
    await callback.onLLMEnd({ content: 'z'.repeat(8), tokens_used: 'many' as unknown as number });
    await callback.onLLMEnd({ content: 'z'.repeat(8), prompt_tokens: -3, completion_tokens: 5 });
    await meter.flush();
    expect(warnings).toEqual([
      expect.stringContaining('tokens_used in the response to onLLMEnd is not a non-negative number'),
      expect.stringContaining('prompt_tokens in the response'),
    ]);
    expect(await meter.get('user:u-12', 'month')).toMatchObject({ requests: 2, tokens: { output: 7, total: 7 } });
  });

  it('concurrent calls keep their own prompts when the client passes their ids', async () => {
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    const callback = createDetailedTokenCallback('u-13', undefined, { meter }) as Standalone;
    await callback.onLLMStart([{ role: 'user', content: 'a'.repeat(400) }], { id: 'c-a' });
    await callback.onLLMStart([{ role: 'user', content: 'b'.repeat(40) }], { id: 'c-b' });
    await callback.onLLMEnd({ tokens_used: 150 }, { id: 'c-a' });
    await callback.onLLMEnd({ tokens_used: 150 }, { id: 'c-b' });
    await meter.flush();
    // 100 + 10 prompt tokens estimated, the rest of each 150 completion.
    expect((await meter.get('user:u-13', 'month')).tokens).toMatchObject({ input: 110, output: 190, total: 300 });
  });

  it('a composite drives its handlers standalone and counts a call once for both callbacks of a user', async () => {
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    const seen: string[] = [];
    const composite = new CompositeCallback(
      [
        createTokenCallback('u-14', undefined, { meter }),
        createDetailedTokenCallback('u-14', undefined, { meter }),
        { name: 'observer', onLLMEnd: async () => void seen.push('end') } as never,
        {
          name: 'broken',
          onLLMEnd: async () => {
            throw new Error('observer failed');
          },
        } as never,
      ],
      silentLogger,
    );

    await composite.onLLMStart([{ role: 'user', content: 'q'.repeat(40) }], { provider: 'openai' });
    await composite.onLLMEnd({ content: 'done', tokens_used: 50, model: 'gpt-4o-mini' }, { provider: 'openai' });
    await composite.onLLMError(new Error('later failure'));
    await meter.flush();
    expect(seen).toEqual(['end']);
    expect(await meter.get('user:u-14', 'month')).toMatchObject({ requests: 1, tokens: { input: 10, output: 40 } });
  });

  it('the names from before the rename (onLlmStart / onLlmEnd) still count, on a callback and through a composite', async () => {
    meter = createMeter({ backend: 'memory', logger: silentLogger });
    const callback = createTokenCallback('u-15', undefined, { meter });
    await callback.onLlmStart([{ role: 'user', content: 'q'.repeat(40) }], { id: 'old-1' });
    await callback.onLlmEnd({ tokens_used: 30 }, { id: 'old-1' });
    const seen: string[] = [];
    const composite = new CompositeCallback(
      [{ name: 'written-before', onLlmEnd: async () => void seen.push('old end') } as never],
      silentLogger,
    );
    await composite.onLLMEnd({ tokens_used: 5 }, { id: 'old-2' });
    await meter.flush();
    expect(seen).toEqual(['old end']);
    expect(await meter.get('user:u-15', 'month')).toMatchObject({ requests: 1, tokens: { total: 30 } });
  });
});
