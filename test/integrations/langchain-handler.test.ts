import { tiktokenChatCount, tiktokenCount } from '../support/token-chain.js';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setDefaultLedger } from '../../src/integrations/default-ledger.js';
import { LedgerCallbackHandler } from '../../src/integrations/langchain.js';
import { chatCompletion, chatStream, openaiUsage } from '../../src/testing/index.js';
import type { WireServer } from '../../src/testing/index.js';
import { expectedCost, onlyRecord, openaiModel, records, startWireServer, testLedger } from './langchain-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(() => setDefaultLedger(undefined));

const prompt = ChatPromptTemplate.fromTemplate('Answer briefly: {question}');

describe('LedgerCallbackHandler', () => {
  it("puts a chain's model call in the trace of LangChain's root run", async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatCompletion({ content: '42', usage: openaiUsage(9, 1) }));
    const handler = new LedgerCallbackHandler({ ledger, callType: 'qa', tags: ['docs'] });

    await prompt
      .pipe(openaiModel(server))
      .pipe(new StringOutputParser())
      .invoke(
        { question: 'meaning?' },
        {
          callbacks: [handler],
        },
      );

    const record = await onlyRecord(ledger);
    const langchain = record.metadata.langchain as { runId: string; parentRunId: string };
    // The model's parent run is the sequence, the root of the tree: its id names the trace.
    expect(record.traceId).toBe(langchain.parentRunId);
    expect(record).toMatchObject({ callType: 'qa', tags: ['docs'], parentId: null, tokens: { input: 9, output: 1 } });
    expect(record.cost?.total).toBe(expectedCost(9, 1));
    expect(handler.openRuns).toBe(0);
  });

  it('keeps separate invocations in separate traces, and a model invoked alone in its own', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatCompletion({ content: 'a' }), chatCompletion({ content: 'b' }));
    const handler = new LedgerCallbackHandler({ ledger });
    const chain = prompt.pipe(openaiModel(server));

    await chain.invoke({ question: 'one' }, { callbacks: [handler] });
    await openaiModel(server).invoke('two', { callbacks: [handler] });

    const [first, second] = await records(ledger);
    expect(first!.traceId).not.toBe(second!.traceId);
    // A model run that is itself the root: the trace is its own run id.
    expect(second!.traceId).toBe((second!.metadata.langchain as { runId: string }).runId);
  });

  it('inherits attribution from ledger.context()', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatCompletion({ content: 'ok' }));
    const handler = new LedgerCallbackHandler({ ledger });

    await ledger.context(
      { traceId: 'request-7', userId: 'u-3', tenantId: 'acme', tags: ['checkout'], metadata: { region: 'eu' } },
      () => prompt.pipe(openaiModel(server)).invoke({ question: 'q' }, { callbacks: [handler] }),
    );

    expect(await onlyRecord(ledger)).toMatchObject({
      traceId: 'request-7',
      parentId: null,
      userId: 'u-3',
      tenantId: 'acme',
      tags: ['checkout'],
      metadata: { region: 'eu', langchain: expect.any(Object) },
    });
  });

  it('records into the default ledger when none is given', async () => {
    const ledger = testLedger();
    setDefaultLedger(ledger);
    server.script('openai.chat', chatCompletion({ content: 'ok', usage: openaiUsage(3, 1) }));

    await openaiModel(server).invoke('hi', { callbacks: [new LedgerCallbackHandler()] });

    expect((await onlyRecord(ledger)).tokens).toMatchObject({ input: 3, output: 1 });
  });

  it('finalizes a run left open by a raw stream the application broke out of, with interruptOpenRuns()', async () => {
    const ledger = testLedger();
    server.script(
      'openai.chat',
      chatStream({ content: ['One ', 'two ', 'three'], usage: openaiUsage(8, 3), intervalMs: 30 }),
    );
    const handler = new LedgerCallbackHandler({ ledger });

    const stream = await openaiModel(server).stream('count', { callbacks: [handler] });
    // ChatOpenAI hands each chunk on before its token event: breaking at "two " leaves "One " recorded.
    for await (const chunk of stream) {
      if (String(chunk.content).includes('two')) break;
    }
    expect(handler.openRuns).toBe(1);
    handler.interruptOpenRuns();
    expect(handler.openRuns).toBe(0);

    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'partial',
      partial: true,
      streamed: true,
      tokenSource: 'tokenizer',
      metadata: { streamEnd: 'consumer_stopped' },
    });
    expect(record.responseMessage).toEqual({ role: 'assistant', content: 'One ' });
    // No usage arrived: gpt-4o-mini's tokenizer counts the prompt (chat overhead included) and "One ".
    const input = tiktokenChatCount([{ role: 'user', content: 'count' }]);
    const output = tiktokenCount('One ');
    expect(record.tokens).toMatchObject({ input, output, total: input + output });
    expect(record.ttftMs).not.toBeNull();
  });

  it('records a stream read to its end as streamed, with its time to first token', async () => {
    const ledger = testLedger();
    server.script('openai.chat', chatStream({ content: ['Hel', 'lo'], usage: openaiUsage(8, 2) }));
    const handler = new LedgerCallbackHandler({ ledger, requestMode: 'streaming' });

    const chunks: string[] = [];
    for await (const chunk of await openaiModel(server).stream('hi', { callbacks: [handler] })) {
      chunks.push(String(chunk.content));
    }

    expect(chunks.join('')).toBe('Hello');
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'success',
      requestMode: 'streaming',
      streamed: true,
      responseMessage: { role: 'assistant', content: 'Hello' },
      tokens: { input: 8, output: 2, total: 10 },
      finishReason: 'stop',
    });
    expect(record.ttftMs).toBeGreaterThanOrEqual(0);
  });
});
