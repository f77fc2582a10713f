import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CreatedLedger } from '../../src/create-ledger.js';
import { ConfigError } from '../../src/core/errors.js';
import { LedgerCallbackHandler, LedgerLangChainCache } from '../../src/integrations/langchain.js';
import { chatCompletion, openaiError, openaiUsage } from '../../src/testing/index.js';
import type { WireServer } from '../../src/testing/index.js';
import { expectedCost, records, startWireServer, testLedger } from './langchain-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

function cachedLedger(extra: Record<string, unknown> = {}): CreatedLedger {
  return testLedger({ cache: { backend: 'memory' }, ...extra }) as CreatedLedger;
}

function cachedModel(ledger: CreatedLedger, fields: { temperature?: number; apiKey?: string } = {}) {
  return new ChatOpenAI({
    model: 'gpt-4o-mini',
    temperature: fields.temperature ?? 0,
    configuration: { baseURL: server.openaiBaseURL },
    apiKey: fields.apiKey ?? 'sk-test',
    maxRetries: 0,
    cache: new LedgerLangChainCache({ ledger }),
  });
}

describe('LedgerLangChainCache', () => {
  it('an identical invoke is answered by the cache: the provider is not contacted, the hit is recorded', async () => {
    const ledger = cachedLedger();
    const handler = new LedgerCallbackHandler({ ledger, userId: 'u-1' });
    server.script('openai.chat', chatCompletion({ content: 'Paris.', usage: openaiUsage(12, 2) }));
    const first = await cachedModel(ledger).invoke('Capital of France?', { callbacks: [handler] });
    // Another model object and another API key: the same parameters and prompt share the answer.
    const second = await cachedModel(ledger, { apiKey: 'sk-other' }).invoke('Capital of France?', {
      callbacks: [handler],
    });
    expect(server.requests).toHaveLength(1);
    expect(second.content).toBe(first.content);
    await ledger.flush();
    const [miss, hit] = await records(ledger);
    expect(miss).toMatchObject({ cost: { total: expectedCost(12, 2) }, tokens: { input: 12, output: 2 } });
    expect(miss!.cacheHit).toBeUndefined();
    expect(hit).toMatchObject({
      cacheHit: true,
      cost: { total: '0' },
      costSaved: expectedCost(12, 2),
      tokens: { input: 0, output: 0 },
      userId: 'u-1',
      responseMessage: { role: 'assistant', content: 'Paris.' },
    });
    expect(ledger.cache?.stats).toMatchObject({ hits: 1, misses: 1, stores: 1 });
    await ledger.close();
  });

  it('another temperature or prompt is a miss', async () => {
    const ledger = cachedLedger();
    const handler = new LedgerCallbackHandler({ ledger });
    server.script('openai.chat', chatCompletion({ content: 'Hello' }), chatCompletion(), chatCompletion());
    const first = await cachedModel(ledger).invoke('Greet me', { callbacks: [handler] });
    const again = await cachedModel(ledger).invoke('Greet me', { callbacks: [handler] });
    await cachedModel(ledger, { temperature: 1 }).invoke('Greet me', { callbacks: [handler] });
    await cachedModel(ledger).invoke('Greet me twice', { callbacks: [handler] });
    expect(server.requests).toHaveLength(3);
    expect(again.content).toBe(first.content);
    await ledger.flush();
    expect((await records(ledger)).filter((record) => record.cacheHit)).toHaveLength(1);
    await ledger.close();
  });

  it('errors are not cached', async () => {
    const ledger = cachedLedger();
    server.script('openai.chat', openaiError(500, { message: 'boom', type: 'server_error' }), chatCompletion());
    const model = cachedModel(ledger);
    await expect(model.invoke('Q')).rejects.toThrow();
    await model.invoke('Q');
    expect(server.requests).toHaveLength(2);
    expect(ledger.cache?.stats.hits).toBe(0);
    await ledger.close();
  });

  it('a hit under budgets holds no reservation and counts nothing', async () => {
    const ledger = cachedLedger({ meter: 'memory' });
    ledger.limits!.set({ subject: 'user:*', period: 'day', maxTokens: 100_000, mode: 'hard' });
    const handler = new LedgerCallbackHandler({ ledger, userId: 'u-1' });
    server.script('openai.chat', chatCompletion({ content: 'ok', usage: openaiUsage(10, 5) }));
    await cachedModel(ledger).invoke('Q', { callbacks: [handler], maxTokens: 5 } as never);
    await cachedModel(ledger).invoke('Q', { callbacks: [handler], maxTokens: 5 } as never);
    await ledger.flush();
    expect(server.requests).toHaveLength(1);
    expect(await ledger.meter!.get('user:u-1', 'day')).toMatchObject({
      requests: 1,
      tokens: { total: 15 },
      reserved: { requests: 0, tokens: 0 },
    });
    await ledger.close();
  });

  it('a ledger without a response cache is a ConfigError that says how to turn it on', () => {
    const ledger = testLedger();
    expect(() => new LedgerLangChainCache({ ledger })).toThrow(ConfigError);
    expect(() => new LedgerLangChainCache({ ledger })).toThrow(/createLedger\(\{ cache: true \}\)/);
  });
});
