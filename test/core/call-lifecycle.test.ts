import { APIUserAbortError, RateLimitError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { CallAlreadyFinalizedError, isLedgerError } from '../../src/core/errors.js';
import type { Ledger } from '../../src/core/ledger.js';
import { CallType } from '../../src/core/record.js';
import { deferred, FlakyStore, ManualClock, nextTurn, sleep, testLedger, UUID_V7, type TestLedger } from './support.js';

const messages = [{ role: 'user', content: 'What are the main product gaps for Gorgias?' }];

let current: TestLedger | undefined;
function setup(options: Parameters<typeof testLedger>[0] = {}): TestLedger {
  current = testLedger(options);
  return current;
}
afterEach(async () => {
  await current?.ledger.close();
  current = undefined;
});

async function stored(ledger: Ledger) {
  return (await ledger.calls.list({ limit: 1000, order: 'asc' })).records;
}

describe('start + complete', () => {
  it('records one success with the request and response as given', async () => {
    const { ledger } = setup();
    const call = ledger.start({
      callType: CallType.CHAT,
      provider: 'openrouter',
      model: 'gpt-4',
      systemPrompt: 'You are a product analysis AI assistant.',
      messages,
      tools: [{ type: 'function', function: { name: 'get_competitor_data', parameters: {} } }],
      toolChoice: 'auto',
      params: { temperature: 0.7, maxTokens: 500, custom: 'kept' },
      userId: 'u-1',
      sessionId: 's-1',
      tenantId: 'acme',
      requestId: 'req-1',
      tags: ['hidden', 'rag'],
      metadata: { reviewCount: 3 },
    });
    expect(call.finalized).toBe(false);
    expect(call.record).toBeUndefined();
    const record = call.complete({
      responseMessage: {
        role: 'assistant',
        content: null,
        toolCalls: [
          { id: 'call_abc123', type: 'function', function: { name: 'get_competitor_data', arguments: '{}' } },
        ],
      },
      responseModel: 'gpt-4-0613',
      finishReason: 'tool_calls',
      tokens: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    expect(call.finalized).toBe(true);
    expect(call.record).toBe(record);
    expect(record).toMatchObject({
      status: 'success',
      callType: 'CHAT',
      provider: 'openrouter',
      model: 'gpt-4',
      systemPrompt: 'You are a product analysis AI assistant.',
      messages,
      toolChoice: 'auto',
      params: { temperature: 0.7, maxTokens: 500, custom: 'kept' },
      userId: 'u-1',
      sessionId: 's-1',
      tenantId: 'acme',
      requestId: 'req-1',
      tags: ['hidden', 'rag'],
      metadata: { reviewCount: 3 },
      responseModel: 'gpt-4-0613',
      finishReason: 'tool_calls',
      tokens: { input: 10, output: 5, total: 15, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
      tokenSource: 'provider',
      requestMode: 'sync',
      streamed: false,
      partial: false,
      errorType: null,
      errorMessage: null,
      httpStatus: null,
      retryAfterMs: null,
      parentId: null,
      cost: null,
    });
    expect(record.responseMessage?.toolCalls?.[0]?.function?.name).toBe('get_competitor_data');
    expect(record.traceId).toBe(record.id);
    expect(await stored(ledger)).toEqual([record]);
  });

  it('defaults: CHAT, provider unknown, sync, empty request fields', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'gpt-4o' }).complete();
    expect(record).toMatchObject({
      callType: 'CHAT',
      provider: 'unknown',
      requestMode: 'sync',
      systemPrompt: null,
      messages: [],
      tools: null,
      toolChoice: null,
      params: {},
      tags: [],
      metadata: {},
      responseMessage: null,
      tokenSource: null,
      tokens: { input: 0, output: 0, total: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    });
  });

  it('takes a string response as the assistant text', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'gpt-4o' }).complete({ responseMessage: 'positive' });
    expect(record.responseMessage).toEqual({ role: 'assistant', content: 'positive' });
  });

  it('copies the messages array, so pushing the reply afterwards does not change the record', () => {
    const { ledger } = setup();
    const conversation = [...messages];
    const call = ledger.start({ model: 'gpt-4o', messages: conversation });
    conversation.push({ role: 'assistant', content: 'reply' });
    expect(call.complete().messages).toEqual(messages);
  });

  it('gives every call a UUIDv7 id that sorts in start order', () => {
    const { ledger } = setup();
    const ids = Array.from({ length: 200 }, () => ledger.start({ model: 'm' }).id);
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps an id, trace and parent given by the caller', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm', id: 'my-id', traceId: 'trace-1', parentId: 'parent-1' }).complete();
    expect(record).toMatchObject({ id: 'my-id', traceId: 'trace-1', parentId: 'parent-1' });
  });

  it('records startedAt, endedAt and latencyMs from the clock, consistently', () => {
    const clock = new ManualClock(Date.UTC(2025, 2, 1, 8, 30, 0, 250));
    const { ledger } = setup({ clock });
    const call = ledger.start({ model: 'm' });
    expect(call.startedAtMs).toBe(Date.UTC(2025, 2, 1, 8, 30, 0, 250));
    clock.advance(1234.5);
    const record = call.complete();
    expect(record.startedAt).toBe('2025-03-01T08:30:00.250Z');
    expect(record.latencyMs).toBe(1234.5);
    const span = Date.parse(record.endedAt) - Date.parse(record.startedAt);
    expect(Math.abs(span - record.latencyMs)).toBeLessThan(1);
    expect(record.ttftMs).toBeNull();
  });

  it('with the real clock, endedAt is not before startedAt and matches latencyMs', async () => {
    const { ledger } = setup();
    const call = ledger.start({ model: 'm' });
    await new Promise((resolve) => setTimeout(resolve, 15));
    const record = call.complete();
    expect(record.startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(record.endedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(record.latencyMs).toBeGreaterThanOrEqual(10);
    const span = Date.parse(record.endedAt) - Date.parse(record.startedAt);
    expect(Math.abs(span - record.latencyMs)).toBeLessThan(1);
  });

  it('keeps an explicit startedAt for imported calls (Date, ISO string and epoch ms)', () => {
    const { ledger } = setup();
    const at = Date.UTC(2024, 5, 1, 10, 0, 0);
    expect(ledger.start({ model: 'm', startedAt: new Date(at) }).complete().startedAt).toBe('2024-06-01T10:00:00.000Z');
    expect(ledger.start({ model: 'm', startedAt: '2024-06-01T10:00:00Z' }).complete().startedAt).toBe(
      '2024-06-01T10:00:00.000Z',
    );
    expect(ledger.start({ model: 'm', startedAt: at }).complete().startedAt).toBe('2024-06-01T10:00:00.000Z');
  });
});

describe('tokens', () => {
  it('accepts the canonical shape', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm' }).complete({
      tokens: { input: 1200, cacheRead: 1000, cacheWrite: 100, output: 300, reasoning: 200, inputAudio: 5 },
      tokenSource: 'tokenizer',
    });
    expect(record.tokens).toEqual({
      input: 1200,
      output: 300,
      total: 1500,
      cacheRead: 1000,
      cacheWrite: 100,
      reasoning: 200,
      inputAudio: 5,
    });
    expect(record.tokenSource).toBe('tokenizer');
  });

  it('accepts the OpenAI prompt_tokens shape with details', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'o3' }).complete({
      tokens: {
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 192, audio_tokens: 0 },
      },
    });
    expect(record.tokens).toEqual({
      input: 2006,
      output: 300,
      total: 2306,
      cacheRead: 1920,
      cacheWrite: 0,
      reasoning: 192,
      inputAudio: 0,
      outputAudio: 0,
    });
    expect(record.tokenSource).toBe('provider');
  });

  it('accepts camelCase promptTokens and null details', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm' }).complete({
      tokens: {
        promptTokens: 7,
        completionTokens: 3,
        totalTokens: 10,
        prompt_tokens_details: null,
        completion_tokens_details: null,
      },
    });
    expect(record.tokens).toMatchObject({ input: 7, output: 3, total: 10 });
  });

  it('a call that only knows its total: counted as input, marked estimated', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'gpt-3.5-turbo' }).complete({ tokens: { total_tokens: 250 } });
    expect(record.tokens).toMatchObject({ input: 250, output: 0, total: 250 });
    expect(record.tokenSource).toBe('estimate');
    expect(record.problems).toBeUndefined();
  });

  it('keeps a total larger than input + output', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm' }).complete({ tokens: { input: 10, output: 5, total: 20 } });
    expect(record.tokens).toMatchObject({ input: 10, output: 5, total: 20 });
    expect(record.tokenSource).toBe('provider');
  });

  it('uses counts given by update() when complete() has none', () => {
    const { ledger } = setup();
    const call = ledger.start({ model: 'm' });
    call.update({ tokens: { input: 9, output: 4 }, tokenSource: 'estimate' });
    const record = call.complete();
    expect(record.tokens).toMatchObject({ input: 9, output: 4, total: 13 });
    expect(record.tokenSource).toBe('estimate');
  });
});

describe('cost given by the caller', () => {
  it('takes a decimal string exactly', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm' }).complete({ cost: '0.00045' });
    expect(record.cost).toEqual({
      total: '0.00045',
      breakdown: {},
      currency: 'USD',
      pricingVersion: 'caller',
      status: 'priced',
    });
  });

  it('takes a number through its shortest representation, exponent included', () => {
    const { ledger } = setup();
    expect(ledger.start({ model: 'm' }).complete({ cost: 0.00045 }).cost?.total).toBe('0.00045');
    expect(ledger.start({ model: 'm' }).complete({ cost: 1.5e-7 }).cost?.total).toBe('0.00000015');
    expect(ledger.start({ model: 'm' }).complete({ cost: 15 * 0.00003 }).cost?.total).toBe(String(15 * 0.00003));
  });

  it('uses the ledger base currency', () => {
    const { ledger } = setup({ baseCurrency: 'EUR' });
    expect(ledger.start({ model: 'm' }).complete({ cost: '1.25' }).cost?.currency).toBe('EUR');
  });

  it('takes a full cost object as is', () => {
    const { ledger } = setup();
    const cost = {
      total: '0.003',
      breakdown: { input: '0.001', output: '0.002' },
      currency: 'USD',
      pricingVersion: 'mine-1',
      status: 'estimated' as const,
    };
    expect(ledger.start({ model: 'm' }).complete({ cost }).cost).toEqual(cost);
  });

  it('prefers the caller cost over the pricer, and uses the pricer otherwise', () => {
    const priced = {
      total: '1',
      breakdown: {},
      currency: 'USD',
      pricingVersion: 'test',
      status: 'priced' as const,
    };
    const { ledger } = setup({ pricer: { price: () => priced } });
    expect(ledger.start({ model: 'm' }).complete({ cost: '2' }).cost?.total).toBe('2');
    expect(ledger.start({ model: 'm' }).complete().cost).toEqual(priced);
  });
});

describe('logCall', () => {
  it('auto-completes when fn returns without completing, and returns its value', async () => {
    const { ledger } = setup();
    let seen: string | undefined;
    const value = await ledger.logCall({ model: 'm' }, async (call) => {
      seen = call.id;
      return 42;
    });
    expect(value).toBe(42);
    const [record] = await stored(ledger);
    expect(record).toMatchObject({ id: seen, status: 'success' });
  });

  it('accepts a synchronous fn', async () => {
    const { ledger } = setup();
    expect(await ledger.logCall({ model: 'm' }, () => 'sync')).toBe('sync');
    expect(await stored(ledger)).toHaveLength(1);
  });

  it('keeps what fn passed to complete()', async () => {
    const { ledger } = setup();
    await ledger.logCall({ model: 'm' }, async (call) => {
      call.complete({ responseMessage: 'done', tokens: { input: 1, output: 2 } });
    });
    const [record] = await stored(ledger);
    expect(record).toMatchObject({ status: 'success', responseMessage: { content: 'done' }, tokens: { total: 3 } });
  });

  it('records an error and re-throws the same error instance', async () => {
    const { ledger } = setup();
    const error = new TypeError('upstream exploded');
    const outcome = ledger.logCall({ model: 'm' }, async () => {
      throw error;
    });
    await expect(outcome).rejects.toBe(error);
    const records = await stored(ledger);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      status: 'error',
      errorType: 'TypeError',
      errorMessage: 'upstream exploded',
      tokenSource: null,
      cost: null,
    });
  });

  it('re-throws a synchronous throw and non-Error values unchanged', async () => {
    const { ledger } = setup();
    const thrown = { weird: true };
    await expect(
      ledger.logCall({ model: 'm' }, () => {
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    await expect(ledger.logCall({ model: 'm' }, () => Promise.reject('plain string'))).rejects.toBe('plain string');
    const records = await stored(ledger);
    expect(records.map((record) => record.status)).toEqual(['error', 'error']);
    expect(records[1]).toMatchObject({ errorType: 'string', errorMessage: 'plain string' });
  });

  it('does not fail a call that fn completed before throwing', async () => {
    const { ledger } = setup();
    await expect(
      ledger.logCall({ model: 'm' }, async (call) => {
        call.complete({ responseMessage: 'ok' });
        throw new Error('after the call');
      }),
    ).rejects.toThrow('after the call');
    const records = await stored(ledger);
    expect(records).toHaveLength(1);
    expect(records[0]?.status).toBe('success');
  });

  it('records the failure fn reported itself, once', async () => {
    const { ledger } = setup();
    const error = new Error('rate limited');
    await expect(
      ledger.logCall({ model: 'm' }, async (call) => {
        call.fail(error, { httpStatus: 429 });
        throw error;
      }),
    ).rejects.toBe(error);
    const records = await stored(ledger);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'error', httpStatus: 429 });
  });

  it('runs fn exactly once', async () => {
    const { ledger } = setup();
    let runs = 0;
    await ledger.logCall({ model: 'm' }, async () => {
      runs += 1;
    });
    await ledger
      .logCall({ model: 'm' }, async () => {
        runs += 1;
        throw new Error('x');
      })
      .catch(() => undefined);
    expect(runs).toBe(2);
  });
});

describe('AbortSignal', () => {
  it('records cancelled when the signal fires during logCall, even if fn never settles', async () => {
    const { ledger } = setup();
    const controller = new AbortController();
    const started = deferred<string>();
    const never = new Promise<never>(() => {});
    void ledger.logCall({ model: 'm', signal: controller.signal }, async (call) => {
      started.resolve(call.id);
      return never;
    });
    const id = await started.promise;
    controller.abort();
    const record = await ledger.calls.get(id);
    expect(record).toMatchObject({ status: 'cancelled', errorType: 'AbortError' });
  });

  it('ignores complete() and fail() after the signal cancelled the call', async () => {
    const { ledger } = setup();
    const controller = new AbortController();
    const result = await ledger.logCall({ model: 'm', signal: controller.signal }, async (call) => {
      controller.abort(new Error('user pressed stop'));
      const afterComplete = call.complete({ responseMessage: 'late' });
      const afterFail = call.fail(new Error('later'));
      expect(afterComplete.status).toBe('cancelled');
      expect(afterFail).toBe(afterComplete);
      return 'fn still returns';
    });
    expect(result).toBe('fn still returns');
    const records = await stored(ledger);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'cancelled', errorMessage: 'user pressed stop', responseMessage: null });
  });

  it('records one cancelled record when fn rejects with the abort error', async () => {
    const { ledger } = setup();
    const controller = new AbortController();
    const outcome = ledger.logCall({ model: 'm', signal: controller.signal }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      throw controller.signal.reason;
    });
    await expect(outcome).rejects.toMatchObject({ name: 'AbortError' });
    const records = await stored(ledger);
    expect(records).toHaveLength(1);
    expect(records[0]?.status).toBe('cancelled');
  });

  it('cancels a call whose signal was already aborted at start, before anything else can finalize it', async () => {
    const { ledger } = setup();
    const signal = AbortSignal.abort();
    const call = ledger.start({ model: 'm', signal });
    expect(call.finalized).toBe(true);
    expect(call.record?.status).toBe('cancelled');
    expect(call.complete({ responseMessage: 'too late' }).status).toBe('cancelled');
    let ran = 0;
    const value = await ledger.logCall({ model: 'm', signal }, async (inner) => {
      ran += 1;
      inner.complete();
      return 'value';
    });
    expect(value).toBe('value');
    expect(ran).toBe(1);
    const records = await stored(ledger);
    expect(records.map((record) => record.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('records a TimeoutError from AbortSignal.timeout as cancelled', async () => {
    const { ledger } = setup();
    const call = ledger.start({ model: 'm', signal: AbortSignal.timeout(1) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(call.record).toMatchObject({ status: 'cancelled', errorType: 'TimeoutError' });
  });

  it('stops listening once the call is finalized', async () => {
    const { ledger } = setup();
    const controller = new AbortController();
    const call = ledger.start({ model: 'm', signal: controller.signal });
    call.complete();
    controller.abort();
    await nextTurn();
    expect(call.record?.status).toBe('success');
    expect(await stored(ledger)).toHaveLength(1);
  });

  it('cancel() records cancelled with an AbortError by default', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm' }).cancel();
    expect(record).toMatchObject({ status: 'cancelled', errorType: 'AbortError' });
    expect(record.errorMessage).toContain('cancelled');
  });
});

describe('double finalize', () => {
  it.each([
    ['complete', 'complete'],
    ['complete', 'fail'],
    ['fail', 'complete'],
    ['fail', 'fail'],
    ['cancel', 'complete'],
    ['complete', 'cancel'],
  ] as const)('%s then %s throws CallAlreadyFinalizedError and keeps exactly one record', async (first, second) => {
    const { ledger } = setup();
    const call = ledger.start({ model: 'm' });
    const finalize = (how: 'complete' | 'fail' | 'cancel') =>
      how === 'complete' ? call.complete() : how === 'fail' ? call.fail(new Error('x')) : call.cancel();
    const record = finalize(first);
    let caught: unknown;
    try {
      finalize(second);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CallAlreadyFinalizedError);
    expect(isLedgerError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'CALL_ALREADY_FINALIZED', callId: call.id });
    expect(call.record).toBe(record);
    const records = await stored(ledger);
    expect(records).toHaveLength(1);
    expect(records[0]?.status).toBe(record.status);
  });

  it('throws even when failOpen is off, with the same single record', async () => {
    const { ledger } = setup({ failOpen: false });
    const call = ledger.start({ model: 'm' });
    call.complete();
    expect(() => call.complete()).toThrow(CallAlreadyFinalizedError);
    expect(await stored(ledger)).toHaveLength(1);
  });

  it('ignores update() after the call is finalized', () => {
    const { ledger } = setup();
    const call = ledger.start({ model: 'm' });
    const record = call.complete({ responseMessage: 'final' });
    call.update({ appendText: 'more', tokens: { input: 5 } });
    expect(call.record).toBe(record);
    expect(record.responseMessage?.content).toBe('final');
  });
});

describe('fail()', () => {
  it('reads status 429 and retry-after-ms from a Headers object', () => {
    const { ledger } = setup();
    const error = Object.assign(new Error('Too many requests'), {
      status: 429,
      headers: new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }),
    });
    const record = ledger.start({ model: 'm' }).fail(error);
    expect(record).toMatchObject({
      status: 'error',
      httpStatus: 429,
      retryAfterMs: 1500,
      errorMessage: 'Too many requests',
    });
  });

  it('reads retry-after in seconds from a plain object, in any letter case', () => {
    const { ledger } = setup();
    const lower = { status: 429, message: 'slow down', headers: { 'retry-after': '2' } };
    expect(ledger.start({ model: 'm' }).fail(lower).retryAfterMs).toBe(2000);
    const upper = { status: 429, message: 'slow down', headers: { 'Retry-After': '3' } };
    expect(ledger.start({ model: 'm' }).fail(upper).retryAfterMs).toBe(3000);
    const nested = { response: { status: 503, headers: { 'retry-after-ms': '250' } } };
    expect(ledger.start({ model: 'm' }).fail(nested)).toMatchObject({ httpStatus: 503, retryAfterMs: 250 });
  });

  it('reads retry-after as an HTTP date against the ledger clock', () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1, 0, 0, 0));
    const { ledger } = setup({ clock });
    const error = { status: 429, headers: { 'retry-after': new Date(Date.UTC(2025, 0, 1, 0, 0, 30)).toUTCString() } };
    expect(ledger.start({ model: 'm' }).fail(error).retryAfterMs).toBe(30_000);
  });

  it('records an OpenAI RateLimitError with its class name, status and headers', () => {
    const { ledger } = setup();
    const error = new RateLimitError(
      429,
      { message: 'Rate limit reached' },
      'Rate limit reached',
      new Headers({ 'retry-after': '1' }),
    );
    const record = ledger.start({ model: 'gpt-4o' }).fail(error);
    expect(record).toMatchObject({
      status: 'error',
      errorType: 'RateLimitError',
      httpStatus: 429,
      retryAfterMs: 1000,
    });
  });

  it.each([
    ['a DOMException AbortError', () => new DOMException('aborted', 'AbortError')],
    ['an error named AbortError', () => Object.assign(new Error('aborted'), { name: 'AbortError' })],
    ['an error named APIUserAbortError', () => Object.assign(new Error('aborted'), { name: 'APIUserAbortError' })],
    ["openai's APIUserAbortError", () => new APIUserAbortError()],
  ])('records %s as cancelled', (_label, make) => {
    const { ledger } = setup();
    expect(ledger.start({ model: 'm' }).fail(make()).status).toBe('cancelled');
  });

  it('takes details that override what the error says', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm' }).fail(new Error('raw'), {
      errorType: 'provider_overloaded',
      errorMessage: 'Overloaded',
      httpStatus: 529,
      retryAfterMs: 10,
      tokens: { input: 10 },
      metadata: { attempt: 2 },
    });
    expect(record).toMatchObject({
      errorType: 'provider_overloaded',
      errorMessage: 'Overloaded',
      httpStatus: 529,
      retryAfterMs: 10,
      tokens: { input: 10, total: 10 },
      tokenSource: 'provider',
      metadata: { attempt: 2 },
    });
  });

  it('ignores a status that is not an HTTP status code', () => {
    const { ledger } = setup();
    expect(ledger.start({ model: 'm' }).fail({ status: 'bad' }).httpStatus).toBeNull();
    expect(ledger.start({ model: 'm' }).fail({ status: 99 }).httpStatus).toBeNull();
    expect(ledger.start({ model: 'm' }).fail({ statusCode: 502 }).httpStatus).toBe(502);
  });

  it('survives an error whose properties throw when read', () => {
    const { ledger } = setup();
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('no reading me');
        },
      },
    );
    const record = ledger.start({ model: 'm' }).fail(hostile);
    expect(record.status).toBe('error');
    expect(typeof record.errorMessage).toBe('string');
  });

  it('caps a huge error message', () => {
    const { ledger } = setup({ maxFieldChars: 100 });
    const record = ledger.start({ model: 'm' }).fail(new Error('x'.repeat(1000)));
    expect(record.errorMessage?.startsWith('x'.repeat(100))).toBe(true);
    expect(record.errorMessage).toContain('truncated 900 of 1000 chars');
  });
});

describe('streaming', () => {
  it('update({ appendText }) sets ttftMs and builds the response text', () => {
    const clock = new ManualClock();
    const { ledger } = setup({ clock });
    const call = ledger.start({ model: 'm', requestMode: 'streaming' });
    clock.advance(50);
    call.update({ appendText: '' });
    clock.advance(70);
    call.update({ appendText: 'Hello' });
    clock.advance(30);
    call.update({ appendText: ', world' });
    call.update({ finishReason: 'stop', responseModel: 'm-2025', tokens: { input: 5, output: 3 } });
    clock.advance(100);
    const record = call.complete();
    expect(record).toMatchObject({
      status: 'success',
      requestMode: 'streaming',
      streamed: true,
      partial: false,
      ttftMs: 120,
      latencyMs: 250,
      responseMessage: { role: 'assistant', content: 'Hello, world' },
      finishReason: 'stop',
      responseModel: 'm-2025',
      tokens: { input: 5, output: 3, total: 8 },
    });
  });

  it('firstToken marks the first token without text', () => {
    const clock = new ManualClock();
    const { ledger } = setup({ clock });
    const call = ledger.start({ model: 'm', requestMode: 'streaming' });
    clock.advance(40);
    call.update({ firstToken: true });
    clock.advance(40);
    call.update({ appendText: 'x' });
    expect(call.complete().ttftMs).toBe(40);
  });

  it('marks a call streamed when text was streamed, whatever the declared mode', () => {
    const { ledger } = setup();
    const call = ledger.start({ model: 'm' });
    call.update({ appendText: 'a' });
    expect(call.complete().streamed).toBe(true);
  });

  it('complete({ status: "partial" }) records a partial stream', () => {
    const { ledger } = setup();
    const call = ledger.start({ model: 'm', requestMode: 'streaming' });
    call.update({ appendText: 'Half an ans' });
    const record = call.complete({ status: 'partial' });
    expect(record).toMatchObject({ status: 'partial', partial: true, responseMessage: { content: 'Half an ans' } });
  });

  it('an explicit response message wins over the streamed text', () => {
    const { ledger } = setup();
    const call = ledger.start({ model: 'm', requestMode: 'streaming' });
    call.update({ appendText: 'draft' });
    expect(call.complete({ responseMessage: 'final' }).responseMessage?.content).toBe('final');
    const other = ledger.start({ model: 'm', requestMode: 'streaming' });
    other.update({ appendText: 'draft', responseMessage: { role: 'assistant', content: 'from progress' } });
    expect(other.complete().responseMessage?.content).toBe('from progress');
  });

  it('a stream that fails midway keeps the partial text and tokens', () => {
    const { ledger } = setup();
    const call = ledger.start({ model: 'm', requestMode: 'streaming' });
    call.update({ appendText: 'partial ', tokens: { input: 10, output: 2 } });
    const record = call.fail(new Error('socket hang up'));
    expect(record).toMatchObject({
      status: 'error',
      partial: true,
      streamed: true,
      responseMessage: { content: 'partial ' },
      tokens: { input: 10, output: 2, total: 12 },
    });
    expect(record.ttftMs).not.toBeNull();
  });

  it('update() with a field left undefined keeps what an earlier update said', () => {
    const { ledger } = setup();
    const call = ledger.start({ model: 'm', requestMode: 'streaming' });
    call.update({ responseModel: 'm-1', tokens: { input: 4 }, tokenSource: 'estimate' });
    call.update({ responseModel: undefined, finishReason: 'length', tokens: undefined });
    expect(call.complete()).toMatchObject({
      responseModel: 'm-1',
      finishReason: 'length',
      tokens: { input: 4 },
      tokenSource: 'estimate',
    });
  });

  it('a caller-measured ttftMs wins', () => {
    const { ledger } = setup();
    const call = ledger.start({ model: 'm', requestMode: 'streaming' });
    call.update({ appendText: 'x' });
    expect(call.complete({ ttftMs: 333 }).ttftMs).toBe(333);
  });
});

describe('typed helpers', () => {
  it('logSentimentAnalysis builds seed 001 log_sentiment_analysis', () => {
    const { ledger } = setup();
    const call = ledger.logSentimentAnalysis({
      text: 'Great support team!',
      model: 'gpt-3.5-turbo',
      provider: 'openrouter',
      reviewId: 'r-1',
      taskId: 'celery-9',
      metadata: { source: 'import' },
    });
    const record = call.complete({ responseMessage: 'positive', tokens: { total_tokens: 30 }, cost: '0.00003' });
    expect(record).toMatchObject({
      callType: 'SENTIMENT_ANALYSIS',
      model: 'gpt-3.5-turbo',
      provider: 'openrouter',
      systemPrompt: 'Analyze sentiment. Respond with: positive, negative, or neutral.',
      messages: [{ role: 'user', content: 'Great support team!' }],
      metadata: { source: 'import', reviewId: 'r-1', taskId: 'celery-9' },
      responseMessage: { role: 'assistant', content: 'positive' },
    });
    expect(record.cost?.total).toBe('0.00003');
  });

  it('logSentimentAnalysis leaves out ids not given', () => {
    const { ledger } = setup();
    const record = ledger.logSentimentAnalysis({ text: 't', model: 'm' }).complete();
    expect(record.metadata).toEqual({});
  });

  it('logSummarization, logExtraction: call type, default or given instruction', () => {
    const { ledger } = setup();
    expect(ledger.logSummarization({ text: 'doc', model: 'm' }).complete()).toMatchObject({
      callType: 'SUMMARIZATION',
      systemPrompt: 'Summarize the following text.',
      messages: [{ role: 'user', content: 'doc' }],
    });
    expect(ledger.logExtraction({ text: 'doc', model: 'm', instruction: 'Extract people.' }).complete()).toMatchObject({
      callType: 'EXTRACTION',
      systemPrompt: 'Extract people.',
    });
  });

  it('logClassification names the labels in the prompt and metadata', () => {
    const { ledger } = setup();
    const record = ledger
      .logClassification({ text: 'My order is late', model: 'm', labels: ['billing', 'shipping'] })
      .complete({ responseMessage: 'shipping' });
    expect(record).toMatchObject({
      callType: 'CLASSIFICATION',
      systemPrompt: 'Classify the text into one of: billing, shipping.',
      metadata: { labels: ['billing', 'shipping'] },
    });
    expect(ledger.logClassification({ text: 't', model: 'm' }).complete().systemPrompt).toBe(
      'Classify the following text.',
    );
  });

  it('logEmbedding records each input as a message', () => {
    const { ledger } = setup();
    expect(
      ledger.logEmbedding({ input: ['a', 'b'], model: 'text-embedding-3-small' }).complete({ tokens: { input: 2 } }),
    ).toMatchObject({
      callType: 'EMBEDDING',
      systemPrompt: null,
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ],
    });
    expect(ledger.logEmbedding({ input: 'one', model: 'e' }).complete().messages).toEqual([
      { role: 'user', content: 'one' },
    ]);
  });

  it('helpers inherit attribution from the context like start()', async () => {
    const { ledger } = setup();
    await ledger.context({ userId: 'u-9', traceId: 't-9' }, async () => {
      const record = ledger.logSummarization({ text: 'x', model: 'm' }).complete();
      expect(record).toMatchObject({ userId: 'u-9', traceId: 't-9' });
    });
  });
});

describe('close', () => {
  it('writes pending records, closes the store, and is idempotent', async () => {
    const { ledger, store } = setup();
    ledger.start({ model: 'm' }).complete();
    await ledger.close();
    await ledger.close();
    await expect(store.list({})).rejects.toThrow(/closed/);
    current = undefined;
  });

  it('after close, start() still builds the record and reports that the ledger is closed (fail-open)', async () => {
    const { ledger, logger } = setup();
    await ledger.close();
    const call = ledger.start({ model: 'm' });
    expect(call.complete().id).not.toBe('00000000-0000-0000-0000-000000000000');
    expect(logger.problems('The ledger is closed')).toHaveLength(1);
    // No dead-letter file on this ledger: the loss is said, not silent.
    expect(logger.problems('finalized after close() was not written')).toHaveLength(1);
    expect(await ledger.logCall({ model: 'm' }, async () => 'still runs')).toBe('still runs');
    current = undefined;
  });

  it('a call still running at close() is reported when it ends, not retried against the closed store', async () => {
    const store = new FlakyStore();
    const { ledger, logger } = setup({ store });
    const call = ledger.start({ model: 'm' });
    await ledger.close();
    call.complete();
    await sleep(150);
    expect(logger.problems('finalized after close() was not written')).toHaveLength(1);
    expect(store.attempts).toEqual([]);
    expect(ledger.stats().pending).toBe(0);
    current = undefined;
  });

  it('after close, start() throws LedgerClosedError when fail-closed', async () => {
    const { ledger } = setup({ failOpen: false });
    await ledger.close();
    expect(() => ledger.start({ model: 'm' })).toThrow(expect.objectContaining({ code: 'LEDGER_CLOSED' }));
    current = undefined;
  });
});
