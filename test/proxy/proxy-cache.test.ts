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
