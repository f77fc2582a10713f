import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { APIPromise } from 'openai/core/api-promise';
import { Stream as OpenAIStream } from 'openai/core/streaming';
import { Stream as AnthropicStream } from '@anthropic-ai/sdk/core/streaming';
import { GenerateContentResponse } from '@google/genai';
import type { CreatedLedger } from '../../src/create-ledger.js';
import type { CacheOptions } from '../../src/open-cache.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  chatCompletion,
  chatStream,
  generate,
  generateStream,
  message,
  messageStream,
  openaiUsage,
  openaiError,
} from '../support/wire-server/index.js';
import {
  collect,
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

const messages = [{ role: 'user' as const, content: 'Say hello' }];

function cachedLedger(options: CacheOptions = {}): CreatedLedger {
  return testLedger({ cache: { backend: 'memory', ...options } }) as CreatedLedger;
}

describe('response cache with the official SDKs', () => {
  it('openai: the second identical request is answered from the cache, as an APIPromise of the same body', async () => {
    const ledger = cachedLedger();
    const openai = ledger.wrap(sdkClients(server).openai);
    server.script('openai.chat', chatCompletion({ content: 'Hi there', usage: openaiUsage(12, 3) }));
    const first = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 });
    await ledger.flush();
    const promise = openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0, user: 'u-2' });
    expect(promise).toBeInstanceOf(APIPromise);
    const { data: second, response } = await promise.withResponse();
    expect(server.requests).toHaveLength(1);
    expect(second).toEqual(first);
    expect(response.headers.get('x-llm-ledger-cache')).toBe('hit');
    await ledger.flush();
    const [miss, hit] = await records(ledger);
    expect(miss).toMatchObject({ status: 'success', tokens: { input: 12, output: 3 } });
    expect(miss!.cacheHit).toBeUndefined();
    expect(hit).toMatchObject({
      status: 'success',
      cacheHit: true,
      costSaved: expectedCost(12, 3),
      cost: { total: '0' },
      tokens: { input: 0, output: 0, total: 0 },
      userId: null,
      responseMessage: { role: 'assistant', content: 'Hi there' },
    });
    expect(ledger.cache?.stats).toMatchObject({ hits: 1, misses: 1, stores: 1, errors: 0 });
    await ledger.close();
  });

  it('openai: a different sampling parameter or message is a miss; attribution fields are not', async () => {
    const ledger = cachedLedger();
    const openai = ledger.wrap(sdkClients(server).openai);
    server.script('openai.chat', chatCompletion(), chatCompletion(), chatCompletion());
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0, metadata: { a: '1' } });
    await ledger.flush();
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0.5 });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'other' }] });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0, metadata: { a: '2' } });
    expect(server.requests).toHaveLength(3);
    await ledger.close();
  });

  it('openai: a streamed hit replays the chunks as an openai Stream, without contacting the server', async () => {
    const ledger = cachedLedger();
    const openai = ledger.wrap(sdkClients(server).openai);
    server.script('openai.chat', chatStream({ content: ['Hel', 'lo', '!'], usage: openaiUsage(10, 3) }));
    const params = { model: 'gpt-4o-mini', messages, stream: true as const };
    const firstChunks = await collect(await openai.chat.completions.create(params));
    await ledger.flush();
    const stream = await openai.chat.completions.create(params);
    expect(stream).toBeInstanceOf(OpenAIStream);
    const secondChunks = await collect(stream);
    expect(server.requests).toHaveLength(1);
    expect(secondChunks).toEqual(firstChunks);
    expect(secondChunks.some((chunk) => 'usage' in chunk && chunk.usage)).toBe(false);
    await ledger.flush();
    const [, hit] = await records(ledger);
    expect(hit).toMatchObject({
      streamed: true,
      cacheHit: true,
      costSaved: expectedCost(10, 3),
      cost: { total: '0' },
      responseMessage: { content: 'Hello!' },
    });
    await ledger.close();
  });

  it('openai: include_usage and answer-shaping request headers get entries of their own', async () => {
    const ledger = cachedLedger();
    const openai = ledger.wrap(sdkClients(server).openai);
    server.setDefault('openai.chat', chatStream({ content: ['Hi'], usage: openaiUsage(10, 1) }));
    const plain = { model: 'gpt-4o-mini', messages, stream: true as const };
    const withUsage = { ...plain, stream_options: { include_usage: true } };
    const usageChunks = (chunks: Array<{ usage?: unknown }>) => chunks.filter((chunk) => chunk.usage).length;
    // The second round is answered from the cache, each request from its own entry.
    for (let round = 0; round < 2; round++) {
      expect(usageChunks(await collect(await openai.chat.completions.create(plain)))).toBe(0);
      // The application asked for the usage chunk: it gets it, from the server or from the cache.
      expect(usageChunks(await collect(await openai.chat.completions.create(withUsage)))).toBe(1);
      await ledger.flush();
      expect(server.requests).toHaveLength(2);
    }
    server.setDefault('openai.chat', chatCompletion({ content: 'beta' }));
    const request = { model: 'gpt-4o-mini', messages };
    await openai.chat.completions.create(request);
    await openai.chat.completions.create(request, { headers: { 'OpenAI-Beta': 'some-feature=v1' } });
    await ledger.flush();
    await openai.chat.completions.create(request, { headers: { 'openai-beta': 'some-feature=v1', 'x-trace': '1' } });
    expect(server.requests).toHaveLength(4);
    await ledger.close();
  });

  it("openai and anthropic: the clients' default headers and query are part of the key, a call's options over them", async () => {
    const ledger = cachedLedger();
    server.setDefault('openai.chat', chatCompletion({ content: 'defaults' }));
    server.setDefault('anthropic.messages', message({ text: 'defaults' }));
    const openaiWith = (options: ConstructorParameters<typeof OpenAI>[0] = {}) =>
      ledger.wrap(new OpenAI({ apiKey: 'sk-test', baseURL: server.openaiBaseURL, maxRetries: 0, ...options }));
    const plain = openaiWith();
    const beta = openaiWith({ defaultHeaders: { 'OpenAI-Beta': 'some-feature=v1' } });
    // AzureOpenAI keeps its api-version in the default query.
    const versioned = openaiWith({ defaultQuery: { 'api-version': '2024-10-21' } });
    const request = { model: 'gpt-4o-mini', messages };
    const asked = async (client: OpenAI, options?: { headers: Record<string, string | null> }) => {
      const before = server.requests.length;
      await client.chat.completions.create(request, options);
      await ledger.flush();
      return server.requests.length > before;
    };
    expect(await asked(plain)).toBe(true);
    expect(await asked(beta)).toBe(true);
    expect(await asked(versioned)).toBe(true);
    expect(await asked(openaiWith({ defaultHeaders: { 'openai-beta': 'some-feature=v1' } }))).toBe(false);
    expect(await asked(plain, { headers: { 'openai-beta': 'some-feature=v1' } })).toBe(false);
    // null removes the client's default header: the plain request again.
    expect(await asked(beta, { headers: { 'OpenAI-Beta': null } })).toBe(false);

    const anthropicWith = (headers: Record<string, string>) =>
      ledger.wrap(
        new Anthropic({ apiKey: 'sk-ant', baseURL: server.anthropicBaseURL, maxRetries: 0, defaultHeaders: headers }),
      );
    const ask = { model: 'claude-3-5-haiku-20241022', max_tokens: 10, messages };
    const before = server.requests.length;
    await anthropicWith({}).messages.create(ask);
    await ledger.flush();
    await anthropicWith({ 'anthropic-beta': 'output-128k-2025-02-19' }).messages.create(ask);
    await ledger.flush();
    await anthropicWith({ 'anthropic-beta': 'output-128k-2025-02-19' }).messages.create(ask);
    expect(server.requests.length - before).toBe(2);
    await ledger.close();
  });

  it('openai: errors and streams cut short are never cached', async () => {
    const ledger = cachedLedger();
    const openai = ledger.wrap(sdkClients(server).openai);
    server.script(
      'openai.chat',
      openaiError(500, { message: 'boom', type: 'server_error' }),
      chatStream({ content: ['a', 'b', 'c'], dropAfter: 2 }),
      chatCompletion(),
      chatStream({ content: ['x'] }),
    );
    await expect(openai.chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toThrow();
    const cut = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    await expect(collect(cut)).rejects.toThrow();
    await ledger.flush();
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await collect(await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }));
    expect(server.requests).toHaveLength(4);
    expect(ledger.cache?.stats.hits).toBe(0);
    await ledger.close();
  });

  it('anthropic: non-streamed and streamed hits, the stream as the SDK Stream type', async () => {
    const ledger = cachedLedger();
    const anthropic = ledger.wrap(sdkClients(server).anthropic);
    server.script('anthropic.messages', message({ text: 'Bonjour', usage: { input: 20, output: 5 } }));
    server.script('anthropic.messages', messageStream({ textPieces: ['Bon', 'jour'], usage: { input: 8, output: 2 } }));
    const params = { model: 'claude-sonnet-4-6', max_tokens: 100, messages };
    const first = await anthropic.messages.create(params);
    const firstChunks = await collect(await anthropic.messages.create({ ...params, stream: true }));
    await ledger.flush();
    const second = await anthropic.messages.create(params);
    const stream = await anthropic.messages.create({ ...params, stream: true });
    expect(stream).toBeInstanceOf(AnthropicStream);
    const secondChunks = await collect(stream);
    expect(server.requests).toHaveLength(2);
    expect(second).toEqual(first);
    expect(secondChunks).toEqual(firstChunks);
    await ledger.flush();
    const hits = (await records(ledger)).filter((record) => record.cacheHit);
    expect(hits.map((hit) => [hit.streamed, hit.costSaved, hit.cost?.total])).toEqual([
      [false, expectedCost(20, 5), '0'],
      [true, expectedCost(8, 2), '0'],
    ]);
    await ledger.close();
  });

  it('gemini: hits resolve to GenerateContentResponse instances and replay the async generator', async () => {
    const ledger = cachedLedger();
    const ai = ledger.wrap(sdkClients(server).gemini);
    server.script('gemini.generate', generate({ text: 'Blue', usage: { prompt: 6, candidates: 2 } }));
    server.script('gemini.stream', generateStream({ textPieces: ['Bl', 'ue'], usage: { prompt: 6, candidates: 2 } }));
    const params = { model: 'gemini-2.5-flash', contents: 'Why is the sky blue?', config: { temperature: 0 } };
    const first = await ai.models.generateContent(params);
    const firstChunks = await collect(await ai.models.generateContentStream(params));
    await ledger.flush();
    const second = await ai.models.generateContent({
      ...params,
      config: { ...params.config, abortSignal: new AbortController().signal },
    });
    const stream = await ai.models.generateContentStream(params);
    expect(typeof (stream as AsyncGenerator).next).toBe('function');
    const secondChunks = await collect(stream);
    expect(server.requests).toHaveLength(2);
    expect(second).toBeInstanceOf(GenerateContentResponse);
    expect(second.text).toBe(first.text);
    expect(secondChunks.map((chunk) => chunk.text)).toEqual(firstChunks.map((chunk) => chunk.text));
    expect(secondChunks[0]).toBeInstanceOf(GenerateContentResponse);
    await ledger.flush();
    const hits = (await records(ledger)).filter((record) => record.cacheHit);
    expect(hits).toHaveLength(2);
    expect(hits.every((hit) => hit.cost?.total === '0' && hit.costSaved === expectedCost(6, 2))).toBe(true);
    await ledger.close();
  });

  it('opt-in: only clients wrapped with cache: true use it; cache: false never does', async () => {
    const ledger = cachedLedger({ optIn: true });
    const plain = ledger.wrap(sdkClients(server).openai);
    const opted = ledger.wrap(sdkClients(server).openai, { cache: true });
    server.script('openai.chat', chatCompletion(), chatCompletion(), chatCompletion());
    await plain.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await plain.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await opted.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await ledger.flush();
    await opted.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(server.requests).toHaveLength(3);
    await ledger.close();
  });
});
