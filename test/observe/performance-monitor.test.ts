import { describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/core/ledger.js';
import type { MonitorEvent } from '../../src/observe/monitor/monitor-events.js';
import { PerformanceMonitor } from '../../src/observe/monitor/performance-monitor.js';
import { ManualClock, observedLedger } from './support.js';

/** Percentile by linear interpolation between closest ranks, written out independently. */
function interpolated(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = fraction * (sorted.length - 1);
  const below = Math.floor(rank);
  const weight = rank - below;
  return weight === 0 ? sorted[below]! : sorted[below]! * (1 - weight) + sorted[below + 1]! * weight;
}

interface CallSpec {
  latencyMs: number;
  fail?: boolean;
  cost?: string;
  model?: string;
  userId?: string;
  ttftMs?: number;
  output?: number;
}

function call(ledger: Ledger, clock: ManualClock, spec: CallSpec): void {
  const handle = ledger.start({
    model: spec.model ?? 'gpt-4o',
    userId: spec.userId,
    requestMode: spec.ttftMs === undefined ? 'sync' : 'streaming',
  });
  if (spec.ttftMs !== undefined) {
    clock.advance(spec.ttftMs);
    handle.update({ appendText: 'x' });
    clock.advance(spec.latencyMs - spec.ttftMs);
  } else clock.advance(spec.latencyMs);
  if (spec.fail) handle.fail(new Error('server error'));
  else handle.complete({ tokens: { input: 10, output: spec.output ?? 20 }, cost: spec.cost });
}

function setup(options: ConstructorParameters<typeof PerformanceMonitor>[0] = {}) {
  const clock = new ManualClock();
  const monitor = new PerformanceMonitor({ clock, ...options });
  const events: MonitorEvent[] = [];
  monitor.subscribe((event) => events.push(event));
  const ledger = observedLedger([monitor], { clock });
  const named = (name: string) => events.filter((event) => event.event === name);
  return { clock, monitor, events, ledger, named };
}

describe('PerformanceMonitor windows', () => {
  it('reports percentiles equal to an independent computation over the last window', async () => {
    const { clock, monitor, ledger } = setup({ windowSize: 101 });
    // 150 calls with scattered latencies; only the last 101 are in the window.
    const latencies = Array.from({ length: 150 }, (_, index) => ((index * 7919) % 997) + 0.125 * (index % 8));
    for (const latencyMs of latencies) call(ledger, clock, { latencyMs });
    await ledger.flush();
    const window = latencies.slice(-101);
    const [model] = monitor.snapshot().models;
    expect(model!.windowCount).toBe(101);
    expect(model!.requestCount).toBe(150);
    // 101 samples: every percentile rank is a whole sample, so the values must be identical.
    const sorted = [...window].sort((a, b) => a - b);
    expect(model!.latencyMs.p50).toBe(sorted[50]);
    expect(model!.latencyMs.p95).toBe(sorted[95]);
    expect(model!.latencyMs.p99).toBe(sorted[99]);
    expect(model!.latencyMs.avg).toBeCloseTo(window.reduce((a, b) => a + b, 0) / window.length, 9);
    await ledger.close();
  });

  it('interpolates between ranks like the store summary', async () => {
    const { clock, monitor, ledger } = setup();
    const latencies = Array.from({ length: 100 }, (_, index) => 100 - index);
    for (const latencyMs of latencies) call(ledger, clock, { latencyMs });
    await ledger.flush();
    const model = monitor.snapshot().models[0]!;
    expect(model.latencyMs).toEqual({ avg: 50.5, p50: 50.5, p95: expect.any(Number), p99: expect.any(Number) });
    expect(model.latencyMs.p95).toBeCloseTo(95.05, 10);
    expect(model.latencyMs.p99).toBeCloseTo(99.01, 10);
    expect(model.latencyMs.p95).toBeCloseTo(interpolated(latencies, 0.95), 10);
    expect(model.latencyMs.p99).toBeCloseTo(interpolated(latencies, 0.99), 10);
    await ledger.close();
  });

  it('tracks time to first token, output tokens per second and error rate', async () => {
    const { clock, monitor, ledger } = setup({ windowSize: 10 });
    const ttfts = [100, 300, 200, 400];
    for (const ttftMs of ttfts) call(ledger, clock, { latencyMs: 1000, ttftMs, output: 50 });
    call(ledger, clock, { latencyMs: 2000, output: 100 });
    call(ledger, clock, { latencyMs: 500, fail: true });
    await ledger.flush();
    const model = monitor.snapshot().models[0]!;
    expect(model.ttftMs).toEqual({
      count: 4,
      avg: 250,
      p50: interpolated(ttfts, 0.5),
      p95: expect.closeTo(interpolated(ttfts, 0.95), 10),
      p99: expect.closeTo(interpolated(ttfts, 0.99), 10),
    });
    // (4 * 50 + 100) tokens over (4 * 1 s + 2 s) of successful calls; the failure produced nothing.
    expect(model.outputTokensPerSecond).toBe(300 / 6);
    expect(model.errorCount).toBe(1);
    expect(model.errorRatePercent).toBe((1 / 6) * 100);
    await ledger.close();
  });

  it('keeps one window per model', async () => {
    const { clock, monitor, ledger } = setup();
    call(ledger, clock, { latencyMs: 100, model: 'b-model' });
    call(ledger, clock, { latencyMs: 300, model: 'a-model' });
    await ledger.flush();
    expect(monitor.snapshot().models.map((model) => [model.model, model.latencyMs.avg])).toEqual([
      ['a-model', 300],
      ['b-model', 100],
    ]);
    await ledger.close();
  });
});

describe('PerformanceMonitor alerts', () => {
  it('fires high_average_latency once per crossing and re-arms below the threshold', async () => {
    const { clock, ledger, named, monitor } = setup({ windowSize: 4, minSamples: 4, metricsEvery: 0 });
    const run = async (latencies: number[]) => {
      for (const latencyMs of latencies) call(ledger, clock, { latencyMs });
      await ledger.flush();
    };
    await run([6000, 6000, 6000]);
    expect(named('high_average_latency')).toHaveLength(0); // too few samples yet
    await run([6000, 6000, 6000, 6000]);
    expect(named('high_average_latency')).toHaveLength(1);
    expect(named('high_average_latency')[0]!.fields).toMatchObject({
      alert: true,
      model: 'gpt-4o',
      avg_latency_ms: 6000,
      threshold_ms: 5000,
    });
    expect(monitor.snapshot().activeAlerts).toEqual(['high_average_latency:gpt-4o']);
    await run([100, 100, 100, 100]);
    expect(monitor.snapshot().activeAlerts).toEqual([]);
    await run([9000, 9000, 9000]);
    expect(named('high_average_latency')).toHaveLength(2);
    await ledger.close();
  });

  it('fires high_error_rate once per crossing', async () => {
    const { clock, ledger, named } = setup({ windowSize: 20, minSamples: 10, metricsEvery: 0 });
    for (let index = 0; index < 19; index++) call(ledger, clock, { latencyMs: 10 });
    call(ledger, clock, { latencyMs: 10, fail: true }); // 1/20 = 5%: not over 5%
    await ledger.flush();
    expect(named('high_error_rate')).toHaveLength(0);
    for (let index = 0; index < 3; index++) call(ledger, clock, { latencyMs: 10, fail: true });
    await ledger.flush();
    expect(named('high_error_rate')).toHaveLength(1);
    expect(named('high_error_rate')[0]!.fields).toMatchObject({ error_rate_percent: 10, threshold_percent: 5 });
    await ledger.close();
  });

  it('compares call costs exactly and fires once per crossing', async () => {
    const { clock, ledger, named } = setup({ metricsEvery: 0 });
    for (const cost of ['2.00', '5.5', '0.5', '1.00', '1.000000000000000001', '3']) {
      call(ledger, clock, { latencyMs: 10, cost });
    }
    await ledger.flush();
    // 2.00 fires; 5.5 is still over; 0.5 re-arms; 1.00 is not over 1.00; 1.000000000000000001 is.
    // (The ledger keeps caller costs in canonical form: "2.00" is stored as "2".)
    expect(named('high_cost_request').map((event) => event.fields.cost_usd)).toEqual(['2', '1.000000000000000001']);
    expect(named('high_cost_request')[0]!.fields).toMatchObject({
      alert: true,
      model: 'gpt-4o',
      threshold_usd: '1.00',
    });
    expect(named('high_cost_request')[0]!.level).toBe('warn');
    await ledger.close();
  });

  it('fires high_daily_cost per user once a day and publishes the daily summary at midnight', async () => {
    const { clock, ledger, named, monitor } = setup({ metricsEvery: 0, thresholds: { dailyUserCost: '1.5' } });
    call(ledger, clock, { latencyMs: 10, cost: '0.1', userId: 'ada' });
    call(ledger, clock, { latencyMs: 10, cost: '0.2', userId: 'ada' });
    call(ledger, clock, { latencyMs: 10, cost: '1.3', userId: 'ada' });
    call(ledger, clock, { latencyMs: 10, cost: '1', userId: 'ada' });
    call(ledger, clock, { latencyMs: 10, cost: '0.7', userId: 'bob' });
    call(ledger, clock, { latencyMs: 10, userId: 'bob' });
    await ledger.flush();
    expect(named('high_daily_cost').map((event) => event.fields)).toEqual([
      { alert: true, user_id: 'ada', day: '2025-01-15', total_cost_usd: '1.6', threshold_usd: '1.5' },
    ]);
    expect(monitor.dailyUsage()).toEqual([
      {
        day: '2025-01-15',
        userId: 'ada',
        requestCount: 4,
        totalCost: '2.6',
        currency: 'USD',
        averageCostPerRequest: '0.65',
        unpricedCalls: 0,
        inputTokens: 40,
        outputTokens: 80,
      },
      {
        day: '2025-01-15',
        userId: 'bob',
        requestCount: 2,
        totalCost: '0.7',
        currency: 'USD',
        averageCostPerRequest: '0.35',
        unpricedCalls: 1,
        inputTokens: 20,
        outputTokens: 40,
      },
    ]);

    clock.advance(12 * 60 * 60 * 1000); // past midnight UTC
    call(ledger, clock, { latencyMs: 10, cost: '2', userId: 'ada' });
    await ledger.flush();
    const summaries = named('daily_usage_summary');
    expect(summaries.map((event) => event.fields)).toEqual([
      {
        user_id: 'ada',
        day: '2025-01-15',
        total_cost_usd: '2.6',
        request_count: 4,
        average_cost_per_request: '0.65',
        unpriced_calls: 0,
        prompt_tokens: 40,
        completion_tokens: 80,
      },
      {
        user_id: 'bob',
        day: '2025-01-15',
        total_cost_usd: '0.7',
        request_count: 2,
        average_cost_per_request: '0.35',
        unpriced_calls: 1,
        prompt_tokens: 20,
        completion_tokens: 40,
      },
    ]);
    // A new day re-arms the per-user threshold.
    expect(named('high_daily_cost').map((event) => event.fields.day)).toEqual(['2025-01-15', '2025-01-16']);
    expect(monitor.dailyUsage().map((row) => [row.userId, row.totalCost])).toEqual([['ada', '2']]);
    await ledger.close();
  });

  it('publishes performance_metrics every N calls with seed 003 fields', async () => {
    const { clock, ledger, named } = setup({ windowSize: 10, metricsEvery: 10 });
    for (let index = 1; index <= 20; index++) call(ledger, clock, { latencyMs: index * 10 });
    await ledger.flush();
    expect(named('performance_metrics').map((event) => event.fields)).toEqual([
      expect.objectContaining({ model: 'gpt-4o', request_count: 10, avg_latency_ms: 55, p50_latency_ms: 55 }),
      expect.objectContaining({ model: 'gpt-4o', request_count: 20, avg_latency_ms: 155, error_rate_percent: 0 }),
    ]);
    await ledger.close();
  });

  it('delivers to every subscriber even when one throws, and the ledger reports the failure', async () => {
    const { clock, ledger, monitor } = setup({ metricsEvery: 0 });
    const seen: string[] = [];
    monitor.subscribe(() => {
      throw new Error('pager down');
    });
    const unsubscribe = monitor.subscribe((event) => seen.push(event.event));
    call(ledger, clock, { latencyMs: 10, cost: '9' });
    await ledger.flush();
    expect(seen).toEqual(['high_cost_request']);
    expect(ledger.stats().handlers.errors).toBe(1);
    unsubscribe();
    call(ledger, clock, { latencyMs: 10, cost: '0.1' });
    call(ledger, clock, { latencyMs: 10, cost: '9' });
    await ledger.flush();
    expect(seen).toEqual(['high_cost_request']);
    await ledger.close();
  });
});
