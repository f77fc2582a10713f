import { embed, embedMany } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { embeddings, openaiError } from '../support/wire-server/index.js';
import {
  expectedCost,
  onlyRecord,
  recordedEmbeddingModel,
  records,
  startWireServer,
  testLedger,
  totals,
  type WireServer,
} from './ai-sdk-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('ai-sdk embeddings', () => {
  it('records an embed call with the provider token count', async () => {
    const ledger = testLedger();
    server.script('openai.embeddings', embeddings({ vectors: [[0.25, 0.5, 0.75]], promptTokens: 5 }));
    const result = await ledger.context({ userId: 'u-7' }, () =>
      embed({ model: recordedEmbeddingModel(server, ledger), value: 'sunny day at the beach', maxRetries: 0 }),
    );
    expect(result.embedding).toEqual([0.25, 0.5, 0.75]);
    expect(result.usage.tokens).toBe(5);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      provider: 'openai',
      model: 'text-embedding-3-small',
      callType: 'EMBEDDING',
      userId: 'u-7',
      messages: [{ role: 'user', content: 'sunny day at the beach' }],
      responseMessage: null,
      status: 'success',
      tokenSource: 'provider',
      metadata: { vectors: 1, dimensions: 3 },
    });
    expect(record.tokens).toEqual({ input: 5, output: 0, total: 5, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
    expect(record.cost?.total).toBe(expectedCost(5, 0));
  });

  it('records each provider call embedMany makes', async () => {
    const ledger = testLedger();
    server.script(
      'openai.embeddings',
      embeddings({
        vectors: [
          [1, 0],
          [0, 1],
        ],
        promptTokens: 9,
      }),
    );
    const result = await embedMany({
      model: recordedEmbeddingModel(server, ledger),
      values: ['first text', 'second text'],
      maxRetries: 0,
    });
    expect(result.embeddings).toHaveLength(2);
    const all = await records(ledger);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      messages: [
        { role: 'user', content: 'first text' },
        { role: 'user', content: 'second text' },
      ],
      metadata: { vectors: 2, dimensions: 2 },
    });
    expect(totals(all)).toEqual({ input: result.usage.tokens, output: 0, micros: 9 });
  });

  it('records a failed embedding call and rethrows', async () => {
    const ledger = testLedger();
    server.script(
      'openai.embeddings',
      openaiError(401, { message: 'Incorrect API key', type: 'invalid_request_error', code: 'invalid_api_key' }),
    );
    await expect(embed({ model: recordedEmbeddingModel(server, ledger), value: 'x', maxRetries: 0 })).rejects.toThrow(
      /Incorrect API key/,
    );
    expect(await onlyRecord(ledger)).toMatchObject({
      callType: 'EMBEDDING',
      status: 'error',
      errorType: 'authentication',
      httpStatus: 401,
      tokenSource: null,
    });
  });
});
