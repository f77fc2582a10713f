import type { CatalogModel, PriceBucket, PricePeriod, PriceValue } from './catalog-types.js';
import { PRICE_BUCKETS } from './catalog-types.js';
import { describeMatchRule } from './match-rule.js';
import type { ModelMatch, MatchKind } from './model-resolver.js';

/** One price period as shown by `llm-ledger prices`: per 1M tokens (per request for `request`). */
export interface ExplainedPeriod {
  from: string | null;
  to: string | null;
  timeOfDay: { start: string; end: string } | null;
  currency: string;
  /** In force at the time asked about. */
  inForce: boolean;
  /** Bucket -> `2.5`, or `1.25; 2.5 over 200000 input tokens` for tiers. */
  prices: Partial<Record<PriceBucket, string>>;
  serviceTiers: Record<string, Partial<Record<PriceBucket, string>>>;
  /** Priced units this ledger does not meter (web searches, pages). */
  unmetered: Record<string, string>;
}

export interface ExplainedMatch {
  kind: MatchKind;
  reason: string;
  guessed: boolean;
  provider: string;
  id: string;
  name: string | null;
  origin: CatalogModel['origin'];
  aliases: string[];
  pattern: string | null;
  contextWindow: number | null;
  comments: string | null;
  periods: ExplainedPeriod[];
}

/** What `llm-ledger prices MODEL` prints: what matched, why, and the prices in force. */
export interface PriceExplanation {
  provider: string | null;
  model: string;
  /** ISO 8601 instant the `inForce` flags refer to. */
  at: string;
  steps: string[];
  /** Config match first, then catalog match; empty when the model is unknown. */
  matches: ExplainedMatch[];
  pricingVersion: string;
  baseCurrency: string;
}

/** Builds the explanation of one match; `inForce(period)` tells which period applies at the time asked. */
export function explainMatch(match: ModelMatch, inForce: (period: PricePeriod) => boolean): ExplainedMatch {
  const model = match.model;
  return {
    kind: match.kind,
    reason: match.reason,
    guessed: match.guessed,
    provider: model.provider,
    id: model.id,
    name: model.name ?? null,
    origin: model.origin,
    aliases: [...model.aliases],
    pattern: model.match ? describeMatchRule(model.match) : null,
    contextWindow: model.contextWindow ?? null,
    comments: model.comments ?? null,
    periods: model.periods.map((period) => ({
      from: period.from ?? null,
      to: period.to ?? null,
      timeOfDay: period.timeOfDay ? { ...period.timeOfDay } : null,
      currency: period.currency,
      inForce: inForce(period),
      prices: describePrices(period.prices),
      serviceTiers: Object.fromEntries(
        Object.entries(period.serviceTiers ?? {}).map(([tier, prices]) => [tier, describePrices(prices)]),
      ),
      unmetered: { ...(period.unmetered ?? {}) },
    })),
  };
}

function describePrices(prices: Partial<Record<PriceBucket, PriceValue>>): Partial<Record<PriceBucket, string>> {
  const described: Partial<Record<PriceBucket, string>> = {};
  for (const bucket of PRICE_BUCKETS) {
    const value = prices[bucket];
    if (value !== undefined) described[bucket] = describeValue(value);
  }
  return described;
}

function describeValue(value: PriceValue): string {
  if (typeof value === 'string') return value;
  return [value.base, ...value.tiers.map((tier) => `${tier.price} over ${tier.overInputTokens} input tokens`)].join(
    '; ',
  );
}
