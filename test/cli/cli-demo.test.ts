import { tiktokenCount } from '../support/token-chain.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordSimulatedCalls } from '../../src/cli/demo/simulated-calls.js';
import { createLedger, silentLogger, type CallRecord } from '../../src/index.js';
import { cli, tempDir } from './cli-harness.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => (dir = tempDir()));
afterEach(() => dir.remove());

function openLedger() {
  return createLedger({ store: join(dir.path, '.llm-ledger', 'ledger.db'), configFile: false, logger: silentLogger });
}

/** The one record matching `predicate`; fails on none or several. */
function only(records: readonly CallRecord[], predicate: (record: CallRecord) => boolean): CallRecord {
  const found = records.filter(predicate);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('llm-ledger demo', () => {
  it('drives the real SDKs against the local wire server and records every call exactly', async () => {
    const run = await cli(['demo'], dir.path);
    // the one model no catalog knows is warned about once, and recorded as unpriced
    expect(run.stderr.trim().split('\n')).toEqual([
      'llm-ledger warning: no price for self-hosted/acme-support-finetune-v2: its calls are recorded as unpriced (cost null, not 0)',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Recorded 11 calls into the sqlite ledger \.\/\.llm-ledger\/ledger\.db\.\n\n/);
    expect(run.stdout).toContain('Usage by model (all demo runs so far):');
    expect(run.stdout).toContain('11 calls, 1 errors, total cost $0.032973');
    expect(run.stdout).toMatch(/trace \S+: 4 calls, 6,746 tokens, \$0\.020491/);
    expect(run.stdout).toContain('Try: npx llm-ledger report');

    const ledger = openLedger();
    const { records } = await ledger.calls.list({ order: 'asc', limit: 100 });
    await ledger.close();
    expect(records).toHaveLength(11);
    expect(records.map((record) => record.status).sort()).toEqual([
      'cancelled',
      'error',
      ...Array<string>(9).fill('success'),
    ]);
    expect(new Set(records.map((record) => record.userId))).toEqual(new Set(['alice', 'bob', 'carol', 'dave']));
    expect(new Set(records.map((record) => record.model))).toEqual(
      new Set([
        'gpt-4o',
        'gpt-4o-mini',
        'text-embedding-3-small',
        'claude-sonnet-4-20250514',
        'gemini-2.5-flash',
        'acme-support-finetune-v2',
      ]),
    );
    for (const record of records) expect(record.tags).toContain('demo');

    // OpenAI chat: cached prompt tokens from prompt_tokens_details, priced with the cache discount
    const alice = only(records, (record) => record.userId === 'alice');
    expect(alice).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      tenantId: 'acme',
      sessionId: 'session-alice-1',
      systemPrompt: 'You are a product expert.',
      params: { temperature: 0.7, maxTokens: 500 },
      tokens: { input: 1_480, cacheRead: 1_280, output: 182, total: 1_662 },
      tokenSource: 'provider',
      cost: { total: '0.00392', status: 'priced', currency: 'USD' },
    });

    // Anthropic messages.stream(): input includes cache reads and writes, each priced at its own rate
    const anthropic = only(records, (record) => record.provider === 'anthropic');
    expect(anthropic).toMatchObject({
      userId: 'carol',
      tenantId: 'globex',
      status: 'success',
      streamed: true,
      requestMode: 'streaming',
      finishReason: 'end_turn',
      responseMessage: { content: 'Your order shipped late, so a voucher is on its way.' },
      tokens: { input: 2_972, cacheRead: 2_048, cacheWrite: 512, output: 96, total: 3_068 },
      tokenSource: 'provider',
      cost: { total: '0.0052104', status: 'priced' },
    });
    expect(anthropic.ttftMs).toBeGreaterThan(0);

    // Gemini generateContent: thoughts tokens are output and reasoning
    expect(only(records, (record) => record.model === 'gemini-2.5-flash')).toMatchObject({
      provider: 'gemini',
      callType: 'SUMMARIZATION',
      tokens: { input: 5_800, output: 640, reasoning: 410, total: 6_440 },
      cost: { total: '0.00334', status: 'priced' },
    });

    // a streamed OpenAI call: usage from the final usage-only chunk, time to first token measured
    const sentiment = only(records, (record) => record.userId === 'dave' && record.streamed);
    expect(sentiment).toMatchObject({
      status: 'success',
      responseMessage: { content: 'positive' },
      tokens: { input: 31, output: 1 },
      tokenSource: 'provider',
      cost: { total: '0.00000525', status: 'priced' },
    });
    expect(sentiment.ttftMs).toBeGreaterThan(0);

    // the aborted stream keeps what arrived, its tokens counted by gpt-4o-mini's own tokenizer
    const cancelled = only(records, (record) => record.status === 'cancelled');
    expect(cancelled).toMatchObject({
      model: 'gpt-4o-mini',
      userId: 'carol',
      errorType: 'aborted',
      partial: true,
      streamed: true,
      tokenSource: 'tokenizer',
      tokens: { output: tiktokenCount('Welcome aboard! Here is everything ') },
      cost: { status: 'estimated' },
      responseMessage: { content: 'Welcome aboard! Here is everything ' },
    });
    expect(cancelled.ttftMs).toBeGreaterThan(0);

    // the 429 is recorded with its status and retry-after
    expect(only(records, (record) => record.status === 'error')).toMatchObject({
      model: 'gpt-4o',
      userId: 'dave',
      errorType: 'rate_limit',
      httpStatus: 429,
      retryAfterMs: 20_000,
      tokenSource: null,
      cost: null,
    });

    // the self-hosted model no catalog knows: cost null, not 0
    expect(only(records, (record) => record.cost?.status === 'unpriced')).toMatchObject({
      provider: 'self-hosted',
      model: 'acme-support-finetune-v2',
      tokens: { input: 210, output: 3 },
      cost: { total: null, status: 'unpriced' },
    });

    // the RAG pipeline: a logCall root and the wrapped SDK calls made inside it as its children
    const root = only(records, (record) => record.callType === 'RAG_QUERY');
    expect(root).toMatchObject({
      userId: 'bob',
      sessionId: 'session-bob-7',
      parentId: null,
      model: 'gpt-4o-mini',
      responseMessage: { content: 'competitor' },
      tokens: { input: 64, output: 2 },
      cost: { total: '0.0000108', status: 'priced' },
    });
    expect(root.traceId).toBe(root.id);
    const children = records.filter((record) => record.parentId !== null);
    expect(children.map((record) => [record.callType, record.model])).toEqual([
      ['EMBEDDING', 'text-embedding-3-small'],
      ['RAG_SYNTHESIS', 'gpt-4o'],
      ['RAG_SYNTHESIS', 'gpt-4o'],
    ]);
    for (const child of children) {
      expect(child).toMatchObject({ parentId: root.id, traceId: root.id, userId: 'bob', tenantId: 'acme' });
      expect(child.tags).toEqual(['demo', 'rag']);
    }
    const [embedding, toolCall, answer] = children;
    expect(embedding).toMatchObject({ tokens: { input: 12, output: 0 }, cost: { total: '0.00000024' } });
    expect(toolCall).toMatchObject({
      finishReason: 'tool_calls',
      responseMessage: {
        toolCalls: [{ id: 'call_demo_competitors', function: { name: 'get_competitor_data' } }],
      },
      tokens: { input: 2_950, output: 96 },
      cost: { total: '0.008335', status: 'priced' },
    });
    expect(answer!.messages).toContainEqual(
      expect.objectContaining({ role: 'tool', tool_call_id: 'call_demo_competitors' }),
    );
    expect(answer).toMatchObject({ finishReason: 'stop', tokens: { input: 3_210, output: 412 } });
    expect(records.filter((record) => record.traceId === root.id)).toHaveLength(4);
  });

  it('--live without OPENAI_API_KEY or ANTHROPIC_API_KEY exits 2 and says which keys it needs', async () => {
    const run = await cli(['demo', '--live'], dir.path, {});
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--live needs OPENAI_API_KEY and/or ANTHROPIC_API_KEY');
    expect(existsSync(join(dir.path, '.llm-ledger'))).toBe(false);
  });

  it('the fallback without the SDKs records the same story as simulated calls', async () => {
    const ledger = openLedger();
    const traceId = await recordSimulatedCalls(ledger);
    const { records } = await ledger.calls.list({ limit: 100 });
    const trace = await ledger.calls.byTrace(traceId);
    await ledger.close();
    expect(records).toHaveLength(10);
    expect(records.map((record) => record.status).sort()).toEqual([
      'cancelled',
      'error',
      ...Array<string>(8).fill('success'),
    ]);
    expect(new Set(records.map((record) => record.userId)).size).toBe(4);
    expect(records.some((record) => record.streamed && record.status === 'success' && record.ttftMs !== null)).toBe(
      true,
    );
    const cancelled = only(records, (record) => record.status === 'cancelled');
    expect(cancelled.partial).toBe(true);
    expect(cancelled.responseMessage?.content).toContain('Welcome aboard');
    expect(only(records, (record) => record.status === 'error')).toMatchObject({
      httpStatus: 429,
      retryAfterMs: 20_000,
    });
    expect(trace).toHaveLength(3);
    expect(trace.filter((record) => record.parentId !== null)).toHaveLength(2);
  });
});
