import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { createPricer, type PricerOptions } from '../../src/pricing/create-pricer.js';
import { pricerOptionsFromConfig } from '../../src/pricing/pricer-config.js';
import { makeRecord } from '../support/records.js';

const million = { input: 1_000_000, output: 1_000_000 };

function fromYaml(text: string) {
  return createPricer(pricerOptionsFromConfig(parseConfigText(text, 'llm_config.yaml'), 'llm_config.yaml'));
}

function configError(options: PricerOptions): ConfigError {
  try {
    createPricer(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('llm_config.yaml prices (seed 000 format and extensions)', () => {
  it("seed 000's exact format prices the model and wins over the catalog", () => {
    const pricer = fromYaml(`
models:
  openai/gpt-4o-mini:
    provider: 'openai'
    pricing:
      currency: USD
      input:
        cost_per_1k: 0.0001  # negotiated: $0.10 per 1M tokens
      output:
        cost_per_1k: 0.0004
`);
    const cost = pricer.calculate({ provider: 'openai', model: 'gpt-4o-mini', tokens: million });
    expect(cost).toMatchObject({ total: '0.5', breakdown: { input: '0.1', output: '0.4' }, status: 'priced' });
    // Seed 000 passes the prefixed name as the model name: the same entry applies.
    expect(pricer.calculate({ model: 'openai/gpt-4o-mini', tokens: million }).total).toBe('0.5');
    expect(pricer.explain('gpt-4o-mini', { provider: 'openai' }).matches[0]).toMatchObject({
      kind: 'config',
      origin: 'config',
    });
    expect(cost.pricingVersion).toMatch(
      /^genai-prices@0\.1\.8\+2026-09-23;model=openai\/gpt-4o-mini;period=always;user=[0-9a-f]{8}$/,
    );
  });

  it('cost_per_1m and every bucket: cache reads and writes, 1-hour writes, reasoning, per-request fees', () => {
    const pricer = createPricer({
      models: {
        'acme-large': {
          provider: 'acme',
          pricing: {
            currency: 'USD',
            input: { cost_per_1m: '2' },
            output: { cost_per_1m: '8' },
            cache_read: { cost_per_1m: '0.2' },
            cache_write: { cost_per_1m: '2.5' },
            cache_write_1h: { cost_per_1m: '4' },
            reasoning: { cost_per_1m: '12' },
            per_request: '0.001',
          },
        },
      },
    });
    const cost = pricer.calculate({
      provider: 'acme',
      model: 'acme-large',
      tokens: {
        input: 10_000,
        cacheRead: 4_000,
        cacheWrite: 3_000,
        cacheWrite1h: 1_000,
        output: 2_000,
        reasoning: 500,
      },
    });
    expect(cost.breakdown).toEqual({
      input: '0.006', // 3,000 uncached x $2
      cacheRead: '0.0008',
      cacheWrite: '0.005', // 2,000 five-minute writes x $2.50
      cacheWrite1h: '0.004',
      output: '0.012', // 1,500 text tokens x $8
      reasoning: '0.006', // 500 x $12
      request: '0.001',
    });
    expect(cost).toMatchObject({ total: '0.0348', status: 'priced' });
  });

  it('effective dates: an override in force for a period, the catalog outside it', () => {
    // Corrects the source's o3 cached-input price before the 2025-06-10 price cut ($2.50, not $0.50).
    const pricer = createPricer({
      models: {
        o3: {
          provider: 'openai',
          pricing: {
            currency: 'USD',
            input: { cost_per_1m: 10 },
            cache_read: { cost_per_1m: 2.5 },
            output: { cost_per_1m: 40 },
            effective_from: '2025-04-16',
            effective_to: '2025-06-10',
          },
        },
      },
    });
    const usage = { input: 1_000_000, cacheRead: 1_000_000, output: 0 };
    const at = (when: string) => pricer.calculate({ provider: 'openai', model: 'o3', tokens: usage, at: when }).total;
    expect(at('2025-05-01T00:00:00Z')).toBe('2.5');
    expect(at('2025-06-10T00:00:00Z')).toBe('0.5'); // the catalog's price after the cut
    expect(at('2025-04-01T00:00:00Z')).toBe('0.5'); // before the entry: the catalog again
  });

  it('a price history in one entry: later entries win where they overlap', () => {
    const pricer = createPricer({
      models: {
        'in-house': {
          pricing: [
            { currency: 'USD', input: { cost_per_1m: 1 }, output: { cost_per_1m: 2 } },
            { currency: 'USD', input: { cost_per_1m: 0.5 }, output: { cost_per_1m: 1 }, effective_from: '2025-01-01' },
          ],
        },
      },
    });
    const cost = (at: string) => pricer.calculate({ model: 'in-house', tokens: million, at }).total;
    expect([cost('2024-06-01T00:00:00Z'), cost('2025-06-01T00:00:00Z')]).toEqual(['3', '1.5']);
  });

  it('aliases, input-size tiers and service tiers in config', () => {
    const pricer = createPricer({
      models: {
        'acme-pro': {
          aliases: ['acme-pro-2025-01', 'acme-flagship'],
          pricing: {
            currency: 'USD',
            input: { cost_per_1m: 1, tiers: [{ over_input_tokens: 100_000, cost_per_1m: 2 }] },
            output: { cost_per_1m: 4 },
            service_tiers: { batch: { input: { cost_per_1m: 0.5 }, output: { cost_per_1m: 2 } } },
          },
        },
      },
    });
    expect(pricer.calculate({ model: 'acme-flagship', tokens: { input: 100_000, output: 0 } }).total).toBe('0.1');
    expect(pricer.calculate({ model: 'acme-pro-2025-01', tokens: { input: 100_001, output: 0 } }).total).toBe(
      '0.200002',
    );
    const batch = makeRecord({
      provider: 'acme',
      model: 'acme-pro',
      responseModel: null,
      params: { serviceTier: 'batch' },
      tokens: { ...million, total: 2_000_000, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    });
    expect(pricer.price(batch)).toMatchObject({ total: '2.5', status: 'priced' });
    const flex = { ...batch, params: { serviceTier: 'flex' } };
    expect(pricer.price(flex)).toMatchObject({ total: '6', status: 'estimated' }); // no flex prices: standard (over 100k: $2 input), marked
  });

  it('custom_prices_only turns the catalog off', () => {
    const pricer = fromYaml(`
pricing:
  custom_prices_only: true
models:
  gpt-4o-mini:
    pricing:
      input: { cost_per_1k: 0.00015 }
      output: { cost_per_1k: 0.0006 }
`);
    expect(pricer.catalog).toBeNull();
    expect(pricer.calculate({ model: 'gpt-4o-mini', tokens: million }).total).toBe('0.75');
    expect(pricer.calculate({ model: 'gpt-4o', provider: 'openai', tokens: million })).toMatchObject({
      total: null,
      status: 'unpriced',
    });
    expect(pricer.pricingVersion).toMatch(/^custom;overrides=[0-9a-f]{8}$/);
  });
});

describe('currencies', () => {
  it('non-USD prices convert to the base currency through the configured rate, exactly', () => {
    const pricer = createPricer({
      baseCurrency: 'USD',
      pricing: { fx_rates: { EUR: '1.0834' } },
      models: {
        'eu-model': {
          pricing: { currency: 'EUR', input: { cost_per_1m: '0.9' }, output: { cost_per_1m: '2.7' } },
        },
      },
    });
    const cost = pricer.calculate({ model: 'eu-model', tokens: { input: 1_000, output: 1_000 } });
    expect(cost).toMatchObject({ currency: 'USD', total: '0.00390024', breakdown: { input: '0.00097506' } });
  });

  it('a base currency other than USD converts the catalog too', () => {
    const pricer = createPricer({ baseCurrency: 'EUR', pricing: { fx_rates: { USD: '0.92' } } });
    expect(pricer.calculate({ model: 'gpt-4o', provider: 'openai', tokens: million })).toMatchObject({
      currency: 'EUR',
      total: '11.5', // $12.50 x 0.92
    });
  });

  it('a missing rate is a ConfigError at load, naming the key to add', () => {
    const missingForOverride = configError({
      models: { 'uk-model': { pricing: { currency: 'GBP', input: { cost_per_1m: 1 } } } },
    });
    expect(missingForOverride.path).toBe('pricing.fx_rates.GBP');
    expect(missingForOverride.message).toContain('models.uk-model is priced in GBP');
    const missingForCatalog = configError({ baseCurrency: 'EUR' });
    expect(missingForCatalog.path).toBe('pricing.fx_rates.USD');
    // Without the catalog, only the currencies actually used need a rate.
    expect(() =>
      createPricer({
        baseCurrency: 'EUR',
        pricing: { custom_prices_only: true },
        models: { m: { pricing: { currency: 'EUR', input: { cost_per_1m: 1 } } } },
      }),
    ).not.toThrow();
  });

  it('a missing rate in llm_config.yaml fails when the file is loaded', () => {
    const text = `
settings:
  usage_logging:
    base_currency: EUR
models:
  gpt-4o: { pricing: { currency: EUR, input: { cost_per_1m: 2.3 } } }
`;
    expect(() => fromYaml(text)).toThrow(ConfigError);
    expect(() => fromYaml(text)).toThrow(/pricing\.fx_rates\.USD/);
  });
});

describe('invalid prices are ConfigErrors naming the key', () => {
  it.each([
    [{ models: { m: { pricing: { input: { cost_per_1k: 1, cost_per_1m: 2 } } } } }, 'models.m.pricing'],
    [{ models: { m: { pricing: { input: { cost_per_1m: -1 } } } } }, 'models.m.pricing'],
    [{ models: { m: { pricing: { input: { cost_per_1m: 'cheap' } } } } }, 'models.m.pricing'],
    [{ models: { m: { pricing: { effective_from: 'soon' } } } }, 'models.m.pricing'],
    [{ models: { m: { pricing: { effective_from: '2025-02-01', effective_to: '2025-01-01' } } } }, 'models.m.pricing'],
    [{ pricing: { fx_rates: { EUR: 0 } } }, 'pricing.fx_rates.EUR'],
    [{ pricing: { fx_rate: {} } }, 'pricing'],
  ])('%j', (options, path) => {
    expect(configError(options as PricerOptions).path.startsWith(path)).toBe(true);
  });
});

describe('pricingVersion', () => {
  const options: PricerOptions = {
    models: { a: { pricing: { currency: 'USD', input: { cost_per_1m: 1 }, output: { cost_per_1m: 2 } } } },
    pricing: { deployments: { x: 'gpt-4o' } },
  };

  it('names the catalog and hashes the overrides; none without overrides', () => {
    expect(createPricer().pricingVersion).toBe('genai-prices@0.1.8+2026-09-23;overrides=none');
    const version = createPricer(options).pricingVersion;
    expect(version).toMatch(/;overrides=[0-9a-f]{8}$/);
    expect(createPricer(structuredClone(options)).pricingVersion).toBe(version);
  });

  it('changes when any price, deployment or the base currency changes, not with key order', () => {
    const base = createPricer(options).pricingVersion;
    const reordered: PricerOptions = { pricing: options.pricing, models: options.models };
    expect(createPricer(reordered).pricingVersion).toBe(base);
    const cheaper = structuredClone(options);
    (cheaper.models!.a!.pricing as { input: { cost_per_1m: number } }).input.cost_per_1m = 0.9;
    expect(createPricer(cheaper).pricingVersion).not.toBe(base);
    expect(createPricer({ ...options, pricing: { deployments: { x: 'gpt-4o-mini' } } }).pricingVersion).not.toBe(base);
  });
});

describe('the price version of a cost', () => {
  const tokens = { input: 1000, output: 100 };
  const models: PricerOptions['models'] = {
    a: { pricing: { currency: 'USD', input: { cost_per_1m: 1 }, output: { cost_per_1m: 2 } } },
    b: { pricing: { currency: 'USD', input: { cost_per_1m: 3 }, output: { cost_per_1m: 4 } } },
  };

  it('names the data, the model and the period that applied', () => {
    const pricer = createPricer();
    expect(pricer.calculate({ provider: 'openai', model: 'gpt-4o', tokens }).pricingVersion).toBe(
      'genai-prices@0.1.8+2026-09-23;model=openai/gpt-4o;period=always;user=none',
    );
    const history = createPricer({
      models: {
        h: {
          pricing: [
            { input: { cost_per_1m: 1 }, output: { cost_per_1m: 1 }, effective_to: '2025-06-01' },
            { input: { cost_per_1m: 2 }, output: { cost_per_1m: 2 }, effective_from: '2025-06-01' },
          ],
        },
      },
    });
    expect(history.calculate({ model: 'h', tokens, at: '2025-05-01' }).pricingVersion).toMatch(
      /;period=\.\.2025-06-01;/,
    );
    expect(history.calculate({ model: 'h', tokens, at: '2025-07-01' }).pricingVersion).toMatch(
      /;period=2025-06-01\.\.;/,
    );
  });

  it('does not change when an unrelated part of the configuration changes', () => {
    const before = createPricer({ models }).calculate({ model: 'a', tokens }).pricingVersion;
    const otherEdited = structuredClone(models)!;
    (otherEdited.b!.pricing as { input: { cost_per_1m: number } }).input.cost_per_1m = 5;
    const after = createPricer({ models: otherEdited, pricing: { deployments: { x: 'gpt-4o' } } });
    expect(after.calculate({ model: 'a', tokens }).pricingVersion).toBe(before);
    expect(after.calculate({ model: 'b', tokens }).pricingVersion).not.toBe(
      createPricer({ models }).calculate({ model: 'b', tokens }).pricingVersion,
    );
    // A catalog model's version ignores every models: entry that is not about it.
    expect(createPricer({ models }).calculate({ provider: 'openai', model: 'gpt-4o', tokens }).pricingVersion).toBe(
      createPricer().calculate({ provider: 'openai', model: 'gpt-4o', tokens }).pricingVersion,
    );
  });
});
