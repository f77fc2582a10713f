import { tiktokenChatCount, tiktokenCount } from '../support/token-chain.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wrapClient } from '../../src/capture/wrap-client.js';
import type { CallHandle, CallStart } from '../../src/core/call.js';
import type { CallRecord } from '../../src/core/record.js';
import type { CreateLedgerOptions } from '../../src/create-ledger.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { chatCompletion, chatCompletionBody, message, openaiUsage } from '../support/wire-server/index.js';
import { ManualClock, nextTurn } from '../core/support.js';
import { onlyRecord, sdkClients, startWireServer, testLedger, type WireServer } from './capture-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const messages = [{ role: 'user' as const, content: 'Capital of France?' }];

/** Keeps what the ledger wrote, readable after the ledger (and the store) closed. */
class KeptStore extends MemoryStore {
  readonly written: CallRecord[] = [];
  override async write(records: readonly CallRecord[]): Promise<void> {
    this.written.push(...records);
    await super.write(records);
  }
}

/** A ledger whose started calls the test can look at: `calls` holds each one's handle. */
function watchedLedger(options: Partial<CreateLedgerOptions> = {}) {
  const calls: CallHandle[] = [];
  const ledger = testLedger({
    handlers: [{ onStartSync: (call: CallStart) => void calls.push(call as CallHandle) }],
    ...options,
  });
  return { ledger, calls };
}

describe('a non-streamed call is finalized after the application has its response', () => {
  it('builds the record once the application has gone on, with the latency ending when the response arrived', async () => {
    const clock = new ManualClock();
    const { ledger, calls } = watchedLedger({ clock });
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script('openai.chat', chatCompletion({ content: 'Paris.', usage: openaiUsage(12, 3) }));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    // The application's continuation runs first: its work (here, time passing) is not the call's.
    expect(calls[0]!.finalized).toBe(false);
    clock.advance(5_000);
    await nextTurn();
    await nextTurn();
    expect(calls[0]!.finalized).toBe(true);
    const record = await onlyRecord(ledger);
    expect(record.latencyMs).toBe(0);
    expect(record.endedAt).toBe(record.startedAt);
    expect(record).toMatchObject({ status: 'success', tokens: { input: 12, output: 3 } });
    await ledger.close();
  });

  it('records the response as it arrived, whatever the application does to the object next', async () => {
    const { ledger } = watchedLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script('openai.chat', chatCompletion({ content: 'Paris.', usage: openaiUsage(12, 3) }));
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    completion.choices[0]!.message.content = 'changed by the application';
    completion.choices[0]!.finish_reason = 'length';
    completion.usage!.prompt_tokens = 9_999;
    completion.model = 'changed-model';
    const record = await onlyRecord(ledger);
    expect(record.responseMessage).toEqual({ role: 'assistant', content: 'Paris.' });
    expect(record).toMatchObject({
      finishReason: 'stop',
      responseModel: 'gpt-4o-mini-2024-07-18',
      tokens: { input: 12, output: 3, total: 15 },
    });
    await ledger.close();
  });

  it('estimates from the request as it was sent, before the application adds the reply to its messages', async () => {
    const { ledger } = watchedLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    const { usage: _usage, ...withoutUsage } = chatCompletionBody({ content: 'Paris.' });
    server.script('openai.chat', { kind: 'json', body: withoutUsage });
    const history: Array<{ role: 'user' | 'assistant'; content: string }> = [...messages];
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: history });
    history.push({
      role: 'assistant',
      content: `${completion.choices[0]!.message.content} ${'and more '.repeat(200)}`,
    });
    const record = await onlyRecord(ledger);
    // gpt-4o-mini's own tokenizer counts the prompt as sent, not the grown history.
    expect(record.tokenSource).toBe('tokenizer');
    expect(record.messages).toEqual(messages);
    expect(record.tokens.input).toBe(tiktokenChatCount(messages));
    expect(record.tokens.output).toBe(tiktokenCount('Paris.'));
    await ledger.close();
  });

  it('is counted and readable at once: stats and queries run pending finalizations first', async () => {
    const { ledger, calls } = watchedLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script('openai.chat', chatCompletion({ content: 'Paris.' }));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(calls[0]!.finalized).toBe(false);
    expect(ledger.stats().queued).toBe(1);
    expect(calls[0]!.finalized).toBe(true);
    expect((await onlyRecord(ledger)).status).toBe('success');
    await ledger.close();
  });

  it('is written by a close() that comes right after the call', async () => {
    const store = new KeptStore();
    const { ledger } = watchedLedger({ store });
    const anthropic = wrapClient(ledger, sdkClients(server).anthropic);
    server.script('anthropic.messages', message({ text: 'Paris.' }));
    await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages });
    await ledger.close();
    expect(store.written).toHaveLength(1);
    expect(store.written[0]).toMatchObject({ provider: 'anthropic', status: 'success' });
  });

  it('a sync-durable ledger has the record in its spool before the call returns', async () => {
    const spool = mkdtempSync(join(tmpdir(), 'llm-ledger-finalize-'));
    try {
      const { ledger, calls } = watchedLedger({ durability: 'sync', spool });
      const openai = wrapClient(ledger, sdkClients(server).openai);
      server.script('openai.chat', chatCompletion({ content: 'Paris.' }));
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
      expect(calls[0]!.finalized).toBe(true);
      expect(readFileSync(join(spool, 'spool.jsonl'), 'utf8')).toContain(calls[0]!.id);
      await ledger.close();
    } finally {
      rmSync(spool, { recursive: true, force: true });
    }
  });

  it('a budgeted ledger finalizes before the call returns, so the next admission finds it settled', async () => {
    const { ledger, calls } = watchedLedger({ meter: 'memory' });
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script('openai.chat', chatCompletion({ content: 'Paris.' }));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(calls[0]!.finalized).toBe(true);
    await ledger.close();
  });

  it('a fail-closed ledger finalizes before the call returns, so its refusals reach the application', async () => {
    const { ledger, calls } = watchedLedger({ failOpen: false });
    const openai = wrapClient(ledger, sdkClients(server).openai);
    server.script('openai.chat', chatCompletion({ content: 'Paris.' }));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(calls[0]!.finalized).toBe(true);
    await ledger.close();
  });
});
