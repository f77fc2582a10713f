import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wrapClient } from '../../src/capture/wrap-client.js';
import { chatStream, openaiUsage, type ChatStreamScript } from '../support/wire-server/index.js';
import {
  collect,
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

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
