import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zodResponseFormat } from 'openai/helpers/zod';
import { wrapClient } from '../../src/capture/wrap-client.js';
import { createLedger } from '../../src/create-ledger.js';
import { chatCompletion, chatStream, openaiUsage } from '../support/wire-server/index.js';
import {
  expectedCost,
  onlyRecord,
  collect,
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
