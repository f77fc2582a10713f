import { describe, expect, it } from 'vitest';
import { createPricer } from '../../src/pricing/create-pricer.js';
import { CatalogIndex } from '../../src/pricing/catalog-index.js';
import { GENAI_PRICES_PROVIDER_IDS, loadGenaiPricesCatalog } from '../../src/pricing/genai-prices-source.js';
import { ModelResolver } from '../../src/pricing/model-resolver.js';
import type { Catalog, CatalogModel } from '../../src/pricing/catalog-types.js';
import {
  expandCompactDate,
  normalizeModelName,
  platformSpelling,
  snapshotMonth,
  stripSnapshotDate,
} from '../../src/pricing/model-names.js';
import { makeRecord } from '../support/records.js';

const pricer = createPricer({
  pricing: { deployments: { 'prod-chat': 'openai/gpt-4o', 'azure/eu-mini': 'gpt-4o-mini' } },
});
const tokens = { input: 1_000_000, output: 1_000_000 };

function match(model: string, provider?: string) {
  return pricer.explain(model, { provider }).matches[0];
}

describe('model matching', () => {
  it("exact ids and aliases, at the call's provider", () => {
    expect(match('gpt-4o', 'openai')).toMatchObject({ id: 'gpt-4o', kind: 'exact', provider: 'openai' });
    expect(match('gpt-4o-2024-08-06', 'openai')).toMatchObject({ id: 'gpt-4o', kind: 'alias' });
    expect(match('GPT-4o-Mini', 'OpenAI')).toMatchObject({ id: 'gpt-4o-mini', kind: 'exact' });
  });

  it('a dated snapshot priced apart keeps its own price', () => {
    expect(match('gpt-4o-2024-05-13', 'openai')).toMatchObject({ id: 'gpt-4o-2024-05-13' });
    expect(pricer.calculate({ model: 'gpt-4o-2024-05-13', provider: 'openai', tokens }).total).toBe('20');
  });

  it('compact snapshot dates are read like hyphenated ones', () => {
    expect(expandCompactDate('gpt-4.1-20250414')).toBe('gpt-4.1-2025-04-14');
    expect(match('gpt-4.1-20250414', 'openai')).toMatchObject({ id: 'gpt-4.1', kind: 'alias' });
  });

  it("the catalog's patterns match provider naming schemes", () => {
    expect(match('claude-3-5-sonnet-20241022', 'anthropic')).toMatchObject({
      id: 'claude-3-5-sonnet',
      kind: 'pattern',
    });
    expect(match('anthropic.claude-3-5-sonnet-20240620-v1:0', 'bedrock')).toMatchObject({ provider: 'aws' });
    expect(match('claude-sonnet-4@20250514', 'vertex_ai')).toMatchObject({ provider: 'google', id: 'claude-4-sonnet' });
    expect(match('models/gemini-2.0-flash', 'gemini')).toMatchObject({ provider: 'google', id: 'gemini-2.0-flash' });
    expect(normalizeModelName('projects/p/locations/l/publishers/google/models/gemini-2.5-pro')).toBe('gemini-2.5-pro');
  });

  it('provider prefixes in the name: openai/..., anthropic/..., openai:...', () => {
    expect(match('openai/gpt-4o-mini')).toMatchObject({ provider: 'openai', id: 'gpt-4o-mini' });
    expect(match('anthropic/claude-sonnet-4-20250514', 'unknown')).toMatchObject({ provider: 'anthropic' });
    expect(match('openai:gpt-4o')).toMatchObject({ provider: 'openai', id: 'gpt-4o' });
    // An aggregator's own ids contain the slash: its price wins for its calls.
    expect(match('openai/gpt-4o', 'openrouter')).toMatchObject({ provider: 'openrouter', kind: 'exact' });
  });

  it('Azure serves OpenAI models at OpenAI prices', () => {
    const found = match('gpt-4o', 'azure');
    expect(found).toMatchObject({ provider: 'openai', id: 'gpt-4o' });
    expect(found!.reason).toContain('azure, which serves openai models');
  });

  it('the deployment map names what a deployment runs', () => {
    expect(match('prod-chat', 'azure')).toMatchObject({ id: 'gpt-4o' });
    expect(match('prod-chat', 'azure')!.reason).toContain('deployment "prod-chat"');
    expect(match('eu-mini', 'azure')).toMatchObject({ id: 'gpt-4o-mini' });
    expect(match('eu-mini', 'openai')).toBeUndefined(); // qualified to azure only
    expect(pricer.calculate({ model: 'prod-chat', provider: 'azure', tokens })).toMatchObject({
      total: '12.5',
      status: 'priced',
    });
  });

  it('a response model names the real model behind an unknown deployment name', () => {
    const record = makeRecord({ provider: 'azure', model: 'team-x-deployment', responseModel: 'gpt-4o-2024-08-06' });
    const cost = pricer.price(record);
    expect(cost).toMatchObject({ status: 'priced' });
    expect(cost!.total).toBe(pricer.calculate({ model: 'gpt-4o', tokens: record.tokens }).total);
  });

  it("the model's owner is found when the call names no provider", () => {
    expect(match('claude-3-haiku-20240307')).toMatchObject({ provider: 'anthropic' });
    expect(match('deepseek-chat', 'openai')).toMatchObject({ provider: 'deepseek' }); // OpenAI SDK, DeepSeek base URL
    expect(match('gemini-2.5-flash', 'unknown')).toMatchObject({ provider: 'google' });
  });

  it('guesses are marked: an undated snapshot, or a name only another host knows', () => {
    expect(stripSnapshotDate('gpt-4o-mini-2099-01-01')).toBe('gpt-4o-mini');
    expect(stripSnapshotDate('ministral-3b-2410')).toBe('ministral-3b');
    expect(stripSnapshotDate('gpt-4o')).toBeUndefined();
    expect(match('gpt-4o-mini-2099-01-01', 'openai')).toMatchObject({
      id: 'gpt-4o-mini',
      kind: 'snapshot',
      guessed: true,
    });
    expect(pricer.calculate({ model: 'gpt-4o-mini-2099-01-01', provider: 'openai', tokens }).status).toBe('estimated');
    expect(match('llama-3.3-70b-versatile')).toMatchObject({ provider: 'groq', kind: 'guess', guessed: true });
    expect(pricer.calculate({ model: 'llama-3.3-70b-versatile', tokens }).status).toBe('estimated');
    expect(pricer.calculate({ model: 'llama-3.3-70b-versatile', provider: 'groq', tokens }).status).toBe('priced');
  });

  it("Azure's gpt-35 spelling is read as gpt-3.5: the exact snapshot wins over the family", () => {
    const found = match('gpt-35-turbo-1106', 'azure');
    expect(found).toMatchObject({ provider: 'openai', id: 'gpt-3.5-turbo-1106', kind: 'exact', guessed: false });
    expect(found!.reason).toContain('reading "gpt-35-turbo-1106" as "gpt-3.5-turbo-1106"');
    // gpt-3.5-turbo-1106: 1 input, 2 output per 1M (the family gpt-3.5-turbo is 0.5 / 1.5).
    expect(pricer.calculate({ model: 'gpt-35-turbo-1106', provider: 'azure', tokens })).toMatchObject({
      total: '3',
      status: 'priced',
    });
    expect(platformSpelling('gpt-35-turbo')).toBe('gpt-3.5-turbo');
    expect(platformSpelling('gpt-350')).toBeUndefined();
  });

  it('a snapshot newer than every dated sibling is priced as the family latest, a guess that names it', () => {
    // mistral-medium-2604 (April 2026): the catalog knows 2312, 2505 and 2508; mistral-medium-latest
    // moved to 1.5 / 7.5 on 2026-06-16, while the undated "mistral-medium" alias is 3.1 at 0.4 / 2.
    expect(snapshotMonth('mistral-medium-2604')).toBe('202604');
    expect(snapshotMonth('gpt-4o-2024-08-06')).toBe('202408');
    const explanation = pricer.explain('mistral-medium-2604', { provider: 'mistral', at: '2026-09-01' });
    expect(explanation.matches[0]).toMatchObject({ id: 'mistral-medium-latest', kind: 'snapshot', guessed: true });
    expect(explanation.matches[0]!.reason).toContain('newer than every dated "mistral-medium" snapshot');
    const cost = pricer.calculate({ model: 'mistral-medium-2604', provider: 'mistral', tokens, at: '2026-09-01' });
    expect(cost).toMatchObject({ total: '9', status: 'estimated', pricedAs: 'mistral/mistral-medium-latest' });
    // An exact match names no stand-in.
    expect(pricer.calculate({ model: 'gpt-35-turbo-1106', provider: 'azure', tokens }).pricedAs).toBeUndefined();
    // A snapshot between known ones keeps the undated alias (still a guess).
    expect(match('mistral-medium-2507', 'mistral')).toMatchObject({ id: 'mistral-medium-3-1', kind: 'snapshot' });
  });

  it("an exact id at any provider outranks a family guess at the call's provider", () => {
    const model = (provider: string, id: string, aliases: string[], input: string): CatalogModel => ({
      provider,
      id,
      aliases,
      periods: [{ currency: 'USD', prices: { input, output: input } }],
      origin: 'catalog',
    });
    const catalog: Catalog = {
      label: 'test',
      providers: [
        { id: 'alpha', name: 'Alpha', fallbackProviders: [], models: [model('alpha', 'fam', [], '1')] },
        { id: 'beta', name: 'Beta', fallbackProviders: [], models: [model('beta', 'fam-2031-02-03', [], '7')] },
      ],
    };
    const own = createPricer({ catalog });
    const found = own.explain('fam-2031-02-03', { provider: 'alpha' }).matches[0];
    expect(found).toMatchObject({ provider: 'beta', id: 'fam-2031-02-03', kind: 'guess', guessed: true });
    expect(own.calculate({ model: 'fam-2031-02-03', provider: 'alpha', tokens })).toMatchObject({
      total: '14',
      status: 'estimated',
    });
  });

  it('unknown names match nothing', () => {
    expect(match('my-local-llama', 'ollama')).toBeUndefined();
    expect(pricer.explain('my-local-llama', { provider: 'ollama' }).steps.at(-1)).toContain('unpriced');
  });

  it('memoizes per (provider, model): the second lookup returns the same result object', () => {
    const resolver = new ModelResolver({
      catalog: new CatalogIndex(loadGenaiPricesCatalog()),
      configModels: [],
      deployments: new Map(),
      providerIds: new Set(GENAI_PRICES_PROVIDER_IDS),
    });
    const first = resolver.resolve('openai', 'gpt-4o-mini');
    expect(resolver.resolve('openai', 'gpt-4o-mini')).toBe(first);
    expect(resolver.resolve('unknown', 'no-such-model')).toBe(resolver.resolve('unknown', 'no-such-model'));
  });

  it('explains each step it took', () => {
    const explanation = pricer.explain('gpt-4o', { provider: 'azure', at: '2026-01-01' });
    expect(explanation.steps).toEqual([
      'looking up "gpt-4o" for provider "azure"',
      'no llm_config.yaml price for this name',
      expect.stringContaining('catalog: exact id "gpt-4o" at openai'),
    ]);
    expect(explanation.matches[0]!.periods[0]).toMatchObject({
      inForce: true,
      currency: 'USD',
      prices: { input: '2.5', cacheRead: '1.25', output: '10' },
    });
  });
});
