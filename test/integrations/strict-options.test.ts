import { RunnableLambda } from '@langchain/core/runnables';
import { afterAll, describe, expect, it } from 'vitest';
import { createLedger } from '../../src/create-ledger.js';
import { ConfigError, ValidationError } from '../../src/core/errors.js';
import { ledgerEmbeddingMiddleware, ledgerMiddleware } from '../../src/integrations/ai-sdk.js';
import { LedgerCallbackHandler, runWithUsage, streamWithUsage } from '../../src/integrations/langchain.js';
import { createMeter } from '../../src/meters/create-meter.js';

/* Integration options, meter.get() and limits: unknown keys and wrong types are refused, never ignored. */

const ledger = createLedger({ store: 'memory', configFile: false, env: {}, meter: false, shutdownHooks: false });
const meter = createMeter({ backend: 'memory', env: {} });
afterAll(async () => {
  await ledger.close();
  await meter.close();
});

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('integration options', () => {
  it.each([
    ['ledgerMiddleware', () => ledgerMiddleware({ ledger, user_id: 'u-1' } as never), 'user_id', 'userId'],
    [
      'ledgerMiddleware',
      () => ledgerMiddleware({ ledger, streamIdleTimeout: 5 } as never),
      'streamIdleTimeout',
      'streamIdleTimeoutMs',
    ],
    [
      'ledgerEmbeddingMiddleware',
      () => ledgerEmbeddingMiddleware({ ledger, calltype: 'embedding' } as never),
      'calltype',
      'callType',
    ],
    [
      'LedgerCallbackHandler',
      () => new LedgerCallbackHandler({ ledger, session_id: 's' } as never),
      'session_id',
      'sessionId',
    ],
    [
      'LedgerCallbackHandler',
      () => new LedgerCallbackHandler({ ledger, model: 'gpt-4o' } as never),
      'model',
      'modelName',
    ],
  ])('%s: an unknown key is a ConfigError naming it, with a did-you-mean', (_name, build, key, hint) => {
    const error = thrown(build);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe(key);
    expect((error as Error).message).toContain(`did you mean "${hint}"`);
  });

  it.each([
    ['userId: 42', () => ledgerMiddleware({ ledger, userId: 42 } as never), 'userId'],
    ['tags: "a"', () => ledgerEmbeddingMiddleware({ ledger, tags: 'a' } as never), 'tags'],
    ['streamIdleTimeoutMs: -1', () => ledgerMiddleware({ ledger, streamIdleTimeoutMs: -1 }), 'streamIdleTimeoutMs'],
    ['cache: "yes"', () => ledgerMiddleware({ ledger, cache: 'yes' } as never), 'cache'],
    [
      'requestMode: "stream"',
      () => new LedgerCallbackHandler({ ledger, requestMode: 'stream' } as never),
      'requestMode',
    ],
    ['ledger: {}', () => new LedgerCallbackHandler({ ledger: {} } as never), 'ledger'],
    ['options: "x"', () => ledgerMiddleware('x' as never), ''],
  ])('a wrong type (%s) is a ConfigError naming the option', (_label, build, path) => {
    const error = thrown(build);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe(path);
  });

  it('runWithUsage and streamWithUsage: the Python names get their camelCase did-you-mean, as ValidationError', async () => {
    const runnable = RunnableLambda.from(() => 'done');
    const base = { taskType: 'extraction', modelName: 'gpt-4o-mini', input: {}, runnable, ledger };
    const run = await runWithUsage({ ...base, extra_callbacks: [] } as never).catch((error: unknown) => error);
    expect(run).toBeInstanceOf(ValidationError);
    expect((run as Error).message).toContain('did you mean "extraCallbacks"');
    // streamWithUsage refuses at once, before any iteration; it sets the request mode itself.
    const streamed = thrown(() => streamWithUsage({ ...base, requestMode: 'sync' } as never));
    expect(streamed).toBeInstanceOf(ValidationError);
    const notHandler = await runWithUsage({ ...base, extraCallbacks: [false] } as never).catch(
      (error: unknown) => error,
    );
    expect(notHandler).toBeInstanceOf(ValidationError);
    expect((notHandler as Error).message).toContain('extraCallbacks[0]');
  });
});

describe('meter.get() and limits', () => {
  it('meter.get: a stray key in the subject or period object, an invalid date: ConfigError', async () => {
    const subject = await meter.get({ dimension: 'user', user_id: 'u-1' } as never).catch((error: unknown) => error);
    expect(subject).toBeInstanceOf(ConfigError);
    expect((subject as ConfigError).path).toBe('subject.user_id');
    const period = await meter
      .get('user:u-1', { cycle_start_date: '2025-01-15' } as never)
      .catch((error: unknown) => error);
    expect(period).toBeInstanceOf(ConfigError);
    expect((period as Error).message).toContain('did you mean "cycleStartDate"');
    for (const at of [new Date('nope'), Number.NaN, '2025-01-01', 1e300]) {
      const error = await meter.get('user:u-1', 'day', at as never).catch((caught: unknown) => caught);
      expect(error, String(at)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe('at');
    }
    expect(
      (await meter.get({ dimension: 'user', id: 'u-1' }, { cycleStartDate: '2025-01-15' }, Date.now())).requests,
    ).toBe(0);
  });

  it('limits.set and setRate: unknown keys, also inside the subject and period objects, are ConfigErrors', () => {
    const cost = thrown(() => meter.limits.set({ subject: 'user:*', max_cost: '10' } as never));
    expect((cost as Error).message).toContain('did you mean "maxCost"');
    const period = thrown(() =>
      meter.limits.set({ subject: 'user:*', maxCost: '10', period: { cycleStart: '2025-01-15' } } as never),
    );
    expect(period).toBeInstanceOf(ConfigError);
    expect((period as Error).message).toContain('cycleStart');
    const rate = thrown(() => meter.limits.setRate({ subject: 'user:*', requests_per_minute: 5 } as never));
    expect((rate as Error).message).toContain('did you mean "requestsPerMinute"');
  });
});
