import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { calcPrice, waitForUpdate, type Provider } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { createPricer } from '../../src/pricing/create-pricer.js';
import {
  fingerprintProviders,
  GENAI_PRICES_PROVIDER_IDS,
  GENAI_PRICES_RELEASE,
  genaiPricesLabel,
  loadGenaiPricesCatalog,
  readGenaiPricesProviders,
} from '../../src/pricing/genai-prices-source.js';
import { convertGenaiModel } from '../../src/pricing/genai-prices-convert.js';

const catalog = loadGenaiPricesCatalog();

describe('the bundled catalog', () => {
  it('has at least 500 models across at least 8 providers, the major ones included', () => {
    const models = catalog.providers.reduce((sum, provider) => sum + provider.models.length, 0);
    expect(models).toBeGreaterThanOrEqual(500);
    expect(catalog.providers.length).toBeGreaterThanOrEqual(8);
    const ids = catalog.providers.map((provider) => provider.id);
    for (const id of [
      'openai',
      'anthropic',
      'google',
      'mistral',
      'groq',
      'deepseek',
      'x-ai',
      'aws',
      'azure',
      'openrouter',
      'together',
    ]) {
      expect(ids).toContain(id);
    }
  });

  it('reads every provider the package bundles (the id list is complete)', async () => {
    const all = (await waitForUpdate()) ?? [];
    expect(all.length).toBeGreaterThan(0);
    expect([...GENAI_PRICES_PROVIDER_IDS].sort()).toEqual(all.map((provider) => provider.id).sort());
    expect(readGenaiPricesProviders().length).toBe(all.length);
  });

  it('names the installed release: update GENAI_PRICES_RELEASE when the package is upgraded', () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@pydantic/genai-prices');
    const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(manifest.version).toBe(GENAI_PRICES_RELEASE.version);
    expect(fingerprintProviders(readGenaiPricesProviders())).toBe(GENAI_PRICES_RELEASE.fingerprint);
    expect(catalog.label).toBe(`genai-prices@${GENAI_PRICES_RELEASE.version}+${GENAI_PRICES_RELEASE.dataDate}`);
    expect(genaiPricesLabel('00000000')).toBe('genai-prices@unknown+sha.00000000');
  });

  it('keeps every price exactly as the source wrote it, with a currency', () => {
    const openai = catalog.providers.find((provider) => provider.id === 'openai')!;
    const gpt4o = openai.models.find((model) => model.id === 'gpt-4o')!;
    expect(gpt4o.periods[0]).toMatchObject({
      currency: 'USD',
      prices: { input: '2.5', cacheRead: '1.25', output: '10' },
    });
    for (const provider of catalog.providers) {
      for (const model of provider.models) {
        for (const period of model.periods) {
          expect(period.currency).toBe('USD');
          for (const value of Object.values(period.prices)) {
            const prices =
              typeof value === 'string' ? [value] : [value!.base, ...value!.tiers.map((tier) => tier.price)];
            for (const price of prices) expect(price).toMatch(/^\d+(\.\d+)?$/);
          }
        }
      }
    }
  });

  it('turns start dates into effective ranges and hours into UTC windows', () => {
    const o3 = convertGenaiModel('openai', {
      id: 'o3',
      match: { equals: 'o3' },
      prices: [
        { prices: { input_mtok: 10, output_mtok: 40 } },
        { constraint: { start_date: '2025-06-10', type: 'start_date' }, prices: { input_mtok: 2, output_mtok: 8 } },
      ],
    });
    expect(o3.periods.map((period) => [period.from, period.to])).toEqual([
      [undefined, '2025-06-10T00:00:00.000Z'],
      ['2025-06-10T00:00:00.000Z', undefined],
    ]);
    const deepseek = catalog.providers.find((provider) => provider.id === 'deepseek')!;
    const chat = deepseek.models.find((model) => model.id === 'deepseek-chat')!;
    expect(chat.periods[1]!.timeOfDay).toEqual({ start: '00:30:00', end: '16:30:00' });
  });

  it('converts per-1k request prices to per request, exactly', () => {
    const model = convertGenaiModel('x', {
      id: 'm',
      match: { equals: 'm' },
      prices: { input_mtok: 0.1, requests_kcount: 5, web_searches_kcount: 10, storage_searches_kcount: 2.5 },
    });
    expect(model.periods[0]!.prices.request).toBe('0.005');
    expect(model.periods[0]!.prices.webSearch).toBe('0.01');
    expect(model.periods[0]!.unmetered).toEqual({ storage_searches_kcount: '2.5' });
  });
});

describe('parity with @pydantic/genai-prices', () => {
  const pricer = createPricer();

  it('finds the same model as the package for every id and exact alias it knows', async () => {
    const providers = ((await waitForUpdate()) ?? []) as Provider[];
    const mismatches: string[] = [];
    let compared = 0;
    for (const provider of providers) {
      for (const model of provider.models) {
        const rule = model.match as { equals?: string; or?: Array<{ equals?: string }> };
        const names = [model.id, rule.equals, ...(rule.or ?? []).map((part) => part.equals)];
        for (const name of names) {
          if (name === undefined) continue;
          const theirs = calcPrice({ input_tokens: 1, output_tokens: 1 }, name, { providerId: provider.id });
          if (!theirs) continue; // ids such as "ft:gpt-4o" are labels the package never matches; we accept them
          const ours = pricer.explain(name, { provider: provider.id }).matches[0];
          compared += 1;
          if (theirs.model.id !== ours?.id) mismatches.push(`${provider.id}/${name}`);
        }
      }
    }
    expect(compared).toBeGreaterThan(3_000);
    expect(mismatches).toEqual([]);
  });
});
