import { describe, expect, it, vi } from 'vitest';
import type { CallRecord } from '../../src/core/record.js';
import type { Catalog } from '../../src/pricing/catalog-types.js';
import { createPricer } from '../../src/pricing/create-pricer.js';
import { makeRecord } from '../support/records.js';

const tokens = { input: 1_000, output: 1_000, total: 2_000, cacheRead: 0, cacheWrite: 0, reasoning: 0 };

function record(overrides: Partial<CallRecord>): CallRecord {
  return makeRecord({ responseModel: null, tokens, ...overrides });
}

/** A one-provider catalog for cases the bundled data has no example of. */
function catalogWith(provider: string, id: string, prices: Record<string, string>): Catalog {
  return {
    label: 'test-catalog',
    providers: [
      {
        id: provider,
        name: provider,
        fallbackProviders: [],
        models: [{ provider, id, aliases: [], origin: 'catalog', periods: [{ currency: 'USD', prices }] }],
      },
    ],
  };
}

describe('costStatus', () => {
  it('an unknown model is unpriced: total null, never 0; warned once per model, every call counted', () => {
    const onUnpricedModel = vi.fn();
    const pricer = createPricer({ onUnpricedModel });
    for (let call = 0; call < 3; call += 1) {
      expect(pricer.price(record({ provider: 'ollama', model: 'llama3:8b' }))).toEqual({
        total: null,
        breakdown: {},
        currency: 'USD',
        pricingVersion: 'genai-prices@0.1.8+2026-09-23;unpriced',
        status: 'unpriced',
      });
    }
    pricer.price(record({ provider: 'ollama', model: 'qwen2.5:7b' }));
    expect(onUnpricedModel).toHaveBeenCalledTimes(2);
    expect(onUnpricedModel).toHaveBeenNthCalledWith(1, {
      provider: 'ollama',
      model: 'llama3:8b',
      reason: 'unknown model',
    });
    expect(pricer.stats()).toEqual({ unpricedCalls: 4, unknownModels: ['ollama/llama3:8b', 'ollama/qwen2.5:7b'] });
  });

  it('a throwing warning callback does not break pricing', () => {
    const pricer = createPricer({
      onUnpricedModel: () => {
        throw new Error('logger down');
      },
    });
    expect(pricer.price(record({ model: 'nope' }))?.status).toBe('unpriced');
  });

  it("counts that are not the provider's make the cost estimated", () => {
    const pricer = createPricer();
    expect(pricer.price(record({ tokenSource: 'provider' }))?.status).toBe('priced');
    expect(pricer.price(record({ tokenSource: 'tokenizer' }))?.status).toBe('estimated');
    expect(pricer.price(record({ tokenSource: 'estimate' }))?.status).toBe('estimated');
  });

  it('no usage at all leaves the cost unset rather than 0', () => {
    expect(createPricer().price(record({ tokenSource: null }))).toBeNull();
  });

  it('never throws, even for a malformed record', () => {
    const pricer = createPricer();
    expect(pricer.price({ ...record({}), tokens: null } as unknown as CallRecord)).toBeNull();
    expect(pricer.price({ ...record({}), params: undefined } as unknown as CallRecord)).toBeNull();
  });

  it('a model listed without any price is free, not unknown', () => {
    const cost = createPricer().calculate({ provider: 'google', model: 'gemma-3-27b-it', tokens });
    expect(cost).toMatchObject({ total: '0', status: 'priced' });
  });

  it('reasoning without its own price is billed at the output price: exact, not estimated', () => {
    const cost = createPricer().calculate({
      provider: 'openai',
      model: 'o3-mini',
      tokens: { input: 0, output: 1_000, reasoning: 800 },
    });
    expect(cost).toMatchObject({ status: 'priced', breakdown: { output: '0.00088', reasoning: '0.00352' } });
  });

  it('cache reads without a cache price are charged at input and marked estimated', () => {
    const cost = createPricer().calculate({
      provider: 'openai',
      model: 'gpt-4o-audio-preview',
      tokens: { input: 1_000, cacheRead: 400, output: 0 },
    });
    expect(cost).toMatchObject({ total: '0.0025', status: 'estimated' });
  });

  it('cache writes without a write price: exact at the input price for OpenAI, estimated for Claude', () => {
    const usage = { input: 1_000, cacheWrite: 1_000, output: 0 };
    const openai = createPricer({ catalog: catalogWith('openai', 'gpt-x', { input: '2', output: '8' }) });
    expect(openai.calculate({ provider: 'openai', model: 'gpt-x', tokens: usage })).toMatchObject({
      total: '0.002',
      status: 'priced',
    });
    const claude = createPricer({ catalog: catalogWith('anthropic', 'claude-x', { input: '3', output: '15' }) });
    expect(claude.calculate({ provider: 'anthropic', model: 'claude-x', tokens: usage })).toMatchObject({
      total: '0.003',
      status: 'estimated',
    });
    const oneHour = { input: 1_000, cacheWrite: 1_000, cacheWrite1h: 1_000, output: 0 };
    const noHourPrice = createPricer({
      catalog: catalogWith('anthropic', 'claude-y', { input: '3', cacheWrite: '3.75', output: '15' }),
    });
    expect(noHourPrice.quote({ provider: 'anthropic', model: 'claude-y', tokens: oneHour })).toMatchObject({
      cost: { total: '0.00375', status: 'estimated' },
      notes: [expect.stringContaining('1-hour')],
    });
  });

  it('contradictory counts are clamped and marked estimated', () => {
    const pricer = createPricer();
    const quote = pricer.quote({
      provider: 'openai',
      model: 'gpt-4o',
      tokens: { input: 100, cacheRead: 300, output: 10, reasoning: 50 },
    });
    expect(quote.cost.status).toBe('estimated');
    expect(quote.notes).toEqual([
      expect.stringContaining('exceed input'),
      expect.stringContaining('reasoning (50) exceeds output (10)'),
    ]);
    expect(quote.cost.breakdown).toEqual({ cacheRead: '0.000375', reasoning: '0.0001' });
  });

  it('a service tier the data has no prices for is charged at standard prices, marked estimated', () => {
    const pricer = createPricer();
    const standard = pricer.price(record({ params: { serviceTier: 'default' } }));
    const flex = pricer.price(record({ params: { serviceTier: 'flex' } }));
    expect(standard?.status).toBe('priced');
    expect(flex).toMatchObject({ status: 'estimated', total: standard!.total });
  });

  it('a known model with no price in force at the call time is unpriced', () => {
    const onUnpricedModel = vi.fn();
    const pricer = createPricer({
      onUnpricedModel,
      pricing: { custom_prices_only: true },
      models: { future: { pricing: { input: { cost_per_1m: 1 }, effective_from: '2030-01-01' } } },
    });
    expect(pricer.calculate({ model: 'future', tokens, at: '2026-01-01' }).status).toBe('unpriced');
    expect(onUnpricedModel).toHaveBeenCalledWith(
      expect.objectContaining({ reason: 'no price in force at the call time' }),
    );
  });
});
