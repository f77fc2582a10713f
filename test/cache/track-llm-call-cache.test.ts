import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisCacheBackend } from '../../src/meters/redis/index.js';
import { trackLLMCall } from '../../src/capture/track-llm-call.js';
import type { CreatedLedger } from '../../src/create-ledger.js';
import type { CacheOptions } from '../../src/open-cache.js';
import { chatCompletion, chatStream, openaiError, openaiUsage } from '../support/wire-server/index.js';
import {
  expectedCost,
  records,
  sdkClients,
  startWireServer,
  testLedger,
  type WireServer,
} from '../capture/capture-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const messages = [{ role: 'user', content: 'Say hello' }];

function cachedLedger(options: CacheOptions = {}): CreatedLedger {
  return testLedger({ cache: { backend: 'memory', ...options } }) as CreatedLedger;
}

describe('trackLLMCall with the response cache', () => {
  it('a repeated non-streamed call is answered from the cache: the client is not called, the payload is the same', async () => {
    const ledger = cachedLedger();
    const openai = sdkClients(server).openai;
    server.script('openai.chat', chatCompletion({ content: 'Hi there', usage: openaiUsage(12, 3) }));
    const options = { provider: 'openai', model: 'gpt-4o-mini', messages, client: openai, stream: false };
    const first = await trackLLMCall(ledger, { ...options, userId: 'u-1' });
    await ledger.flush();
    const second = await trackLLMCall(ledger, { ...options, userId: 'u-2' });
    expect(server.requests).toHaveLength(1);
    expect(second.response).toEqual(first.response);
    expect(second).toMatchObject({ text: 'Hi there', costUsd: '0', totalTokens: 0, error: null, status: 'success' });
    await ledger.flush();
    const [miss, hit] = await records(ledger);
    expect(miss).toMatchObject({ cost: { total: expectedCost(12, 3) }, userId: 'u-1' });
    expect(miss!.cacheHit).toBeUndefined();
    expect(hit).toMatchObject({
      id: second.callId,
      cacheHit: true,
      costSaved: expectedCost(12, 3),
      cost: { total: '0' },
      userId: 'u-2',
      responseMessage: { role: 'assistant', content: 'Hi there' },
    });
    await ledger.close();
  });

  it('a wrapped function is not called on a hit', async () => {
    const ledger = cachedLedger();
    let calls = 0;
    const client = (request: { messages: Array<{ content: string }> }) => {
      calls += 1;
      return Promise.resolve({ text: `echo ${request.messages[0]!.content}`, usage: { input: 4, output: 2 } });
    };
    const options = { provider: 'local', model: 'echo-1', messages, client, stream: false };
    const first = await trackLLMCall(ledger, options);
    await ledger.flush();
    const second = await trackLLMCall(ledger, options);
    expect(calls).toBe(1);
    expect(second.response).toEqual(first.response);
    expect(second.text).toBe('echo Say hello');
    await ledger.close();
  });

  it('a streamed hit replays the stored chunks through the same reader: same text, recorded as a streamed hit', async () => {
    const ledger = cachedLedger();
    let calls = 0;
    async function* pieces() {
      yield { delta: 'Hel' };
      yield { delta: 'lo' };
      yield { delta: '!', usage: { input: 7, output: 3 } };
    }
    const client = { stream: () => (calls++, pieces()) };
    const options = { provider: 'local', model: 'streamer-1', messages, client };
    const first = await trackLLMCall(ledger, options);
    await ledger.flush();
    const second = await trackLLMCall(ledger, options);
    expect(calls).toBe(1);
    expect(first).toMatchObject({ text: 'Hello!', streamed: true, status: 'success' });
    expect(second).toMatchObject({ text: 'Hello!', streamed: true, costUsd: '0', totalTokens: 0 });
    await ledger.flush();
    const hit = (await records(ledger))[1];
    expect(hit).toMatchObject({ cacheHit: true, streamed: true, costSaved: first.costUsd });
    await ledger.close();
  });

  it('an OpenAI stream is stored and replayed; a streamed and a non-streamed call are cached apart', async () => {
    const ledger = cachedLedger();
    const openai = sdkClients(server).openai;
    server.script('openai.chat', chatStream({ content: ['Bon', 'jour'], usage: openaiUsage(9, 2) }));
    server.script('openai.chat', chatCompletion({ content: 'Bonjour', usage: openaiUsage(9, 2) }));
    const options = { provider: 'openai', model: 'gpt-4o-mini', messages, client: openai };
    await trackLLMCall(ledger, options);
    await ledger.flush();
    const hit = await trackLLMCall(ledger, options);
    await trackLLMCall(ledger, { ...options, stream: false });
    expect(server.requests).toHaveLength(2);
    expect(hit).toMatchObject({ text: 'Bonjour', streamed: true, costUsd: '0' });
    await ledger.close();
  });

  it('errors and streams cut short are never cached', async () => {
    const ledger = cachedLedger();
    const openai = sdkClients(server).openai;
    server.script(
      'openai.chat',
      openaiError(500, { message: 'boom', type: 'server_error' }),
      chatStream({ content: ['a', 'b', 'c'], dropAfter: 2 }),
      chatStream({ content: ['ok'] }),
    );
    const options = { provider: 'openai', model: 'gpt-4o-mini', messages, client: openai };
    expect((await trackLLMCall(ledger, options)).error).toMatch(/boom/);
    await ledger.flush();
    expect((await trackLLMCall(ledger, options)).error).not.toBeNull();
    await ledger.flush();
    expect((await trackLLMCall(ledger, options)).error).toBeNull();
    expect(server.requests).toHaveLength(3);
    expect(ledger.cache?.stats).toMatchObject({ hits: 0, stores: 1 });
    await ledger.close();
  });

  it('cache: false skips the cache; an opt-in cache serves only calls with cache: true', async () => {
    const ledger = cachedLedger({ optIn: true });
    let calls = 0;
    const client = () => (calls++, Promise.resolve({ text: 'x', usage: { input: 1, output: 1 } }));
    const options = { provider: 'local', model: 'm', messages, client, stream: false };
    await trackLLMCall(ledger, options);
    await trackLLMCall(ledger, options);
    expect(calls).toBe(2);
    await trackLLMCall(ledger, { ...options, cache: true });
    await ledger.flush();
    await trackLLMCall(ledger, { ...options, cache: false });
    expect(calls).toBe(4);
    await trackLLMCall(ledger, { ...options, cache: true });
    expect(calls).toBe(4);
    await ledger.close();
  });

  it("two ledgers sharing a Redis cache (db 12): the second process-like ledger is answered by the first one's call", async () => {
    const client = new Redis(process.env.REDIS_CACHE_URL ?? 'redis://127.0.0.1:6379/12', { maxRetriesPerRequest: 1 });
    const prefix = `llm-ledger-test:track-cache:${process.pid}:${Date.now()}:`;
    const open = () => testLedger({ cache: { backend: new RedisCacheBackend({ client, prefix }) } }) as CreatedLedger;
    const [first, second] = [open(), open()];
    try {
      let calls = 0;
      const answer = () => (calls++, Promise.resolve({ text: 'shared', usage: { input: 3, output: 1 } }));
      const options = { provider: 'local', model: 'm', messages, client: answer, stream: false };
      await trackLLMCall(first, options);
      await first.flush();
      // The store is written off the call's path: wait until Redis has it.
      for (let tries = 0; tries < 100 && first.cache!.stats.stores === 0; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const hit = await trackLLMCall(second, options);
      expect(calls).toBe(1);
      expect(hit).toMatchObject({ text: 'shared', costUsd: '0' });
    } finally {
      await first.cache!.clear();
      await first.close();
      await second.close();
      await client.quit();
    }
  });
});
