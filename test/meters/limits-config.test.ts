import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../src/core/errors.js';
import { Limits } from '../../src/meters/limits/limit-registry.js';
import { limitsFromConfig } from '../../src/meters/limits/limits-config.js';
import { meterOptionsFromConfig } from '../../src/meters/meter-config.js';

const YAML = `
limits:
  cycle_start_date: 2024-01-15
  default_max_output_tokens: 1024
  model_max_output_tokens: { gpt-4o: 16384, gpt-4o-mini: 16384 }
  budgets:
    - { subject: "user:*", period: cycle, max_cost: "25.00", mode: hard }
    - { subject: "tenant:acme", period: day, max_tokens: 2000000, mode: soft }
    - { subject: "model:gpt-4o", max_requests: 10000 }
  rate_limits:
    - { subject: "user:*", requests_per_minute: 60, tokens_per_minute: 100000 }
settings:
  meter:
    backend: sqlite
    dimensions: [user, tenant, model]
    periods: [day, cycle]
    retention_days: 90
`;

describe('limits from llm_config.yaml', () => {
  it('reads budgets, rate limits and meter settings', () => {
    const file = parse(YAML) as { limits: unknown; settings: { meter: unknown } };
    const limits = limitsFromConfig(file.limits);
    expect(limits.cycleStartDate).toBe('2024-01-15');
    expect(limits.defaultMaxOutputTokens).toBe(1024);
    expect(limits.modelMaxOutputTokens).toEqual({ 'gpt-4o': 16384, 'gpt-4o-mini': 16384 });
    const registry = new Limits(limits.cycleStartDate);
    for (const budget of limits.budgets) registry.set(budget);
    for (const rate of limits.rates) registry.setRate(rate);
    expect(registry.list()).toEqual({
      budgets: [
        { subject: 'user:*', period: 'cycle:15', maxCost: '25', maxTokens: null, maxRequests: null, mode: 'hard' },
        { subject: 'tenant:acme', period: 'day', maxCost: null, maxTokens: 2_000_000, maxRequests: null, mode: 'soft' },
        {
          subject: 'model:gpt-4o',
          period: 'cycle:15',
          maxCost: null,
          maxTokens: null,
          maxRequests: 10_000,
          mode: 'hard',
        },
      ],
      rates: [{ subject: 'user:*', requestsPerMinute: 60, tokensPerMinute: 100_000 }],
    });
    expect(meterOptionsFromConfig(file.settings.meter, 'llm_config.yaml', '/data/ledger.db')).toEqual({
      backend: 'sqlite:/data/ledger.db',
      dimensions: ['user', 'tenant', 'model'],
      periods: ['day', 'cycle'],
      retentionMs: 90 * 86_400_000,
    });
  });

  it('refuses a model maximum that is not a whole number of tokens', () => {
    expect(() => limitsFromConfig({ model_max_output_tokens: { 'gpt-4o': -5 } }, 'llm_config.yaml')).toThrow(
      /limits\.model_max_output_tokens\.gpt-4o/,
    );
  });

  it('names the key of a bad value', () => {
    const bad = { budgets: [{ subject: 'user:*', max_cost: '-1' }] };
    expect(() => limitsFromConfig(bad, 'llm_config.yaml')).toThrow(ConfigError);
    expect(() => limitsFromConfig(bad, 'llm_config.yaml')).toThrow(/limits\.budgets\.0\.max_cost/);
    expect(() => limitsFromConfig({ budgets: [{ subject: 'user:*' }] })).toThrow(/at least one of max_cost/);
    expect(() => limitsFromConfig({ budget: [] })).toThrow(/limits\.budget/);
    expect(() => meterOptionsFromConfig({ periods: ['week'] })).toThrow(/settings\.meter\.periods\.0/);
  });

  it('validates budgets and rate limits set in code', () => {
    const limits = new Limits();
    expect(() => limits.set({ subject: 'user:*', period: 'day' })).toThrow(/at least one of maxCost/);
    expect(() => limits.set({ subject: 'user:*', maxCost: 'lots' })).toThrow(ConfigError);
    expect(() => limits.set({ subject: 'user:*', maxTokens: -1 })).toThrow(ConfigError);
    expect(() => limits.set({ subject: 'user:*', maxRequests: 1, mode: 'strict' as 'hard' })).toThrow(/hard or soft/);
    expect(() => limits.setRate({ subject: 'user:*' })).toThrow(/requestsPerMinute or tokensPerMinute/);
    limits.set({ subject: 'user:a', period: 'day', maxRequests: 1 });
    limits.set({ subject: 'user:a', period: 'day', maxRequests: 2 });
    limits.set({ subject: 'user:a', period: 'month', maxRequests: 3 });
    expect(limits.list().budgets.map((budget) => budget.maxRequests)).toEqual([2, 3]);
    expect(limits.remove('user:a', 'day')).toBe(1);
    expect(limits.remove('user:a')).toBe(1);
    expect(limits.empty).toBe(true);
  });
});
