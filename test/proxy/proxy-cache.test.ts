import { describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/core/ledger.js';
import type { ProxyServer } from '../../src/proxy/index.js';
import {
  chatCompletion,
  chatStream,
  generateBody,
  generateStream,
  message,
  openaiRateLimit,
  openaiUsage,
} from '../support/wire-server/index.js';
import { testLedger } from '../capture/capture-harness.js';
import { proxiedClients, rawPost, startRawUpstream, useProxyTestBed } from '../support/proxy.js';

let ledger: Ledger;
let proxy: ProxyServer;
const bed = useProxyTestBed();

const chatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Cache me' }] };
const url = () => `${proxy.url}/openai/v1/chat/completions`;

describe('the response cache through the proxy', () => {
  it('a hit is answered under a spent budget and rate limit and counted by neither; a miss is refused', async () => {
    const created = testLedger({ cache: true, meter: 'memory' }) as Ledger & {
      limits: { set(limit: object): void; setRate(limit: object): void };
      meter: { get(subject: string, period: string): Promise<unknown> };
    };
    ledger = created;
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatCompletion({ content: 'cached answer' }));
    const headers = { 'x-ledger-cache': 'on', 'x-ledger-user': 'u-1' };
    const request = { ...chatRequest, max_tokens: 5 };
    expect((await rawPost(url(), request, headers)).status).toBe(200);
    await ledger.flush();
    created.limits.set({ subject: 'user:*', period: 'day', maxTokens: 1, mode: 'hard' });
    created.limits.setRate({ subject: 'user:*', requestsPerMinute: 1 });
    const hit = await rawPost(url(), request, headers);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-ledger-cache')).toBe('hit');
    const miss = await rawPost(url(), { ...request, messages: [{ role: 'user', content: 'new' }] }, headers);
    expect(miss.status).toBe(429);
    expect(bed.server.requests).toHaveLength(1);
    await ledger.flush();
    expect(await created.meter.get('user:u-1', 'day')).toMatchObject({ requests: 1, reserved: { requests: 0 } });
  });

  it('answers a repeated request with x-ledger-cache: on from the cache, byte for byte, recorded as a hit', async () => {
    ledger = testLedger({ cache: true });
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatCompletion({ content: 'cached answer' }));
    const first = await rawPost(url(), chatRequest, { 'x-ledger-cache': 'on', 'x-ledger-user': 'a' });
    expect(first.headers.get('x-ledger-cache')).toBe('miss');
    await ledger.flush();
    // Another user asking the same thing shares the entry: attribution is not part of the key.
    const second = await rawPost(url(), chatRequest, { 'x-ledger-cache': 'on', 'x-ledger-user': 'b' });
    expect(second.headers.get('x-ledger-cache')).toBe('hit');
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(bed.server.requests).toHaveLength(1);
    // Without the header, the upstream is asked.
    const third = await rawPost(url(), chatRequest);
    expect(third.headers.get('x-ledger-cache')).toBeNull();
    expect(bed.server.requests).toHaveLength(2);

    await ledger.flush();
    const { records } = await ledger.calls.list({ order: 'asc' });
    expect(records).toHaveLength(3);
    expect(records[0]!.cacheHit).not.toBe(true);
    expect(records[0]!.userId).toBe('a');
    expect(records[1]).toMatchObject({
      cacheHit: true,
      userId: 'b',
      status: 'success',
      costSaved: records[0]!.cost!.total,
      responseMessage: { content: 'cached answer' },
    });
    expect(records[1]!.cost!.total).toBe('0');
  });

  it('replays a stream for the SDK as it was received, and never stores errors', async () => {
    ledger = testLedger({ cache: true });
    proxy = await bed.start(ledger, { cacheUpstreams: ['openai'] });
    bed.server.script('openai.chat', openaiRateLimit(1), chatStream({ content: ['str', 'eam'] }));
    const refused = await rawPost(url(), { ...chatRequest, stream: true });
    expect(refused.status).toBe(429);
    const { openai } = proxiedClients(proxy);
    const read = async () => {
      let text = '';
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Cache me' }],
        stream: true,
      });
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    };
    expect(await read()).toBe('stream');
    await ledger.flush();
    expect(await read()).toBe('stream');
    expect(bed.server.requests).toHaveLength(2);
    const off = await rawPost(url(), { ...chatRequest, stream: true }, { 'x-ledger-cache': 'off' });
    expect(off.status).toBe(500); // no scripted reply left: the upstream was asked
    await ledger.flush();
    const { records } = await ledger.calls.list({ order: 'asc' });
    expect(records.map((record) => [record.status, record.cacheHit === true])).toEqual([
      ['error', false],
      ['success', false],
      ['success', true],
      ['error', false],
    ]);
  });

  it('says unavailable when the ledger has no cache', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatCompletion());
    const answer = await rawPost(url(), chatRequest, { 'x-ledger-cache': 'on' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-ledger-cache')).toBe('unavailable');
  });

  it('keeps a stream asked with include_usage apart from one asked without: each gets what a direct call gets', async () => {
    ledger = testLedger({ cache: true });
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatStream({ content: ['a', 'b'], usage: openaiUsage(3, 2) }));
    const plain = { ...chatRequest, stream: true };
    const withUsage = { ...plain, stream_options: { include_usage: true } };
    const direct = async (body: object) => (await rawPost(`${bed.server.url}/v1/chat/completions`, body)).bytes;
    const cached = (body: object) => rawPost(url(), body, { 'x-ledger-cache': 'on' });
    for (const body of [withUsage, plain]) {
      const first = await cached(body);
      expect(first.headers.get('x-ledger-cache')).toBe('miss');
      expect(first.bytes.equals(await direct(body))).toBe(true);
      await ledger.flush();
      const again = await cached(body);
      expect(again.headers.get('x-ledger-cache')).toBe('hit');
      expect(again.bytes.equals(first.bytes)).toBe(true);
    }
    expect(bed.server.requests.filter((request) => request.path.startsWith('/v1/chat'))).toHaveLength(4);
  });

  it("keys Gemini's alt=sse (events) apart from its JSON array stream, but not the API key in the query", async () => {
    ledger = testLedger({ cache: true });
    proxy = await bed.start(ledger);
    const streamUrl = (query: string) =>
      `${proxy.url}/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent${query}`;
    const request = { contents: [{ role: 'user', parts: [{ text: 'Cache me' }] }] };
    bed.server.script('gemini.stream', generateStream({ textPieces: ['Hel', 'lo'] }), {
      kind: 'json',
      body: [generateBody({ text: 'Hello' })],
    });
    const headers = { 'x-ledger-cache': 'on' };
    const events = await rawPost(streamUrl('?alt=sse&key=first-key'), request, headers);
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    await ledger.flush();
    const array = await rawPost(streamUrl('?key=first-key'), request, headers);
    expect(array.headers.get('x-ledger-cache')).toBe('miss');
    expect(array.headers.get('content-type')).toContain('application/json');
    expect(Array.isArray(JSON.parse(array.bytes.toString('utf8')))).toBe(true);
    await ledger.flush();
    // Another client's key asks the same thing: the key is a credential, not part of the request.
    const again = await rawPost(streamUrl('?key=second-key&alt=sse'), request, headers);
    expect(again.headers.get('x-ledger-cache')).toBe('hit');
    expect(again.bytes.equals(events.bytes)).toBe(true);
    const arrayAgain = await rawPost(streamUrl(''), request, headers);
    expect(arrayAgain.headers.get('x-ledger-cache')).toBe('hit');
    expect(arrayAgain.headers.get('content-type')).toContain('application/json');
    expect(arrayAgain.bytes.equals(array.bytes)).toBe(true);
    expect(bed.server.requests).toHaveLength(2);
    await ledger.flush();
    const { records } = await ledger.calls.list({ order: 'asc' });
    // Both kinds of hit are read for the record, the array as the events are.
    expect(records.map((record) => [record.cacheHit === true, record.responseMessage?.content])).toEqual([
      [false, 'Hello'],
      [false, 'Hello'],
      [true, 'Hello'],
      [true, 'Hello'],
    ]);
    expect(JSON.stringify(records)).not.toContain('first-key');
  });

  it('keys requests by the anthropic-beta and anthropic-version headers they carry', async () => {
    ledger = testLedger({ cache: true });
    proxy = await bed.start(ledger);
    bed.server.setDefault('anthropic.messages', message({ text: 'cached' }));
    const messagesUrl = `${proxy.url}/anthropic/v1/messages`;
    const request = { model: 'claude-3-5-haiku-20241022', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] };
    const send = (beta?: string) =>
      rawPost(messagesUrl, request, {
        'x-ledger-cache': 'on',
        'anthropic-version': '2023-06-01',
        ...(beta ? { 'anthropic-beta': beta } : {}),
      });
    const verdicts: Array<string | null> = [];
    for (const beta of [
      undefined,
      'output-128k-2025-02-19',
      'interleaved-thinking-2025-05-14',
      'output-128k-2025-02-19',
    ]) {
      verdicts.push((await send(beta)).headers.get('x-ledger-cache'));
      await ledger.flush();
    }
    expect(verdicts).toEqual(['miss', 'miss', 'miss', 'hit']);
    expect(bed.server.requests).toHaveLength(3);
  });

  it('stores only answers it can give back byte for byte: a body that is not UTF-8 is passed on, not stored', async () => {
    const body = (content: Buffer) =>
      Buffer.concat([
        Buffer.from(
          '{"id":"c","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"',
        ),
        content,
        Buffer.from('"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}'),
      ]);
    const answers = [body(Buffer.from([0x61, 0xff, 0x62])), body(Buffer.from('李', 'utf8'))];
    let asked = 0;
    const upstream = await startRawUpstream((socket) => {
      const answer = answers[asked++ < 2 ? 0 : 1]!;
      socket.write(
        Buffer.concat([
          Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${answer.length}\r\n\r\n`),
          answer,
        ]),
      );
    });
    try {
      ledger = testLedger({ cache: true });
      proxy = await bed.start(ledger, { upstreams: { openai: `${upstream.url}/v1` } });
      const send = async (content: string) => {
        const answer = await rawPost(
          url(),
          { ...chatRequest, messages: [{ role: 'user', content }] },
          {
            'x-ledger-cache': 'on',
          },
        );
        await ledger.flush();
        return answer;
      };
      for (let round = 0; round < 2; round++) {
        const answer = await send('not UTF-8');
        expect(answer.headers.get('x-ledger-cache')).toBe('miss');
        expect(answer.bytes.equals(answers[0]!)).toBe(true);
      }
      expect((await send('UTF-8')).headers.get('x-ledger-cache')).toBe('miss');
      const hit = await send('UTF-8');
      expect(hit.headers.get('x-ledger-cache')).toBe('hit');
      expect(hit.bytes.equals(answers[1]!)).toBe(true);
      expect(asked).toBe(3);
    } finally {
      await upstream.close();
    }
  });
});
