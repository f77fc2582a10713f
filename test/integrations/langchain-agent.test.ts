import type { BaseMessage } from '@langchain/core/messages';
import { HumanMessage } from '@langchain/core/messages';
import { RunnableLambda, type RunnableConfig } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runWithUsage } from '../../src/integrations/langchain.js';
import { chatCompletion, openaiError, openaiUsage } from '../../src/testing/index.js';
import type { WireServer } from '../../src/testing/index.js';
import {
  CountingCallback,
  expectedCost,
  microsToDollars,
  openaiModel,
  records,
  startWireServer,
  sumTokens,
  testLedger,
  traceCost,
} from './langchain-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const getWeather = tool(async ({ city }: { city: string }) => `Sunny in ${city}`, {
  name: 'get_weather',
  description: 'The weather in a city',
  schema: z.object({ city: z.string() }),
});

/**
 * A tool-calling agent loop: model, tools, model, ... until the model answers in text. The lambda
 * passes its config on, as LangChain asks when `@langchain/core` runs without `langchain` or
 * LangGraph (which turn on automatic propagation through AsyncLocalStorage).
 */
function weatherAgent() {
  const model = openaiModel(server).bindTools([getWeather]);
  return RunnableLambda.from(async (question: string, config?: RunnableConfig) => {
    const messages: BaseMessage[] = [new HumanMessage(question)];
    for (let step = 0; step < 5; step++) {
      const reply = await model.invoke(messages, config);
      messages.push(reply);
      if (!reply.tool_calls?.length) return reply.content;
      for (const call of reply.tool_calls) messages.push(await getWeather.invoke(call, config));
    }
    throw new Error('too many steps');
  });
}

function scriptAgentTurns(): void {
  server.script(
    'openai.chat',
    chatCompletion({
      toolCalls: [
        { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
      ],
      usage: openaiUsage(100, 20),
    }),
    chatCompletion({
      toolCalls: [{ id: 'call_c', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
      usage: openaiUsage(150, 15, { cached: 100 }),
    }),
    chatCompletion({ content: 'Sunny in Paris, Rome and Oslo.', usage: openaiUsage(200, 12, { cached: 128 }) }),
  );
}

describe('a tool-calling agent under runWithUsage', () => {
  it('records each model call of the loop, in one trace, and no tokens for the tool runs', async () => {
    const ledger = testLedger();
    scriptAgentTurns();

    const answer = await runWithUsage({
      taskType: 'weather_agent',
      runnable: weatherAgent(),
      input: 'Weather in Paris, Rome and Oslo?',
      modelName: 'openai/gpt-4o-mini',
      userId: 'u-1',
      ledger,
    });

    expect(answer).toBe('Sunny in Paris, Rome and Oslo.');
    const all = await records(ledger);
    expect(all).toHaveLength(3);
    const traceId = all[0]!.traceId;
    for (const record of all) {
      expect(record).toMatchObject({
        traceId,
        parentId: null,
        callType: 'weather_agent',
        userId: 'u-1',
        status: 'success',
      });
      expect(record.tools).toEqual([
        expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'get_weather' }) }),
      ]);
    }
    expect(all.map((record) => record.finishReason)).toEqual(['tool_calls', 'tool_calls', 'stop']);
    expect(all[0]!.responseMessage).toEqual({
      role: 'assistant',
      content: '',
      toolCalls: [
        { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ],
    });
    // The last call saw the whole conversation: the question, both tool-call turns and every tool result.
    expect(all[2]!.messages).toEqual([
      { role: 'user', content: 'Weather in Paris, Rome and Oslo?' },
      expect.objectContaining({ role: 'assistant', toolCalls: all[0]!.responseMessage!.toolCalls }),
      { role: 'tool', content: 'Sunny in Paris', toolCallId: 'call_a', name: 'get_weather' },
      { role: 'tool', content: 'Sunny in Rome', toolCallId: 'call_b', name: 'get_weather' },
      expect.objectContaining({ role: 'assistant', toolCalls: all[1]!.responseMessage!.toolCalls }),
      { role: 'tool', content: 'Sunny in Oslo', toolCallId: 'call_c', name: 'get_weather' },
    ]);
    expect(all.map((record) => record.tokens)).toEqual([
      { input: 100, output: 20, total: 120, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
      { input: 150, output: 15, total: 165, cacheRead: 100, cacheWrite: 0, reasoning: 0 },
      { input: 200, output: 12, total: 212, cacheRead: 128, cacheWrite: 0, reasoning: 0 },
    ]);

    // Totals over the trace are exactly the sum of the three model calls.
    expect(sumTokens(await ledger.calls.byTrace(traceId))).toEqual({ input: 450, output: 47, total: 497 });
    const [summary] = await ledger.usage.summary({ where: { traceId } });
    expect(summary?.tokens).toMatchObject({ input: 450, output: 47, total: 497, cacheRead: 228 });
    expect(await traceCost(ledger, traceId)).toEqual({ calls: 3, cost: expectedCost(450, 47) });
    expect(microsToDollars(450 + 2 * 47)).toBe('0.000544');
  });

  it('records the failing step of an agent and re-throws its error; earlier steps stay recorded', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatCompletion({
        toolCalls: [{ id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' }],
        usage: openaiUsage(100, 20),
      }),
      openaiError(400, {
        message: "This model's maximum context length is 128000 tokens.",
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
      }),
    );
    const counting = new CountingCallback();

    const failure = await runWithUsage({
      taskType: 'weather_agent',
      runnable: weatherAgent(),
      input: 'Weather in Paris?',
      modelName: 'openai/gpt-4o-mini',
      extraCallbacks: [counting],
      ledger,
    }).catch((error: unknown) => error);

    expect(failure).toBe(counting.errors[0]);
    const all = await records(ledger);
    expect(all.map((record) => record.status)).toEqual(['success', 'error']);
    expect(all[1]).toMatchObject({
      traceId: all[0]!.traceId,
      errorType: 'context_length_exceeded',
      httpStatus: 400,
      cost: null,
    });
    // The failed step carries no cost: the trace costs exactly the first call ($0.000140, summed as 0.00014).
    expect(await traceCost(ledger, all[0]!.traceId)).toEqual({ calls: 2, cost: '0.00014' });
    expect(all[0]!.cost?.total).toBe(expectedCost(100, 20));
  });
});
