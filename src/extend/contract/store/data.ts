/** Records the contract sections write: a varied dataset for filters and summaries, and one rich record. */
import type { CallRecord } from '../../../core/record.js';
import { at, makeCost, makeRecord } from '../records.js';

/** A deterministic generator, so that a failure can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Varied records: every filter value matches some of them and misses others. */
export function buildDataset(size: number, seed = 42): CallRecord[] {
  const random = seeded(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const tagPool = ['prod', 'beta', 'eu', "it's", 'batch'];
  const records: CallRecord[] = [];
  for (let index = 0; index < size; index++) {
    const input = Math.floor(random() * 5000);
    const output = Math.floor(random() * 800);
    const cacheRead = Math.floor(random() * input * 0.5);
    const reasoning = Math.floor(random() * output * 0.3);
    const costKind = pick(['priced', 'priced', 'priced', 'estimated', 'unpriced', 'none'] as const);
    const amount = `0.${String(Math.floor(random() * 1e9)).padStart(9, '0')}`;
    records.push(
      makeRecord({
        traceId: `trace-${Math.floor(index / 3)}`,
        sessionId: pick([null, 's-1', 's-2', 's-3']),
        userId: pick([null, 'u-1', 'u-2', "x' OR '1'='1"]),
        tenantId: pick([null, 't-1', 't-2']),
        requestId: pick([null, 'req-1', 'req-2', 'req-3']),
        callType: pick(['CHAT', 'CHAT', 'EMBEDDING', 'RAG_QUERY']),
        provider: pick(['openai', 'openai', 'anthropic', 'azure']),
        model: pick(['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet', "o'reilly; DROP TABLE llm_request_logs; --"]),
        tags: tagPool.filter(() => random() < 0.4),
        status: pick(['success', 'success', 'success', 'error', 'partial', 'cancelled'] as const),
        tokens: { input, output, total: input + output, cacheRead, cacheWrite: 0, reasoning },
        cost:
          costKind === 'none'
            ? null
            : costKind === 'unpriced'
              ? makeCost(null)
              : makeCost(amount, { status: costKind }),
        startedAt: at(index * 37 + Math.floor(random() * 30)),
        latencyMs: Math.round(random() * 30_000_000) / 1000,
      }),
    );
  }
  return records;
}

/** Every text hazard at once: tools, tool calls, scripts, SQL, control characters, nesting. */
export function richRecord(): CallRecord {
  return makeRecord({
    parentId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    sessionId: 'session-😀',
    userId: 'user-漢字',
    tenantId: 'tenant <b>bold</b>',
    requestId: 'req_123',
    callType: 'RAG_SYNTHESIS',
    tags: ['prod', 'ünïcödé', '日本語', "it's", ''],
    metadata: {
      nested: { deeper: { list: [1, 2.5, -3, true, null, 'x'], empty: {} } },
      html: '<script>alert("xss")</script>&amp;',
      sql: "Robert'); DROP TABLE llm_request_logs;--",
      control: '\u0000\u0001\u0007\b\f\u001b\u007f',
      big: 9007199254740991,
      tiny: 1e-300,
    },
    provider: 'anthropic',
    model: 'claude-3-5-sonnet-20241022',
    systemPrompt: 'Réponds en français. 答えは日本語で。 Emoji: 👩‍👩‍👧‍👦 🇫🇷\nLine\ttab\r\n\u2028\u2029',
    messages: [
      { role: 'user', content: 'What is 2+2? <b>bold</b> & "quotes" \\ backslash' },
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } }],
      },
      { role: 'tool', toolCallId: 'call_1', content: '4' },
      { role: 'user', content: [{ type: 'text', text: "SELECT * FROM users WHERE name = 'x' OR 1=1;" }] },
    ],
    tools: [
      {
        type: 'function',
        function: {
          name: 'add',
          description: 'Adds two numbers',
          parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
        },
      },
    ],
    toolChoice: { type: 'function', function: { name: 'add' } },
    params: { temperature: 0.7, maxTokens: 1024, topP: 0.95, stop: ['\n\n', 'END'], seed: 42, custom: { x: 1 } },
    responseModel: 'claude-3-5-sonnet-20241022',
    responseMessage: {
      role: 'assistant',
      content: '2 + 2 = 4 ✅',
      toolCalls: [{ id: 'call_2', type: 'function', function: { name: 'noop', arguments: '{}' } }],
    },
    finishReason: 'tool_calls',
    tokens: {
      input: 1200,
      output: 350,
      total: 1550,
      cacheRead: 1000,
      cacheWrite: 100,
      reasoning: 50,
      cacheWrite1h: 40,
      inputImage: 3,
    },
    tokenSource: 'tokenizer',
    cost: makeCost('0.000123456789', {
      breakdown: { input: '0.0000001', cacheRead: '0.00003', output: '0.000093356789' },
      status: 'estimated',
    }),
    costHistory: [makeCost('0.0002', { pricingVersion: 'old-prices' })],
    startedAt: '2025-03-02T23:59:59.999Z',
    endedAt: '2025-03-03T00:00:01.234Z',
    latencyMs: 1234.567,
    ttftMs: 88.125,
    requestMode: 'streaming',
    streamed: true,
    partial: true,
    status: 'partial',
    errorType: 'StreamInterrupted',
    errorMessage: 'stream ended early: "connection reset" <eof>',
    httpStatus: 529,
    retryAfterMs: 1500,
  });
}
