import { tiktokenChatCount, tiktokenCount } from '../support/token-chain.js';
import { JsonOutputParser, StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../src/core/errors.js';
import { createLedger } from '../../src/create-ledger.js';
import { silentLogger } from '../../src/core/logger.js';
import { runWithUsage } from '../../src/integrations/langchain.js';
import { QuotaExceededError } from '../../src/meters/errors.js';
import { chatCompletion, chatCompletionBody, message, openaiRateLimit, openaiUsage } from '../../src/testing/index.js';
import {
  anthropicModel,
  CountingCallback,
  expectedCost,
  onlyRecord,
  openaiModel,
  records,
  startWireServer,
  sumTokens,
  testLedger,
  testPricer,
  traceCost,
} from './langchain-harness.js';
import type { WireServer } from '../../src/testing/index.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const extractionPrompt = ChatPromptTemplate.fromMessages([
  ['system', 'You extract named entities.'],
  ['human', 'Extract named entities from the following text:\n\n{text}'],
]);

describe('runWithUsage', () => {
  it('records a prompt | model | StringOutputParser chain as one model call with its attribution', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatCompletion({ content: 'Apple Inc.; California', usage: openaiUsage(120, 45, { cached: 64 }) }),
    );
    const chain = extractionPrompt
      .pipe(openaiModel(server, { temperature: 0.2, maxTokens: 300 }))
      .pipe(new StringOutputParser());

    const result = await runWithUsage({
      taskType: 'extraction',
      runnable: chain,
      input: { text: 'Apple Inc. announced new products in California.' },
      modelName: 'openai/gpt-4o-mini',
      requestMode: 'sync',
      sessionId: 'user:42',
      userId: 'u-42',
      requestId: 'unique-request-id',
      ledger,
    });

    expect(result).toBe('Apple Inc.; California');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      callType: 'extraction',
      provider: 'openai',
      model: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini-2024-07-18',
      sessionId: 'user:42',
      userId: 'u-42',
      requestId: 'unique-request-id',
      parentId: null,
      status: 'success',
      requestMode: 'sync',
      streamed: false,
      partial: false,
      finishReason: 'stop',
      systemPrompt: 'You extract named entities.',
      messages: [
        { role: 'system', content: 'You extract named entities.' },
        {
          role: 'user',
          content:
            'Extract named entities from the following text:\n\nApple Inc. announced new products in California.',
        },
      ],
      params: { temperature: 0.2, maxTokens: 300 },
      responseMessage: { role: 'assistant', content: 'Apple Inc.; California' },
      tokens: { input: 120, output: 45, total: 165, cacheRead: 64, cacheWrite: 0, reasoning: 0 },
      tokenSource: 'provider',
      errorType: null,
    });
    expect(record.cost?.total).toBe(expectedCost(120, 45));
    expect(record.ttftMs).toBeNull();
    expect(record.traceId).not.toBe(record.id);
    expect(record.metadata).toMatchObject({
      langchain: { runId: expect.any(String), parentRunId: expect.any(String) },
    });
  });

  it('returns the parsed object of a JsonOutputParser chain (seed 000 example 1)', async () => {
    const ledger = testLedger();
    const entities = { people: ['Elon Musk'], organizations: ['Tesla'], locations: ['Austin', 'Texas'] };
    server.script('openai.chat', chatCompletion({ content: JSON.stringify(entities), usage: openaiUsage(80, 30) }));
    const chain = ChatPromptTemplate.fromTemplate(
      'Extract entities from the text and return a JSON object with keys people, organizations, locations.\n\nText: {text}',
    )
      .pipe(openaiModel(server))
      .pipe(new JsonOutputParser());

    const result = await runWithUsage({
      taskType: 'entity_extraction',
      runnable: chain,
      input: { text: "Elon Musk announced Tesla's new factory in Austin, Texas." },
      modelName: 'openai/gpt-4o-mini',
      userId: 'u-7',
      requestId: 'extraction-1',
      ledger,
    });

    expect(result).toEqual(entities);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      callType: 'entity_extraction',
      userId: 'u-7',
      requestId: 'extraction-1',
      status: 'success',
      tokens: { input: 80, output: 30, total: 110 },
    });
    expect(record.cost?.total).toBe('0.000140');
  });

  it('records structured output through withStructuredOutput (seed 000 example 3)', async () => {
    const ledger = testLedger();
    const analysis = { sentiment: 'positive', confidence: 0.95, reasoning: 'Exceeded expectations.' };
    server.script('openai.chat', chatCompletion({ content: JSON.stringify(analysis), usage: openaiUsage(60, 20) }));
    const schema = z.object({ sentiment: z.string(), confidence: z.number(), reasoning: z.string() });
    const chain = ChatPromptTemplate.fromTemplate('Analyze the sentiment of the following text:\n\n{text}').pipe(
      openaiModel(server).withStructuredOutput(schema, { name: 'SentimentAnalysis' }),
    );

    const result = await runWithUsage({
      taskType: 'sentiment_analysis',
      runnable: chain,
      input: { text: 'This product exceeded my expectations!' },
      modelName: 'openai/gpt-4o-mini',
      requestId: 'sentiment-9',
      ledger,
    });

    expect(result).toEqual(analysis);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      callType: 'sentiment_analysis',
      model: 'gpt-4o-mini',
      status: 'success',
      tokens: { input: 60, output: 20, total: 80 },
      tokenSource: 'provider',
    });
    expect(record.cost?.total).toBe(expectedCost(60, 20));
    // The schema went to the provider as response_format and is kept with the request.
    expect(JSON.stringify(record.params)).toContain('SentimentAnalysis');
    expect(server.requests[0]?.body.response_format).toBeDefined();
  });

  it('passes extra callbacks through: handler instances and plain method objects (seed 000 example 4)', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatCompletion({ content: 'spam', usage: openaiUsage(10, 1) }));
    const counting = new CountingCallback();
    const seen: string[] = [];
    const plain = {
      handleLLMEnd: () => {
        seen.push('end');
      },
    };

    const label = await runWithUsage({
      taskType: 'classification',
      runnable: ChatPromptTemplate.fromTemplate('Classify: {text}')
        .pipe(openaiModel(server))
        .pipe(new StringOutputParser()),
      input: { text: 'Classify this text' },
      modelName: 'openai/gpt-4o-mini',
      extraCallbacks: [counting, plain],
      ledger,
    });

    expect(label).toBe('spam');
    expect(counting.starts).toBe(1);
    expect(counting.ends).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the plain object runs in LangChain's background queue
    expect(seen).toEqual(['end']);
    expect((await onlyRecord(ledger)).tokens).toMatchObject({ input: 10, output: 1 });
  });

  it('records a failed call, then re-throws the very same error', async () => {
    const ledger = testLedger();
    server.script('openai.chat', openaiRateLimit(2));
    const counting = new CountingCallback();

    const failure = await runWithUsage({
      taskType: 'extraction',
      runnable: extractionPrompt.pipe(openaiModel(server)).pipe(new StringOutputParser()),
      input: { text: 'x' },
      modelName: 'openai/gpt-4o-mini',
      extraCallbacks: [counting],
      ledger,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(Error);
    expect(counting.errors).toHaveLength(1);
    expect(failure).toBe(counting.errors[0]);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'error',
      errorType: 'rate_limit',
      httpStatus: 429,
      retryAfterMs: 2000,
      partial: false,
      tokenSource: null,
      tokens: { input: 0, output: 0, total: 0 },
      cost: null,
    });
    expect(record.errorMessage).toContain('Rate limit');
  });

  it('estimates the tokens of a model that reports no usage, and says so', async () => {
    const ledger = testLedger();
    const body: Record<string, unknown> = chatCompletionBody({ content: 'Hello there, friend!' });
    delete body.usage;
    server.script('openai.chat', { kind: 'json', body });

    await runWithUsage({
      taskType: 'chat',
      runnable: openaiModel(server),
      input: 'Say hi',
      modelName: 'openai/gpt-4o-mini',
      ledger,
    });

    const record = await onlyRecord(ledger);
    // gpt-4o-mini's own tokenizer counts the prompt with its chat overhead and the answer: exact counts.
    const input = tiktokenChatCount([{ role: 'user', content: 'Say hi' }]);
    const output = tiktokenCount('Hello there, friend!');
    expect(record).toMatchObject({
      status: 'success',
      tokenSource: 'tokenizer',
      tokens: { input, output, total: input + output },
    });
    expect(record.cost).toMatchObject({ total: expectedCost(input, output), status: 'estimated' });
  });

  it('normalizes Anthropic usage with cache reads and writes', async () => {
    const ledger = testLedger();
    server.script(
      'anthropic.messages',
      message({ text: 'Bonjour', usage: { input: 20, output: 5, cacheRead: 100, cacheWrite: 50 } }),
    );

    const text = await runWithUsage({
      taskType: 'translation',
      runnable: anthropicModel(server).pipe(new StringOutputParser()),
      input: 'Translate hello to French',
      modelName: 'anthropic/claude-sonnet-4-6',
      ledger,
    });

    expect(text).toBe('Bonjour');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4-6',
      responseModel: 'claude-sonnet-4-6',
      finishReason: 'end_turn',
      params: { maxTokens: 100 },
      tokens: { input: 170, output: 5, total: 175, cacheRead: 100, cacheWrite: 50 },
      tokenSource: 'provider',
    });
    expect(record.cost?.total).toBe(expectedCost(170, 5));
  });

  it('joins the surrounding ledger.logCall trace: its model calls become children of that call', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatCompletion({ content: 'ok', usage: openaiUsage(5, 1) }));
    let outerId = '';
    let outerTrace = '';
    await ledger.logCall({ model: 'pipeline', provider: 'app', callType: 'pipeline' }, async (call) => {
      outerId = call.id;
      outerTrace = call.traceId;
      await runWithUsage({
        taskType: 'step',
        runnable: openaiModel(server),
        input: 'go',
        modelName: 'openai/gpt-4o-mini',
        ledger,
      });
      call.complete({ tokens: { input: 0, output: 0 } });
    });
    const model = (await records(ledger)).find((record) => record.callType === 'step')!;
    expect(model.traceId).toBe(outerTrace);
    expect(model.parentId).toBe(outerId);
  });

  it('never breaks the chain when the ledger refuses to record', async () => {
    const ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger, failOpen: false });
    await ledger.close(); // start() now throws LedgerClosedError
    server.script('openai.chat', chatCompletion({ content: 'still works' }));

    const text = await runWithUsage({
      taskType: 'chat',
      runnable: openaiModel(server).pipe(new StringOutputParser()),
      input: 'hi',
      modelName: 'openai/gpt-4o-mini',
      ledger,
    });

    expect(text).toBe('still works');
  });

  it('refuses bad options with a ValidationError that says what to pass', async () => {
    const ledger = testLedger();
    const runnable = openaiModel(server);
    await expect(
      runWithUsage({ taskType: '', runnable, input: 'x', modelName: 'openai/gpt-4o-mini', ledger }),
    ).rejects.toThrow(ValidationError);
    await expect(
      runWithUsage({ taskType: 'x', runnable: undefined as never, input: 'x', modelName: 'gpt-4o-mini', ledger }),
    ).rejects.toThrow(/pass a LangChain Runnable/);
    await expect(runWithUsage({ taskType: 'x', runnable, input: 'x', modelName: ' ', ledger })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      field: 'modelName',
    });
    expect(await records(ledger)).toHaveLength(0);
    expect(server.requests).toHaveLength(0);
  });

  it('stops a model call over a hard budget before the provider is contacted', async () => {
    const ledger = createLedger({
      store: 'memory',
      meter: 'memory',
      configFile: false,
      env: {},
      logger: silentLogger,
      pricer: testPricer,
    });
    ledger.limits!.set({ subject: 'user:*', period: 'day', maxRequests: 1, mode: 'hard' });
    server.script('openai.chat', chatCompletion({ content: 'first', usage: openaiUsage(5, 1) }));
    const task = {
      taskType: 'chat',
      runnable: openaiModel(server).pipe(new StringOutputParser()),
      input: 'hi',
      modelName: 'openai/gpt-4o-mini',
      userId: 'u-1',
      ledger,
    };
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined); // LangChain logs handler errors

    expect(await runWithUsage(task)).toBe('first');
    await expect(runWithUsage(task)).rejects.toBeInstanceOf(QuotaExceededError);

    quiet.mockRestore();
    expect(server.requests).toHaveLength(1);
    expect(await records(ledger)).toHaveLength(1);
    await ledger.close();
  });

  it('sums a trace to exactly its model calls', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatCompletion({ content: 'a', usage: openaiUsage(11, 7) }));
    await runWithUsage({
      taskType: 'chat',
      runnable: extractionPrompt.pipe(openaiModel(server)).pipe(new StringOutputParser()),
      input: { text: 'x' },
      modelName: 'openai/gpt-4o-mini',
      ledger,
    });
    const all = await records(ledger);
    expect(all).toHaveLength(1);
    expect(sumTokens(all)).toEqual({ input: 11, output: 7, total: 18 });
    expect(await traceCost(ledger, all[0]!.traceId)).toEqual({ calls: 1, cost: expectedCost(11, 7) });
  });
});
