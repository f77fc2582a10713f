import { tiktokenChatCount, tiktokenCount } from '../support/token-chain.js';
import { generateText, stepCountIs, tool, wrapLanguageModel } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallInit } from '../../src/core/call.js';
import { createLedger } from '../../src/create-ledger.js';
import { silentLogger } from '../../src/core/logger.js';
import { ledgerMiddleware } from '../../src/integrations/ai-sdk.js';
import { setDefaultLedger } from '../../src/integrations/default-ledger.js';
import { QuotaExceededError } from '../../src/meters/errors.js';
import { testPricer } from '../capture/capture-harness.js';
import {
  anthropicError,
  chatCompletion,
  message,
  openaiError,
  openaiRateLimit,
  openaiUsage,
  response,
} from '../support/wire-server/index.js';
import {
  expectedCost,
  onlyRecord,
  providers,
  rawModel,
  recordedModel,
  records,
  startWireServer,
  testLedger,
  totals,
  type WireServer,
} from './ai-sdk-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const weather = tool({
  description: 'The weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, forecast: 'sunny' }),
});

describe('ai-sdk generateText', () => {
  it('records an OpenAI Chat Completions call with cached input and reasoning tokens', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatCompletion({ content: 'Hello!', usage: openaiUsage(12, 3, { cached: 4, reasoning: 1 }) }),
    );
    const result = await generateText({
      model: recordedModel(server, 'openai.chat', ledger),
      system: 'Be brief.',
      prompt: 'Hi',
      temperature: 0.2,
      maxOutputTokens: 50,
      stopSequences: ['END'],
      maxRetries: 0,
    });
    expect(result.text).toBe('Hello!');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini-2024-07-18',
      callType: 'CHAT',
      systemPrompt: 'Be brief.',
      messages: [{ role: 'user', content: 'Hi' }],
      tools: null,
      toolChoice: null,
      params: { temperature: 0.2, maxTokens: 50, stop: ['END'] },
      responseMessage: { role: 'assistant', content: 'Hello!' },
      finishReason: 'stop',
      status: 'success',
      requestMode: 'sync',
      streamed: false,
      partial: false,
      ttftMs: null,
      tokenSource: 'provider',
    });
    expect(record.tokens).toEqual({ input: 12, output: 3, total: 15, cacheRead: 4, cacheWrite: 0, reasoning: 1 });
    expect(record.cost?.total).toBe(expectedCost(12, 3));
    // The request the provider got is the application's: the middleware changes nothing.
    expect(server.requests[0]?.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, max_tokens: 50 });
  });

  it('records an OpenAI Responses API call (the default `openai(model)`)', async () => {
    const ledger = testLedger();
    server.script(
      'openai.responses',
      response({ text: 'Hi there', usage: { input: 50, output: 12, cached: 10, reasoning: 4 } }),
    );
    const { openai } = providers(server);
    const model = wrapLanguageModel({ model: openai('gpt-4.1'), middleware: ledgerMiddleware({ ledger }) });
    const result = await generateText({ model, prompt: 'Hi', maxRetries: 0 });
    expect(result.text).toBe('Hi there');
    const record = await onlyRecord(ledger);
    expect(server.requests[0]?.path).toBe('/v1/responses');
    expect(record).toMatchObject({
      provider: 'openai',
      model: 'gpt-4.1',
      responseModel: 'gpt-4.1-2025-04-14',
      responseMessage: { role: 'assistant', content: 'Hi there' },
      finishReason: 'stop',
      status: 'success',
    });
    expect(record.tokens).toEqual({ input: 50, output: 12, total: 62, cacheRead: 10, cacheWrite: 0, reasoning: 4 });
    expect(record.cost?.total).toBe(expectedCost(50, 12));
  });

  it('records an Anthropic call with cache reads and writes in inclusive input', async () => {
    const ledger = testLedger();
    server.script(
      'anthropic.messages',
      message({ text: 'Bonjour', usage: { input: 20, output: 5, cacheRead: 100, cacheWrite: 30, cacheWrite1h: 10 } }),
    );
    const result = await generateText({
      model: recordedModel(server, 'anthropic.messages', ledger),
      system: 'Answer in French.',
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: [{ type: 'text', text: 'Say hello.' }] },
      ],
      maxRetries: 0,
    });
    expect(result.text).toBe('Bonjour');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      responseModel: 'claude-sonnet-4-6',
      systemPrompt: 'Answer in French.',
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: 'Say hello.' },
      ],
      finishReason: 'end_turn',
      status: 'success',
    });
    expect(record.tokens).toEqual({
      input: 150,
      output: 5,
      total: 155,
      cacheRead: 100,
      cacheWrite: 30,
      reasoning: 0,
      cacheWrite1h: 10,
    });
    expect(record.cost?.total).toBe(expectedCost(150, 5));
  });

  it('records tool calls, tool definitions and tool choice', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatCompletion({
        toolCalls: [
          { id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
          { id: 'call_b', name: 'weather', arguments: '{"city":"Rome"}' },
        ],
        usage: openaiUsage(40, 20),
      }),
    );
    const result = await generateText({
      model: recordedModel(server, 'openai.chat', ledger),
      prompt: 'Weather in Paris and Rome?',
      tools: { weather: tool({ description: 'The weather in a city', inputSchema: z.object({ city: z.string() }) }) },
      toolChoice: 'required',
      maxRetries: 0,
    });
    expect(result.toolCalls.map((call) => call.input)).toEqual([{ city: 'Paris' }, { city: 'Rome' }]);
    const record = await onlyRecord(ledger);
    expect(record.finishReason).toBe('tool_calls');
    expect(record.toolChoice).toBe('required');
    expect(record.tools).toEqual([
      {
        type: 'function',
        name: 'weather',
        description: 'The weather in a city',
        inputSchema: expect.objectContaining({ type: 'object', properties: { city: { type: 'string' } } }),
      },
    ]);
    expect(record.responseMessage).toEqual({
      role: 'assistant',
      content: null,
      toolCalls: [
        { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
      ],
    });
    expect(record.tokens).toMatchObject({ input: 40, output: 20 });
    expect(record.cost?.total).toBe(expectedCost(40, 20));
  });

  it('records each step of a tool loop once; totals over the trace equal result.usage', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatCompletion({
        id: 'chatcmpl-step1',
        toolCalls: [{ id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' }],
        usage: openaiUsage(40, 10),
      }),
      chatCompletion({ id: 'chatcmpl-step2', content: 'Sunny in Paris.', usage: openaiUsage(70, 6, { cached: 32 }) }),
    );
    const result = await ledger.context({ traceId: 'trace-tools', userId: 'u-42' }, () =>
      generateText({
        model: recordedModel(server, 'openai.chat', ledger),
        prompt: 'Weather in Paris?',
        tools: { weather },
        stopWhen: stepCountIs(5),
        maxRetries: 0,
      }),
    );
    expect(result.text).toBe('Sunny in Paris.');
    expect(result.steps).toHaveLength(2);

    const all = await records(ledger);
    expect(all).toHaveLength(2);
    expect(all.every((record) => record.traceId === 'trace-tools' && record.userId === 'u-42')).toBe(true);
    expect(all[0]).toMatchObject({
      finishReason: 'tool_calls',
      responseMessage: {
        toolCalls: [{ id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
      },
      tokens: { input: 40, output: 10 },
    });
    // The second step's prompt holds the first step's tool call and the tool's result.
    expect(all[1]!.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', toolCallId: 'call_a', name: 'weather', content: { city: 'Paris', forecast: 'sunny' } },
    ]);
    expect(all[1]).toMatchObject({ finishReason: 'stop', tokens: { input: 70, output: 6, cacheRead: 32 } });

    const trace = await ledger.calls.byTrace('trace-tools');
    const sum = totals(trace);
    expect(sum.input).toBe(result.totalUsage.inputTokens);
    expect(sum.output).toBe(result.totalUsage.outputTokens);
    expect(sum).toEqual({ input: 110, output: 16, micros: 110 + 2 * 16 });
    const [summary] = await ledger.usage.summary({ where: { traceId: 'trace-tools' } });
    expect(summary).toMatchObject({ calls: 2, cost: expectedCost(110, 16) });
  });

  it('takes attribution from its options and from ledger.context(), options winning', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatCompletion(), chatCompletion());
    const model = recordedModel(server, 'openai.chat', ledger, {
      callType: 'SUMMARIZATION',
      tenantId: 'acme',
      tags: ['ai-sdk'],
      metadata: { feature: 'digest' },
    });
    await ledger.context(
      { userId: 'u-1', sessionId: 's-1', tenantId: 'other', tags: ['request'], metadata: { route: '/digest' } },
      async () => {
        await generateText({ model, prompt: 'one', maxRetries: 0 });
        await generateText({ model, prompt: 'two', maxRetries: 0 });
      },
    );
    const all = await records(ledger);
    expect(all).toHaveLength(2);
    for (const record of all) {
      expect(record).toMatchObject({
        callType: 'SUMMARIZATION',
        userId: 'u-1',
        sessionId: 's-1',
        tenantId: 'acme',
        metadata: { route: '/digest', feature: 'digest' },
      });
      expect([...record.tags].sort()).toEqual(['ai-sdk', 'request']);
    }
    // Without a surrounding trace every call is its own trace.
    expect(all[0]!.traceId).not.toBe(all[1]!.traceId);
  });

  it('records a provider error with its classification and rethrows the same instance', async () => {
    const ledger = testLedger();
    server.script('openai.chat', openaiRateLimit(3));
    const model = rawModel(server, 'openai.chat');
    let seen: unknown;
    const wrapped = wrapLanguageModel({
      model: {
        ...model,
        specificationVersion: 'v4',
        provider: model.provider,
        modelId: model.modelId,
        supportedUrls: model.supportedUrls,
        doStream: (options) => model.doStream(options),
        doGenerate: async (options) => {
          try {
            return await model.doGenerate(options);
          } catch (error) {
            seen = error;
            throw error;
          }
        },
      },
      middleware: ledgerMiddleware({ ledger }),
    });
    const thrown = await generateText({ model: wrapped, prompt: 'Hi', maxRetries: 0 }).catch((error: unknown) => error);
    expect(seen).toBeDefined();
    expect(thrown).toBe(seen);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'error',
      errorType: 'rate_limit',
      httpStatus: 429,
      retryAfterMs: 3000,
      tokenSource: null,
      cost: null,
      tokens: { input: 0, output: 0 },
    });
  });

  it('records every attempt when the AI SDK retries: failed attempts carry no tokens', async () => {
    const ledger = testLedger();
    server.script(
      'anthropic.messages',
      anthropicError(529, 'overloaded_error', 'Overloaded', { 'retry-after': '0' }),
      message({ text: 'ok', usage: { input: 9, output: 2 } }),
    );
    const result = await generateText({
      model: recordedModel(server, 'anthropic.messages', ledger),
      prompt: 'Hi',
      maxRetries: 1,
    });
    expect(result.text).toBe('ok');
    const all = await records(ledger);
    expect(
      all.map((record) => [record.status, record.errorType, record.tokens.input, record.cost?.total ?? null]),
    ).toEqual([
      ['error', 'server', 0, null],
      ['success', null, 9, expectedCost(9, 2)],
    ]);
  });

  it('records invalid requests as invalid_request errors', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      openaiError(400, {
        message: 'Unsupported value: temperature',
        type: 'invalid_request_error',
        code: 'unsupported_value',
      }),
    );
    await expect(
      generateText({ model: recordedModel(server, 'openai.chat', ledger), prompt: 'Hi', maxRetries: 0 }),
    ).rejects.toThrow(/temperature/);
    expect(await onlyRecord(ledger)).toMatchObject({ status: 'error', errorType: 'invalid_request', httpStatus: 400 });
  });

  it('estimates tokens when the provider reports no usage', async () => {
    const ledger = testLedger();
    const body = chatCompletion({ content: 'abcdefgh' });
    if (body.kind === 'json') delete (body.body as { usage?: unknown }).usage;
    server.script('openai.chat', body);
    await generateText({ model: recordedModel(server, 'openai.chat', ledger), prompt: 'Hi', maxRetries: 0 });
    const record = await onlyRecord(ledger);
    expect(record.tokenSource).toBe('tokenizer');
    expect(record.tokens.output).toBe(tiktokenCount('abcdefgh'));
    expect(record.tokens.input).toBe(tiktokenChatCount([{ role: 'user', content: 'Hi' }]));
    expect(record.cost?.status).toBe('estimated');
  });

  it('never lets a ledger problem reach the application, and records nothing twice', async () => {
    const broken = testLedger();
    const originalStart = broken.start.bind(broken);
    let starts = 0;
    broken.start = (init: CallInit) => {
      starts++;
      if (starts === 1) throw new Error('ledger exploded');
      return originalStart(init);
    };
    server.script('openai.chat', chatCompletion({ content: 'first' }), chatCompletion({ content: 'second' }));
    const model = recordedModel(server, 'openai.chat', broken);
    expect((await generateText({ model, prompt: 'Hi', maxRetries: 0 })).text).toBe('first');
    expect((await generateText({ model, prompt: 'Hi', maxRetries: 0 })).text).toBe('second');
    const all = await records(broken);
    expect(all.map((record) => record.responseMessage?.content)).toEqual(['second']);
    expect(broken.stats().invalidInput).toBe(1);

    const closed = testLedger();
    await closed.close();
    server.script('openai.chat', chatCompletion({ content: 'still works' }));
    const result = await generateText({
      model: recordedModel(server, 'openai.chat', closed),
      prompt: 'Hi',
      maxRetries: 0,
    });
    expect(result.text).toBe('still works');

    const disabled = createLedger({
      store: 'memory',
      configFile: false,
      env: {},
      logger: silentLogger,
      enabled: false,
    });
    server.script('openai.chat', chatCompletion({ content: 'disabled' }));
    const plain = await generateText({
      model: recordedModel(server, 'openai.chat', disabled),
      prompt: 'Hi',
      maxRetries: 0,
    });
    expect(plain.text).toBe('disabled');
  });

  it('admits calls against budgets before the provider is contacted', async () => {
    const ledger = createLedger({
      store: 'memory',
      configFile: false,
      env: {},
      logger: silentLogger,
      pricer: testPricer,
      meter: 'memory',
    });
    ledger.limits!.set({ subject: 'user:*', period: 'day', maxRequests: 1 });
    server.script('openai.chat', chatCompletion({ content: 'one' }), chatCompletion({ content: 'two' }));
    const model = recordedModel(server, 'openai.chat', ledger, { userId: 'u-1' });
    expect((await generateText({ model, prompt: 'Hi', maxRetries: 0 })).text).toBe('one');
    const refused = await generateText({ model, prompt: 'Hi', maxRetries: 0 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(QuotaExceededError);
    expect(server.requests).toHaveLength(1);
    expect(await records(ledger)).toHaveLength(1);
    await ledger.close();
  });

  it('records into the default ledger when none is given, and runs unrecorded when there is none', async () => {
    const ledger = testLedger();
    setDefaultLedger(ledger);
    try {
      server.script('openai.chat', chatCompletion({ content: 'default', usage: openaiUsage(4, 1) }));
      const model = wrapLanguageModel({ model: rawModel(server, 'openai.chat'), middleware: ledgerMiddleware() });
      expect((await generateText({ model, prompt: 'Hi', maxRetries: 0 })).text).toBe('default');
      expect((await onlyRecord(ledger)).tokens).toMatchObject({ input: 4, output: 1 });
    } finally {
      setDefaultLedger(undefined);
    }
    // An invalid setting makes the default ledger impossible to create.
    const previous = process.env.LLM_USAGE_FAIL_OPEN;
    process.env.LLM_USAGE_FAIL_OPEN = 'banana';
    const broken = ledgerMiddleware();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      server.script('openai.chat', chatCompletion({ content: 'unrecorded' }));
      const model = wrapLanguageModel({ model: rawModel(server, 'openai.chat'), middleware: broken });
      expect((await generateText({ model, prompt: 'Hi', maxRetries: 0 })).text).toBe('unrecorded');
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.some((message) => message.includes('LLM_USAGE_FAIL_OPEN'))).toBe(true);
    } finally {
      process.off('warning', onWarning);
      if (previous === undefined) delete process.env.LLM_USAGE_FAIL_OPEN;
      else process.env.LLM_USAGE_FAIL_OPEN = previous;
      setDefaultLedger(undefined);
    }
  });

  it('returns exactly the result the unwrapped model returns', async () => {
    const ledger = testLedger();
    const script = chatCompletion({ content: 'same', usage: openaiUsage(5, 1) });
    server.script('openai.chat', script, script);
    const params = { prompt: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Hi' }] }] };
    const raw = await rawModel(server, 'openai.chat').doGenerate(params);
    const wrapped = await recordedModel(server, 'openai.chat', ledger).doGenerate(params);
    const strip = (value: typeof raw) => ({ ...value, response: { ...value.response, headers: undefined } });
    expect(strip(wrapped)).toStrictEqual(strip(raw));
    expect((await onlyRecord(ledger)).tokens).toMatchObject({ input: 5, output: 1 });
  });
});
