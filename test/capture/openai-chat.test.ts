import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zodResponseFormat } from 'openai/helpers/zod';
import { wrapClient } from '../../src/capture/wrap-client.js';
import { createLedger } from '../../src/create-ledger.js';
import { chatCompletion, chatStream, openaiUsage, type ChatStreamScript } from '../support/wire-server/index.js';
import {
  expectedCost,
  onlyRecord,
  records,
  sdkClients,
  startWireServer,
  testLedger,
  type WireServer,
} from './capture-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const messages = [{ role: 'user' as const, content: 'What is the weather in Paris and Rome?' }];

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const chunks: T[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The chunks an unwrapped client and a wrapped one see for the same script and request. */
async function bothSides(script: ChatStreamScript, request: Partial<OpenAI.ChatCompletionCreateParamsStreaming> = {}) {
  const ledger = testLedger();
  const raw = sdkClients(server).openai;
  const wrapped = wrapClient(ledger, sdkClients(server).openai);
  const params = { model: 'gpt-4o-mini', messages, stream: true as const, ...request };
  server.script('openai.chat', chatStream(script), chatStream(script));
  const rawChunks = await collect(await raw.chat.completions.create(params));
  const wrappedChunks = await collect(await wrapped.chat.completions.create(params));
  return { rawChunks, wrappedChunks, ledger };
}

describe('openai chat completions: non-streamed', () => {
  it('records the completion with its usage and cost', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script(
      'openai.chat',
      chatCompletion({ content: 'Paris.', usage: openaiUsage(120, 45, { cached: 64, reasoning: 5 }) }),
    );
    const sent = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Capital of France?' },
    ];
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: sent, temperature: 0.2 });
    expect(completion.choices[0]?.message.content).toBe('Paris.');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini-2024-07-18',
      systemPrompt: 'Be brief.',
      messages: sent,
      params: { temperature: 0.2 },
      responseMessage: { role: 'assistant', content: 'Paris.' },
      finishReason: 'stop',
      status: 'success',
      requestMode: 'sync',
      streamed: false,
      tokenSource: 'provider',
      tokens: { input: 120, output: 45, total: 165, cacheRead: 64, cacheWrite: 0, reasoning: 5 },
    });
    expect(record.cost).toMatchObject({ total: expectedCost(120, 45), status: 'priced' });
  });

  it('keeps APIPromise helpers: withResponse() returns the data and the raw response, recorded once', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script('openai.chat', chatCompletion({ content: 'Hi' }));
    const { data, response, request_id } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Hi');
    expect(response.status).toBe(200);
    expect(request_id).toBe('req_chat_1');
    expect((await onlyRecord(ledger)).responseMessage?.content).toBe('Hi');
  });

  it('records parallel tool calls apart', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script(
      'openai.chat',
      chatCompletion({
        toolCalls: [
          { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
        ],
      }),
    );
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [weatherTool] });
    const record = await onlyRecord(ledger);
    expect(record.tools).toEqual([weatherTool]);
    expect(record.finishReason).toBe('tool_calls');
    expect(record.responseMessage).toMatchObject({
      content: null,
      toolCalls: [
        { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ],
    });
  });

  it('records structured output from parse() once, and parse() still parses', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script(
      'openai.chat',
      chatCompletion({ content: '{"city":"Paris","celsius":21}', usage: openaiUsage(30, 9) }),
    );
    const Weather = z.object({ city: z.string(), celsius: z.number() });
    const completion = await openai.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages,
      response_format: zodResponseFormat(Weather, 'weather'),
    });
    expect(completion.choices[0]?.message.parsed).toEqual({ city: 'Paris', celsius: 21 });
    const record = await onlyRecord(ledger);
    expect(record.params.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'weather' } });
    expect(record.responseMessage?.content).toBe('{"city":"Paris","celsius":21}');
    expect(record.tokens).toMatchObject({ input: 30, output: 9 });
  });

  it('sends no field the application did not send', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai, { userId: 'u-1', tags: ['t'] });
    server.script('openai.chat', chatCompletion());
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(Object.keys(server.requests[0]!.body).sort()).toEqual(['messages', 'model']);
  });
});

describe('openai chat completions: streamed', () => {
  it('records a stream and hides the usage chunk it asked for', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script('openai.chat', chatStream({ content: ['Hel', 'lo'], usage: openaiUsage(10, 2) }));
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    const chunks = await collect(stream);
    expect(chunks.every((chunk) => chunk.choices.length > 0)).toBe(true);
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);
    expect(server.requests[0]?.body.stream_options).toEqual({ include_usage: true });
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'success',
      requestMode: 'streaming',
      streamed: true,
      partial: false,
      finishReason: 'stop',
      responseMessage: { role: 'assistant', content: 'Hello' },
      tokens: { input: 10, output: 2, total: 12 },
      tokenSource: 'provider',
    });
    expect(record.cost?.total).toBe(expectedCost(10, 2));
    expect(record.ttftMs).toBeGreaterThanOrEqual(0);
    expect(record.ttftMs).toBeLessThanOrEqual(record.latencyMs);
  });

  it('shows exactly the chunks an unwrapped client shows when the application did not ask for usage', async () => {
    const { rawChunks, wrappedChunks, ledger } = await bothSides({
      content: ['A', 'B', 'C'],
      usage: openaiUsage(7, 3),
    });
    expect(wrappedChunks).toStrictEqual(rawChunks);
    expect(rawChunks).toHaveLength(5);
    expect((await onlyRecord(ledger)).tokens).toMatchObject({ input: 7, output: 3 });
  });

  it('stays identical when `usage: null` is not the last field of the chunks (obfuscation padding)', async () => {
    const { rawChunks, wrappedChunks, ledger } = await bothSides({
      content: ['A', 'B'],
      obfuscation: true,
      usage: openaiUsage(7, 2),
    });
    expect(wrappedChunks).toStrictEqual(rawChunks);
    expect(Object.keys(wrappedChunks[1]!)).toEqual(Object.keys(rawChunks[1]!));
    expect((await onlyRecord(ledger)).tokens).toMatchObject({ input: 7, output: 2 });
  });

  it('passes the usage chunk through when the application asked for it', async () => {
    const { rawChunks, wrappedChunks, ledger } = await bothSides(
      { content: ['A', 'B'], usage: openaiUsage(7, 2) },
      { stream_options: { include_usage: true } },
    );
    expect(wrappedChunks).toStrictEqual(rawChunks);
    expect(rawChunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 7 } });
    expect((await onlyRecord(ledger)).tokens).toMatchObject({ input: 7, output: 2 });
  });

  it('keeps Azure’s empty-choices first chunk and reads DeepSeek’s usage on the finish chunk', async () => {
    const azure = await bothSides({ content: ['ok'], azureFilterChunk: true, usage: openaiUsage(5, 1) });
    expect(azure.wrappedChunks).toStrictEqual(azure.rawChunks);
    expect(azure.rawChunks[0]?.choices).toEqual([]);
    expect((await onlyRecord(azure.ledger)).tokens).toMatchObject({ input: 5, output: 1 });

    const deepseek = await bothSides({ content: ['ok'], usageOnFinishChunk: true, usage: openaiUsage(6, 1) });
    expect(deepseek.wrappedChunks).toStrictEqual(deepseek.rawChunks);
    expect((await onlyRecord(deepseek.ledger)).tokens).toMatchObject({ input: 6, output: 1 });
  });

  it('assembles streamed tool calls by index, parallel ones kept apart even when interleaved', async () => {
    for (const interleave of [false, true]) {
      const ledger = testLedger();
      const openai = wrapClient(ledger, sdkClients(server).openai);
      server.script(
        'openai.chat',
        chatStream({
          interleaveToolCalls: interleave,
          toolCalls: [
            { id: 'call_a', name: 'get_weather', argumentPieces: ['{"city":', '"Paris"}'] },
            { id: 'call_b', name: 'get_weather', argumentPieces: ['{"ci', 'ty":"Ro', 'me"}'] },
          ],
          usage: openaiUsage(40, 20),
        }),
      );
      await collect(
        await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, tools: [weatherTool] }),
      );
      const record = await onlyRecord(ledger);
      expect(record.finishReason).toBe('tool_calls');
      expect(record.responseMessage?.toolCalls).toEqual([
        { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ]);
      expect(record.ttftMs).not.toBeNull();
    }
  });

  it('records the stream() helper once and leaves its events and final completion intact', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script('openai.chat', chatStream({ content: ['Bon', 'jour'], usage: openaiUsage(9, 2) }));
    const runner = openai.chat.completions.stream({ model: 'gpt-4o-mini', messages });
    const deltas: string[] = [];
    runner.on('content', (delta) => deltas.push(delta));
    const final = await runner.finalChatCompletion();
    expect(deltas).toEqual(['Bon', 'jour']);
    expect(final.choices[0]?.message.content).toBe('Bonjour');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'success',
      responseMessage: { content: 'Bonjour' },
      tokens: { input: 9, output: 2 },
    });
  });

  it('keeps tee() and toReadableStream() working on the recorded stream', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script('openai.chat', chatStream({ content: ['x', 'y'] }), chatStream({ content: ['z'] }));
    const [left, right] = (
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })
    ).tee();
    const leftChunks = await collect(left);
    const rightChunks = await collect(right);
    expect(leftChunks).toStrictEqual(rightChunks);
    expect(leftChunks.some((chunk) => chunk.choices.length === 0)).toBe(false);

    const readable = (
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })
    ).toReadableStream();
    const text = await new Response(readable).text();
    expect(text).toContain('"z"');
    const all = await records(ledger);
    expect(all.map((record) => record.responseMessage?.content)).toEqual(['xy', 'z']);
  });
});

describe('attribution', () => {
  it('takes attribution from ledger.context over the wrap defaults, never from the request', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai, {
      userId: 'default-user',
      tenantId: 'acme',
      tags: ['wrapped'],
      metadata: { app: 'shop', feature: 'default' },
    });
    server.script('openai.chat', chatCompletion(), chatCompletion());
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await ledger.context({ userId: 'u-42', sessionId: 's-1', tags: ['checkout'], metadata: { feature: 'cart' } }, () =>
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages }),
    );
    const [plain, scoped] = await records(ledger);
    expect(plain).toMatchObject({ userId: 'default-user', tenantId: 'acme', sessionId: null, tags: ['wrapped'] });
    expect(plain?.metadata).toEqual({ app: 'shop', feature: 'default' });
    expect(scoped).toMatchObject({ userId: 'u-42', tenantId: 'acme', sessionId: 's-1' });
    expect(scoped?.tags).toEqual(['checkout', 'wrapped']);
    expect(scoped?.metadata).toEqual({ app: 'shop', feature: 'cart' });
  });

  it('wrapping twice rebinds instead of recording twice', async () => {
    const first = testLedger();
    const second = testLedger();
    const client = sdkClients(server).openai;
    const wrapped = wrapClient(first, client);
    expect(wrapClient(second, wrapped)).toBe(client);
    server.script('openai.chat', chatCompletion());
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(await records(first)).toHaveLength(0);
    expect(await records(second)).toHaveLength(1);
  });
});

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('a disabled ledger', () => {
  it('passes calls straight through and records nothing', async () => {
    const ledger = createLedger({ store: 'memory', configFile: false, env: {}, enabled: false });
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script('openai.chat', chatStream({ content: ['x'] }));
    const chunks = await collect(
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }),
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(server.requests[0]?.body.stream_options).toBeUndefined();
    expect(await records(ledger)).toHaveLength(0);
  });
});
