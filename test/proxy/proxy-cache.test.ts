import { describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/core/ledger.js';
import type { ProxyServer } from '../../src/proxy/index.js';
import { chatCompletion, chatStream, openaiRateLimit } from '../support/wire-server/index.js';
import { testLedger } from '../capture/capture-harness.js';
import { proxiedClients, rawPost, useProxyTestBed } from '../support/proxy.js';

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
});
