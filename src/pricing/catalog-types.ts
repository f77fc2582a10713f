/**
 * Our own typed price catalog. Every price is an exact decimal string (never a float) with a
 * currency and an effective period; token buckets are priced per 1M tokens, `request` per request,
 * `audioHour` and `inputAudioHour` per hour of audio, `page` and `annotatedPage` per page,
 * `webSearch` per search.
 * The bundled catalog is converted into this shape from `@pydantic/genai-prices` at load time;
 * `llm_config.yaml` overrides are converted into the same shape.
 */

/**
 * A bucket the ledger meters and can price. Token buckets are exclusive of each other at pricing
 * time: `input` prices uncached text input, `output` text output, `reasoning` reasoning output.
 */
export type PriceBucket =
  | 'input'
  | 'cacheRead'
  | 'cacheWrite'
  | 'cacheWrite1h'
  | 'output'
  | 'reasoning'
  | 'inputAudio'
  | 'cacheAudioRead'
  | 'outputAudio'
  | 'inputImage'
  | 'outputImage'
  | 'request'
  | 'audioHour'
  | 'inputAudioHour'
  | 'page'
  | 'annotatedPage'
  | 'webSearch';

/** Every bucket, in display order. */
export const PRICE_BUCKETS: readonly PriceBucket[] = [
  'input',
  'cacheRead',
  'cacheWrite',
  'cacheWrite1h',
  'output',
  'reasoning',
  'inputAudio',
  'cacheAudioRead',
  'outputAudio',
  'inputImage',
  'outputImage',
  'request',
  'audioHour',
  'inputAudioHour',
  'page',
  'annotatedPage',
  'webSearch',
];

/**
 * A whole-request tiered price: once the request's total input (cache included) exceeds
 * `overInputTokens`, every token of the bucket costs that tier's price (not a graduated scale).
 */
export interface TieredPrice {
  base: string;
  tiers: ReadonlyArray<{ overInputTokens: number; price: string }>;
}

/** A per-1M-token price (per the bucket's own unit for the others), flat or tiered by input size. */
export type PriceValue = string | TieredPrice;

export type BucketPrices = Partial<Record<PriceBucket, PriceValue>>;

/** Time-of-day window in UTC, `HH:MM:SS`; `end` before `start` wraps past midnight. */
export interface TimeOfDayWindow {
  start: string;
  end: string;
}

/**
 * Prices in force over a period. When several periods match an instant, the LAST one listed wins
 * (the order of the source: a later start date or a time-of-day window overrides the default).
 */
export interface PricePeriod {
  /** ISO 4217 code of every price in this period. */
  currency: string;
  /** Inclusive start, ISO 8601 UTC (`2025-06-10T00:00:00.000Z`); absent: since always. */
  from?: string;
  /** Exclusive end, ISO 8601 UTC; absent: until further notice. */
  to?: string;
  timeOfDay?: TimeOfDayWindow;
  prices: BucketPrices;
  /** Prices for named service tiers (`batch`, `flex`, `priority`) where the data has them. */
  serviceTiers?: Readonly<Record<string, BucketPrices>>;
  /** Prices of units this ledger does not meter (web searches, pages, hours), shown but not applied. */
  unmetered?: Readonly<Record<string, string>>;
}

/** A match rule, the same logic as `@pydantic/genai-prices` (case-insensitive except `regex`). */
export type MatchRule =
  | { equals: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { regex: string }
  | { or: readonly MatchRule[] }
  | { and: readonly MatchRule[] };

export interface CatalogModel {
  /** Catalog provider id (`openai`, `anthropic`, `google`, `aws`, ...). */
  provider: string;
  id: string;
  name?: string;
  /** Exact alternative names, lower case (from the source's `equals` rules, or the user's `aliases`). */
  aliases: readonly string[];
  /** The source's pattern, tried after exact names. */
  match?: MatchRule;
  contextWindow?: number;
  periods: readonly PricePeriod[];
  origin: 'catalog' | 'config';
  deprecated?: boolean;
  /** The source's remarks about its prices. */
  comments?: string;
  /**
   * Short hash of what `llm_config.yaml` says about this model (its `models:` entry, the price
   * rules applied to it), absent when nothing: it goes into the price version of its costs, so an
   * edit to another model's prices leaves this model's version alone.
   */
  configDigest?: string;
}

export interface CatalogProvider {
  id: string;
  name: string;
  /** Names this provider owns (`gpt-` for OpenAI): a match there is the model's own list price. */
  modelMatch?: MatchRule;
  /** Providers whose models this one also serves at the same prices (Azure -> OpenAI). */
  fallbackProviders: readonly string[];
  models: readonly CatalogModel[];
}

export interface Catalog {
  /** `genai-prices@0.1.8+2026-09-23`, or `none` when only user prices are used. */
  label: string;
  providers: readonly CatalogProvider[];
}
