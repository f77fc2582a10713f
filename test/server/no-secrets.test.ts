import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type CreatedLedger } from '../../src/create-ledger.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { chatCompletion, chatStream, openaiUsage, startWireServer, type WireServer } from '../../src/testing/index.js';
import { readEvents, startServer, type TestServer } from './server-support.js';

const API_KEY = 'sk-proj-SERVERTEST0123456789abcdefSECRET';
const ORG_HEADER = 'Bearer org-header-SECRET-98765';

describe('no provider key or Authorization header is ever served', () => {
  let wire: WireServer;
  let ledger: CreatedLedger;
  let server: TestServer;
  beforeAll(async () => {
    wire = await startWireServer();
    ledger = createLedger({
      store: new SqliteStore({ path: ':memory:' }),
      configFile: false,
      env: {},
      meter: false,
      shutdownHooks: false,
    });
    server = await startServer(ledger);
  });
  afterAll(async () => {
    await server.close();
    await ledger.close();
    await wire.close();
  });

  it('records real SDK calls (plain and streamed) and serves none of their credentials', async () => {
    const openai = ledger.wrap(
      new OpenAI({
        apiKey: API_KEY,
        baseURL: wire.openaiBaseURL,
        maxRetries: 0,
        defaultHeaders: { 'X-Proxy-Authorization': ORG_HEADER },
      }),
    );
    wire.script(
      'openai.chat',
      chatCompletion({ content: 'Hello', usage: openaiUsage(12, 3) }),
      chatStream({ content: ['Hi', ' there'] }),
    );
    const events = await readEvents(`${server.url}/api/v1/events`, {
      onOpen: async () => {
        await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
        const stream = await openai.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'stream' }],
          stream: true,
          stream_options: { include_usage: true },
        });
        for await (const _chunk of stream) void _chunk;
      },
      until: (seen) => seen.filter((event) => event.event === 'call').length >= 2,
    });
    const list = await server.get('/api/v1/calls');
    expect(list.body.records).toHaveLength(2);
    const texts = [list.text, JSON.stringify(events)];
    for (const record of list.body.records as Array<{ id: string; traceId: string }>) {
      texts.push((await server.get(`/api/v1/calls/${record.id}`)).text);
      texts.push((await server.get(`/api/v1/traces/${record.traceId}`)).text);
    }
    for (const text of texts) {
      expect(text).not.toContain('SECRET');
      expect(text.toLowerCase()).not.toContain('authorization');
    }
  });
});
