import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, silentLogger, type CreatedLedger } from '../../src/index.js';
import { QuotaExceededError, RateLimitedError } from '../../src/meters/errors.js';
import {
  chatCompletion,
  chatStream,
  generate,
  message,
  messageStream,
  openaiError,
  openaiUsage,
} from '../../src/testing/index.js';
import { collect, sdkClients, startWireServer, testPricer, type WireServer } from '../capture/capture-harness.js';

const messages = [{ role: 'user' as const, content: 'Which plan fits a team of five?' }];

let server: WireServer;
let ledger: CreatedLedger;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
afterEach(async () => {
  await ledger?.close();
  server.reset();
});

function meteredLedger(): CreatedLedger {
  ledger = createLedger({
    store: 'memory',
    meter: 'memory',
    configFile: false,
    env: {},
    logger: silentLogger,
    pricer: testPricer,
  });
  return ledger;
}

async function settled(subject: string) {
  await ledger.flush();
  await ledger.meter!.flush();
  return ledger.meter!.get(subject, 'day');
}

describe('wrapped SDK calls under budgets and rate limits', () => {
  it('openai: a call over a hard budget is refused before any request, leaves no record, and the SDK rejects with QuotaExceededError', async () => {
    meteredLedger();
    ledger.limits!.set({ subject: 'user:*', period: 'day', maxRequests: 1, mode: 'hard' });
    const openai = ledger.wrap(sdkClients(server).openai, { userId: 'u-1' });
    server.script('openai.chat', chatCompletion({ content: 'Team.', usage: openaiUsage(20, 4) }));
    const first = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(first.choices[0]?.message.content).toBe('Team.');
    const refused = openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await expect(refused).rejects.toBeInstanceOf(QuotaExceededError);
    await expect(refused).rejects.toMatchObject({ subject: 'user:u-1', code: 'QUOTA_EXCEEDED' });
    expect(server.requests).toHaveLength(1);
    const { records } = await ledger.calls.list();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ userId: 'u-1', status: 'success', tokens: { input: 20, output: 4 } });
    expect(await settled('user:u-1')).toMatchObject({
      requests: 1,
      tokens: { input: 20, output: 4 },
      cost: '0.000028',
      reserved: { requests: 0, cost: '0' },
    });
  });

  it('openai: streams, withResponse() and the stream helper still work when admitted, and settle their usage', async () => {
    meteredLedger();
    ledger.limits!.set({ subject: 'user:*', period: 'day', maxCost: '1', mode: 'hard' });
    const openai = ledger.wrap(sdkClients(server).openai);
    server.script('openai.chat', chatStream({ content: ['Pro ', 'plan.'], usage: openaiUsage(30, 5) }));
    server.script('openai.chat', chatCompletion({ content: 'Pro.', usage: openaiUsage(10, 2) }));
    server.script('openai.chat', chatStream({ content: ['Yes.'], usage: openaiUsage(8, 1) }));
    await ledger.context({ userId: 'u-2' }, async () => {
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
      const chunks = await collect(stream);
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Pro plan.');
      const { data, response } = await openai.chat.completions
        .create({ model: 'gpt-4o-mini', messages })
        .withResponse();
      expect(response.status).toBe(200);
      expect(data.choices[0]?.message.content).toBe('Pro.');
      const helper = openai.chat.completions.stream({ model: 'gpt-4o-mini', messages });
      expect((await helper.finalContent()) ?? '').toBe('Yes.');
    });
    expect(await settled('user:u-2')).toMatchObject({
      requests: 3,
      tokens: { input: 48, output: 8 },
      reserved: { requests: 0, cost: '0' },
    });
    expect((await ledger.calls.list()).records).toHaveLength(3);
  });

  it('openai: the stream helper surfaces a refusal as its error (the SDK wraps it, cause kept), without a request', async () => {
    meteredLedger();
    ledger.limits!.set({ subject: 'user:*', period: 'day', maxRequests: 1, mode: 'hard' });
    const openai = ledger.wrap(sdkClients(server).openai, { userId: 'u-3' });
    server.script('openai.chat', chatCompletion({ content: 'Ok.', usage: openaiUsage(5, 1) }));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const helper = openai.chat.completions.stream({ model: 'gpt-4o-mini', messages });
    const error = (await helper.finalContent().catch((caught: unknown) => caught)) as Error;
    // openai-node's helpers wrap any error that is not their own in an OpenAIError with the original as cause.
    expect(error instanceof QuotaExceededError || error.cause instanceof QuotaExceededError).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect((await ledger.calls.list()).records).toHaveLength(1);
  });

  it('anthropic: create and messages.stream are admitted; a refused call never reaches the server', async () => {
    meteredLedger();
    ledger.limits!.set({ subject: 'tenant:*', period: 'day', maxRequests: 2, mode: 'hard' });
    const anthropic = ledger.wrap(sdkClients(server).anthropic, { tenantId: 'acme' });
    server.script('anthropic.messages', message({ text: 'Team.', usage: { input: 40, output: 6 } }));
    server.script(
      'anthropic.messages',
      messageStream({ textPieces: ['Str', 'eam.'], usage: { input: 12, output: 3 } }),
    );
    await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages });
    const final = await anthropic.messages
      .stream({ model: 'claude-sonnet-4-5', max_tokens: 64, messages })
      .finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Stream.' });
    await expect(
      anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages }),
    ).rejects.toBeInstanceOf(QuotaExceededError);
    expect(server.requests).toHaveLength(2);
    expect(await settled('tenant:acme')).toMatchObject({
      requests: 2,
      tokens: { input: 52, output: 9 },
      reserved: { requests: 0 },
    });
  });

  it('gemini: generateContent waits for admission; requests beyond the rate limit get RateLimitedError with a retry time', async () => {
    meteredLedger();
    ledger.limits!.setRate({ subject: 'user:*', requestsPerMinute: 2 });
    const gemini = ledger.wrap(sdkClients(server).gemini, { userId: 'u-4' });
    server.script('gemini.generate', generate({ text: 'One.', usage: { prompt: 9, candidates: 2 } }));
    server.script('gemini.generate', generate({ text: 'Two.', usage: { prompt: 9, candidates: 2 } }));
    const ask = () => gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Plan?' });
    expect((await ask()).text).toBe('One.');
    expect((await ask()).text).toBe('Two.');
    const refused = ask();
    await expect(refused).rejects.toBeInstanceOf(RateLimitedError);
    const error = (await refused.catch((caught: unknown) => caught)) as RateLimitedError;
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(server.requests).toHaveLength(2);
    expect((await ledger.calls.list()).records).toHaveLength(2);
  });

  it('openai: 40 concurrent wrapped calls against a budget of 10 requests send exactly 10 to the provider', async () => {
    meteredLedger();
    ledger.limits!.set({ subject: 'user:*', period: 'day', maxRequests: 10, mode: 'hard' });
    const openai = ledger.wrap(sdkClients(server).openai, { userId: 'u-6' });
    for (let i = 0; i < 10; i += 1) server.script('openai.chat', chatCompletion({ usage: openaiUsage(3, 1) }));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages })),
    );
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refused).toHaveLength(30);
    for (const outcome of refused) expect(outcome.reason).toBeInstanceOf(QuotaExceededError);
    expect(server.requests).toHaveLength(10);
    expect(await settled('user:u-6')).toMatchObject({ requests: 10, tokens: { input: 30 }, reserved: { requests: 0 } });
  });

  it('a provider error after admission is recorded once and settles what it used', async () => {
    meteredLedger();
    ledger.limits!.set({ subject: 'user:*', period: 'day', maxRequests: 5, mode: 'hard' });
    const openai = ledger.wrap(sdkClients(server).openai, { userId: 'u-5' });
    server.script('openai.chat', openaiError(500, { message: 'boom', type: 'server_error' }));
    await expect(openai.chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toMatchObject({
      status: 500,
    });
    const { records } = await ledger.calls.list();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'error', errorType: 'server' });
    expect(await settled('user:u-5')).toMatchObject({ requests: 1, reserved: { requests: 0 } });
  });
});
