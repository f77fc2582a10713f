import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CreatedLedger } from '../../src/create-ledger.js';
import type { CacheOptions } from '../../src/open-cache.js';
import {
  chatCompletion,
  chatStream,
  message,
  openaiError,
  openaiUsage,
  responseStream,
} from '../support/wire-server/index.js';
import {
  expectedCost,
  recordedModel,
  records,
  recordsWhenCount,
  startWireServer,
  testLedger,
  type ModelKind,
  type WireServer,
} from './ai-sdk-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

function cachedLedger(options: CacheOptions = {}) {
  return testLedger({ cache: { backend: 'memory', ...options } }) as CreatedLedger;
}

describe('ai-sdk middleware with the response cache', () => {
  it('generateText: the repeated call is answered without calling the model, same text, usage and a Date timestamp', async () => {
    const ledger = cachedLedger();
    server.script('openai.chat', chatCompletion({ content: 'Paris.', usage: openaiUsage(14, 2) }));
    const model = recordedModel(server, 'openai.chat', ledger);
    const first = await generateText({ model, prompt: 'Capital of France?', temperature: 0, maxRetries: 0 });
    await ledger.flush();
    const second = await generateText({ model, prompt: 'Capital of France?', temperature: 0, maxRetries: 0 });
    expect(server.requests).toHaveLength(1);
    expect(second.text).toBe(first.text);
    expect(second.finishReason).toBe(first.finishReason);
    expect(second.usage.inputTokens).toBe(first.usage.inputTokens);
    expect(second.response.timestamp).toBeInstanceOf(Date);
    expect(second.response.timestamp.getTime()).toBe(first.response.timestamp.getTime());
    expect(second.response.headers?.['x-llm-ledger-cache']).toBe('hit');
    const [miss, hit] = await recordsWhenCount(ledger, 2);
    expect(miss!.cacheHit).toBeUndefined();
    expect(hit).toMatchObject({
      cacheHit: true,
      cost: { total: '0' },
      costSaved: expectedCost(14, 2),
      tokens: { input: 0, output: 0 },
      responseMessage: { role: 'assistant', content: 'Paris.' },
    });
    await ledger.close();
  });

  it('a different prompt or temperature is a miss', async () => {
    const ledger = cachedLedger();
    server.script('openai.chat', chatCompletion(), chatCompletion(), chatCompletion());
    const model = recordedModel(server, 'openai.chat', ledger);
    await generateText({ model, prompt: 'A', temperature: 0, maxRetries: 0 });
    await ledger.flush();
    await generateText({ model, prompt: 'A', temperature: 1, maxRetries: 0 });
    await generateText({ model, prompt: 'B', temperature: 0, maxRetries: 0 });
    expect(server.requests).toHaveLength(3);
    await ledger.close();
  });

  it('includeRawChunks and answer-shaping headers get entries of their own', async () => {
    const ledger = cachedLedger();
    server.setDefault('openai.chat', chatStream({ content: ['Hel', 'lo'], usage: openaiUsage(10, 2) }));
    const model = recordedModel(server, 'openai.chat', ledger);
    const rawParts = async (includeRawChunks: boolean) => {
      const result = streamText({ model, prompt: 'Say hello', maxRetries: 0, includeRawChunks });
      let raw = 0;
      for await (const part of result.fullStream) if (part.type === 'raw') raw++;
      await ledger.flush();
      return raw;
    };
    // The second round is answered from the cache: raw parts only where they were asked for.
    for (let round = 0; round < 2; round++) {
      expect(await rawParts(true)).toBeGreaterThan(0);
      expect(await rawParts(false)).toBe(0);
    }
    expect(server.requests).toHaveLength(2);
    server.setDefault('openai.chat', chatCompletion());
    const headers = { 'OpenAI-Beta': 'some-feature=v1', 'x-trace': '1' };
    await generateText({ model, prompt: 'A', maxRetries: 0 });
    await ledger.flush();
    await generateText({ model, prompt: 'A', maxRetries: 0, headers });
    await ledger.flush();
    await generateText({ model, prompt: 'A', maxRetries: 0, headers: { ...headers, 'x-trace': '2' } });
    expect(server.requests).toHaveLength(4);
    await ledger.close();
  });

  const streams: Array<[ModelKind, () => void]> = [
    [
      'openai.chat',
      () => server.script('openai.chat', chatStream({ content: ['Hel', 'lo'], usage: openaiUsage(10, 2) })),
    ],
    [
      'openai.responses',
      () =>
        server.script(
          'openai.responses',
          responseStream({ textPieces: ['Hel', 'lo'], usage: { input: 10, output: 2 } }),
        ),
    ],
  ];
  for (const [kind, script] of streams) {
    it(`streamText (${kind}): the repeated stream is replayed as the same stream parts, without calling the model`, async () => {
      const ledger = cachedLedger();
      script();
      const model = recordedModel(server, kind, ledger);
      const read = async () => {
        const result = streamText({ model, prompt: 'Say hello', maxRetries: 0 });
        const parts: unknown[] = [];
        for await (const part of result.fullStream) parts.push(part);
        return { text: await result.text, usage: await result.usage, parts };
      };
      const first = await read();
      await ledger.flush();
      const second = await read();
      expect(server.requests).toHaveLength(1);
      expect(second.text).toBe('Hello');
      expect(second.usage).toEqual(first.usage);
      expect(second.parts.map((part) => (part as { type: string }).type)).toEqual(
        first.parts.map((part) => (part as { type: string }).type),
      );
      const [, hit] = await recordsWhenCount(ledger, 2);
      expect(hit).toMatchObject({
        cacheHit: true,
        streamed: true,
        cost: { total: '0' },
        costSaved: expectedCost(10, 2),
        responseMessage: { content: 'Hello' },
      });
      await ledger.close();
    });
  }

  it('errors and streams cut short are never cached', async () => {
    const ledger = cachedLedger();
    server.script(
      'openai.chat',
      openaiError(500, { message: 'boom', type: 'server_error' }),
      chatStream({ content: ['a', 'b', 'c'], dropAfter: 2 }),
      chatCompletion({ content: 'fine' }),
    );
    const model = recordedModel(server, 'openai.chat', ledger);
    await expect(generateText({ model, prompt: 'Q', maxRetries: 0 })).rejects.toThrow();
    const cut = streamText({ model, prompt: 'Q', maxRetries: 0, onError: () => undefined });
    const readToCut = async () => {
      for await (const _part of cut.fullStream) {
        // read to the cut
      }
    };
    await readToCut().catch(() => undefined);
    await ledger.flush();
    expect((await generateText({ model, prompt: 'Q', maxRetries: 0 })).text).toBe('fine');
    expect(server.requests).toHaveLength(3);
    expect(ledger.cache?.stats.hits).toBe(0);
    await ledger.close();
  });

  it('opt-in: only models wrapped with cache: true use it', async () => {
    const ledger = cachedLedger({ optIn: true });
    server.script('openai.chat', chatCompletion(), chatCompletion(), chatCompletion());
    const plain = recordedModel(server, 'openai.chat', ledger);
    const opted = recordedModel(server, 'openai.chat', ledger, { cache: true });
    const ask = (model: typeof plain) => generateText({ model, prompt: 'Hello', temperature: 0, maxRetries: 0 });
    await ask(plain);
    await ledger.flush();
    await ask(plain);
    await ask(opted);
    await ledger.flush();
    await ask(opted);
    expect(server.requests).toHaveLength(3);
    expect(ledger.cache?.stats.hits).toBe(1);
    await ledger.close();
  });

  it('cache: false keeps a model out; under a spent budget a hit is answered and a miss refused', async () => {
    const ledger = testLedger({ cache: { backend: 'memory' }, meter: 'memory' }) as CreatedLedger;
    server.script('anthropic.messages', message({ text: 'Hi', usage: { input: 10, output: 5 } }), message());
    const model = recordedModel(server, 'anthropic.messages', ledger, { userId: 'u-1' });
    const ask = (prompt: string) => generateText({ model, prompt, maxOutputTokens: 5, maxRetries: 0 });
    await ask('Hello');
    await ledger.flush();
    ledger.limits!.set({ subject: 'user:*', period: 'day', maxTokens: 15, mode: 'hard' });
    expect((await ask('Hello')).text).toBe('Hi');
    await expect(ask('Something else')).rejects.toMatchObject({ name: 'QuotaExceededError' });
    const uncached = recordedModel(server, 'anthropic.messages', ledger, { cache: false });
    await generateText({ model: uncached, prompt: 'Hello', maxOutputTokens: 5, maxRetries: 0 });
    expect(server.requests).toHaveLength(2);
    expect((await records(ledger)).filter((record) => record.cacheHit)).toHaveLength(1);
    await ledger.close();
  });
});
