import type { Ledger } from '../../src/index.js';

const MODELS = [
  { model: 'gpt-4o-mini', provider: 'openai' },
  { model: 'gpt-4o', provider: 'openai' },
  { model: 'claude-3-5-haiku-latest', provider: 'anthropic' },
  { model: 'gemini-2.5-flash', provider: 'google' },
] as const;
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const TENANTS = ['acme', 'globex', 'initech'];

/**
 * Calls spread over the last five days, through `logCall` with past start times: several models,
 * users and tenants, a few errors, enough rows (with the demo's) for a second calls page.
 */
export async function seedHistory(ledger: Ledger, count = 60): Promise<void> {
  const now = Date.now();
  for (let index = 0; index < count; index += 1) {
    const { model, provider } = MODELS[index % MODELS.length]!;
    const failed = index % 13 === 5;
    const startedAt = new Date(now - (index + 1) * 97 * 60_000);
    await ledger
      .logCall(
        {
          model,
          provider,
          userId: USERS[index % USERS.length],
          tenantId: TENANTS[index % TENANTS.length],
          callType: index % 4 === 0 ? 'EXTRACTION' : 'CHAT',
          tags: ['history', index % 2 ? 'batch' : 'interactive'],
          systemPrompt: 'You answer questions about invoices.',
          messages: [{ role: 'user', content: `Question number ${index + 1}: what is on invoice ${1000 + index}?` }],
          startedAt,
        },
        (call) => {
          if (failed) throw Object.assign(new Error('Rate limit reached for requests'), { status: 429 });
          call.complete({
            responseMessage: `Invoice ${1000 + index} lists ${index + 2} items.`,
            tokens: { input: 800 + index * 37, output: 120 + index * 11 },
            finishReason: 'stop',
          });
        },
      )
      .catch(() => undefined);
  }
}
