import { describe, expect, it } from 'vitest';
import { createLedger } from '../../src/create-ledger.js';
import { ConfigError } from '../../src/core/errors.js';
import { createLogHandler } from '../../src/observe/logging/log-handler.js';
import { LLMLogger } from '../../src/observe/logging/llm-logger.js';
import { PerformanceMonitor } from '../../src/observe/monitor/performance-monitor.js';
import { createPrometheusMetrics } from '../../src/observe/prometheus/index.js';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('option objects other than createLedger’s are strict too', () => {
  const ledger = createLedger({ store: 'memory', configFile: false, env: {}, meter: false, shutdownHooks: false });

  it('batch { concurency: 2 } and concurrency: 0 reject before any item runs', async () => {
    let ran = 0;
    const work = async () => void ran++;
    await expect(ledger.batch([1, 2], work, { concurency: 2 } as never)).rejects.toThrow(
      /unknown option "concurency" \(did you mean "concurrency"\?\)/,
    );
    for (const options of [
      { concurrency: 0 },
      { concurrency: 1.5 },
      { rateLimit: { per_second: 2 } },
      { rateLimitRetries: -1 },
    ]) {
      await expect(ledger.batch([1, 2], work, options as never)).rejects.toBeInstanceOf(ConfigError);
    }
    await expect(ledger.batch([1], 'not a function' as never)).rejects.toBeInstanceOf(ConfigError);
    expect(ran).toBe(0);
    const { summary } = await ledger.batch([1, 2, 3], work, { concurrency: 2, rateLimit: { perSecond: 1000 } });
    expect(summary).toMatchObject({ count: 3, succeeded: 3 });
  });

  it("an emoji set named 'lmm' is an error suggesting 'llm', instead of turning emoji off", () => {
    const error = configError(() => new LLMLogger({ emojiSets: ['lmm'] }));
    expect(error.path).toBe('emojiSets');
    expect(error.message).toContain('unknown emoji set "lmm" (did you mean "llm"?)');
    expect(configError(() => createLogHandler({ emojiSets: ['lmm'] })).path).toBe('emojiSets');
    expect(configError(() => createLogHandler({ contnet: true } as never)).message).toContain(
      'did you mean "content"?',
    );
    expect(configError(() => new LLMLogger({ level: 'verbose' as never })).path).toBe('level');
    expect(new LLMLogger({ emojiSets: [] }).format).toBe('json');
  });

  it("a Prometheus label 'userid' is an error suggesting user_id", () => {
    const error = configError(() => createPrometheusMetrics({ labels: ['userid' as never] }));
    expect(error.path).toBe('labels');
    expect(error.message).toContain('unknown label "userid" (did you mean "user_id"?)');
    expect(configError(() => createPrometheusMetrics({ max_label_sets: 5 } as never)).message).toContain(
      'did you mean "maxLabelSets"?',
    );
    expect(createPrometheusMetrics({ labels: ['user_id'], maxLabelSets: 10 }).registry).toBeDefined();
  });

  it('monitor options: thresholds and sizes are checked, also through createLedger({ monitor })', () => {
    expect(configError(() => new PerformanceMonitor({ windowsize: 10 } as never)).message).toContain(
      'did you mean "windowSize"?',
    );
    expect(configError(() => new PerformanceMonitor({ thresholds: { callCost: 1 } as never })).path).toBe('thresholds');
    expect(
      configError(() =>
        createLedger({ store: 'memory', configFile: false, env: {}, shutdownHooks: false, monitor: { minSamples: 0 } }),
      ).path,
    ).toBe('minSamples');
  });
});

describe('limits.set and meter.get', () => {
  it('a misspelt budget or rate key is a ConfigError instead of a budget without its limit', async () => {
    const { createMeter } = await import('../../src/meters/create-meter.js');
    const meter = createMeter({ backend: 'memory' });
    const budget = configError(() => meter.limits.set({ subject: 'user:*', max_cost: '10' } as never));
    expect(budget.path).toBe('max_cost');
    expect(budget.message).toContain('did you mean "maxCost"?');
    expect(configError(() => meter.limits.setRate({ subject: 'user:*', rpm: 5 } as never)).path).toBe('rpm');
    expect(configError(() => meter.limits.setRate(null as never)).path).toBe('');
    expect(meter.limits.set({ subject: 'user:*', maxCost: '10', period: 'month' }).maxCost).toBe('10');
    await expect(meter.get('nobody' as never, 'month')).rejects.toBeInstanceOf(ConfigError);
    await meter.close();
  });
});
