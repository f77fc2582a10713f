import { newCallId } from '../../core/call-id.js';
import type { CallCost, CallRecord } from '../../core/record.js';

const BASE_TIME = Date.parse('2025-03-01T09:00:00.000Z');

/**
 * A valid CallRecord with a fresh UUIDv7 id; every field can be overridden. `startedAt` defaults
 * to a fixed day so that date grouping is predictable; `endedAt` follows from `latencyMs`.
 */
export function makeRecord(overrides: Partial<CallRecord> = {}): CallRecord {
  const id = overrides.id ?? newCallId();
  const startedAt = overrides.startedAt ?? new Date(BASE_TIME).toISOString();
  const latencyMs = overrides.latencyMs ?? 420.5;
  const record: CallRecord = {
    id,
    traceId: id,
    parentId: null,
    sessionId: null,
    userId: null,
    tenantId: null,
    requestId: null,
    callType: 'CHAT',
    tags: [],
    metadata: {},
    provider: 'openai',
    model: 'gpt-4o-mini',
    systemPrompt: 'You are a helpful assistant.',
    messages: [{ role: 'user', content: 'Hello' }],
    tools: null,
    toolChoice: null,
    params: { temperature: 0.2 },
    responseModel: 'gpt-4o-mini-2024-07-18',
    responseMessage: { role: 'assistant', content: 'Hi! How can I help?' },
    finishReason: 'stop',
    tokens: { input: 12, output: 7, total: 19, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    tokenSource: 'provider',
    cost: makeCost('0.0000063'),
    costHistory: [],
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + Math.round(latencyMs)).toISOString(),
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
    ...overrides,
  };
  return record;
}

/** A priced cost, or an unpriced one when `total` is null. */
export function makeCost(total: string | null, overrides: Partial<CallCost> = {}): CallCost {
  return {
    total,
    breakdown: total === null ? {} : { input: total },
    currency: 'USD',
    pricingVersion: total === null ? null : 'test-prices@2025-03-01',
    status: total === null ? 'unpriced' : 'priced',
    ...overrides,
  };
}

/** `startedAt` `minutes` after the factory's base time. */
export function at(minutes: number): string {
  return new Date(BASE_TIME + minutes * 60_000).toISOString();
}
