import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wrapClient } from '../../src/capture/wrap-client.js';
import type { CallRecord } from '../../src/core/record.js';
import { chatCompletion, openaiError, openaiRateLimit, openaiUsage } from '../support/wire-server/index.js';
import { onlyRecord, sdkClients, startWireServer, testLedger, type WireServer } from './capture-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };

/** Calls through a wrapped client; returns the error the application caught and the error the handler saw. */
async function failingCall(client?: OpenAI) {
  const ledger = testLedger();
  const seen: unknown[] = [];
  ledger.addHandler({ onError: (_record: CallRecord, error: unknown) => void seen.push(error) });
  const openai = wrapClient(ledger, client ?? sdkClients(server).openai);
  const caught = await openai.chat.completions.create(request).then(
    () => undefined,
    (error: unknown) => error,
  );
  const record = await onlyRecord(ledger);
  return { caught, seen, record };
}

describe('provider errors are recorded, classified and re-thrown unchanged', () => {
  it('429 with retry-after: rate_limit, retryAfterMs, the same RateLimitError instance', async () => {
    server.script('openai.chat', openaiRateLimit(7));
    const { caught, seen, record } = await failingCall();
    expect(caught).toBeInstanceOf(OpenAI.RateLimitError);
    expect(seen).toEqual([caught]);
    expect(seen[0]).toBe(caught);
    expect(record).toMatchObject({
      status: 'error',
      errorType: 'rate_limit',
      httpStatus: 429,
      retryAfterMs: 7000,
      tokenSource: null,
      cost: null,
    });
    expect(record.errorMessage).toContain('Rate limit reached');
  });

  it('500: server; 401: authentication; 400 context_length_exceeded: context_length_exceeded', async () => {
    server.script('openai.chat', openaiError(500, { message: 'The server had an error', type: 'server_error' }));
    expect((await failingCall()).record).toMatchObject({ errorType: 'server', httpStatus: 500 });

    server.script(
      'openai.chat',
      openaiError(401, {
        message: 'Incorrect API key provided',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      }),
    );
    expect((await failingCall()).record).toMatchObject({ errorType: 'authentication', httpStatus: 401 });

    server.script(
      'openai.chat',
      openaiError(400, {
        message: "This model's maximum context length is 128000 tokens.",
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        param: 'messages',
      }),
    );
    expect((await failingCall()).record).toMatchObject({ errorType: 'context_length_exceeded', httpStatus: 400 });

    server.script(
      'openai.chat',
      openaiError(400, { message: 'Invalid value for temperature', type: 'invalid_request_error' }),
    );
    const { caught, record } = await failingCall();
    expect(caught).toBeInstanceOf(OpenAI.BadRequestError);
    expect(record).toMatchObject({ errorType: 'invalid_request', httpStatus: 400 });
  });

  it('a refused connection: network; a request that hangs past the timeout: timeout', async () => {
    const unreachable = new OpenAI({ apiKey: 'sk', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 });
    const refused = await failingCall(unreachable);
    expect(refused.caught).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(refused.record).toMatchObject({ status: 'error', errorType: 'network', httpStatus: null });

    server.script('openai.chat', { kind: 'hang' });
    const slow = new OpenAI({ apiKey: 'sk', baseURL: server.openaiBaseURL, maxRetries: 0, timeout: 50 });
    const timedOut = await failingCall(slow);
    expect(timedOut.caught).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(timedOut.record).toMatchObject({ status: 'error', errorType: 'timeout' });
  });

  it('SDK retries are one call: 429 then 500 then success records one success', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server, 2).openai);
    server.script(
      'openai.chat',
      openaiError(
        429,
        { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' },
        { 'retry-after-ms': '5' },
      ),
      openaiError(500, { message: 'oops', type: 'server_error' }, { 'retry-after-ms': '5' }),
      chatCompletion({ content: 'third time', usage: openaiUsage(3, 2) }),
    );
    const completion = await openai.chat.completions.create(request);
    expect(completion.choices[0]?.message.content).toBe('third time');
    expect(server.requests).toHaveLength(3);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'success', tokens: { input: 3, output: 2 } });
  });

  it('a streamed request refused with 429: one error record, no stream', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script('openai.chat', openaiRateLimit(1));
    await expect(openai.chat.completions.create({ ...request, stream: true })).rejects.toBeInstanceOf(
      OpenAI.RateLimitError,
    );
    expect(await onlyRecord(ledger)).toMatchObject({
      status: 'error',
      errorType: 'rate_limit',
      requestMode: 'streaming',
      retryAfterMs: 1000,
    });
  });
});
