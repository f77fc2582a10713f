import { stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chainOutputTokens } from '../support/token-chain.js';
import {
  chatStream,
  messageStream,
  openaiRateLimit,
  openaiUsage,
  responseStream,
  type Script,
} from '../support/wire-server/index.js';
import {
  eventually,
  expectedCost,
  onlyRecord,
  rawModel,
  readAll,
  recordedModel,
  records,
  recordsWhenCount,
  startWireServer,
  testLedger,
  totals,
  type ModelKind,
  type WireServer,
} from './ai-sdk-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const prompt = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Weather in Paris?' }] }];

/** A settled pause, so a second (wrong) finalization would have had time to land. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('ai-sdk streamText', () => {
  it('records a full OpenAI chat stream with usage and time to first token', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatStream({ content: ['Hel', 'lo'], usage: openaiUsage(10, 2, { cached: 4 }) }));
    const result = streamText({ model: recordedModel(server, 'openai.chat', ledger), prompt: 'Hi', maxRetries: 0 });
    expect(await result.text).toBe('Hello');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini-2024-07-18',
      status: 'success',
      requestMode: 'streaming',
      streamed: true,
      partial: false,
      finishReason: 'stop',
      responseMessage: { role: 'assistant', content: 'Hello' },
      tokenSource: 'provider',
    });
    expect(record.tokens).toEqual({ input: 10, output: 2, total: 12, cacheRead: 4, cacheWrite: 0, reasoning: 0 });
    expect(record.cost?.total).toBe(expectedCost(10, 2));
    expect(record.ttftMs).toBeGreaterThanOrEqual(0);
    expect(record.ttftMs).toBeLessThanOrEqual(record.latencyMs);
  });

  it('records a Responses API stream', async () => {
    const ledger = testLedger();
    server.script(
      'openai.responses',
      responseStream({ textPieces: ['He', 'llo'], usage: { input: 50, output: 12, cached: 10, reasoning: 4 } }),
    );
    const result = streamText({
      model: recordedModel(server, 'openai.responses', ledger),
      prompt: 'Hi',
      maxRetries: 0,
    });
    expect(await result.text).toBe('Hello');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ provider: 'openai', model: 'gpt-4.1', status: 'success', finishReason: 'stop' });
    expect(record.tokens).toEqual({ input: 50, output: 12, total: 62, cacheRead: 10, cacheWrite: 0, reasoning: 4 });
    expect(record.cost?.total).toBe(expectedCost(50, 12));
  });

  it('records an Anthropic stream with reasoning, a tool call and cache tokens', async () => {
    const ledger = testLedger();
    server.script(
      'anthropic.messages',
      messageStream({
        thinkingPieces: ['Let me ', 'think.'],
        textPieces: ['Checking.'],
        toolUses: [{ id: 'toolu_1', name: 'weather', jsonPieces: ['{"city": "Pa', 'ris"}'] }],
        usage: { input: 20, output: 80, cacheRead: 3000, cacheWrite: 1500 },
        pings: true,
      }),
    );
    const result = streamText({
      model: recordedModel(server, 'anthropic.messages', ledger),
      prompt: 'Weather in Paris?',
      tools: { weather: tool({ inputSchema: z.object({ city: z.string() }) }) },
      maxRetries: 0,
    });
    await result.consumeStream();
    expect((await result.toolCalls).map((call) => call.input)).toEqual([{ city: 'Paris' }]);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      provider: 'anthropic',
      status: 'success',
      finishReason: 'tool_use',
      responseMessage: {
        role: 'assistant',
        content: 'Checking.',
        reasoning: 'Let me think.',
        toolCalls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city": "Paris"}' } }],
      },
    });
    expect(record.tokens).toEqual({
      input: 4520,
      output: 80,
      total: 4600,
      cacheRead: 3000,
      cacheWrite: 1500,
      reasoning: 0,
    });
    expect(record.cost?.total).toBe(expectedCost(4520, 80));
    expect(record.ttftMs).not.toBeNull();
  });

  it('records parallel streamed tool calls assembled by id', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatStream({
        interleaveToolCalls: true,
        toolCalls: [
          { id: 'call_a', name: 'weather', argumentPieces: ['{"city":', '"Paris"}'] },
          { id: 'call_b', name: 'weather', argumentPieces: ['{"ci', 'ty":"Ro', 'me"}'] },
        ],
        usage: openaiUsage(40, 20),
      }),
    );
    const result = streamText({
      model: recordedModel(server, 'openai.chat', ledger),
      prompt: 'Weather in Paris and Rome?',
      tools: { weather: tool({ inputSchema: z.object({ city: z.string() }) }) },
      maxRetries: 0,
    });
    await result.consumeStream();
    const record = await onlyRecord(ledger);
    expect(record.finishReason).toBe('tool_calls');
    expect(record.responseMessage?.toolCalls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
    ]);
    expect(record.tokens).toMatchObject({ input: 40, output: 20 });
    expect(record.ttftMs).not.toBeNull();
  });

  it('records each step of a streamed tool loop; totals over the trace equal totalUsage', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatStream({
        toolCalls: [{ id: 'call_a', name: 'weather', argumentPieces: ['{"city":"Paris"}'] }],
        usage: openaiUsage(40, 10),
      }),
      chatStream({ content: ['Sunny', '.'], usage: openaiUsage(70, 6) }),
    );
    const result = await ledger.context({ traceId: 'trace-stream' }, async () => {
      const run = streamText({
        model: recordedModel(server, 'openai.chat', ledger),
        prompt: 'Weather in Paris?',
        tools: { weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async () => 'sunny' }) },
        stopWhen: stepCountIs(5),
        maxRetries: 0,
      });
      return { text: await run.text, usage: await run.totalUsage };
    });
    expect(result.text).toBe('Sunny.');
    const trace = await ledger.calls.byTrace('trace-stream');
    expect(trace).toHaveLength(2);
    expect(trace.map((record) => record.finishReason)).toEqual(['tool_calls', 'stop']);
    const sum = totals(trace);
    expect([sum.input, sum.output]).toEqual([result.usage.inputTokens, result.usage.outputTokens]);
    expect(sum).toEqual({ input: 110, output: 16, micros: 142 });
    expect(await records(ledger)).toHaveLength(2);
  });

  it.each<[ModelKind, Script]>([
    ['openai.chat', chatStream({ content: ['A', 'B', 'C'], usage: openaiUsage(7, 3) })],
    [
      'openai.responses',
      responseStream({ textPieces: ['A', 'B'], functionCalls: [{ id: 'c1', name: 'f', arguments: '{}' }] }),
    ],
    ['anthropic.messages', messageStream({ thinkingPieces: ['x'], textPieces: ['A', 'B'], pings: true })],
  ])('passes every %s stream part through unchanged', async (kind, script) => {
    const ledger = testLedger();
    server.script(kind === 'openai.chat' ? 'openai.chat' : kind, script, script);
    const raw = await readAll((await rawModel(server, kind).doStream({ prompt })).stream);
    const wrapped = await readAll((await recordedModel(server, kind, ledger).doStream({ prompt })).stream);
    expect(wrapped).toStrictEqual(raw);
    expect(raw.length).toBeGreaterThan(4);
    expect((await onlyRecord(ledger)).status).toBe('success');
  });

  it('records a stream aborted with an AbortSignal as cancelled, with estimated output tokens', async () => {
    const ledger = testLedger();
    const pieces = Array.from({ length: 40 }, (_, index) => `word${index} `);
    server.script('openai.chat', chatStream({ content: pieces, intervalMs: 20, usage: openaiUsage(10, 40) }));
    const controller = new AbortController();
    const result = streamText({
      model: recordedModel(server, 'openai.chat', ledger),
      prompt: 'Count.',
      abortSignal: controller.signal,
      maxRetries: 0,
    });
    let received = '';
    try {
      for await (const text of result.textStream) {
        received += text;
        if (received.length >= 10) controller.abort();
      }
    } catch {
      // Depending on timing the SDK ends the text stream or rejects it with the abort.
    }
    await eventually(async () => (await records(ledger)).length === 1);
    await settle();
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'cancelled',
      errorType: 'aborted',
      partial: true,
      streamed: true,
      tokenSource: 'tokenizer',
    });
    const text = record.responseMessage?.content as string;
    expect(text.startsWith(received.slice(0, 10))).toBe(true);
    expect(record.tokens.output).toBe(chainOutputTokens(record.model, text));
    expect(record.tokens.input).toBeGreaterThan(0);
    expect(record.cost?.status).toBe('estimated');
  });

  it('keeps the exact input Anthropic announced when its stream is aborted', async () => {
    const ledger = testLedger();
    server.script(
      'anthropic.messages',
      messageStream({
        textPieces: ['one ', 'two ', 'three ', 'four '],
        intervalMs: 40,
        usage: { input: 20, output: 50, cacheRead: 100 },
      }),
    );
    const controller = new AbortController();
    const model = recordedModel(server, 'anthropic.messages', ledger);
    const { stream } = await model.doStream({ prompt, abortSignal: controller.signal });
    const reader = stream.getReader();
    for (;;) {
      const { value } = await reader.read();
      if (value?.type === 'text-delta') break;
    }
    controller.abort();
    await reader.read().catch(() => undefined);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'cancelled',
      partial: true,
      tokenSource: 'estimate',
      responseModel: 'claude-sonnet-4-6',
    });
    expect(record.tokens).toMatchObject({
      input: 120,
      cacheRead: 100,
      output: chainOutputTokens(record.model, 'one '),
    });
  });

  it('records a stream the consumer cancels as partial, once', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatStream({ content: ['a', 'b', 'c', 'd'], intervalMs: 20 }));
    const { stream } = await recordedModel(server, 'openai.chat', ledger).doStream({ prompt });
    const reader = stream.getReader();
    let text = '';
    while (text.length < 2) {
      const { value } = await reader.read();
      if (value?.type === 'text-delta') text += value.delta;
    }
    await reader.cancel();
    await settle();
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'partial',
      partial: true,
      tokenSource: 'tokenizer',
      metadata: { streamEnd: 'consumer_stopped' },
    });
    expect(record.responseMessage?.content).toBe('ab');
    expect(record.tokens.output).toBe(chainOutputTokens(record.model, 'ab'));
    expect(record.ttftMs).not.toBeNull();
  });

  it('records a stream nobody reads any more as abandoned after the idle timeout', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatStream({ content: ['a', 'b', 'c'] }));
    const model = recordedModel(server, 'openai.chat', ledger, { streamIdleTimeoutMs: 40 });
    const { stream } = await model.doStream({ prompt });
    const reader = stream.getReader();
    await reader.read();
    await reader.read();
    await eventually(async () => (await records(ledger)).length === 1);
    expect(await onlyRecord(ledger)).toMatchObject({ status: 'partial', metadata: { streamEnd: 'abandoned' } });
    // Reading on later changes nothing: the call already has its one record.
    while (!(await reader.read()).done);
    await settle();
    expect(await records(ledger)).toHaveLength(1);
  });

  it('records a streamText run the application breaks out of once, as abandoned', async () => {
    // The AI SDK stops pulling the model stream without cancelling it: only the idle timeout can tell.
    const ledger = testLedger();
    const pieces = Array.from({ length: 30 }, (_, index) => `w${index} `);
    server.script('openai.chat', chatStream({ content: pieces, intervalMs: 5, usage: openaiUsage(10, 30) }));
    const model = recordedModel(server, 'openai.chat', ledger, { streamIdleTimeoutMs: 60 });
    const result = streamText({ model, prompt: 'Count.', maxRetries: 0 });
    let chunks = 0;
    for await (const _text of result.textStream) if (++chunks === 3) break;
    await eventually(async () => (await records(ledger)).length === 1);
    await settle();
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'partial',
      partial: true,
      tokenSource: 'tokenizer',
      metadata: { streamEnd: 'abandoned' },
    });
    const text = record.responseMessage?.content as string;
    expect(text.startsWith('w0 w1 w2 ')).toBe(true);
    expect(text.length).toBeLessThan(pieces.join('').length);
    expect(record.tokens.output).toBe(chainOutputTokens(record.model, text));
  });

  it('records an error event mid-stream as a failed, partial call', async () => {
    const ledger = testLedger();
    server.script(
      'anthropic.messages',
      messageStream({
        textPieces: ['Hello ', 'wor', 'ld'],
        errorAfter: { events: 4, type: 'overloaded_error', message: 'Overloaded' },
      }),
    );
    const errors: unknown[] = [];
    const result = streamText({
      model: recordedModel(server, 'anthropic.messages', ledger),
      prompt: 'Hi',
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    await result.consumeStream();
    expect(errors).toHaveLength(1);
    await eventually(async () => (await records(ledger)).length === 1);
    await settle();
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'error',
      errorType: 'server',
      partial: true,
      responseMessage: { content: 'Hello wor' },
      tokenSource: 'estimate',
      tokens: { input: 20, output: chainOutputTokens(record.model, 'Hello wor') },
    });
    expect(record.errorMessage).toContain('Overloaded');
  });

  it('records an OpenAI error chunk mid-stream as failed', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatStream({
        content: ['a', 'b', 'c'],
        errorAfter: { chunks: 3, error: { message: 'The server had an error', type: 'server_error', code: null } },
      }),
    );
    const { stream } = await recordedModel(server, 'openai.chat', ledger).doStream({ prompt });
    const parts = await readAll(stream);
    expect(parts.some((part) => part.type === 'error')).toBe(true);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'error', errorType: 'server', partial: true });
  });

  it('records a dropped connection as failed', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatStream({ content: ['a', 'b', 'c', 'd'], dropAfter: 3 }));
    const result = streamText({
      model: recordedModel(server, 'openai.chat', ledger),
      prompt: 'Hi',
      maxRetries: 0,
      onError: () => undefined,
    });
    await result.consumeStream();
    await eventually(async () => (await records(ledger)).length === 1);
    await settle();
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'error',
      errorType: 'network',
      // The AI SDK's APICallError keeps the status of the response whose body broke off.
      httpStatus: 200,
      partial: true,
      tokenSource: 'tokenizer',
      responseMessage: { content: 'ab' },
      tokens: { output: chainOutputTokens(record.model, 'ab') },
    });
  });

  it('records a stream that ends without its finish as partial', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatStream({ content: ['a', 'b', 'c'], endAfter: 3 }));
    const { stream } = await recordedModel(server, 'openai.chat', ledger).doStream({ prompt });
    await readAll(stream);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'partial', partial: true, tokenSource: 'tokenizer' });
    expect(record.responseMessage?.content).toBe('ab');
  });

  it('records a stream refused before it started (HTTP 429) as failed, rethrowing the error', async () => {
    const ledger = testLedger();
    server.script('openai.chat', openaiRateLimit(1));
    const model = recordedModel(server, 'openai.chat', ledger);
    const thrown = await Promise.resolve(model.doStream({ prompt })).catch((error: unknown) => error);
    expect(thrown).toMatchObject({ statusCode: 429 });
    expect(await onlyRecord(ledger)).toMatchObject({
      status: 'error',
      errorType: 'rate_limit',
      httpStatus: 429,
      retryAfterMs: 1000,
      tokenSource: null,
    });
  });

  it('leaves records alone when many streams run at once', async () => {
    const ledger = testLedger();
    const count = 8;
    for (let index = 0; index < count; index++) {
      server.script(
        'openai.chat',
        chatStream({ content: [`r${index}`], usage: openaiUsage(10 + index, 1), intervalMs: 2 }),
      );
    }
    const model = recordedModel(server, 'openai.chat', ledger);
    await Promise.all(
      Array.from({ length: count }, () => streamText({ model, prompt: 'Hi', maxRetries: 0 }).consumeStream()),
    );
    const all = await recordsWhenCount(ledger, count);
    expect(all).toHaveLength(count);
    expect(totals(all).input).toBe(Array.from({ length: count }, (_, index) => 10 + index).reduce((a, b) => a + b));
  });
});
