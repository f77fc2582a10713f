/**
 * Realistic call records for benchmarks: a system prompt, two or three messages, request
 * parameters, token usage and a decimal cost, with attribution drawn from bounded pools the way
 * a production app has many users but a few models. Deterministic for a given seed, so runs are
 * comparable. The payload (prompt, messages, params, response, usage, cost) is about 760 bytes
 * of JSON per record.
 */
import type { CallInit, CallResult } from '../src/core/call.js';
import type { CallRecord } from '../src/core/record.js';
import { newCallId } from '../src/core/call-id.js';

const SYSTEM_PROMPTS = [
  'You are a helpful customer support assistant for an online store. Answer briefly and politely.',
  'You are a product analysis AI assistant. Compare features precisely and cite the source.',
  'Classify the sentiment of the review as positive, negative or neutral. Reply with one word.',
  'Summarize the following support ticket in two sentences for the escalation queue.',
];

const WORDS = (
  'order delivery refund account password invoice shipping address payment card subscription plan ' +
  'upgrade cancel return damaged package tracking number week yesterday support team please help ' +
  'thanks issue error charge twice missing item size color replacement store policy days email'
).split(' ');

const MODELS = [
  { provider: 'openai', model: 'gpt-4o-mini', responseModel: 'gpt-4o-mini-2024-07-18', inPrice: 15n, outPrice: 60n },
  { provider: 'openai', model: 'gpt-4o', responseModel: 'gpt-4o-2024-08-06', inPrice: 250n, outPrice: 1000n },
  {
    provider: 'anthropic',
    model: 'claude-3-5-haiku',
    responseModel: 'claude-3-5-haiku-20241022',
    inPrice: 80n,
    outPrice: 400n,
  },
];

/** A generator of reproducible pseudo-random numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function sentence(random: () => number, words: number): string {
  const parts: string[] = [];
  for (let index = 0; index < words; index++) parts.push(WORDS[Math.floor(random() * WORDS.length)]!);
  const text = parts.join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

/** Price per token is given in units of 1e-8 USD, so the cost is an exact decimal string. */
function costString(units: bigint): string {
  const digits = units.toString().padStart(9, '0');
  return `${digits.slice(0, -8)}.${digits.slice(-8)}`.replace(/\.?0+$/, '');
}

export function buildRecords(count: number, seed = 1): CallRecord[] {
  const random = seeded(seed);
  const start = Date.parse('2025-03-01T00:00:00.000Z');
  const records: CallRecord[] = [];
  let traceId = '';
  for (let index = 0; index < count; index++) {
    const model = MODELS[Math.floor(random() * MODELS.length)]!;
    const systemPrompt = SYSTEM_PROMPTS[Math.floor(random() * SYSTEM_PROMPTS.length)]!;
    const startedAtMs = start + index * 1500 + Math.floor(random() * 1000);
    const id = newCallId();
    if (index % 4 === 0) traceId = id;
    const messages: unknown[] = [{ role: 'user', content: sentence(random, 10 + Math.floor(random() * 8)) }];
    if (random() < 0.5) {
      messages.push({ role: 'assistant', content: sentence(random, 10) });
      messages.push({ role: 'user', content: sentence(random, 8) });
    }
    const input = 60 + Math.floor(random() * 400);
    const output = 20 + Math.floor(random() * 200);
    const cacheRead = random() < 0.3 ? Math.floor(input / 2) : 0;
    const latencyMs = Math.round((300 + random() * 2500) * 1000) / 1000;
    const total = costString(BigInt(input) * model.inPrice + BigInt(output) * model.outPrice);
    records.push({
      id,
      traceId,
      parentId: traceId === id ? null : traceId,
      sessionId: `session-${Math.floor(random() * 5000)}`,
      userId: `user-${Math.floor(random() * 1000)}`,
      tenantId: `tenant-${Math.floor(random() * 20)}`,
      requestId: null,
      callType: 'CHAT',
      tags: ['prod'],
      metadata: { feature: 'support-chat' },
      provider: model.provider,
      model: model.model,
      systemPrompt,
      messages,
      tools: null,
      toolChoice: null,
      params: { temperature: 0.7, maxTokens: 512 },
      responseModel: model.responseModel,
      responseMessage: { role: 'assistant', content: sentence(random, 16 + Math.floor(random() * 8)) },
      finishReason: 'stop',
      tokens: { input, output, total: input + output, cacheRead, cacheWrite: 0, reasoning: 0 },
      tokenSource: 'provider',
      cost: { total, breakdown: {}, currency: 'USD', pricingVersion: 'caller', status: 'priced' },
      costHistory: [],
      startedAt: new Date(startedAtMs).toISOString(),
      endedAt: new Date(startedAtMs + Math.floor(latencyMs)).toISOString(),
      latencyMs,
      ttftMs: null,
      requestMode: 'sync',
      streamed: false,
      partial: false,
      status: 'success',
      errorType: null,
      errorMessage: null,
      httpStatus: null,
      retryAfterMs: null,
    });
  }
  return records;
}

/** What a caller hands to `ledger.start()` for this record. */
export function toCallInit(record: CallRecord): CallInit {
  return {
    provider: record.provider,
    model: record.model,
    callType: record.callType,
    systemPrompt: record.systemPrompt,
    messages: record.messages,
    params: record.params,
    traceId: record.traceId,
    parentId: record.parentId,
    sessionId: record.sessionId ?? undefined,
    userId: record.userId ?? undefined,
    tenantId: record.tenantId ?? undefined,
    tags: record.tags,
    metadata: record.metadata,
    startedAt: record.startedAt,
  };
}

/** What a caller hands to `call.complete()`: the usage as OpenAI reports it and a cost string. */
export function toCallResult(record: CallRecord): CallResult {
  return {
    responseMessage: record.responseMessage,
    responseModel: record.responseModel,
    finishReason: record.finishReason,
    tokens: {
      prompt_tokens: record.tokens.input,
      completion_tokens: record.tokens.output,
      total_tokens: record.tokens.total,
      prompt_tokens_details: { cached_tokens: record.tokens.cacheRead },
    },
    cost: record.cost?.total ?? undefined,
  };
}

/** Bytes of the JSON a caller logs per call: prompt, messages, params, response, usage and cost. */
export function payloadBytes(record: CallRecord): number {
  return Buffer.byteLength(
    JSON.stringify({
      systemPrompt: record.systemPrompt,
      messages: record.messages,
      params: record.params,
      responseMessage: record.responseMessage,
      tokens: record.tokens,
      cost: record.cost,
    }),
  );
}

/**
 * A record as the raw baselines bind it, column by column in table order: JSON text for the
 * JSON columns, booleans as 0/1 for SQLite or as booleans for PostgreSQL.
 */
export function rawRow(record: CallRecord, booleans: 'integer' | 'boolean'): unknown[] {
  const { tokens, cost } = record;
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  return [
    record.id,
    record.traceId,
    record.parentId,
    record.sessionId,
    record.userId,
    record.tenantId,
    record.requestId,
    record.callType,
    JSON.stringify(record.tags),
    JSON.stringify(record.metadata),
    record.provider,
    record.model,
    record.systemPrompt,
    JSON.stringify(record.messages),
    json(record.tools),
    json(record.toolChoice),
    JSON.stringify(record.params),
    record.responseModel,
    json(record.responseMessage),
    record.finishReason,
    tokens.input,
    tokens.output,
    tokens.total,
    tokens.cacheRead,
    tokens.cacheWrite,
    tokens.reasoning,
    null,
    record.tokenSource,
    cost?.total ?? null,
    cost?.currency ?? null,
    cost?.status ?? null,
    cost?.pricingVersion ?? null,
    cost ? JSON.stringify(cost.breakdown) : null,
    JSON.stringify(record.costHistory),
    record.startedAt,
    record.endedAt,
    record.latencyMs,
    record.ttftMs,
    record.requestMode,
    booleans === 'integer' ? (record.streamed ? 1 : 0) : record.streamed,
    booleans === 'integer' ? (record.partial ? 1 : 0) : record.partial,
    record.status,
    record.errorType,
    record.errorMessage,
    record.httpStatus,
    record.retryAfterMs,
    null, // problems: the ledger writes none for these records
    null, // cache_hit
    null, // cost_saved
  ];
}
