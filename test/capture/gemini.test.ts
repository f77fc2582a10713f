import { DEFAULT_FAMILY_RATIOS } from '../../src/tokens/call-token-estimator.js';
import { tiktokenCount } from '../support/token-chain.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wrapClient } from '../../src/capture/wrap-client.js';
import { embedContent, generate, generateStream, geminiError } from '../support/wire-server/index.js';
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

function setup() {
  const ledger = testLedger();
  return { ledger, ai: wrapClient(ledger, sdkClients(server).gemini) };
}

describe('@google/genai', () => {
  it('records generateContent with cached and thought tokens (thoughts are output, outside candidates)', async () => {
    const { ledger, ai } = setup();
    server.script(
      'gemini.generate',
      generate({ text: 'Blue light scatters.', usage: { prompt: 20, cached: 8, candidates: 30, thoughts: 12 } }),
    );
    const response = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Why is the sky blue?',
      config: { systemInstruction: 'Answer in one line.', temperature: 0.1, maxOutputTokens: 200 },
    });
    expect(response.text).toBe('Blue light scatters.');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      provider: 'gemini',
      model: 'gemini-2.5-flash',
      responseModel: 'gemini-2.5-flash',
      systemPrompt: 'Answer in one line.',
      messages: [{ role: 'user', parts: [{ text: 'Why is the sky blue?' }] }],
      params: { temperature: 0.1, maxTokens: 200 },
      responseMessage: { role: 'assistant', content: 'Blue light scatters.' },
      finishReason: 'STOP',
      tokens: { input: 20, cacheRead: 8, output: 42, reasoning: 12, total: 62 },
      tokenSource: 'provider',
      status: 'success',
    });
    expect(record.cost?.total).toBe(expectedCost(20, 42));
    expect(server.requests[0]?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
  });

  it('records function calls', async () => {
    const { ledger, ai } = setup();
    server.script('gemini.generate', generate({ functionCalls: [{ name: 'get_weather', args: { city: 'Paris' } }] }));
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Weather in Paris?' });
    expect(response.functionCalls?.[0]?.name).toBe('get_weather');
    expect((await onlyRecord(ledger)).responseMessage?.toolCalls).toEqual([
      { type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ]);
  });

  it('records generateContentStream with the last usageMetadata and time to first token', async () => {
    const { ledger, ai } = setup();
    server.script(
      'gemini.stream',
      generateStream({ textPieces: ['Hel', 'lo', '!'], usage: { prompt: 10, candidates: 3, thoughts: 5, cached: 4 } }),
    );
    let text = '';
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Hi' })) {
      text += chunk.text ?? '';
    }
    expect(text).toBe('Hello!');
    expect(server.requests[0]?.query.get('alt')).toBe('sse');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'success',
      streamed: true,
      responseMessage: { content: 'Hello!' },
      tokens: { input: 10, cacheRead: 4, output: 8, reasoning: 5 },
      tokenSource: 'provider',
    });
    expect(record.ttftMs).not.toBeNull();
  });

  it('break out of a stream: partial, input from the prompt count already received', async () => {
    const { ledger, ai } = setup();
    server.script(
      'gemini.stream',
      generateStream({ textPieces: ['one ', 'two ', 'three'], usage: { prompt: 17, candidates: 3 } }),
    );
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Count' })) {
      if (chunk.text === 'one ') break;
    }
    const record = await onlyRecord(ledger);
    // Gemini's tokenizer is not public: o200k_base at the Gemini ratio counts the text received.
    const output = Math.round(tiktokenCount('one ') * DEFAULT_FAMILY_RATIOS.gemini);
    expect(record).toMatchObject({ status: 'partial', tokenSource: 'estimate', tokens: { input: 17, output } });
  });

  it('config.abortSignal mid-stream: cancelled', async () => {
    const { ledger, ai } = setup();
    server.script('gemini.stream', generateStream({ textPieces: ['a', 'b', 'c', 'd'], intervalMs: 20 }));
    const controller = new AbortController();
    const failure = await (async () => {
      const stream = await ai.models.generateContentStream({
        model: 'gemini-2.5-flash',
        contents: 'Hi',
        config: { abortSignal: controller.signal },
      });
      for await (const chunk of stream) if (chunk.text === 'b') controller.abort();
    })().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((failure as Error | undefined)?.name).toBe('AbortError');
    expect(await onlyRecord(ledger)).toMatchObject({ status: 'cancelled', errorType: 'aborted', partial: true });
  });

  it('an error chunk mid-stream: error, classified from its gRPC status', async () => {
    const { ledger, ai } = setup();
    server.script(
      'gemini.stream',
      generateStream({
        textPieces: ['a', 'b'],
        errorAfter: { chunks: 1, code: 503, status: 'UNAVAILABLE', message: 'The model is overloaded.' },
      }),
    );
    const failure = await (async () => {
      for await (const _chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Hi' })) {
        // read until the error
      }
    })().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(await onlyRecord(ledger)).toMatchObject({
      status: 'error',
      errorType: 'server',
      httpStatus: 503,
      partial: true,
    });
  });

  it('429 RESOURCE_EXHAUSTED with RetryInfo: rate_limit with retryAfterMs', async () => {
    const { ledger, ai } = setup();
    server.script('gemini.generate', geminiError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded', '12s'));
    await expect(ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hi' })).rejects.toMatchObject({
      status: 429,
    });
    expect(await onlyRecord(ledger)).toMatchObject({
      status: 'error',
      errorType: 'rate_limit',
      httpStatus: 429,
      retryAfterMs: 12_000,
    });
  });

  it('records embedContent, with input estimated since the API returns no usage', async () => {
    const { ledger, ai } = setup();
    server.script('gemini.embed', embedContent({ vectors: [[1, 2, 3, 4]] }));
    const result = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'sixteen chars ok' });
    expect(result.embeddings?.[0]?.values).toEqual([1, 2, 3, 4]);
    expect(await onlyRecord(ledger)).toMatchObject({
      callType: 'EMBEDDING',
      model: 'gemini-embedding-001',
      messages: [{ role: 'user', content: 'sixteen chars ok' }],
      tokenSource: 'estimate',
      tokens: { output: 0 },
      metadata: { vectors: 1, dimensions: 4 },
    });
  });

  it('records chats, which call the wrapped models', async () => {
    const { ledger, ai } = setup();
    server.script('gemini.generate', generate({ text: 'Hi!' }), generate({ text: 'Fine.' }));
    const chat = ai.chats.create({ model: 'gemini-2.5-flash' });
    await chat.sendMessage({ message: 'Hello' });
    await chat.sendMessage({ message: 'How are you?' });
    const all = await records(ledger);
    expect(all.map((record) => record.responseMessage?.content)).toEqual(['Hi!', 'Fine.']);
    expect(all[1]?.messages).toHaveLength(3);
  });
});
