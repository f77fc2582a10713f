import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { trackLLMCall } from '../../src/capture/track-llm-call.js';
import type { CreatedLedger } from '../../src/create-ledger.js';
import { chatCompletion, openaiUsage } from '../support/wire-server/index.js';
import { records, sdkClients, startWireServer, testLedger, type WireServer } from '../capture/capture-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const messages = [{ role: 'user' as const, content: 'Say hello' }];

/** A ledger whose budget allows one 15-token call a day per user, and one request a minute. */
function budgetedLedger(): CreatedLedger {
  const ledger = testLedger({ cache: { backend: 'memory' }, meter: 'memory' }) as CreatedLedger;
  ledger.limits!.set({ subject: 'user:*', period: 'day', maxTokens: 15, mode: 'hard' });
  ledger.limits!.setRate({ subject: 'user:*', requestsPerMinute: 1 });
  return ledger;
}

describe('a cache hit and budgets', () => {
  it('wrap: a hit is neither refused by a spent budget and rate limit nor counted; a miss still is', async () => {
    const ledger = budgetedLedger();
    const openai = ledger.wrap(sdkClients(server).openai, { userId: 'u-1' });
    server.script('openai.chat', chatCompletion({ content: 'Hi', usage: openaiUsage(10, 5) }));
    const ask = (content: string) =>
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], max_tokens: 5 });
    await ask('Say hello');
    await ledger.flush();
    for (let index = 0; index < 3; index++) expect((await ask('Say hello')).choices[0]!.message.content).toBe('Hi');
    // The budget is spent and the minute's request taken: a new prompt is refused by either.
    await expect(ask('Something new')).rejects.toMatchObject({ name: /^(QuotaExceededError|RateLimitedError)$/ });
    expect(server.requests).toHaveLength(1);
    await ledger.flush();
    const usage = await ledger.meter!.get('user:u-1', 'day');
    expect(usage).toMatchObject({ requests: 1, tokens: { total: 15 }, reserved: { requests: 0, tokens: 0 } });
    expect((await records(ledger)).filter((record) => record.cacheHit)).toHaveLength(3);
    await ledger.close();
  });

  it('wrap, streamed: a hit under a spent budget replays without admission', async () => {
    const ledger = budgetedLedger();
    const { chatStream } = await import('../support/wire-server/index.js');
    const openai = ledger.wrap(sdkClients(server).openai, { userId: 'u-1' });
    server.script('openai.chat', chatStream({ content: ['Hi'], usage: openaiUsage(10, 5) }));
    const ask = async () => {
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        stream: true,
        max_tokens: 5,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    };
    expect(await ask()).toBe('Hi');
    await ledger.flush();
    expect(await ask()).toBe('Hi');
    expect(server.requests).toHaveLength(1);
    await ledger.close();
  });

  it('trackLLMCall: a hit is not refused and not counted; a new prompt is refused before the client runs', async () => {
    const ledger = budgetedLedger();
    let calls = 0;
    const client = () => (calls++, Promise.resolve({ text: 'ok', usage: { input: 10, output: 5 } }));
    const options = {
      provider: 'local',
      model: 'm',
      messages,
      client,
      stream: false,
      userId: 'u-1',
      params: { maxTokens: 5 },
    };
    const miss = await trackLLMCall(ledger, options);
    await ledger.flush();
    const hit = await trackLLMCall(ledger, options);
    expect(hit).toMatchObject({ text: 'ok', costUsd: '0', error: null });
    await expect(
      trackLLMCall(ledger, { ...options, messages: [{ role: 'user', content: 'new' }] }),
    ).rejects.toMatchObject({ name: /^(QuotaExceededError|RateLimitedError)$/ });
    expect(calls).toBe(1);
    await ledger.flush();
    expect(await ledger.meter!.get('user:u-1', 'day')).toMatchObject({
      requests: 1,
      tokens: { total: miss.totalTokens },
      reserved: { requests: 0 },
    });
    await ledger.close();
  });

  it('a record marked as a hit gives back a reservation made for it and counts nothing', async () => {
    const ledger = budgetedLedger();
    ledger.limits!.setRate({ subject: 'user:*', requestsPerMinute: 100 });
    const call = await ledger.startAdmitted({
      provider: 'p',
      model: 'm',
      userId: 'u-2',
      messages,
      params: { maxTokens: 5 },
    });
    expect((await ledger.meter!.get('user:u-2', 'day')).reserved.requests).toBe(1);
    call.complete({ responseMessage: 'cached', cacheHit: { costSaved: '0.01' } });
    await ledger.flush();
    expect(await ledger.meter!.get('user:u-2', 'day')).toMatchObject({
      requests: 0,
      tokens: { total: 0 },
      reserved: { requests: 0, tokens: 0 },
    });
    await ledger.close();
  });
});
