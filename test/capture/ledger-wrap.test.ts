import OpenAI from 'openai';
import { expect, it } from 'vitest';
import { createLedger } from '../../src/index.js';
import { chatCompletion, startWireServer } from '../support/wire-server/index.js';

it('ledger.wrap records through capture, with the wrap defaults as attribution', async () => {
  const server = await startWireServer();
  const ledger = createLedger({ store: 'memory', configFile: false, env: {} });
  try {
    const openai: OpenAI = ledger.wrap(new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseURL, maxRetries: 0 }), {
      userId: 'u',
    });
    server.script('openai.chat', chatCompletion());
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const page = await ledger.calls.list();
    expect(page.records).toHaveLength(1);
    expect(page.records[0]).toMatchObject({ userId: 'u', provider: 'openai', model: 'gpt-4o-mini', status: 'success' });
    expect(page.records[0]?.cost?.status).toBe('priced');
  } finally {
    await ledger.close();
    await server.close();
  }
});
