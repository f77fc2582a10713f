import { describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/core/ledger.js';
import type { ProxyServer } from '../../src/proxy/index.js';
import {
  chatCompletion,
  chatStream,
  embedContent,
  embeddings,
  generate,
  generateStream,
  message,
  messageStream,
  response as responsesReply,
  responseStream,
} from '../support/wire-server/index.js';
import { collect, expectedCost, onlyRecord, testLedger } from '../capture/capture-harness.js';
import { proxiedClients, rawPost, useProxyTestBed } from '../support/proxy.js';

let ledger: Ledger;
let proxy: ProxyServer;
const bed = useProxyTestBed();

async function setup() {
  ledger = testLedger();
  proxy = await bed.start(ledger);
  return proxiedClients(proxy, { 'x-ledger-user': 'u-7', 'x-ledger-tenant': 'acme', 'x-ledger-session': 's-1' });
}

const chatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('OpenAI through the proxy', () => {
  it('answers a chat completion exactly as directly and records it once, attributed', async () => {
    const { openai } = await setup();
    bed.server.setDefault('openai.chat', chatCompletion({ content: 'Hello there.' }));
    const completion = await openai.chat.completions.create(chatRequest);
    expect(completion.choices[0]!.message.content).toBe('Hello there.');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      userId: 'u-7',
      tenantId: 'acme',
      sessionId: 's-1',
      requestMode: 'sync',
      status: 'success',
      tokens: { input: 12, output: 3, total: 15 },
      tokenSource: 'provider',
      responseMessage: { role: 'assistant', content: 'Hello there.' },
    });
    expect(record.cost!.total).toBe(expectedCost(12, 3));
    // Attribution headers are the proxy's, never the provider's; the client's key is forwarded.
    const seen = bed.server.requests[0]!.headers;
    expect(Object.keys(seen).filter((name) => name.startsWith('x-ledger'))).toEqual([]);
    expect(seen.authorization).toBe('Bearer sk-test-client-key-123');

    const direct = await rawPost(`${bed.server.openaiBaseURL}/chat/completions`, chatRequest);
    const proxied = await rawPost(`${proxy.url}/openai/v1/chat/completions`, chatRequest);
    expect(proxied.status).toBe(200);
    expect(proxied.bytes.equals(direct.bytes)).toBe(true);
  });

  it('streams byte for byte as directly, hiding the usage chunk it asked for, with exact usage recorded', async () => {
    const { openai } = await setup();
    bed.server.setDefault('openai.chat', chatStream({ content: ['Hel', 'lo', '!'], obfuscation: true }));
    const stream = await openai.chat.completions.create({ ...chatRequest, stream: true });
    const chunks = await collect(stream);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Hello!');
    expect(chunks.every((chunk) => chunk.usage === undefined)).toBe(true);
    expect(bed.server.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      requestMode: 'streaming',
      status: 'success',
      tokens: { input: 12, output: 3 },
      tokenSource: 'provider',
      responseMessage: { content: 'Hello!' },
    });
    expect(record.ttftMs).toBeGreaterThanOrEqual(0);

    const body = { ...chatRequest, stream: true };
    const direct = await rawPost(`${bed.server.openaiBaseURL}/chat/completions`, body);
    const proxied = await rawPost(`${proxy.url}/openai/v1/chat/completions`, body);
    expect(direct.bytes.toString()).not.toContain('"usage"');
    expect(proxied.bytes.toString()).toBe(direct.bytes.toString());
    expect(proxied.bytes.equals(direct.bytes)).toBe(true);
  });

  it('passes the usage chunk through when the client asked for it', async () => {
    await setup();
    bed.server.setDefault('openai.chat', chatStream({ content: ['a', 'b'] }));
    const body = { ...chatRequest, stream: true, stream_options: { include_usage: true } };
    const direct = await rawPost(`${bed.server.openaiBaseURL}/chat/completions`, body);
    const proxied = await rawPost(`${proxy.url}/openai/v1/chat/completions`, body);
    expect(proxied.bytes.equals(direct.bytes)).toBe(true);
    expect(proxied.bytes.toString()).toContain('"prompt_tokens":12');
  });

  it('records the Responses API, streamed and not, and embeddings', async () => {
    const { openai } = await setup();
    bed.server.script(
      'openai.responses',
      responsesReply({ text: 'Fine.' }),
      responseStream({ textPieces: ['Fi', 'ne.'] }),
    );
    bed.server.script('openai.embeddings', embeddings({ promptTokens: 5 }));
    await openai.responses.create({ model: 'gpt-4.1-mini', input: 'How are you?' });
    await collect(await openai.responses.create({ model: 'gpt-4.1-mini', input: 'How are you?', stream: true }));
    await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'vector me' });
    const { records } = await ledger.calls.list({ order: 'asc' });
    expect(records.map((record) => [record.requestMode, record.callType, record.status, record.tokenSource])).toEqual([
      ['sync', 'CHAT', 'success', 'provider'],
      ['streaming', 'CHAT', 'success', 'provider'],
      ['sync', 'EMBEDDING', 'success', 'provider'],
    ]);
    expect(records[2]!.tokens.input).toBe(5);
  });

  it('takes the user field as the user when no header names one', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatCompletion());
    await rawPost(`${proxy.url}/openai/v1/chat/completions`, { ...chatRequest, user: 'end-user-9' });
    await rawPost(
      `${proxy.url}/openai/v1/chat/completions`,
      { ...chatRequest, user: 'end-user-9' },
      {
        'x-ledger-user': 'header-user',
        'x-ledger-tags': 'batch, nightly',
        'x-ledger-metadata-feature': 'search',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    );
    const { records } = await ledger.calls.list({ order: 'asc' });
    expect(records[0]!.userId).toBe('end-user-9');
    expect(records[1]).toMatchObject({
      userId: 'header-user',
      tags: ['batch', 'nightly'],
      metadata: { feature: 'search' },
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
    });
    expect(bed.server.requests[1]!.headers.traceparent).toBeUndefined();
  });

  it('reaches a named OpenAI-compatible upstream at /u/<name>/v1, recorded under its name', async () => {
    await setup();
    bed.server.setDefault('openai.chat', chatCompletion());
    const result = await rawPost(`${proxy.url}/u/groq/v1/chat/completions`, { ...chatRequest, model: 'llama-3.3-70b' });
    expect(result.status).toBe(200);
    expect(await onlyRecord(ledger)).toMatchObject({ provider: 'groq', model: 'llama-3.3-70b' });
  });
});

describe('Anthropic through the proxy', () => {
  const request = { model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user' as const, content: 'Hi' }] };

  it('records a message and a stream, both byte-identical to a direct call', async () => {
    const { anthropic } = await setup();
    bed.server.script('anthropic.messages', message({ text: 'Hi!', usage: { input: 20, output: 5 } }));
    const result = await anthropic.messages.create(request);
    expect(result.content[0]).toMatchObject({ text: 'Hi!' });
    bed.server.script(
      'anthropic.messages',
      messageStream({ textPieces: ['Hi', '!'], usage: { input: 20, output: 5 } }),
    );
    const stream = await anthropic.messages.create({ ...request, stream: true });
    await collect(stream);
    const { records } = await ledger.calls.list({ order: 'asc' });
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record).toMatchObject({
        provider: 'anthropic',
        userId: 'u-7',
        status: 'success',
        tokenSource: 'provider',
      });
      expect(record.tokens).toMatchObject({ input: 20, output: 5 });
      expect(record.cost!.total).toBe(expectedCost(20, 5));
    }
    const forwarded = bed.server.requests[0]!.headers;
    expect(forwarded['x-api-key'] ?? forwarded.authorization).toContain('sk-ant-test-client-key-123');

    bed.server.setDefault('anthropic.messages', messageStream({ textPieces: ['a', 'b', 'c'] }));
    const headers = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };
    const direct = await rawPost(`${bed.server.url}/v1/messages`, { ...request, stream: true }, headers);
    const proxied = await rawPost(`${proxy.url}/anthropic/v1/messages`, { ...request, stream: true }, headers);
    expect(proxied.bytes.equals(direct.bytes)).toBe(true);
  });
});

describe('Gemini through the proxy', () => {
  it('records generateContent, streamGenerateContent and embedContent', async () => {
    const { gemini } = await setup();
    bed.server.script('gemini.generate', generate({ text: 'Bonjour', usage: { prompt: 10, candidates: 4 } }));
    bed.server.script('gemini.stream', generateStream({ textPieces: ['Bon', 'jour'] }));
    bed.server.script('gemini.embed', embedContent());
    const result = await gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Say hello in French' });
    expect(result.text).toBe('Bonjour');
    let text = '';
    for await (const chunk of await gemini.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'Hello',
    })) {
      text += chunk.text ?? '';
    }
    expect(text).toBe('Bonjour');
    await gemini.models.embedContent({ model: 'text-embedding-004', contents: 'embed me' });
    const { records } = await ledger.calls.list({ order: 'asc' });
    expect(records.map((record) => [record.provider, record.model, record.requestMode, record.status])).toEqual([
      ['gemini', 'gemini-2.5-flash', 'sync', 'success'],
      ['gemini', 'gemini-2.5-flash', 'streaming', 'success'],
      ['gemini', 'text-embedding-004', 'sync', 'success'],
    ]);
    expect(records[0]!.tokens).toMatchObject({ input: 10, output: 4 });
    expect(records[1]!.tokens).toMatchObject({ input: 10, output: 4 });
    expect(records[0]!.userId).toBe('u-7');
    expect(bed.server.requests[0]!.headers['x-goog-api-key']).toBe('gemini-test-client-key-123');

    bed.server.setDefault('gemini.stream', generateStream({ textPieces: ['x', 'y'] }));
    const body = { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] };
    const path = '/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
    const direct = await rawPost(`${bed.server.url}/v1beta${path}`, body);
    const proxied = await rawPost(`${proxy.url}/gemini/v1beta${path}`, body);
    expect(proxied.bytes.equals(direct.bytes)).toBe(true);
  });
});
