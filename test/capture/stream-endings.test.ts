import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wrapClient } from '../../src/capture/wrap-client.js';
import { chatStream, openaiUsage } from '../support/wire-server/index.js';
import {
  eventually,
  onlyRecord,
  records,
  sdkClients,
  startWireServer,
  testLedger,
  type WireServer,
} from './capture-harness.js';
import { tiktokenChatCount, tiktokenCount } from '../support/token-chain.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const messages = [{ role: 'user' as const, content: 'Tell me a long story about a lighthouse keeper.' }];
const pieces = ['Once ', 'upon ', 'a ', 'time ', 'there ', 'was ', 'a ', 'keeper.'];
const request = { model: 'gpt-4o-mini', messages, stream: true as const };

function setup(defaults = {}) {
  const ledger = testLedger();
  const openai = wrapClient(ledger, sdkClients(server).openai, defaults);
  return { ledger, openai };
}

/**
 * Without usage, gpt-4o-mini's own tokenizer (o200k_base) counts the prompt, chat overhead included,
 * and the text actually received: the counts equal js-tiktoken's, and say `tokenizer`.
 */
function expectEstimated(record: Awaited<ReturnType<typeof onlyRecord>>, receivedText: string) {
  expect(record.tokenSource).toBe('tokenizer');
  expect(record.tokens.output).toBe(tiktokenCount(receivedText));
  expect(record.tokens.input).toBe(tiktokenChatCount(messages));
  expect(record.cost?.status).toBe('estimated');
}

describe('every stream is finalized exactly once', () => {
  it('controller.abort() mid-stream: cancelled, partial output kept, tokens estimated', async () => {
    const { ledger, openai } = setup();
    server.script('openai.chat', chatStream({ content: pieces, intervalMs: 15, usage: openaiUsage(30, 20) }));
    const stream = await openai.chat.completions.create(request);
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (text.length >= 'Once upon '.length) stream.controller.abort();
    }
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'cancelled', errorType: 'aborted', partial: true, streamed: true });
    expect(record.responseMessage?.content).toBe(text);
    expectEstimated(record, text);
    expect(record.ttftMs).not.toBeNull();
  });

  it('an AbortSignal passed in the request options: cancelled', async () => {
    const { ledger, openai } = setup();
    server.script('openai.chat', chatStream({ content: pieces, intervalMs: 15 }));
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(request, { signal: controller.signal });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) {
          seen.push(chunk.choices[0]?.delta.content ?? '');
          if (seen.length === 3) controller.abort();
        }
      })(),
    ).resolves.toBeUndefined();
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'cancelled', errorType: 'aborted', partial: true });
    expectEstimated(record, seen.join(''));
  });

  it('an abort before the response arrives: cancelled, no tokens', async () => {
    const { ledger, openai } = setup();
    server.script('openai.chat', { kind: 'hang' });
    const controller = new AbortController();
    const pending = openai.chat.completions.create(request, { signal: controller.signal });
    // Aborted once the server holds the request: an abort still in flight could reach the server
    // after the next test scripted its reply.
    await eventually(() => server.requests.length === 1, 10_000);
    controller.abort();
    const error = await pending.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((error as Error).constructor.name).toBe('APIUserAbortError');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'cancelled', errorType: 'aborted', tokenSource: null, cost: null });
  });

  it('break out of for await: partial, with what was received', async () => {
    const { ledger, openai } = setup();
    server.script('openai.chat', chatStream({ content: pieces, intervalMs: 5 }));
    let text = '';
    for await (const chunk of await openai.chat.completions.create(request)) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (text.includes('a ')) break;
    }
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'partial', partial: true, metadata: { streamEnd: 'consumer_stopped' } });
    expect(record.responseMessage?.content).toBe(text);
    expectEstimated(record, text);
  });

  it('a dropped connection mid-stream: error (network), partial, the SDK error re-thrown', async () => {
    const { ledger, openai } = setup();
    server.script('openai.chat', chatStream({ content: pieces, dropAfter: 4 }));
    let text = '';
    const failure = await (async () => {
      for await (const chunk of await openai.chat.completions.create(request))
        text += chunk.choices[0]?.delta.content ?? '';
    })().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(failure).toBeInstanceOf(Error);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'error', errorType: 'network', partial: true });
    expect(text).toBe('Once upon a ');
    expectEstimated(record, text);
  });

  it('an error event mid-stream: error, classified from its type', async () => {
    const { ledger, openai } = setup();
    server.script(
      'openai.chat',
      chatStream({
        content: pieces,
        errorAfter: { chunks: 3, error: { message: 'The server had an error', type: 'server_error', code: null } },
      }),
    );
    const failure = await (async () => {
      for await (const _chunk of await openai.chat.completions.create(request)) {
        // read until the error
      }
    })().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((failure as Error).message).toContain('The server had an error');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'error', errorType: 'server', partial: true });
    expectEstimated(record, 'Once upon ');
  });

  it('a stream that ends without finish reason or usage: partial (ended early)', async () => {
    const { ledger, openai } = setup();
    server.script('openai.chat', chatStream({ content: pieces, endAfter: 4 }));
    let text = '';
    for await (const chunk of await openai.chat.completions.create(request))
      text += chunk.choices[0]?.delta.content ?? '';
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'partial', metadata: { streamEnd: 'ended_early' } });
    expectEstimated(record, text);
  });

  it('a stream nobody reads any more: partial (abandoned) after the idle timeout', async () => {
    const { ledger, openai } = setup({ streamIdleTimeoutMs: 40 });
    server.script('openai.chat', chatStream({ content: pieces }));
    const stream = await openai.chat.completions.create(request);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const second = await iterator.next();
    await eventually(async () => (await records(ledger)).length === 1);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'partial', metadata: { streamEnd: 'abandoned' } });
    expectEstimated(record, second.value?.choices[0]?.delta.content ?? '');
    // Reading on after abandonment still works and records nothing more.
    for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
      // drain
    }
    expect(await records(ledger)).toHaveLength(1);
  });

  it('a slow stream that is being read is not abandoned', async () => {
    const { ledger, openai } = setup({ streamIdleTimeoutMs: 30 });
    server.script('openai.chat', chatStream({ content: ['a', 'b', 'c'], intervalMs: 60, usage: openaiUsage(4, 3) }));
    for await (const _chunk of await openai.chat.completions.create(request)) {
      // each read waits longer than the idle timeout
    }
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'success', tokenSource: 'provider', tokens: { output: 3 } });
  });

  it('a stream the application never iterates and aborts: cancelled, no tokens', async () => {
    const { ledger, openai } = setup();
    server.script('openai.chat', chatStream({ content: pieces }));
    const stream = await openai.chat.completions.create(request);
    stream.controller.abort();
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'cancelled', partial: false, tokenSource: null });
  });
});

describe('an application that stops at the finish reason', () => {
  it('still gets exact usage: the usage chunk capture asked for is read after the break', async () => {
    const { ledger, openai } = setup();
    server.script('openai.chat', chatStream({ content: ['Hi', '!'], usage: openaiUsage(14, 2) }));
    let text = '';
    for await (const chunk of await openai.chat.completions.create(request)) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) break;
    }
    expect(text).toBe('Hi!');
    await eventually(async () => (await records(ledger)).length === 1);
    expect(await onlyRecord(ledger)).toMatchObject({
      status: 'success',
      tokenSource: 'provider',
      tokens: { input: 14, output: 2 },
      responseMessage: { content: 'Hi!' },
    });
  });
});
