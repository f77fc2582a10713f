import type { z } from 'zod';
import type {
  BucketPricesEntry,
  ModelEntry,
  ModelEntryInput,
  PriceRule,
  PricingEntry,
  PricingSettingsInput,
} from '../config/schema.js';
import { modelEntrySchema, pricingSettingsSchema } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { formatDecimal, parseDecimal, shiftDecimal } from '../core/money.js';
import { overridesHash } from './pricing-version.js';
import type { BucketPrices, CatalogModel, PriceBucket, PricePeriod, PriceValue } from './catalog-types.js';

/** The `models:` and `pricing:` parts of `llm_config.yaml`, as parsed or written as options (validated here). */
export interface UserPricingConfig {
  models?: Record<string, ModelEntryInput>;
  pricing?: PricingSettingsInput;
}

export interface Deployment {
  /** Provider named by the target (`openai/gpt-4o`), if any. */
  provider: string | undefined;
  model: string;
}

/** User prices converted into catalog models, ready for the resolver. */
export interface UserPricing {
  models: CatalogModel[];
  /** Deployment and custom names (lower case, bare or `provider/name`) -> the model they run. */
  deployments: Map<string, Deployment>;
  customPricesOnly: boolean;
  /** One unit of the currency in the base currency. */
  fxRates: Map<string, string>;
  /** `pricing.rules`, validated, applied on top of the catalog by `applyPriceRules`. */
  rules: PriceRule[];
}

type PricedField = Exclude<keyof BucketPricesEntry, 'per_request'>;

/** The `llm_config.yaml` price fields and the buckets they price; price rules read the same fields. */
export const FIELD_BUCKETS: ReadonlyArray<[PricedField, PriceBucket]> = [
  ['input', 'input'],
  ['output', 'output'],
  ['cache_read', 'cacheRead'],
  ['cache_write', 'cacheWrite'],
  ['cache_write_1h', 'cacheWrite1h'],
  ['reasoning', 'reasoning'],
  ['input_audio', 'inputAudio'],
  ['output_audio', 'outputAudio'],
  ['input_image', 'inputImage'],
];

/**
 * Validates and converts the user's `models:` (`cost_per_1k` entries and our extensions) and
 * `pricing:` settings. Prices become per-1M exact decimal strings; `cost_per_1k` is multiplied
 * by 1000 exactly. Throws ConfigError naming `source` and the key when anything is invalid.
 */
export function readUserPricing(config: UserPricingConfig, source = 'options'): UserPricing {
  const settings = validate(pricingSettingsSchema, config.pricing ?? {}, source, 'pricing');
  const models: CatalogModel[] = [];
  for (const [key, raw] of Object.entries(config.models ?? {})) {
    const entry = validate(modelEntrySchema, raw, source, `models.${key}`);
    if (!entry.pricing) continue; // an entry without prices only names a provider
    models.push(convertEntry(key, entry));
  }
  const deployments = new Map<string, Deployment>();
  for (const [name, target] of Object.entries(settings.deployments ?? {})) {
    const slash = target.indexOf('/');
    deployments.set(
      name.trim().toLowerCase(),
      slash > 0
        ? { provider: target.slice(0, slash).trim().toLowerCase(), model: target.slice(slash + 1).trim() }
        : { provider: undefined, model: target.trim() },
    );
  }
  const fxRates = new Map<string, string>();
  for (const [currency, rate] of Object.entries(settings.fx_rates ?? {})) {
    const value = parseDecimal(rate);
    if (value.units === 0n) {
      throw new ConfigError({
        source,
        path: `pricing.fx_rates.${currency}`,
        expected: 'a positive rate',
        received: '0',
      });
    }
    fxRates.set(currency, formatDecimal(value));
  }
  return {
    models,
    deployments,
    customPricesOnly: settings.custom_prices_only ?? false,
    fxRates,
    rules: settings.rules ?? [],
  };
}

function convertEntry(key: string, entry: ModelEntry): CatalogModel {
  const slash = key.indexOf('/');
  const prefix = slash > 0 ? key.slice(0, slash).toLowerCase() : undefined;
  const entries = Array.isArray(entry.pricing) ? entry.pricing : [entry.pricing!];
  const model: CatalogModel = {
    provider: (entry.provider ?? prefix ?? '').toLowerCase(),
    id: key,
    aliases: Object.freeze((entry.aliases ?? []).map((alias) => alias.trim().toLowerCase())),
    periods: Object.freeze(entries.map(convertPeriod)),
    origin: 'config',
    configDigest: overridesHash(entry),
  };
  if (entry.context_window !== undefined) model.contextWindow = entry.context_window;
  return Object.freeze(model);
}

function convertPeriod(entry: PricingEntry): PricePeriod {
  const period: PricePeriod = { currency: entry.currency, prices: convertBuckets(entry) };
  if (entry.effective_from !== undefined) period.from = toIsoInstant(entry.effective_from);
  if (entry.effective_to !== undefined) period.to = toIsoInstant(entry.effective_to);
  if (entry.service_tiers) {
    const tiers: Record<string, BucketPrices> = {};
    for (const [tier, prices] of Object.entries(entry.service_tiers))
      tiers[tier.toLowerCase()] = convertBuckets(prices);
    period.serviceTiers = Object.freeze(tiers);
  }
  return Object.freeze(period);
}

function convertBuckets(entry: BucketPricesEntry): BucketPrices {
  const prices: BucketPrices = {};
  for (const [field, bucket] of FIELD_BUCKETS) {
    const part = entry[field];
    if (part) prices[bucket] = convertPart(part);
  }
  if (entry.per_request !== undefined) prices.request = formatDecimal(parseDecimal(entry.per_request));
  return Object.freeze(prices);
}

type PricePart = NonNullable<BucketPricesEntry['input']>;

function convertPart(part: PricePart): PriceValue {
  const base = perMillion(part);
  if (!part.tiers || part.tiers.length === 0) return base;
  return Object.freeze({
    base,
    tiers: Object.freeze(
      [...part.tiers]
        .sort((a, b) => a.over_input_tokens - b.over_input_tokens)
        .map((tier) => Object.freeze({ overInputTokens: tier.over_input_tokens, price: perMillion(tier) })),
    ),
  });
}

/** Per 1M tokens, exactly: `cost_per_1k` times 1000. */
function perMillion(part: { cost_per_1k?: number | string; cost_per_1m?: number | string }): string {
  if (part.cost_per_1m !== undefined) return formatDecimal(parseDecimal(part.cost_per_1m));
  return formatDecimal(shiftDecimal(parseDecimal(part.cost_per_1k!), -3));
}

/** `2025-06-10` -> `2025-06-10T00:00:00.000Z`; timestamps -> their UTC ISO form. */
function toIsoInstant(value: string): string {
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value).toISOString();
}

function validate<T>(schema: z.ZodType<T>, value: unknown, source: string, path: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = [path, ...issue.path.map(String)].filter(Boolean).join('.');
  const expected =
    issue.code === 'unrecognized_keys' ? `no unknown keys (found ${issue.keys.join(', ')})` : issue.message;
  throw new ConfigError({ source, path: where, expected, cause: parsed.error });
}
