import { tiktokenChatCount, tiktokenCount } from '../support/token-chain.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { trackLLMCall } from '../../src/capture/track-llm-call.js';
import { wrapClient } from '../../src/capture/wrap-client.js';
import {
  chatCompletion,
  chatStream,
  generateStream,
  messageStream,
  openaiRateLimit,
  openaiUsage,
} from '../support/wire-server/index.js';
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

const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hello' },
];

describe('trackLLMCall on the SDK clients', () => {
  it('OpenAI-style: streams by default and returns seed 004’s payload with cost from the record', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatStream({ content: ['Hi', ' there'], usage: openaiUsage(11, 2) }));
    const result = await trackLLMCall(ledger, {
      provider: 'openai',
      model: 'gpt-4o-mini',
      messages,
      client: sdkClients(server).openai,
      userId: 'u-1',
    });
    expect(result).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      pricingVersion: 'test-prices-1',
      promptTokens: 11,
      completionTokens: 2,
      totalTokens: 13,
      costUsd: expectedCost(11, 2),
      error: null,
      text: 'Hi there',
      status: 'success',
      streamed: true,
      tokenSource: 'provider',
    });
    expect(result.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(server.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ id: result.callId, userId: 'u-1', systemPrompt: 'Be brief.' });
  });

  it('OpenAI-style without streaming: the response is the provider’s object', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatCompletion({ content: 'Sure.', usage: openaiUsage(8, 2) }));
    const result = await trackLLMCall(ledger, {
      provider: 'openai',
      model: 'gpt-4o-mini',
      messages,
      client: sdkClients(server).openai,
      stream: false,
    });
    expect(result).toMatchObject({ promptTokens: 8, completionTokens: 2, text: 'Sure.', streamed: false });
    expect((result.response as { object: string }).object).toBe('chat.completion');
  });

  it('Anthropic-style: system messages go to `system`, cache-inclusive counts come back', async () => {
    const ledger = testLedger();
    server.script(
      'anthropic.messages',
      messageStream({ textPieces: ['Hi'], usage: { input: 5, cacheRead: 100, output: 1 } }),
    );
    const result = await trackLLMCall(ledger, {
      provider: 'anthropic',
      model: 'claude-sonnet-4-6',
      messages,
      client: sdkClients(server).anthropic,
      maxTokens: 300,
    });
    expect(server.requests[0]?.body).toMatchObject({
      system: 'Be brief.',
      max_tokens: 300,
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
    });
    expect(result).toMatchObject({ promptTokens: 105, completionTokens: 1, totalTokens: 106, text: 'Hi', error: null });
    expect(await records(ledger)).toHaveLength(1);
  });

  it('Gemini-style: contents and systemInstruction, streamed', async () => {
    const ledger = testLedger();
    server.script(
      'gemini.stream',
      generateStream({ textPieces: ['Bon', 'jour'], usage: { prompt: 6, candidates: 2 } }),
    );
    const result = await trackLLMCall(ledger, {
      provider: 'gemini',
      model: 'gemini-2.5-flash',
      messages,
      client: sdkClients(server).gemini,
    });
    expect(server.requests[0]?.body).toMatchObject({
      contents: [{ role: 'user', parts: [{ text: 'Hello' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
    });
    expect(result).toMatchObject({ promptTokens: 6, completionTokens: 2, text: 'Bonjour', streamed: true });
  });

  it('a client already wrapped by the ledger is recorded once', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script('openai.chat', chatStream({ content: ['x'] }));
    await trackLLMCall(ledger, { provider: 'openai', model: 'gpt-4o-mini', messages, client: openai });
    expect(await records(ledger)).toHaveLength(1);
  });

  it('never throws for provider errors: a 429 comes back in `error`, recorded with its classification', async () => {
    const ledger = testLedger();
    server.script('openai.chat', openaiRateLimit(3));
    const result = await trackLLMCall(ledger, {
      provider: 'openai',
      model: 'gpt-4o-mini',
      messages,
      client: sdkClients(server).openai,
    });
    expect(result).toMatchObject({ status: 'error', promptTokens: 0, costUsd: null, pricingVersion: null });
    expect(result.error).toContain('Rate limit');
    expect(await onlyRecord(ledger)).toMatchObject({ errorType: 'rate_limit', retryAfterMs: 3000 });
    expect(server.requests).toHaveLength(1);
  });
});

describe('trackLLMCall on generic clients', () => {
  async function* textStream(pieces: string[], usage?: unknown, failAfter?: number) {
    for (const [index, piece] of pieces.entries()) {
      if (index === failAfter) throw new Error('connection reset by peer');
      yield { delta: piece };
    }
    if (usage) yield { usage };
  }

  it('a `.stream()` client yielding text deltas and a final usage', async () => {
    const ledger = testLedger();
    const calls: unknown[] = [];
    const client = {
      stream(request: unknown) {
        calls.push(request);
        return textStream(['Hel', 'lo'], { prompt_tokens: 4, completion_tokens: 2 });
      },
    };
    const result = await trackLLMCall(ledger, { provider: 'mistral', model: 'mistral-small', messages, client });
    expect(calls).toEqual([{ model: 'mistral-small', messages }]);
    expect(result).toMatchObject({
      text: 'Hello',
      promptTokens: 4,
      completionTokens: 2,
      tokenSource: 'provider',
      streamed: true,
    });
    expect((await onlyRecord(ledger)).ttftMs).not.toBeNull();
  });

  it('a `.createStream()` client yielding plain strings, without usage: estimated tokens and cost', async () => {
    const ledger = testLedger();
    const client = {
      async *createStream() {
        yield 'twelve chars';
        yield ' and more';
      },
    };
    const result = await trackLLMCall(ledger, { provider: 'local', model: 'llama-3', messages, client });
    expect(result).toMatchObject({ text: 'twelve chars and more', tokenSource: 'estimate', status: 'success' });
    // Llama's tokenizer is not built in: o200k_base at the `other` family's ratio (1).
    expect(result.completionTokens).toBe(tiktokenCount('twelve chars and more'));
    expect(result.promptTokens).toBe(tiktokenChatCount(messages));
    expect(result.cost?.status).toBe('estimated');
    expect(result.costUsd).toBe(expectedCost(result.promptTokens, result.completionTokens));
  });

  it('a `create({ stream: true })` client yielding OpenAI-shaped chunks', async () => {
    const ledger = testLedger();
    const client = {
      create(request: { stream?: boolean }) {
        expect(request.stream).toBe(true);
        return (async function* () {
          yield { choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: null }] };
          yield {
            choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
            usage: { prompt_tokens: 3, completion_tokens: 1 },
          };
        })();
      },
    };
    const result = await trackLLMCall(ledger, { provider: 'together', model: 'llama', messages, client });
    expect(result).toMatchObject({ text: 'ok', promptTokens: 3, completionTokens: 1 });
    expect(await onlyRecord(ledger)).toMatchObject({ finishReason: 'stop', status: 'success' });
  });

  it('a plain function returning `{ text, usage }`', async () => {
    const ledger = testLedger();
    const client = async () => ({ text: 'Done.', usage: { input_tokens: 9, output_tokens: 2 } });
    const result = await trackLLMCall(ledger, { provider: 'custom', model: 'm', messages, client, stream: false });
    expect(result).toMatchObject({ text: 'Done.', promptTokens: 9, completionTokens: 2, status: 'success' });
  });

  it('a stream that breaks mid-way: the error is returned, the cost is estimated from the buffered output', async () => {
    const ledger = testLedger();
    const client = { stream: () => textStream(['Once upon ', 'a time', ' there'], undefined, 2) };
    const result = await trackLLMCall(ledger, { provider: 'custom', model: 'm', messages, client });
    expect(result).toMatchObject({ status: 'error', error: 'connection reset by peer', tokenSource: 'estimate' });
    expect(result.completionTokens).toBe(tiktokenCount('Once upon a time')); // model 'm': o200k_base x 1
    expect(result.costUsd).toBe(expectedCost(result.promptTokens, result.completionTokens));
    expect(await onlyRecord(ledger)).toMatchObject({ status: 'error', errorType: 'network', partial: true });
  });

  it('streaming refused before any output: falls back to one plain call, recorded once', async () => {
    const ledger = testLedger();
    const requests: Array<{ stream?: boolean }> = [];
    const client = {
      async create(request: { stream?: boolean }) {
        requests.push(request);
        if (request.stream) {
          throw Object.assign(new Error('stream is not supported for this model'), { status: 400 });
        }
        return {
          choices: [{ index: 0, message: { role: 'assistant', content: 'plain' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 1 },
        };
      },
    };
    const result = await trackLLMCall(ledger, { provider: 'custom', model: 'm', messages, client });
    expect(requests.map((request) => request.stream)).toEqual([true, undefined]);
    expect(result).toMatchObject({ text: 'plain', promptTokens: 5, error: null, status: 'success' });
    expect(await onlyRecord(ledger)).toMatchObject({
      metadata: { streamFallback: 'stream is not supported for this model' },
    });
  });

  it('a failure that is not a refusal (429) is not retried without streaming', async () => {
    const ledger = testLedger();
    let calls = 0;
    const client = {
      async create() {
        calls += 1;
        throw Object.assign(new Error('Too many requests'), { status: 429, headers: { 'retry-after': '1' } });
      },
    };
    const result = await trackLLMCall(ledger, { provider: 'custom', model: 'm', messages, client });
    expect(calls).toBe(1);
    expect(result.status).toBe('error');
    expect(await onlyRecord(ledger)).toMatchObject({ errorType: 'rate_limit', retryAfterMs: 1000 });
  });

  it('a client that ignores `stream` and answers in full is not called a second time', async () => {
    const ledger = testLedger();
    let calls = 0;
    const client = {
      async create() {
        calls += 1;
        return { content: 'whole answer', usage: { prompt_tokens: 2, completion_tokens: 2 } };
      },
    };
    const result = await trackLLMCall(ledger, { provider: 'custom', model: 'm', messages, client });
    expect(calls).toBe(1);
    expect(result).toMatchObject({ text: 'whole answer', promptTokens: 2, completionTokens: 2 });
    expect(await onlyRecord(ledger)).toMatchObject({ metadata: { streamIgnored: true } });
  });

  it('a client with nothing to call: an error payload and an error record', async () => {
    const ledger = testLedger();
    const result = await trackLLMCall(ledger, { provider: 'custom', model: 'm', messages, client: {} });
    expect(result.status).toBe('error');
    expect(result.error).toContain('no create()');
    expect(await onlyRecord(ledger)).toMatchObject({ status: 'error' });
  });
});
