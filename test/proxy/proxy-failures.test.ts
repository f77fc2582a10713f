import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/core/ledger.js';
import type { CreatedLedger } from '../../src/create-ledger.js';
import { MemoryCacheBackend, ResponseCache, type CacheBackend } from '../../src/cache/index.js';
import type { ProxyServer } from '../../src/proxy/index.js';
import { chatCompletion, chatStream, openaiRateLimit } from '../support/wire-server/index.js';
import { eventually, onlyRecord, records, testLedger } from '../capture/capture-harness.js';
import { proxiedClients, rawPost, rawRequest, startRawUpstream, useProxyTestBed } from '../support/proxy.js';

let ledger: Ledger;
let proxy: ProxyServer;
const bed = useProxyTestBed();

const chatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

describe('limits before forwarding', () => {
  it('refuses over the rate limit with 429 in each provider shape and retry-after, the upstream never contacted', async () => {
    ledger = testLedger({ meter: 'memory' });
    (ledger as CreatedLedger).limits!.setRate({ subject: 'user:*', requestsPerMinute: 1 });
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatCompletion());
    const headers = { 'x-ledger-user': 'u-limited' };
    expect((await rawPost(`${proxy.url}/openai/v1/chat/completions`, chatRequest, headers)).status).toBe(200);

    const refused = await rawPost(`${proxy.url}/openai/v1/chat/completions`, chatRequest, headers);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.parse(refused.bytes.toString())).toMatchObject({
      error: { type: 'requests', code: 'rate_limit_exceeded', message: expect.stringContaining('user:u-limited') },
    });
    const anthropicRefused = await rawPost(
      `${proxy.url}/anthropic/v1/messages`,
      { model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] },
      headers,
    );
    expect(anthropicRefused.status).toBe(429);
    expect(JSON.parse(anthropicRefused.bytes.toString())).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error' },
    });
    const geminiRefused = await rawPost(
      `${proxy.url}/gemini/v1beta/models/gemini-2.5-flash:generateContent`,
      { contents: [{ parts: [{ text: 'Hi' }] }] },
      headers,
    );
    expect(geminiRefused.status).toBe(429);
    expect(JSON.parse(geminiRefused.bytes.toString())).toMatchObject({
      error: { code: 429, status: 'RESOURCE_EXHAUSTED' },
    });
    expect(bed.server.requests).toHaveLength(1);

    // The SDKs raise their own rate-limit errors for it.
    const { openai, anthropic } = proxiedClients(proxy, headers);
    await expect(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [] })).rejects.toBeInstanceOf(
      OpenAI.RateLimitError,
    );
    await expect(
      anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: [] }),
    ).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    await ledger.flush();
    const { records } = await ledger.calls.list();
    expect(records).toHaveLength(1);
  });

  it('refuses over a budget with 429 until the window resets', async () => {
    ledger = testLedger({ meter: 'memory' });
    (ledger as CreatedLedger).limits!.set({ subject: 'user:*', period: 'day', maxTokens: 20, mode: 'hard' });
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatCompletion());
    const refused = await rawPost(
      `${proxy.url}/openai/v1/chat/completions`,
      { ...chatRequest, max_tokens: 5000 },
      { 'x-ledger-user': 'u-b' },
    );
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.bytes.toString()).error.code).toBe('insufficient_quota');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(bed.server.requests).toHaveLength(0);
  });
});

describe('upstream failures reach the client unchanged and are recorded', () => {
  it('passes a provider 429 through with its body and headers, recorded as rate_limit', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', openaiRateLimit(7));
    const direct = await rawPost(`${bed.server.openaiBaseURL}/chat/completions`, chatRequest);
    const proxied = await rawPost(`${proxy.url}/openai/v1/chat/completions`, chatRequest);
    expect(proxied.status).toBe(429);
    expect(proxied.headers.get('retry-after')).toBe('7');
    expect(proxied.bytes.equals(direct.bytes)).toBe(true);
    expect(await onlyRecord(ledger)).toMatchObject({
      status: 'error',
      errorType: 'rate_limit',
      httpStatus: 429,
      retryAfterMs: 7000,
    });
  });

  it('answers 502 in the provider shape when the upstream is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    ledger = testLedger();
    proxy = await bed.start(ledger, { upstreams: { openai: `http://127.0.0.1:${port}/v1` } });
    const result = await rawPost(`${proxy.url}/openai/v1/chat/completions`, chatRequest);
    expect(result.status).toBe(502);
    expect(JSON.parse(result.bytes.toString())).toMatchObject({ error: { type: 'server_error' } });
    expect(await onlyRecord(ledger)).toMatchObject({ status: 'error', errorType: 'network' });
  });

  it('answers 504 when the upstream does not answer in time, and a dropped connection is 502', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger, { upstreamTimeoutMs: 150 });
    bed.server.script('openai.chat', { kind: 'hang' }, { kind: 'drop' });
    const timedOut = await rawPost(`${proxy.url}/openai/v1/chat/completions`, chatRequest);
    expect(timedOut.status).toBe(504);
    const dropped = await rawPost(`${proxy.url}/openai/v1/chat/completions`, chatRequest);
    expect(dropped.status).toBe(502);
    await ledger.flush();
    const { records } = await ledger.calls.list({ order: 'asc' });
    expect(records.map((record) => [record.status, record.errorType])).toEqual([
      ['error', 'timeout'],
      ['error', 'network'],
    ]);
  });

  it('records a stream that breaks mid-way as failed with what arrived', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatStream({ content: ['a', 'b', 'c'], dropAfter: 3 }));
    const { openai } = proxiedClients(proxy);
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true });
    await expect(
      (async () => {
        for await (const chunk of stream) void chunk;
      })(),
    ).rejects.toThrow();
    await eventually(async () => (await ledger.calls.list()).records.length === 1);
    const record = await onlyRecord(ledger);
    expect(record.status).toBe('error');
    expect(record.responseMessage).toMatchObject({ content: 'ab' });
  });
});

/** A chat request through the proxy that the test can abort. */
function postChat(through: ProxyServer, signal: AbortSignal): Promise<Response> {
  return fetch(`${through.url}/openai/v1/chat/completions`, {
    method: 'POST',
    body: JSON.stringify(chatRequest),
    headers: { 'content-type': 'application/json' },
    signal,
  });
}

describe('client disconnects', () => {
  it('cancels the upstream request and records the call cancelled, pricing what arrived', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatStream({ content: ['one ', 'two ', 'three ', 'four'], intervalMs: 100 }));
    const { openai } = proxiedClients(proxy);
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true });
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (text.includes('one')) break;
    }
    await eventually(async () => (await ledger.calls.list()).records.length === 1);
    const record = await onlyRecord(ledger);
    expect(record.status).toBe('cancelled');
    expect(record.responseMessage).toMatchObject({ content: 'one ' });
    expect(record.tokens.output).toBeGreaterThan(0);
    expect(Number(record.cost!.total)).toBeGreaterThan(0);
  });

  it('sends nothing upstream for a client that left while its request was looked up, and records it cancelled', async () => {
    // A cache backend as slow as a distant Redis: the client gives up during the lookup.
    const memory = new MemoryCacheBackend();
    let lookups = 0;
    const slow: CacheBackend = {
      name: 'slow-memory',
      get: async (key) => {
        lookups++;
        await new Promise((resolve) => setTimeout(resolve, 300));
        return memory.get(key);
      },
      set: (key, value, ttlMs) => memory.set(key, value, ttlMs),
      delete: (key) => memory.delete(key),
      clear: () => memory.clear(),
    };
    ledger = testLedger();
    proxy = await bed.start(ledger, { cache: new ResponseCache(slow), cacheUpstreams: ['openai'] });
    bed.server.setDefault('openai.chat', chatCompletion());
    const controller = new AbortController();
    const pending = postChat(proxy, controller.signal);
    await eventually(() => lookups === 1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await eventually(async () => (await ledger.calls.list()).records.length === 1);
    expect(await onlyRecord(ledger)).toMatchObject({ status: 'cancelled', errorType: 'aborted' });
    expect(bed.server.requests).toHaveLength(0);
  });

  it('cancels a non-streamed request whose client aborts', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', { ...chatCompletion(), delayMs: 2_000 } as never);
    const controller = new AbortController();
    const pending = postChat(proxy, controller.signal);
    await eventually(() => bed.server.requests.length === 1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await eventually(async () => (await ledger.calls.list()).records.length === 1);
    expect(await onlyRecord(ledger)).toMatchObject({ status: 'cancelled', errorType: 'aborted' });
  });
});

describe('bad requests', () => {
  it('answers malformed JSON with a 400 that names the problem, and too large a body with 413', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger, { maxRequestBytes: 1024 });
    const malformed = await rawPost(`${proxy.url}/openai/v1/chat/completions`, '{"model": "gpt-4o-mini", messages');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.bytes.toString()).error.message).toMatch(/malformed JSON in the request body/);
    const large = await rawPost(`${proxy.url}/anthropic/v1/messages`, { model: 'x', pad: 'x'.repeat(5000) });
    expect(large.status).toBe(413);
    expect(JSON.parse(large.bytes.toString())).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    const unknown = await rawPost(`${proxy.url}/nowhere/v1/chat`, {});
    expect(unknown.status).toBe(404);
    expect(bed.server.requests).toHaveLength(0);
  });

  it('refuses a compressed request body with a 400 that says to send it uncompressed; identity is plain', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatCompletion());
    const url = `${proxy.url}/openai/v1/chat/completions`;
    const body = JSON.stringify(chatRequest);
    const compressed = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: 'Bearer sk-test' },
      body: gzipSync(body),
    });
    expect(compressed.status).toBe(400);
    expect(((await compressed.json()) as { error: { message: string } }).error.message).toMatch(
      /content-encoding: gzip.*send the body uncompressed/,
    );
    expect(bed.server.requests).toHaveLength(0);
    const plain = await rawPost(url, body, { 'content-encoding': 'Identity' });
    expect(plain.status).toBe(200);
    await ledger.flush();
    expect((await ledger.calls.list({})).records).toHaveLength(1);
  });

  it.each([
    ['/openai/v1/chat/./completions', 'has a dot segment'],
    ['/openai/v1/chat/x/../completions', 'has a dot segment'],
    ['/openai/v1//chat/completions', 'has an empty segment'],
    ['/openai/v1/chat/completions/', 'has an empty segment'],
    ['/openai/v1/chat/%63ompletions', 'holds a percent-escape'],
    ['/gemini/v1beta/models/gemini-2.5-flash%3AgenerateContent', 'holds a percent-escape'],
    ['/openai/v1/chat/completions;v=1', 'holds a semicolon'],
    ['/openai/v1/chat\\completions', 'holds a backslash'],
  ])(
    'refuses %s, which an upstream may read as an API path, before it is forwarded unrecorded',
    async (path, problem) => {
      ledger = testLedger();
      proxy = await bed.start(ledger);
      bed.server.setDefault('openai.chat', chatCompletion());
      const refused = await rawRequest(
        `${proxy.url}${path}`,
        [['authorization', 'Bearer sk-x']],
        JSON.stringify(chatRequest),
      );
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text).error.message).toMatch(new RegExp(`^the path \\S+ ${problem}`));
      expect(bed.server.requests).toHaveLength(0);
      expect(await records(ledger)).toHaveLength(0);
    },
  );

  it('refuses a request that names another method than its own, which an upstream may run unrecorded', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatCompletion());
    for (const name of ['X-HTTP-Method-Override', 'x-http-method', 'x-method-override']) {
      const refused = await rawRequest(
        `${proxy.url}/openai/v1/chat/completions`,
        [
          ['authorization', 'Bearer sk-x'],
          [name, 'POST'],
        ],
        JSON.stringify(chatRequest),
      );
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text).error.message).toBe(
        `${name.toLowerCase()} is not forwarded: send the request with the method it means`,
      );
    }
    expect(bed.server.requests).toHaveLength(0);
    expect(await records(ledger)).toHaveLength(0);
  });

  it('answers a request a fail-closed ledger will not record with a 400 naming the field, not a 500', async () => {
    ledger = testLedger({ failOpen: false });
    proxy = await bed.start(ledger);
    const refused = await rawPost(`${proxy.url}/openai/v1/chat/completions`, { ...chatRequest, model: '' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-ledger-proxy-error')).toBe('invalid_request');
    expect(JSON.parse(refused.bytes.toString()).error.message).toMatch(/^Invalid model: a non-empty model name/);
    expect(bed.server.requests).toHaveLength(0);
    expect(await records(ledger)).toHaveLength(0);
  });

  it('serves /healthz and /metrics', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatCompletion());
    await rawPost(`${proxy.url}/openai/v1/chat/completions`, chatRequest);
    const health = await fetch(`${proxy.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', recording: true });
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(metrics).toContain('llm_ledger_proxy_requests_total 1');
    expect(metrics).toContain('# TYPE llm_ledger_proxy_in_flight gauge');
  });
});

/** An upstream that answers each request with the next of `answers`, written as raw bytes. */
async function rawUpstream(answers: string[]): Promise<{ url: string; close: () => Promise<void> }> {
  const upstream = await startRawUpstream((socket) => {
    socket.write(Buffer.from(answers.shift() ?? 'HTTP/1.1 500 Gone\r\nContent-Length: 0\r\n\r\n', 'latin1'));
  });
  return { url: `${upstream.url}/v1`, close: upstream.close };
}

const GOOD_ANSWER = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';

describe('answers no HTTP server may pass on', () => {
  it.each([
    ['a control character in a header', 'HTTP/1.1 200 OK\r\nX-Upstream: a\u0001b\r\nContent-Length: 2\r\n\r\n{}'],
    [
      'a lone CR that would split the head',
      'HTTP/1.1 200 OK\r\nX-Upstream: a\rSet-Cookie: stolen=1\r\nContent-Length: 2\r\n\r\n{}',
    ],
    ['a status code below 100', 'HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\n{}'],
  ])(
    'refuses %s: a 502 in the provider shape, the call recorded failed, the proxy still serving',
    async (_name, bad) => {
      const upstream = await rawUpstream([bad, GOOD_ANSWER]);
      try {
        ledger = testLedger();
        proxy = await bed.start(ledger, { upstreams: { openai: upstream.url } });
        const refused = await rawPost(`${proxy.url}/openai/v1/chat/completions`, chatRequest);
        expect(refused.status).toBe(502);
        expect(refused.headers.get('set-cookie')).toBeNull();
        expect(refused.headers.get('x-upstream')).toBeNull();
        expect(JSON.parse(refused.bytes.toString())).toMatchObject({
          error: { type: 'server_error', code: 'upstream_invalid_response', message: expect.stringMatching(/openai/) },
        });
        expect(await onlyRecord(ledger)).toMatchObject({ status: 'error', httpStatus: null });
        const served = await rawPost(`${proxy.url}/openai/v1/chat/completions`, chatRequest);
        expect(served.status).toBe(200);
      } finally {
        await upstream.close();
      }
    },
  );
});
