import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wrapClient } from '../../src/capture/wrap-client.js';
import { embeddings, response, responseStream } from '../support/wire-server/index.js';
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
  return { ledger, openai: wrapClient(ledger, sdkClients(server).openai) };
}

describe('openai responses', () => {
  it('records a response with cached and reasoning tokens and function calls', async () => {
    const { ledger, openai } = setup();
    server.script(
      'openai.responses',
      response({
        text: 'Checking.',
        functionCalls: [{ id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' }],
        usage: { input: 50, cached: 20, output: 12, reasoning: 4 },
      }),
    );
    const result = await openai.responses.create({
      model: 'gpt-4.1',
      instructions: 'Be brief.',
      input: 'Weather in Paris?',
      max_output_tokens: 100,
      reasoning: { effort: 'low' },
    });
    expect(result.output_text).toBe('Checking.');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      model: 'gpt-4.1',
      responseModel: 'gpt-4.1-2025-04-14',
      systemPrompt: 'Be brief.',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      params: { maxTokens: 100, reasoningEffort: 'low' },
      finishReason: 'completed',
      responseMessage: {
        content: 'Checking.',
        toolCalls: [
          { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      tokens: { input: 50, cacheRead: 20, output: 12, reasoning: 4, total: 62 },
      status: 'success',
    });
    expect(record.cost?.total).toBe(expectedCost(50, 12));
  });

  it('records a streamed response from response.completed', async () => {
    const { ledger, openai } = setup();
    server.script('openai.responses', responseStream({ textPieces: ['Hel', 'lo'], usage: { input: 9, output: 2 } }));
    const events: string[] = [];
    for await (const event of await openai.responses.create({ model: 'gpt-4.1', input: 'Hi', stream: true })) {
      events.push(event.type);
    }
    expect(events.at(-1)).toBe('response.completed');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'success',
      streamed: true,
      responseMessage: { content: 'Hello' },
      tokens: { input: 9, output: 2 },
      tokenSource: 'provider',
    });
    expect(record.ttftMs).not.toBeNull();
  });

  it('records the responses.stream() helper once', async () => {
    const { ledger, openai } = setup();
    server.script('openai.responses', responseStream({ textPieces: ['A', 'B'], usage: { input: 5, output: 2 } }));
    const stream = openai.responses.stream({ model: 'gpt-4.1', input: 'Hi' });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('AB');
    expect(await onlyRecord(ledger)).toMatchObject({
      responseMessage: { content: 'AB' },
      tokens: { input: 5, output: 2 },
    });
  });

  it('response.incomplete: success with the reason as finish reason', async () => {
    const { ledger, openai } = setup();
    server.script(
      'openai.responses',
      responseStream({ textPieces: ['cut'], incomplete: true, usage: { input: 5, output: 100 } }),
    );
    for await (const _event of await openai.responses.create({ model: 'gpt-4.1', input: 'Hi', stream: true })) {
      // drain
    }
    expect(await onlyRecord(ledger)).toMatchObject({
      status: 'success',
      finishReason: 'max_output_tokens',
      tokens: { output: 100 },
    });
  });

  it('response.failed (error nested in the response) and a flat error event are both errors', async () => {
    const { ledger, openai } = setup();
    server.script(
      'openai.responses',
      responseStream({
        textPieces: ['x'],
        failAfter: { events: 5, error: { code: 'server_error', message: 'Something broke' } },
      }),
    );
    const types: string[] = [];
    for await (const event of await openai.responses.create({ model: 'gpt-4.1', input: 'Hi', stream: true }))
      types.push(event.type);
    expect(types.at(-1)).toBe('response.failed');
    expect(await onlyRecord(ledger)).toMatchObject({
      status: 'error',
      errorType: 'server',
      errorMessage: 'Something broke',
    });

    const second = setup();
    server.script(
      'openai.responses',
      responseStream({
        errorEventAfter: { events: 3, code: 'rate_limit_exceeded', message: 'Too many tokens per minute' },
      }),
    );
    for await (const _event of await second.openai.responses.create({ model: 'gpt-4.1', input: 'Hi', stream: true })) {
      // the SDK hands the error event to the application
    }
    expect(await onlyRecord(second.ledger)).toMatchObject({
      status: 'error',
      errorType: 'rate_limit',
      errorMessage: 'Too many tokens per minute',
    });
  });
});

describe('openai embeddings', () => {
  it('records an embeddings call with its input tokens, without the vectors', async () => {
    const { ledger, openai } = setup();
    server.script(
      'openai.embeddings',
      embeddings({
        vectors: [
          [0.5, 0.25],
          [0.125, 1],
        ],
        promptTokens: 8,
      }),
    );
    const result = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['first text', 'second'] });
    expect(result.data[1]?.embedding).toEqual([0.125, 1]);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      callType: 'EMBEDDING',
      model: 'text-embedding-3-small',
      messages: [
        { role: 'user', content: 'first text' },
        { role: 'user', content: 'second' },
      ],
      tokens: { input: 8, output: 0, total: 8 },
      responseMessage: null,
      metadata: { vectors: 2 },
      status: 'success',
    });
    expect(record.cost?.total).toBe(expectedCost(8, 0));
  });
});
