import type { PriceRule } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { formatDecimal, multiplyDecimal, parseDecimal, shiftDecimal } from '../core/money.js';
import type { BucketPrices, Catalog, CatalogModel, PriceBucket, PricePeriod, PriceValue } from './catalog-types.js';
import { priceAt } from './compiled-prices.js';
import { overridesHash } from './pricing-version.js';
import { FIELD_BUCKETS } from './user-prices.js';

/** The catalog and the user's models with `pricing.rules` applied. */
export interface RuledPrices {
  catalog: Catalog | null;
  configModels: CatalogModel[];
}

/**
 * Applies the user's price rules, in order, on top of the catalog (or of a `models:` entry): what
 * the data lacks (service tiers, long-context tiers, regional premiums) without copying the rest
 * of a model's prices by hand. A rule with dates adds periods over the intersection of its dates
 * with each period of the model; since the last matching period wins, the rule's prices apply
 * inside its dates and the model's own outside them. A rule with `names` prices those names as a
 * model of its own (the target keeps its prices). Throws ConfigError for a model that is not there.
 */
export function applyPriceRules(
  catalog: Catalog | null,
  configModels: readonly CatalogModel[],
  rules: readonly PriceRule[],
  source: string,
): RuledPrices {
  if (rules.length === 0) return { catalog, configModels: [...configModels] };
  const models = new Map<string, CatalogModel>();
  for (const provider of catalog?.providers ?? []) {
    for (const model of provider.models) models.set(`${provider.id}/${model.id}`.toLowerCase(), model);
  }
  const replaced = new Map<CatalogModel, CatalogModel>();
  const config = [...configModels];
  const current = (model: CatalogModel) => replaced.get(model) ?? model;
  for (const [index, rule] of rules.entries()) {
    const where = `pricing.rules.${index}`;
    const configIndex = config.findIndex((model) => model.id.toLowerCase() === rule.model.toLowerCase());
    const original = configIndex >= 0 ? undefined : models.get(rule.model.toLowerCase());
    if (configIndex < 0 && original === undefined) {
      throw new ConfigError({
        source,
        path: `${where}.model`,
        expected:
          'a catalog model as provider/id (llm-ledger prices NAME shows it, such as anthropic/claude-sonnet-4-0) or a models: key',
        received: JSON.stringify(rule.model),
      });
    }
    const target = configIndex >= 0 ? config[configIndex]! : current(original!);
    const derived = applyRule(target, rule, source, where);
    if (rule.names) {
      config.push(
        Object.freeze({
          ...derived,
          id: rule.names[0]!,
          aliases: Object.freeze(rule.names.map((name) => name.trim().toLowerCase())),
          match: undefined,
          origin: 'config' as const,
          provider: target.provider,
        }),
      );
    } else if (configIndex >= 0) config[configIndex] = derived;
    else replaced.set(original!, derived);
  }
  if (!catalog || replaced.size === 0) return { catalog, configModels: config };
  const ruled: Catalog = Object.freeze({
    label: catalog.label,
    providers: Object.freeze(
      catalog.providers.map((provider) =>
        provider.models.some((model) => replaced.has(model))
          ? Object.freeze({ ...provider, models: Object.freeze(provider.models.map(current)) })
          : provider,
      ),
    ),
  });
  return { catalog: ruled, configModels: config };
}

function applyRule(model: CatalogModel, rule: PriceRule, source: string, where: string): CatalogModel {
  const from = rule.effective_from === undefined ? undefined : toInstant(rule.effective_from);
  const to = rule.effective_to === undefined ? undefined : toInstant(rule.effective_to);
  let periods: PricePeriod[];
  if (from === undefined && to === undefined) {
    periods = model.periods.map((period) => transform(period, rule, source, where));
  } else {
    const added: PricePeriod[] = [];
    for (const period of model.periods) {
      const start = later(period.from, from);
      const end = earlier(period.to, to);
      if (start !== undefined && end !== undefined && start >= end) continue;
      const narrowed: PricePeriod = { ...period };
      if (start === undefined) delete narrowed.from;
      else narrowed.from = start;
      if (end === undefined) delete narrowed.to;
      else narrowed.to = end;
      added.push(transform(narrowed, rule, source, where));
    }
    periods = [...model.periods, ...added];
  }
  const described = describeRule(rule);
  return Object.freeze({
    ...model,
    periods: Object.freeze(periods),
    comments: [model.comments, `llm_config.yaml rule: ${described}`].filter(Boolean).join(' | '),
    configDigest: overridesHash({ before: model.configDigest, rule }),
  });
}

function transform(period: PricePeriod, rule: PriceRule, source: string, where: string): PricePeriod {
  const result: PricePeriod = { ...period };
  const tier = rule.service_tier?.toLowerCase();
  if (tier !== undefined) {
    const tiers = { ...(period.serviceTiers ?? {}) };
    // A tier the data lacks starts from the standard prices: `multiplier: 0.5` is a batch discount.
    const start = tiers[tier] ?? period.prices;
    tiers[tier] = Object.freeze(newPrices(start, rule, source, where));
    result.serviceTiers = Object.freeze(tiers);
  } else {
    result.prices = Object.freeze(newPrices(period.prices, rule, source, where));
    if (rule.multiplier !== undefined && rule.over_input_tokens === undefined && period.serviceTiers) {
      // A premium (a region) applies to every tier's prices as well.
      result.serviceTiers = Object.freeze(
        Object.fromEntries(
          Object.entries(period.serviceTiers).map(([name, prices]) => [
            name,
            Object.freeze(newPrices(prices, rule, source, where)),
          ]),
        ),
      );
    }
  }
  return Object.freeze(result);
}

/** The prices a rule makes of `prices`: multiplied, replaced, or with a tier above an input size. */
function newPrices(prices: BucketPrices, rule: PriceRule, source: string, where: string): BucketPrices {
  const threshold = rule.over_input_tokens;
  const next: BucketPrices = { ...prices };
  if (rule.multiplier !== undefined) {
    const factor = parseDecimal(rule.multiplier);
    for (const [bucket, value] of Object.entries(prices) as Array<[PriceBucket, PriceValue | undefined]>) {
      if (value === undefined) continue;
      next[bucket] =
        threshold === undefined
          ? multiplyValue(value, factor)
          : withTier(value, threshold, times(priceAt(value, threshold + 1), factor));
    }
    return next;
  }
  for (const [field, bucket] of FIELD_BUCKETS) {
    const part = rule.prices?.[field];
    if (!part) continue;
    const price = perMillion(part);
    if (threshold === undefined) next[bucket] = price;
    else {
      const existing = prices[bucket];
      if (existing === undefined) {
        throw new ConfigError({
          source,
          path: `${where}.prices.${field}`,
          expected: `a bucket the model has a price for below ${threshold} input tokens (it has ${Object.keys(prices).join(', ') || 'none'})`,
        });
      }
      next[bucket] = withTier(existing, threshold, price);
    }
  }
  if (rule.prices?.per_request !== undefined && threshold === undefined) {
    next.request = formatDecimal(parseDecimal(rule.prices.per_request));
  }
  return next;
}

function withTier(value: PriceValue, overInputTokens: number, price: string): PriceValue {
  const base = typeof value === 'string' ? value : value.base;
  const tiers = typeof value === 'string' ? [] : value.tiers.filter((tier) => tier.overInputTokens !== overInputTokens);
  return Object.freeze({
    base,
    tiers: Object.freeze([...tiers, { overInputTokens, price }].sort((a, b) => a.overInputTokens - b.overInputTokens)),
  });
}

function multiplyValue(value: PriceValue, factor: ReturnType<typeof parseDecimal>): PriceValue {
  if (typeof value === 'string') return times(value, factor);
  return Object.freeze({
    base: times(value.base, factor),
    tiers: Object.freeze(value.tiers.map((tier) => ({ ...tier, price: times(tier.price, factor) }))),
  });
}

function times(price: string, factor: ReturnType<typeof parseDecimal>): string {
  return formatDecimal(multiplyDecimal(parseDecimal(price), factor));
}

function perMillion(part: { cost_per_1k?: number | string; cost_per_1m?: number | string }): string {
  if (part.cost_per_1m !== undefined) return formatDecimal(parseDecimal(part.cost_per_1m));
  return formatDecimal(shiftDecimal(parseDecimal(part.cost_per_1k!), -3));
}

function describeRule(rule: PriceRule): string {
  const parts = [
    rule.multiplier !== undefined ? `prices x ${rule.multiplier}` : 'own prices',
    rule.service_tier ? `service tier ${rule.service_tier}` : '',
    rule.over_input_tokens !== undefined ? `input over ${rule.over_input_tokens} tokens` : '',
    rule.names ? `as ${rule.names.join(', ')}` : '',
    rule.effective_from || rule.effective_to ? `${rule.effective_from ?? ''}..${rule.effective_to ?? ''}` : '',
    rule.note ?? '',
  ];
  return parts.filter(Boolean).join(', ');
}

function toInstant(value: string): string {
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value).toISOString();
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

function earlier(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}
