/**
 * Pricing: a typed, versioned price catalog (converted from `@pydantic/genai-prices`), the
 * user's `llm_config.yaml` prices, model matching and exact per-bucket cost calculation.
 */
export {
  createPricer,
  type CostInput,
  type CostQuote,
  type LedgerPricer,
  type PricerOptions,
  type PricerStats,
} from './create-pricer.js';
export { calculateCost } from './calculate-cost.js';
export { pricerOptionsFromConfig } from './pricer-config.js';
export type { UnpricedModelEvent } from './unpriced-tracker.js';
export type { PriceExplanation, ExplainedMatch, ExplainedPeriod } from './explain.js';
export type { MatchKind, ModelMatch } from './model-resolver.js';
export { loadGenaiPricesCatalog, GENAI_PRICES_RELEASE } from './genai-prices-source.js';
export { PRICE_BUCKETS } from './catalog-types.js';
export type {
  BucketPrices,
  Catalog,
  CatalogModel,
  CatalogProvider,
  MatchRule,
  PriceBucket,
  PricePeriod,
  PriceValue,
  TieredPrice,
  TimeOfDayWindow,
} from './catalog-types.js';
export { readUserPricing, type UserPricingConfig } from './user-prices.js';
export { costVersion, pricingVersion } from './pricing-version.js';
export { catalogFromGenaiData, GENAI_PRICES_DATA_URL, parseGenaiPricesData } from './genai-prices-data.js';
export { diffCatalogs, summarizeDiff, type CatalogDiff, type PriceChange } from './catalog-diff.js';
export { swappablePricer, type SwappablePricer } from './swappable-pricer.js';
