import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/core/ledger.js';
import { ERROR_TYPE_ATTRIBUTE, GEN_AI_ATTRIBUTES, LEDGER_ATTRIBUTES } from '../../src/observe/otel/attributes.js';
import { OtelSpanHandler } from '../../src/observe/otel/otel-handler.js';
import { otelSpanId, otelTraceId } from '../../src/observe/otel/span-ids.js';
import { ManualClock, observedLedger } from './support.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  // Registers the AsyncLocalStorage context manager, as an application using OTel in Node does.
  provider.register();
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

class RateLimitError extends Error {
  override name = 'RateLimitError';
  status = 429;
}

function spanNamed(name: string): ReadableSpan {
  const found = exporter.getFinishedSpans().filter((span) => span.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
}

describe('attribute names', () => {
  it('are the GenAI semantic-convention names, pinned by value', () => {
    expect(GEN_AI_ATTRIBUTES).toMatchObject({
      operationName: 'gen_ai.operation.name',
      providerName: 'gen_ai.provider.name',
      requestModel: 'gen_ai.request.model',
      responseModel: 'gen_ai.response.model',
      responseFinishReasons: 'gen_ai.response.finish_reasons',
      usageInputTokens: 'gen_ai.usage.input_tokens',
      usageOutputTokens: 'gen_ai.usage.output_tokens',
      requestTemperature: 'gen_ai.request.temperature',
      requestMaxTokens: 'gen_ai.request.max_tokens',
      requestTopP: 'gen_ai.request.top_p',
      conversationId: 'gen_ai.conversation.id',
      inputMessages: 'gen_ai.input.messages',
      outputMessages: 'gen_ai.output.messages',
    });
    expect(ERROR_TYPE_ATTRIBUTE).toBe('error.type');
  });
});

describe('OtelSpanHandler', () => {
  let ledger: Ledger | undefined;
  afterEach(async () => {
    await ledger?.close();
    ledger = undefined;
    exporter.reset();
  });

  it('makes one CLIENT span per call with GenAI attributes and the record times', async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 15, 12, 0, 0));
    ledger = observedLedger([new OtelSpanHandler({ tracerProvider: provider })], { clock });
    const call = ledger.start({
      provider: 'openai',
      model: 'gpt-4o',
      sessionId: 'conversation-1',
      messages: [{ role: 'user', content: 'Secret plan for ada@example.com' }],
      params: { temperature: 0.2, maxTokens: 256, topP: 0.9, seed: 7, stop: ['END'] },
    });
    clock.advance(1234.5);
    call.complete({
      responseModel: 'gpt-4o-2024-08-06',
      finishReason: 'stop',
      responseMessage: 'Here is the plan',
      tokens: { input: 100, output: 20, cacheRead: 30, reasoning: 5 },
      cost: '0.0123',
    });
    await ledger.flush();

    const span = spanNamed('chat gpt-4o');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.instrumentationScope.name).toBe('llm-ledger');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 20,
      'gen_ai.usage.cache_read.input_tokens': 30,
      'gen_ai.usage.reasoning.output_tokens': 5,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 256,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.seed': 7,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.conversation.id': 'conversation-1',
      'llm_ledger.call_id': call.id,
      'llm_ledger.trace_id': call.traceId,
      'llm_ledger.cost': '0.0123',
      'llm_ledger.cost_currency': 'USD',
      'llm_ledger.status': 'success',
    });
    // Content is opt-in.
    expect(span.attributes).not.toHaveProperty('gen_ai.input.messages');
    expect(span.attributes).not.toHaveProperty('gen_ai.output.messages');
    expect(span.attributes).not.toHaveProperty(ERROR_TYPE_ATTRIBUTE);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    // Times are the record's, not the time the handler ran.
    expect(span.startTime).toEqual([Date.UTC(2025, 0, 15, 12, 0, 0) / 1000, 0]);
    expect(span.endTime).toEqual([Date.UTC(2025, 0, 15, 12, 0, 1) / 1000, 234_500_000]);
    expect(span.parentSpanContext).toBeUndefined();
  });

  it('marks failed calls as errors with error.type', async () => {
    const clock = new ManualClock();
    ledger = observedLedger([new OtelSpanHandler({ tracerProvider: provider })], { clock });
    ledger.start({ provider: 'anthropic', model: 'claude-sonnet-4' }).fail(new RateLimitError('slow down'));
    ledger.logEmbedding({ provider: 'google', model: 'text-embedding-004', input: 'hi' }).complete({
      tokens: { input: 2, output: 0 },
    });
    await ledger.flush();
    const failed = spanNamed('chat claude-sonnet-4');
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'slow down' });
    expect(failed.attributes[ERROR_TYPE_ATTRIBUTE]).toBe('RateLimitError');
    expect(failed.attributes['gen_ai.provider.name']).toBe('anthropic');
    expect(failed.events.map((event) => event.name)).toEqual(['exception']);
    const embedding = spanNamed('embeddings text-embedding-004');
    expect(embedding.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'gcp.gemini',
    });
  });

  it('parents a call to the span of its ledger parent call', async () => {
    const clock = new ManualClock();
    ledger = observedLedger([new OtelSpanHandler({ tracerProvider: provider })], { clock });
    const current = ledger;
    await ledger.logCall({ provider: 'openai', model: 'planner' }, async (outer) => {
      const inner = current.start({ provider: 'openai', model: 'worker' });
      clock.advance(5);
      inner.complete({ tokens: { input: 1, output: 1 } });
      outer.complete({ tokens: { input: 2, output: 2 } });
    });
    await ledger.flush();
    const outer = spanNamed('chat planner');
    const inner = spanNamed('chat worker');
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(inner.spanContext().traceId).toBe(outer.spanContext().traceId);
    expect(outer.parentSpanContext).toBeUndefined();
  });

  it('joins the OTel trace active where the call started', async () => {
    const clock = new ManualClock();
    const handler = new OtelSpanHandler({ tracerProvider: provider });
    ledger = observedLedger([handler], { clock });
    const current = ledger;
    const tracer = provider.getTracer('app');
    await tracer.startActiveSpan('GET /summary', async (requestSpan) => {
      // The ledger calls handler.onStartSync() inside start(), in this async context.
      const call = current.start({ provider: 'openai', model: 'gpt-4o' });
      call.complete({ tokens: { input: 1, output: 1 } });
      await current.flush();
      requestSpan.end();
    });
    const request = spanNamed('GET /summary');
    const span = spanNamed('chat gpt-4o');
    expect(span.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(span.spanContext().traceId).toBe(request.spanContext().traceId);
  });

  it('starts a new OTel trace for a call started outside any active span', async () => {
    const clock = new ManualClock();
    ledger = observedLedger([new OtelSpanHandler({ tracerProvider: provider })], { clock });
    const current = ledger;
    await provider.getTracer('app').startActiveSpan('finished before the call', async (earlier) => {
      earlier.end();
    });
    current.start({ provider: 'openai', model: 'gpt-4o' }).complete();
    await current.flush();
    expect(spanNamed('chat gpt-4o').parentSpanContext).toBeUndefined();
  });

  it('maps a given ledger trace id to the OTel trace id', async () => {
    const clock = new ManualClock();
    ledger = observedLedger([new OtelSpanHandler({ tracerProvider: provider })], { clock });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    ledger.start({ provider: 'openai', model: 'first', traceId }).complete();
    ledger.start({ provider: 'openai', model: 'second', traceId }).complete();
    ledger.start({ provider: 'openai', model: 'orphan', traceId, parentId: 'gone-call' }).complete();
    await ledger.flush();
    for (const name of ['chat first', 'chat second', 'chat orphan']) {
      expect(spanNamed(name).spanContext().traceId).toBe(traceId);
      expect(spanNamed(name).parentSpanContext?.isRemote).toBe(true);
    }
    expect(spanNamed('chat orphan').parentSpanContext?.spanId).toBe(otelSpanId('gone-call'));
  });

  it('records redacted content when asked', async () => {
    const clock = new ManualClock();
    ledger = observedLedger([new OtelSpanHandler({ tracerProvider: provider, captureContent: true })], { clock });
    ledger
      .start({
        provider: 'openai',
        model: 'gpt-4o',
        systemPrompt: 'Be brief.',
        messages: [{ role: 'user', content: 'Mail ada@example.com the key sk-abcdefghijklmnopqrstuvwx' }],
      })
      .complete({ responseMessage: 'Done, ada@example.com.', finishReason: 'stop' });
    await ledger.flush();
    const span = spanNamed('chat gpt-4o');
    expect(JSON.parse(String(span.attributes['gen_ai.input.messages']))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Mail [REDACTED_EMAIL] the key [REDACTED_API_KEY]' }] },
    ]);
    expect(JSON.parse(String(span.attributes['gen_ai.output.messages']))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Done, [REDACTED_EMAIL].' }], finish_reason: 'stop' },
    ]);
    expect(JSON.parse(String(span.attributes['gen_ai.system_instructions']))).toEqual([
      { type: 'text', content: 'Be brief.' },
    ]);
    expect(span.attributes[LEDGER_ATTRIBUTES.callId]).toBeDefined();
  });

  it('derives stable OTel ids from ledger ids', () => {
    expect(otelTraceId('0190f5c2-7d3a-7b1e-9c4d-2f6a8b0c1d2e')).toBe('0190f5c27d3a7b1e9c4d2f6a8b0c1d2e');
    expect(otelSpanId('0190f5c2-7d3a-7b1e-9c4d-2f6a8b0c1d2e')).toBe('9c4d2f6a8b0c1d2e');
    expect(otelTraceId('request-42')).toMatch(/^[0-9a-f]{32}$/);
    expect(otelTraceId('request-42')).toBe(otelTraceId('request-42'));
  });
});

describe('OtelSpanHandler bounds', () => {
  it('past maxTrackedCalls ends the oldest never-ended call span as unfinished, keeping the newer ones open', async () => {
    exporter.reset();
    const ledger = observedLedger([new OtelSpanHandler({ tracerProvider: provider, maxTrackedCalls: 2 })]);
    try {
      for (const model of ['model-a', 'model-b', 'model-c']) ledger.start({ provider: 'openai', model });
      await ledger.flush();
      const finished = exporter.getFinishedSpans();
      expect(finished).toHaveLength(1);
      expect(finished[0]!.attributes[GEN_AI_ATTRIBUTES.requestModel]).toBe('model-a');
      expect(finished[0]!.attributes[LEDGER_ATTRIBUTES.status]).toBe('unfinished');
    } finally {
      await ledger.close();
      exporter.reset();
    }
  });

  it('refuses a maxTrackedCalls that is not a whole number >= 1, naming it', () => {
    expect(() => new OtelSpanHandler({ tracerProvider: provider, maxTrackedCalls: 0 })).toThrow(
      /maxTrackedCalls: expected a whole number >= 1, got 0/,
    );
  });
});
