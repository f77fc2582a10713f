import { tiktokenChatCount, tiktokenCount } from '../support/token-chain.js';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { streamWithUsage } from '../../src/integrations/langchain.js';
import { chatStream, messageStream, openaiUsage } from '../../src/testing/index.js';
import type { WireServer } from '../../src/testing/index.js';
import {
  anthropicModel,
  CountingCallback,
  expectedCost,
  onlyRecord,
  openaiModel,
  records,
  startWireServer,
  testLedger,
} from './langchain-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const summarizationPrompt = ChatPromptTemplate.fromTemplate(
  'Provide a concise summary of the following document:\n\n{document}\n\nSummary:',
);

function summaryChain(streaming = true) {
  return summarizationPrompt.pipe(openaiModel(server, { streaming, maxTokens: 500 })).pipe(new StringOutputParser());
}

describe('streamWithUsage', () => {
  it('streams a summary and records it with usage from the final chunk (seed 000 example 2)', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatStream({ content: ['The ', 'document ', 'is short.'], usage: openaiUsage(40, 6) }),
    );
    const counting = new CountingCallback();

    let summary = '';
    for await (const chunk of streamWithUsage({
      taskType: 'summarization',
      runnable: summaryChain(),
      input: { document: 'A short document.' },
      modelName: 'openai/gpt-4o-mini',
      sessionId: 'doc-summary-1',
      extraCallbacks: [counting],
      ledger,
    })) {
      summary += chunk;
    }

    expect(summary).toBe('The document is short.');
    expect(server.requests[0]?.body.stream_options).toEqual({ include_usage: true });
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      callType: 'summarization',
      sessionId: 'doc-summary-1',
      status: 'success',
      requestMode: 'streaming',
      streamed: true,
      partial: false,
      finishReason: 'stop',
      params: { maxTokens: 500 },
      responseMessage: { role: 'assistant', content: 'The document is short.' },
      tokens: { input: 40, output: 6, total: 46 },
      tokenSource: 'provider',
    });
    expect(record.cost?.total).toBe(expectedCost(40, 6));
    expect(record.ttftMs).toBeGreaterThanOrEqual(0);
    expect(record.ttftMs).toBeLessThanOrEqual(record.latencyMs);
    // The extra callback saw every token event too.
    expect(counting.tokens.join('')).toBe('The document is short.');
    expect(counting.ends).toBe(1);
  });

  it('finalizes the model run as partial when the consumer breaks out (LangChain fires no end event)', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatStream({
        content: ['Alpha ', 'beta ', 'gamma ', 'delta ', 'epsilon'],
        usage: openaiUsage(40, 9),
        intervalMs: 30,
      }),
    );
    const counting = new CountingCallback();

    const received: string[] = [];
    for await (const chunk of streamWithUsage({
      taskType: 'summarization',
      runnable: summaryChain(),
      input: { document: 'A long document.' },
      modelName: 'openai/gpt-4o-mini',
      extraCallbacks: [counting],
      ledger,
    })) {
      received.push(chunk);
      if (received.join('').includes('beta')) break;
    }

    expect(received.join('')).toBe('Alpha beta ');
    const record = await onlyRecord(ledger);
    // The record holds the text LangChain's token events reported: "Alpha beta ", counted by gpt-4o-mini's tokenizer.
    expect(record).toMatchObject({
      status: 'partial',
      partial: true,
      streamed: true,
      requestMode: 'streaming',
      tokenSource: 'tokenizer',
      responseMessage: { role: 'assistant', content: 'Alpha beta ' },
      metadata: { streamEnd: 'consumer_stopped' },
    });
    // Input counted from the prompt as sent (no usage arrived), with the chat format's overhead.
    const input = tiktokenChatCount(record.messages as Array<{ role: string; content: string }>);
    const output = tiktokenCount('Alpha beta ');
    expect(record.tokens).toMatchObject({ input, output, total: input + output });
    expect(record.cost).toMatchObject({ total: expectedCost(input, output), status: 'estimated' });
    expect(counting.ends).toBe(0);
    // Nothing arrives later to record the call a second time.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await records(ledger)).toHaveLength(1);
  });

  it('records a stream that fails mid-way and re-throws the same error', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatStream({
        content: ['Part ', 'one'],
        errorAfter: { chunks: 3, error: { message: 'The server had an error', type: 'server_error', code: null } },
      }),
    );
    const counting = new CountingCallback();
    const received: string[] = [];

    let failure: unknown;
    try {
      for await (const chunk of streamWithUsage({
        taskType: 'summarization',
        runnable: summaryChain(),
        input: { document: 'doc' },
        modelName: 'openai/gpt-4o-mini',
        extraCallbacks: [counting],
        ledger,
      })) {
        received.push(chunk);
      }
    } catch (error) {
      failure = error;
    }

    expect(received.join('')).toBe('Part one');
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toBe(counting.errors[0]);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'error',
      errorType: 'server',
      partial: true,
      tokenSource: 'tokenizer',
      responseMessage: { role: 'assistant', content: 'Part one' },
    });
    expect(record.tokens.output).toBe(tiktokenCount('Part one'));
  });

  it('finalizes a model still streaming as partial when a later step of the chain fails', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatStream({ content: ['ok ', 'ok ', 'BAD ', 'never'], usage: openaiUsage(10, 4), intervalMs: 30 }),
    );
    const failure = new Error('validator rejected the chunk');
    /** A streaming parser that rejects a chunk while the model is still streaming. */
    class Validator extends StringOutputParser {
      override async parse(text: string): Promise<string> {
        if (text.includes('BAD')) throw failure;
        return text;
      }
    }
    const validator = new Validator();

    let caught: unknown;
    try {
      for await (const chunk of streamWithUsage({
        taskType: 'validation',
        runnable: openaiModel(server).pipe(validator),
        input: 'go',
        modelName: 'openai/gpt-4o-mini',
        ledger,
      })) {
        void chunk;
      }
    } catch (error) {
      caught = error;
    }

    expect(caught).toBe(failure);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'partial',
      partial: true,
      tokenSource: 'tokenizer',
      metadata: { streamEnd: 'chain_error' },
    });
    expect(String(record.responseMessage?.content)).toMatch(/^ok ok /);
  });

  it('corrects the placeholder output token LangChain adds to streamed Anthropic usage', async () => {
    const ledger = testLedger();
    server.script(
      'anthropic.messages',
      messageStream({ textPieces: ['Bon', 'jour'], usage: { input: 20, output: 5, cacheRead: 100, cacheWrite: 8 } }),
    );

    const chunks: string[] = [];
    for await (const chunk of streamWithUsage({
      taskType: 'translation',
      runnable: anthropicModel(server).pipe(new StringOutputParser()),
      input: 'Translate hello to French',
      modelName: 'anthropic/claude-sonnet-4-6',
      ledger,
    })) {
      chunks.push(chunk);
    }

    expect(chunks.join('')).toBe('Bonjour');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      provider: 'anthropic',
      status: 'success',
      requestMode: 'streaming',
      finishReason: 'end_turn',
      responseModel: 'claude-sonnet-4-6',
      // message_start says output_tokens: 1 (a placeholder), message_delta says 5 (cumulative): 5, not 6.
      tokens: { input: 128, output: 5, total: 133, cacheRead: 100, cacheWrite: 8 },
      tokenSource: 'provider',
    });
    expect(record.cost?.total).toBe(expectedCost(128, 5));
    expect(record.ttftMs).not.toBeNull();
  });

  it('throws ValidationError at once for bad options, before any request', () => {
    const ledger = testLedger();
    expect(() =>
      streamWithUsage({ taskType: 'x', runnable: {} as never, input: {}, modelName: 'openai/gpt-4o-mini', ledger }),
    ).toThrow(ValidationError);
    expect(() =>
      streamWithUsage({
        taskType: ' ',
        runnable: summaryChain(),
        input: { document: 'x' },
        modelName: 'openai/gpt-4o-mini',
        ledger,
      }),
    ).toThrow(/non-empty task type/);
    expect(server.requests).toHaveLength(0);
  });
});
