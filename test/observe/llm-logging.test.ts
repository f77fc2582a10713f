import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/core/ledger.js';
import { createLogHandler } from '../../src/observe/logging/log-handler.js';
import { LLMLogger } from '../../src/observe/logging/llm-logger.js';
import { PerformanceMonitor } from '../../src/observe/monitor/performance-monitor.js';
import { EXPECTED_EMOJI } from './expected-emoji.js';
import { LineSink, ManualClock, observedLedger, tablePricer } from './support.js';

class RateLimitError extends Error {
  override name = 'RateLimitError';
  status = 429;
}
class APIConnectionTimeoutError extends Error {
  override name = 'APIConnectionTimeoutError';
}
class BadRequestError extends Error {
  override name = 'BadRequestError';
  status = 400;
}

const messages = [{ role: 'user', content: 'Summarize the quarterly report.' }];

/** Drives one call of each kind through a real ledger. */
async function runCalls(ledger: Ledger, clock: ManualClock): Promise<void> {
  const ok = ledger.start({ provider: 'openai', model: 'gpt-4o', messages, userId: 'u-1' });
  clock.advance(1250);
  ok.complete({ responseMessage: 'Revenue grew.', tokens: { input: 150, output: 75 }, finishReason: 'stop' });

  const stream = ledger.start({ provider: 'openai', model: 'gpt-4o', messages, requestMode: 'streaming' });
  clock.advance(200);
  stream.update({ appendText: 'Revenue ' });
  clock.advance(800);
  stream.complete({ tokens: { input: 150, output: 50 } });

  const failed = ledger.start({ provider: 'openai', model: 'gpt-4o', messages });
  clock.advance(100);
  failed.fail(new Error('upstream exploded'));

  const streamFailed = ledger.start({ provider: 'openai', model: 'gpt-4o', messages, requestMode: 'streaming' });
  clock.advance(100);
  streamFailed.fail(new Error('connection reset'));

  const limited = ledger.start({ provider: 'openai', model: 'gpt-4o', messages });
  limited.fail(new RateLimitError('Rate limit reached for gpt-4o'));

  const slow = ledger.start({ provider: 'openai', model: 'gpt-4o', messages });
  clock.advance(30_000);
  slow.fail(new APIConnectionTimeoutError('Request timed out.'));

  const long = ledger.start({ provider: 'openai', model: 'gpt-4o', messages });
  long.fail(new BadRequestError("This model's maximum context length is 8192 tokens."));

  for (let index = 0; index < 2; index++) {
    const unknown = ledger.start({ provider: 'acme', model: 'acme-1', messages });
    unknown.complete({ tokens: { input: 10, output: 5 } });
  }
  await ledger.flush();
}

describe('LogHandler JSON lines', () => {
  let ledger: Ledger | undefined;
  afterEach(async () => {
    await ledger?.close();
    ledger = undefined;
  });

  it('logs every call event with its emoji field and seed field names', async () => {
    const sink = new LineSink();
    const clock = new ManualClock();
    const logs = createLogHandler({ destination: sink, level: 'debug', env: {} });
    ledger = observedLedger([logs], { clock, pricer: tablePricer({ 'gpt-4o': '0.0135' }) });
    await runCalls(ledger, clock);

    const lines = sink.json();
    const events = new Set(lines.map((line) => line.event));
    for (const event of [
      'inference_started',
      'inference_completed',
      'inference_failed',
      'stream_started',
      'stream_completed',
      'stream_failed',
      'token_count',
      'request_cost_calculated',
      'unknown_model_pricing',
      'rate_limited',
      'model_timeout',
      'context_length_exceeded',
    ]) {
      expect(events, event).toContain(event);
      for (const line of sink.byEvent(event)) {
        expect(line.emoji, event).toBe(EXPECTED_EMOJI[event]);
        expect(line.msg).toBe(event);
      }
    }

    const completed = sink.byEvent('inference_completed')[0]!;
    expect(completed).toMatchObject({
      level: 30,
      emoji: '✨',
      model: 'gpt-4o',
      provider: 'openai',
      prompt_tokens: 150,
      completion_tokens: 75,
      total_tokens: 225,
      duration_ms: 1250,
      cost_usd: '0.0135',
      finish_reason: 'stop',
      user_id: 'u-1',
      prompt_length: messages[0]!.content.length,
      response_length: 'Revenue grew.'.length,
    });
    // The usual values are left out of the per-call line: status success, trace id = call id, CHAT, priced.
    for (const usual of ['status', 'trace_id', 'call_type', 'cost_status']) expect(completed).not.toHaveProperty(usual);
    expect(sink.byEvent('inference_started')[0]).toMatchObject({ message_count: 1, model: 'gpt-4o' });

    const streamed = sink.byEvent('stream_completed')[0]!;
    expect(streamed).toMatchObject({ ttft_ms: 200, duration_ms: 1000, tokens_streamed: 50, tokens_per_second: 50 });

    expect(sink.byEvent('rate_limited')[0]).toMatchObject({
      level: 40,
      http_status: 429,
      error_type: 'RateLimitError',
    });
    expect(sink.byEvent('model_timeout')[0]).toMatchObject({ level: 50, duration_ms: 30_000 });
    expect(sink.byEvent('context_length_exceeded')[0]).toMatchObject({ level: 50, http_status: 400 });
    expect(sink.byEvent('inference_failed')[0]).toMatchObject({ level: 50, error: 'upstream exploded' });
    // One line per failed call: the specific event replaces the generic one.
    expect(sink.byEvent('inference_failed')).toHaveLength(1);
    // Unknown pricing is warned once per model, not per call.
    expect(sink.byEvent('unknown_model_pricing')).toHaveLength(1);
    expect(sink.byEvent('unknown_model_pricing')[0]).toMatchObject({ level: 40, model: 'acme-1' });
  });

  it('logs application events and the monitor events with their emoji', async () => {
    const sink = new LineSink();
    const clock = new ManualClock();
    const monitor = new PerformanceMonitor({
      clock,
      minSamples: 2,
      metricsEvery: 2,
      thresholds: { averageLatencyMs: 100, errorRatePercent: 10, callCost: '1.00', dailyUserCost: '1.5' },
    });
    const logs = createLogHandler({ destination: sink, level: 'debug', env: {}, sources: [monitor] });
    ledger = observedLedger([monitor, logs], { clock, pricer: tablePricer({ 'gpt-4o': '2.00' }) });
    for (let index = 0; index < 2; index++) {
      const call = ledger.start({ provider: 'openai', model: 'gpt-4o', messages, userId: 'u-1' });
      clock.advance(500);
      if (index === 0) call.fail(new Error('boom'));
      else call.complete({ tokens: { input: 1, output: 1 } });
    }
    await ledger.flush();
    clock.advance(24 * 60 * 60 * 1000);
    monitor.rollover();

    for (const event of ['model_loaded', 'stream_progress', 'cache_hit', 'batch_processing_started', 'slow_callback']) {
      logs.logger.event(event, { model: 'gpt-4o' });
    }
    await logs.close();

    for (const event of [
      'performance_metrics',
      'high_average_latency',
      'high_error_rate',
      'high_cost_request',
      'high_daily_cost',
      'daily_usage_summary',
      'model_loaded',
      'stream_progress',
      'cache_hit',
      'batch_processing_started',
      'slow_callback',
    ]) {
      const lines = sink.byEvent(event);
      expect(lines.length, event).toBeGreaterThan(0);
      for (const line of lines) expect(line.emoji, event).toBe(EXPECTED_EMOJI[event]);
    }
    expect(sink.byEvent('high_cost_request')[0]).toMatchObject({ level: 40, cost_usd: '2.00', threshold_usd: '1.00' });
    expect(sink.byEvent('daily_usage_summary')[0]).toMatchObject({
      user_id: 'u-1',
      day: '2025-01-15',
      total_cost_usd: '2',
      request_count: 2,
      average_cost_per_request: '1',
    });
    // An event without emoji has no `emoji` key at all.
    expect(Object.keys(sink.byEvent('cache_hit')[0]!)).not.toContain('emoji');
  });

  it('does no work for disabled levels', async () => {
    const sink = new LineSink();
    const logger = new LLMLogger({ destination: sink, level: 'error', env: {} });
    let built = 0;
    logger.event('cache_hit', () => {
      built += 1;
      return { model: 'gpt-4o' };
    });
    expect(built).toBe(0);
    const clock = new ManualClock();
    ledger = observedLedger([createLogHandler({ llmLogger: logger })], { clock });
    ledger.start({ model: 'gpt-4o', messages }).complete({ tokens: { input: 1, output: 1 } });
    ledger.start({ model: 'gpt-4o', messages }).fail(new Error('boom'));
    await ledger.flush();
    expect(sink.json().map((line) => line.event)).toEqual(['inference_failed']);
  });

  it('follows level changes made after its first line', async () => {
    const sink = new LineSink();
    const logger = new LLMLogger({ destination: sink, level: 'error', env: {} });
    const clock = new ManualClock();
    ledger = observedLedger([createLogHandler({ llmLogger: logger })], { clock });
    ledger.start({ model: 'gpt-4o', messages }).fail(new Error('boom'));
    await ledger.flush();
    logger.pino.level = 'warn';
    // A cancellation is logged as inference_failed at warn, through the same bound child logger.
    ledger.start({ model: 'gpt-4o', messages }).cancel();
    await ledger.flush();
    expect(sink.json().map((line) => [line.event, line.level, line.status])).toEqual([
      ['inference_failed', 50, 'error'],
      ['inference_failed', 40, 'cancelled'],
    ]);
  });

  it('leaves the emoji out when no set is enabled', async () => {
    const sink = new LineSink();
    const clock = new ManualClock();
    ledger = observedLedger([createLogHandler({ destination: sink, emojiSets: [], env: {} })], { clock });
    ledger.start({ model: 'gpt-4o', messages }).complete({ tokens: { input: 1, output: 1 } });
    await ledger.flush();
    expect(sink.json()[0]).not.toHaveProperty('emoji');
  });
});

describe('LogHandler file output', () => {
  it('writes JSON lines to a file and closes it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-logs-'));
    try {
      const file = join(directory, 'nested', 'llm.jsonl');
      const clock = new ManualClock();
      const logs = createLogHandler({ destination: file, env: {} });
      const ledger = observedLedger([logs], { clock });
      ledger.start({ model: 'gpt-4o', messages }).complete({ tokens: { input: 3, output: 4 } });
      ledger.start({ model: 'gpt-4o', messages }).fail(new RateLimitError('slow down'));
      await ledger.close();
      await logs.close();
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.map((line) => [line.event, line.emoji])).toEqual([
        ['inference_completed', '✨'],
        ['rate_limited', '🛑'],
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('LogHandler pretty lines', () => {
  it('prefixes each line with its emoji', async () => {
    const sink = new LineSink();
    const clock = new ManualClock();
    const logs = createLogHandler({ destination: sink, format: 'pretty', level: 'debug', env: {} });
    const ledger = observedLedger([logs], { clock, pricer: tablePricer({ 'gpt-4o': '0.0135' }) });
    await runCalls(ledger, clock);
    await ledger.close();

    const byEvent = new Map<string, string>();
    for (const line of sink.lines) {
      const event = /\b(DEBUG|INFO|WARN|ERROR)\s+(\S+)/.exec(line)?.[2];
      if (event && !byEvent.has(event)) byEvent.set(event, line);
    }
    expect(byEvent.size).toBeGreaterThanOrEqual(12);
    for (const [event, line] of byEvent) {
      expect(line.startsWith(`${EXPECTED_EMOJI[event]} `), `${event}: ${line}`).toBe(true);
      expect(line.endsWith('\n')).toBe(true);
    }
    expect(byEvent.get('inference_completed')).toMatch(
      /^✨ \d\d:\d\d:\d\d\.\d{3} INFO {2}inference_completed .*model=gpt-4o .*prompt_tokens=150 completion_tokens=75 total_tokens=225 duration_ms=1250 .*cost_usd=0\.0135/,
    );
    expect(byEvent.get('rate_limited')).toMatch(/^🛑 \S+ WARN {2}rate_limited /);
  });
});
