import type {
  EmbeddingModelV4,
  EmbeddingModelV4Middleware,
  LanguageModelV2Middleware,
  LanguageModelV2Usage,
  LanguageModelV3Middleware,
  LanguageModelV3Usage,
  LanguageModelV4Middleware,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { embed, wrapEmbeddingModel } from 'ai';
import { describe, expect, it } from 'vitest';
import { chainOutputTokens, tiktokenCount } from '../support/token-chain.js';
import { convertAISDKUsage, ledgerEmbeddingMiddleware, ledgerMiddleware } from '../../src/integrations/ai-sdk.js';
import { convertPrompt } from '../../src/integrations/ai-sdk/convert-prompt.js';
import { providerOfModel } from '../../src/integrations/ai-sdk/model-provider.js';
import { expectedCost, onlyRecord, testLedger } from './ai-sdk-harness.js';

// The middlewares are structurally the AI SDK's own middleware types (checked by tsc).
const _v4: LanguageModelV4Middleware = ledgerMiddleware();
const _v2: LanguageModelV2Middleware = ledgerMiddleware();
const _v3: LanguageModelV3Middleware = { ...ledgerMiddleware(), specificationVersion: 'v3' };
const _embedding: EmbeddingModelV4Middleware = ledgerEmbeddingMiddleware();

describe('convertAISDKUsage', () => {
  it('reads V4 nested usage (ai 7): inclusive totals, cache reads and writes, reasoning', () => {
    const usage: LanguageModelV4Usage = {
      inputTokens: { total: 150, noCache: 20, cacheRead: 100, cacheWrite: 30 },
      outputTokens: { total: 12, text: 8, reasoning: 4 },
      raw: { input_tokens: 20 },
    };
    expect(convertAISDKUsage(usage)).toEqual({
      tokens: { input: 150, output: 12, total: 162, cacheRead: 100, cacheWrite: 30, reasoning: 4 },
      complete: true,
      inputKnown: true,
      outputKnown: true,
    });
  });

  it('reads V3 nested usage (ai 6) and rebuilds missing totals from their parts', () => {
    const usage: LanguageModelV3Usage = {
      inputTokens: { total: undefined, noCache: 8, cacheRead: 4, cacheWrite: undefined },
      outputTokens: { total: undefined, text: 2, reasoning: 1 },
    };
    expect(convertAISDKUsage(usage)?.tokens).toEqual({
      input: 12,
      output: 3,
      total: 15,
      cacheRead: 4,
      cacheWrite: 0,
      reasoning: 1,
    });
  });

  it('reads V2 flat usage (ai 5)', () => {
    const usage: LanguageModelV2Usage = {
      inputTokens: 120,
      outputTokens: 45,
      totalTokens: 165,
      reasoningTokens: 5,
      cachedInputTokens: 64,
    };
    expect(convertAISDKUsage(usage)).toEqual({
      tokens: { input: 120, output: 45, total: 165, cacheRead: 64, cacheWrite: 0, reasoning: 5 },
      complete: true,
      inputKnown: true,
      outputKnown: true,
    });
  });

  it('takes Anthropic one-hour cache writes from raw usage', () => {
    const usage = {
      inputTokens: { total: 1520, noCache: 20, cacheRead: 0, cacheWrite: 1500 },
      outputTokens: { total: 80 },
      raw: { cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 500 } },
    };
    expect(convertAISDKUsage(usage)?.tokens).toMatchObject({ input: 1520, cacheWrite: 1500, cacheWrite1h: 500 });
  });

  it('says what is unknown: nothing at all, or one side only', () => {
    const aborted: LanguageModelV4Usage = {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    };
    expect(convertAISDKUsage(aborted)).toBeUndefined();
    expect(
      convertAISDKUsage({ inputTokens: undefined, outputTokens: undefined, totalTokens: undefined }),
    ).toBeUndefined();
    expect(convertAISDKUsage(undefined)).toBeUndefined();
    expect(convertAISDKUsage('12 tokens')).toBeUndefined();
    expect(convertAISDKUsage({ inputTokens: { total: 30 }, outputTokens: {} })).toMatchObject({
      tokens: { input: 30, output: 0 },
      complete: false,
      inputKnown: true,
      outputKnown: false,
    });
  });

  it('ignores counts that are not counts and clamps parts larger than their total', () => {
    expect(
      convertAISDKUsage({
        inputTokens: { total: 10, cacheRead: 50, cacheWrite: Number.NaN },
        outputTokens: { total: -3, reasoning: 7 },
      })?.tokens,
    ).toEqual({ input: 10, output: 0, total: 10, cacheRead: 10, cacheWrite: 0, reasoning: 0 });
  });
});

describe('providerOfModel', () => {
  it.each([
    ['openai.chat', 'gpt-4o', 'openai'],
    ['openai.responses', 'gpt-4.1', 'openai'],
    ['openai.embedding', 'text-embedding-3-small', 'openai'],
    ['anthropic.messages', 'claude-sonnet-4-5', 'anthropic'],
    ['azure.chat', 'my-deployment', 'azure'],
    ['google.generative-ai', 'gemini-2.5-flash', 'gemini'],
    ['google.vertex.chat', 'gemini-2.5-pro', 'vertex'],
    ['amazon-bedrock', 'anthropic.claude-3', 'bedrock'],
    ['mistral', 'mistral-large', 'mistral'],
    ['gateway', 'anthropic/claude-sonnet-4', 'anthropic'],
    ['', 'x', 'unknown'],
  ])('%s (%s) is %s', (provider, modelId, expected) => {
    expect(providerOfModel(provider, modelId)).toBe(expected);
  });
});

describe('convertPrompt', () => {
  it('separates system messages and flattens text parts, tool calls, reasoning and tool results', () => {
    const converted = convertPrompt([
      { role: 'system', content: 'Be brief.' },
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }], providerOptions: { x: {} } },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'And this image:' },
          { type: 'file', mediaType: 'image/png', data: { type: 'data', data: new Uint8Array(1024) } },
          { type: 'file', mediaType: 'image/jpeg', data: { type: 'url', url: new URL('https://example.com/a.jpg') } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'Need the tool.' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: { city: 'Paris' } },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'call_1',
            toolName: 'weather',
            output: { type: 'json', value: { t: 21 } },
          },
          {
            type: 'tool-result',
            toolCallId: 'call_2',
            toolName: 'weather',
            output: { type: 'error-text', value: 'down' },
          },
        ],
      },
    ]);
    expect(converted.systemPrompt).toBe('Be brief.\n\nAnswer in French.');
    expect(converted.messages).toEqual([
      { role: 'user', content: 'Weather?' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'And this image:' },
          { type: 'file', mediaType: 'image/png', bytes: 1024 },
          { type: 'file', mediaType: 'image/jpeg', url: 'https://example.com/a.jpg' },
        ],
      },
      {
        role: 'assistant',
        content: 'Checking.',
        reasoning: 'Need the tool.',
        toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', toolCallId: 'call_1', name: 'weather', content: { t: 21 } },
      { role: 'tool', toolCallId: 'call_2', name: 'weather', content: 'down' },
    ]);
  });

  it('keeps base64 file data out of the record', () => {
    const base64 = Buffer.alloc(3000).toString('base64');
    const { messages } = convertPrompt([
      { role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', data: { type: 'data', data: base64 } }] },
    ]);
    expect(messages).toEqual([
      { role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', bytes: 3000 }] },
    ]);
  });
});

describe('ledgerMiddleware with older specification versions', () => {
  const model = { specificationVersion: 'v2', provider: 'openai.chat', modelId: 'gpt-4o-mini' };

  it('records a V2 generate result: flat usage, a string finish reason', async () => {
    const ledger = testLedger();
    const result = {
      content: [{ type: 'text', text: 'Hi' }],
      finishReason: 'stop',
      usage: { inputTokens: 30, outputTokens: 4, totalTokens: 34, cachedInputTokens: 10 },
      warnings: [],
    };
    const returned = await ledgerMiddleware({ ledger }).wrapGenerate({
      doGenerate: async () => result,
      doStream: async () => ({ stream: new ReadableStream() }),
      params: { prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] },
      model,
    });
    expect(returned).toBe(result);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ finishReason: 'stop', responseMessage: { content: 'Hi' }, tokenSource: 'provider' });
    expect(record.tokens).toEqual({ input: 30, output: 4, total: 34, cacheRead: 10, cacheWrite: 0, reasoning: 0 });
  });

  it('records a V2 stream: flat usage on its finish part', async () => {
    const ledger = testLedger();
    const parts = [
      { type: 'stream-start', warnings: [] },
      { type: 'text-start', id: '1' },
      { type: 'text-delta', id: '1', delta: 'Hel' },
      { type: 'text-delta', id: '1', delta: 'lo' },
      { type: 'text-end', id: '1' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 9, outputTokens: 2, totalTokens: 11 } },
    ];
    const { stream } = await ledgerMiddleware({ ledger }).wrapStream({
      doGenerate: async () => ({}),
      doStream: async () => ({ stream: ReadableStream.from(parts) }),
      params: { prompt: [] },
      model,
    });
    const seen: unknown[] = [];
    for await (const part of stream) seen.push(part);
    expect(seen).toStrictEqual(parts);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'success', finishReason: 'stop', responseMessage: { content: 'Hello' } });
    expect(record.tokens).toMatchObject({ input: 9, output: 2, total: 11 });
    expect(record.cost?.total).toBe(expectedCost(9, 2));
  });
});

describe('ledgerMiddleware stream endings with a scripted model stream', () => {
  const model = { specificationVersion: 'v4', provider: 'openai.chat', modelId: 'gpt-4o-mini' };
  const wrapStream = (ledger: ReturnType<typeof testLedger>, stream: ReadableStream<unknown>) =>
    ledgerMiddleware({ ledger, streamIdleTimeoutMs: 0 }).wrapStream({
      doGenerate: async () => ({}),
      doStream: async () => ({ stream }),
      params: { prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] },
      model,
    });
  const finish = {
    type: 'finish',
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: { inputTokens: { total: 9 }, outputTokens: { total: 2 } },
  };

  it('records the call at its finish part, even when the consumer never reads the end of the stream', async () => {
    const ledger = testLedger();
    const parts = [{ type: 'text-delta', id: '1', delta: 'Hi' }, finish];
    const source = new ReadableStream<unknown>({
      pull(controller) {
        // Never closes: the provider stream stays open after its finish part.
        const next = parts.shift();
        if (next) controller.enqueue(next);
      },
    });
    const { stream } = await wrapStream(ledger, source);
    const reader = stream.getReader();
    expect((await reader.read()).value).toMatchObject({ type: 'text-delta' });
    expect((await reader.read()).value).toBe(finish);
    // The provider stream stays open; the record does not wait for it.
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'success', tokenSource: 'provider', tokens: { input: 9, output: 2 } });
  });

  it('records a stream that rejects with an AbortError as cancelled', async () => {
    const ledger = testLedger();
    let sent = false;
    const source = new ReadableStream<unknown>({
      pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue({ type: 'text-delta', id: '1', delta: 'partial answer' });
        } else controller.error(new DOMException('This operation was aborted', 'AbortError'));
      },
    });
    const { stream } = await wrapStream(ledger, source);
    const seen: unknown[] = [];
    const thrown = await (async () => {
      for await (const part of stream) seen.push(part);
    })().catch((error: unknown) => error);
    expect(thrown).toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(1);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'cancelled',
      errorType: 'aborted',
      partial: true,
      responseMessage: { content: 'partial answer' },
      tokens: { output: chainOutputTokens(record.model, 'partial answer') },
    });
  });

  it('records an error part followed by a finish without usage as failed, once', async () => {
    const ledger = testLedger();
    const failure = new Error('upstream exploded');
    const parts = [
      { type: 'text-delta', id: '1', delta: 'Hel' },
      { type: 'error', error: failure },
      {
        type: 'finish',
        finishReason: { unified: 'error', raw: undefined },
        usage: { inputTokens: {}, outputTokens: {} },
      },
    ];
    const { stream } = await wrapStream(ledger, ReadableStream.from(parts));
    for await (const _part of stream);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'error',
      errorMessage: 'upstream exploded',
      partial: true,
      responseMessage: { content: 'Hel' },
      tokenSource: 'tokenizer',
      tokens: { output: tiktokenCount('Hel') },
    });
  });

  it('records a finish part that says the stream was interrupted as partial', async () => {
    const ledger = testLedger();
    const parts = [
      { type: 'text-delta', id: '1', delta: 'Hel' },
      {
        type: 'finish',
        finishReason: { unified: 'interrupted', raw: undefined },
        usage: { inputTokens: {}, outputTokens: {} },
      },
    ];
    const { stream } = await wrapStream(ledger, ReadableStream.from(parts));
    for await (const _part of stream);
    expect(await onlyRecord(ledger)).toMatchObject({
      status: 'partial',
      metadata: { streamEnd: 'interrupted' },
      // gpt-4o-mini's own tokenizer counted the text received: exact, as far as text goes.
      tokenSource: 'tokenizer',
      tokens: { output: chainOutputTokens('gpt-4o-mini', 'Hel') },
    });
  });
});

describe('ledgerEmbeddingMiddleware', () => {
  it('estimates input tokens when the provider reports no usage', async () => {
    const ledger = testLedger();
    const model: EmbeddingModelV4 = {
      specificationVersion: 'v4',
      provider: 'acme.embedding',
      modelId: 'acme-embed-1',
      maxEmbeddingsPerCall: 10,
      supportsParallelCalls: true,
      doEmbed: async ({ values }) => ({ embeddings: values.map(() => [1, 2]), warnings: [] }),
    };
    await embed({
      model: wrapEmbeddingModel({ model, middleware: ledgerEmbeddingMiddleware({ ledger, tags: ['search'] }) }),
      value: 'twelve chars',
    });
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      provider: 'acme',
      model: 'acme-embed-1',
      callType: 'EMBEDDING',
      tags: ['search'],
      tokenSource: 'estimate',
      tokens: { input: chainOutputTokens('acme-embed-1', 'twelve chars'), output: 0 },
    });
  });
});
