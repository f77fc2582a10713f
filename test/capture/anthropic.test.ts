import Anthropic from '@anthropic-ai/sdk';
import { DEFAULT_FAMILY_RATIOS } from '../../src/tokens/call-token-estimator.js';
import { tiktokenCount } from '../support/token-chain.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wrapClient } from '../../src/capture/wrap-client.js';
import { createPricer } from '../../src/pricing/create-pricer.js';
import { anthropicError, message, messageStream } from '../support/wire-server/index.js';
import {
  expectedCost,
  onlyRecord,
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
  return { ledger, anthropic: wrapClient(ledger, sdkClients(server).anthropic) };
}

const request = {
  model: 'claude-sonnet-4-6',
  max_tokens: 1024,
  system: [{ type: 'text' as const, text: 'You answer about weather.', cache_control: { type: 'ephemeral' as const } }],
  messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
};

describe('anthropic messages', () => {
  it('normalizes cache reads and writes into inclusive input and prices them', async () => {
    const { ledger, anthropic } = setup();
    server.script(
      'anthropic.messages',
      message({
        text: 'Sunny.',
        usage: { input: 20, cacheWrite: 1500, cacheWrite1h: 500, cacheRead: 3000, output: 80 },
      }),
    );
    const result = await anthropic.messages.create(request);
    expect(result.content[0]).toMatchObject({ type: 'text', text: 'Sunny.' });
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4-6',
      responseModel: 'claude-sonnet-4-6',
      systemPrompt: 'You answer about weather.',
      params: { maxTokens: 1024 },
      responseMessage: { role: 'assistant', content: 'Sunny.' },
      finishReason: 'end_turn',
      tokens: { input: 4520, cacheRead: 3000, cacheWrite: 1500, cacheWrite1h: 500, output: 80, total: 4600 },
      tokenSource: 'provider',
      status: 'success',
    });
    expect(record.cost?.total).toBe(expectedCost(4520, 80));
  });

  it('records tool_use blocks as tool calls', async () => {
    const { ledger, anthropic } = setup();
    server.script(
      'anthropic.messages',
      message({ text: 'Let me check.', toolUses: [{ id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] }),
    );
    await anthropic.messages.create(request);
    expect((await onlyRecord(ledger)).responseMessage).toEqual({
      role: 'assistant',
      content: 'Let me check.',
      toolCalls: [
        { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ],
    });
  });

  it('records a stream: cache tokens from message_start, cumulative message_delta corrections, tool input assembled', async () => {
    const { ledger, anthropic } = setup();
    server.script(
      'anthropic.messages',
      messageStream({
        thinkingPieces: ['Hmm, ', 'Paris.'],
        textPieces: ['Let ', 'me check.'],
        toolUses: [{ id: 'toolu_1', name: 'get_weather', jsonPieces: ['{"city": "Par', 'is"}'] }],
        usage: { input: 20, cacheWrite: 1500, cacheRead: 3000, output: 80 },
        deltaUsage: { cacheRead: 3100 },
        pings: true,
      }),
    );
    const events: string[] = [];
    for await (const event of await anthropic.messages.create({ ...request, stream: true })) events.push(event.type);
    expect(events).not.toContain('ping');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'success',
      streamed: true,
      finishReason: 'tool_use',
      responseMessage: {
        content: 'Let me check.',
        reasoning: 'Hmm, Paris.',
        toolCalls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
        ],
      },
      tokens: { input: 20 + 1500 + 3100, cacheRead: 3100, cacheWrite: 1500, output: 80 },
      tokenSource: 'provider',
    });
    expect(record.ttftMs).not.toBeNull();
  });

  it('records messages.stream() once; its events and finalMessage() are untouched', async () => {
    const { ledger, anthropic } = setup();
    server.script(
      'anthropic.messages',
      messageStream({ textPieces: ['Bon', 'jour'], usage: { input: 12, output: 4 } }),
    );
    const texts: string[] = [];
    const stream = anthropic.messages.stream(request).on('text', (text) => texts.push(text));
    const final = await stream.finalMessage();
    expect(texts).toEqual(['Bon', 'jour']);
    expect(final.usage.output_tokens).toBe(4);
    expect(await onlyRecord(ledger)).toMatchObject({
      responseMessage: { content: 'Bonjour' },
      tokens: { input: 12, output: 4 },
    });
  });

  it('an error event mid-stream: the SDK error re-thrown, recorded as server error with input known', async () => {
    const { ledger, anthropic } = setup();
    server.script(
      'anthropic.messages',
      messageStream({
        textPieces: ['Once ', 'upon ', 'a time'],
        usage: { input: 40, cacheRead: 100, output: 50 },
        errorAfter: { events: 4, type: 'overloaded_error', message: 'Overloaded' },
      }),
    );
    const failure = await (async () => {
      for await (const _event of await anthropic.messages.create({ ...request, stream: true })) {
        // read until the error
      }
    })().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'error',
      errorType: 'server',
      partial: true,
      responseMessage: { content: 'Once upon ' },
      tokenSource: 'estimate',
      // Input and cache counts came with message_start; only the output is estimated.
      tokens: {
        input: 140,
        cacheRead: 100,
        output: Math.round(tiktokenCount('Once upon ') * DEFAULT_FAMILY_RATIOS.anthropic),
      },
    });
  });

  it('stream.abort(): cancelled with the text so far', async () => {
    const { ledger, anthropic } = setup();
    server.script(
      'anthropic.messages',
      messageStream({ textPieces: ['a', 'b', 'c', 'd', 'e'], intervalMs: 15, usage: { input: 10, output: 5 } }),
    );
    const stream = anthropic.messages.stream(request);
    stream.on('text', (text) => {
      if (text === 'b') stream.abort();
    });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'cancelled', errorType: 'aborted', partial: true, tokenSource: 'estimate' });
    expect(record.tokens.input).toBe(10);
  });

  it('stream.abort() after cache writes: the 1-hour split from message_start is kept and priced', async () => {
    const { ledger, anthropic } = setup();
    server.script(
      'anthropic.messages',
      messageStream({
        textPieces: ['a', 'b', 'c', 'd', 'e'],
        intervalMs: 15,
        usage: { input: 20, cacheWrite: 1500, cacheWrite1h: 500, cacheRead: 3000, output: 5 },
      }),
    );
    const stream = anthropic.messages.stream(request);
    stream.on('text', (text) => {
      if (text === 'b') stream.abort();
    });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'cancelled', partial: true, tokenSource: 'estimate' });
    expect(record.tokens).toMatchObject({ input: 4520, cacheRead: 3000, cacheWrite: 1500, cacheWrite1h: 500 });
    // With the catalog, claude-sonnet-4-6 charges 1-hour writes 6 per 1M against 3.75 for 5 minutes.
    const cost = createPricer().price(record)!;
    expect(cost.breakdown.cacheWrite1h).toBe('0.003');
    expect(cost.breakdown.cacheWrite).toBe('0.00375');
  });

  it('a dropped connection mid-stream: network error, partial', async () => {
    const { ledger, anthropic } = setup();
    server.script('anthropic.messages', messageStream({ textPieces: ['a', 'b', 'c', 'd'], dropAfter: 4 }));
    const failure = await (async () => {
      for await (const _event of await anthropic.messages.create({ ...request, stream: true })) {
        // read until the connection drops
      }
    })().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(await onlyRecord(ledger)).toMatchObject({ status: 'error', errorType: 'network', partial: true });
  });

  it('429 with retry-after and 529 overloaded are classified', async () => {
    const { ledger, anthropic } = setup();
    server.script(
      'anthropic.messages',
      anthropicError(429, 'rate_limit_error', 'Number of request tokens exceeded', { 'retry-after': '30' }),
    );
    await expect(anthropic.messages.create(request)).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    expect(await onlyRecord(ledger)).toMatchObject({ errorType: 'rate_limit', httpStatus: 429, retryAfterMs: 30_000 });

    const second = setup();
    server.script('anthropic.messages', anthropicError(529, 'overloaded_error', 'Overloaded'));
    await expect(second.anthropic.messages.create(request)).rejects.toBeInstanceOf(Anthropic.APIError);
    expect(await onlyRecord(second.ledger)).toMatchObject({ errorType: 'server', httpStatus: 529 });

    const third = setup();
    server.script(
      'anthropic.messages',
      anthropicError(400, 'invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'),
    );
    await expect(third.anthropic.messages.create(request)).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    expect(await onlyRecord(third.ledger)).toMatchObject({ errorType: 'context_length_exceeded', httpStatus: 400 });
  });
});
