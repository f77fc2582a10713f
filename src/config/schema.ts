import { z } from 'zod';
import { limitsConfigSchema } from '../meters/limits/limits-config.js';
import { meterSettingsSchema } from '../meters/meter-config.js';

/**
 * `llm_config.yaml`: `usage_logging`, and `models` priced with `cost_per_1k`, plus our extensions.
 * Unknown keys are rejected so that a typo (`fail_opne`) is an error at load, not a silently
 * ignored setting.
 */
/** ISO 4217: `USD`, `EUR`. */
const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'a three-letter ISO currency code such as USD');

/** A non-negative exact amount: a YAML number, or a decimal string (quote it to keep every digit). */
const amount = z.union([
  z.number().nonnegative(),
  z.string().regex(/^\s*\d*\.?\d+(?:[eE][+-]?\d+)?\s*$/, 'a non-negative decimal number such as "0.15"'),
]);

/** `2025-06-10` (midnight UTC) or a full ISO 8601 timestamp. */
const effectiveDate = z
  .string()
  .refine(
    (value) => /^\d{4}-\d{2}-\d{2}(?:T.*)?$/.test(value) && Number.isFinite(Date.parse(value)),
    'a date such as 2025-06-10 or an ISO 8601 timestamp',
  );

const exactlyOneRate = (value: { cost_per_1k?: unknown; cost_per_1m?: unknown }) =>
  (value.cost_per_1k === undefined) !== (value.cost_per_1m === undefined);

/** A rate as `cost_per_1k` or `cost_per_1m` (exactly one); tiers reprice the whole request above an input size. */
const pricePart = z
  .object({
    cost_per_1k: amount.optional(),
    cost_per_1m: amount.optional(),
    tiers: z
      .array(
        z
          .object({
            over_input_tokens: z.number().int().nonnegative(),
            cost_per_1k: amount.optional(),
            cost_per_1m: amount.optional(),
          })
          .strict()
          .refine(exactlyOneRate, 'exactly one of cost_per_1k or cost_per_1m'),
      )
      .optional(),
  })
  .strict()
  .refine(exactlyOneRate, 'exactly one of cost_per_1k or cost_per_1m');

const bucketPriceFields = {
  input: pricePart.optional(),
  output: pricePart.optional(),
  cache_read: pricePart.optional(),
  cache_write: pricePart.optional(),
  /** One-hour cache writes (Anthropic); `cache_write` then prices the five-minute ones. */
  cache_write_1h: pricePart.optional(),
  reasoning: pricePart.optional(),
  input_audio: pricePart.optional(),
  output_audio: pricePart.optional(),
  input_image: pricePart.optional(),
  /** A fee per request, in `currency`. */
  per_request: amount.optional(),
};

export const bucketPricesSchema = z.object(bucketPriceFields).strict();

/** One price entry of a model: `cost_per_1k` / `cost_per_1m` rates plus buckets, effective dates and service tiers. */
export const pricingEntrySchema = z
  .object({
    currency: currencyCode.default('USD'),
    ...bucketPriceFields,
    /** Inclusive. */
    effective_from: effectiveDate.optional(),
    /** Exclusive. */
    effective_to: effectiveDate.optional(),
    /** Prices for `params.serviceTier` values such as `batch`, `flex`, `priority`. */
    service_tiers: z.record(z.string().min(1), bucketPricesSchema).optional(),
  })
  .strict()
  .refine(
    (entry) =>
      entry.effective_from === undefined ||
      entry.effective_to === undefined ||
      Date.parse(entry.effective_from) < Date.parse(entry.effective_to),
    'effective_from before effective_to',
  );

export const modelEntrySchema = z
  .object({
    provider: z.string().min(1).optional(),
    /** One entry, or several with effective dates (a price history); a later entry wins where they overlap. */
    pricing: z.union([pricingEntrySchema, z.array(pricingEntrySchema).min(1)]).optional(),
    /** Other names this model is called by. */
    aliases: z.array(z.string().min(1)).optional(),
    context_window: z.number().int().positive().optional(),
  })
  .strict();

/**
 * A price rule: changes the prices of a catalog model (or a `models:` entry) over a period, for a
 * service tier, above an input size, or under other names. Either `multiplier` (of the prices in
 * force) or `prices` (replacing the buckets given).
 */
export const priceRuleSchema = z
  .object({
    /** The model the rule prices: `anthropic/claude-sonnet-4` (catalog provider/id) or a `models:` key. */
    model: z.string().min(1),
    /** Inclusive. */
    effective_from: effectiveDate.optional(),
    /** Exclusive. */
    effective_to: effectiveDate.optional(),
    /** The rule prices this `params.serviceTier` (`batch`, `flex`, `priority`) only. */
    service_tier: z.string().min(1).optional(),
    /** The rule prices requests whose whole input (cache included) exceeds this many tokens. */
    over_input_tokens: z.number().int().nonnegative().optional(),
    /** The rule prices calls under these model names only (a regional endpoint), as a model of its own. */
    names: z.array(z.string().min(1)).min(1).optional(),
    /** Every price in force, times this (`"1.1"` for a 10% premium, `"0.5"` for batch). */
    multiplier: amount.optional(),
    /** Prices per 1M tokens for the buckets given; the others keep the prices in force. */
    prices: bucketPricesSchema.optional(),
    /** Why the rule exists (shown by `llm-ledger prices MODEL`). */
    note: z.string().optional(),
  })
  .strict()
  .refine(
    (rule) => (rule.multiplier === undefined) !== (rule.prices === undefined),
    'exactly one of multiplier or prices',
  )
  .refine(
    (rule) =>
      rule.effective_from === undefined ||
      rule.effective_to === undefined ||
      Date.parse(rule.effective_from) < Date.parse(rule.effective_to),
    'effective_from before effective_to',
  );

/** Top-level `pricing:`: how the catalog and the user's prices combine. */
export const pricingSettingsSchema = z
  .object({
    /** Turns the bundled catalog off: only `models:` prices apply, anything else is unpriced. */
    custom_prices_only: z.boolean().optional(),
    /** Value of one unit of each currency in the base currency: `{ EUR: "1.08" }` with base USD. */
    fx_rates: z.record(currencyCode, amount).optional(),
    /** Deployment or custom model names mapped to a model: `{ prod-4o: openai/gpt-4o }`. */
    deployments: z.record(z.string().min(1), z.string().min(1)).optional(),
    /**
     * Where `llm-ledger prices update --apply` keeps the applied genai-prices data, read at start
     * (relative to this file's directory). Default: `genai-prices.json` beside the SQLite ledger.
     */
    data_file: z.string().min(1).optional(),
    /** A long-running process reloads the price data from `from` (URL or file) every `every_minutes`. */
    update: z
      .object({
        from: z.string().min(1),
        every_minutes: z.number().positive().default(1440),
      })
      .strict()
      .optional(),
    /** Prices the catalog lacks (service tiers, long-context tiers, regional premiums), on top of it. */
    rules: z.array(priceRuleSchema).optional(),
  })
  .strict();

export const usageLoggingSchema = z
  .object({
    enabled: z.boolean().optional(),
    base_currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'a three-letter ISO currency code such as USD')
      .optional(),
    fail_open: z.boolean().optional(),
    default_rounding_decimals: z.number().int().min(0).max(30).optional(),
  })
  .strict();

/** Our own settings, beside `usage_logging`. */
export const ledgerSettingsSchema = z
  .object({
    store: z.string().min(1).optional(),
    max_field_chars: z.number().int().positive().optional(),
    handler_timeout_ms: z.number().int().positive().optional(),
    batch_size: z.number().int().positive().optional(),
    flush_interval_ms: z.number().int().positive().optional(),
  })
  .strict();

/** `llm-ledger proxy`: upstream base URLs by name, virtual keys, listen address and limits. */
export const proxySettingsSchema = z
  .object({
    /** `openai`, `anthropic`, `gemini` replace the providers' URLs; any other name is an OpenAI-compatible upstream at /u/<name>/v1. */
    upstreams: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i), z.string().url()).optional(),
    /** A YAML or JSON file of virtual keys (relative to the working directory). */
    virtual_keys: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    host: z.string().min(1).optional(),
    max_request_bytes: z.number().int().positive().optional(),
    max_response_bytes: z.number().int().positive().optional(),
    upstream_timeout_ms: z.number().int().positive().optional(),
    /** The response cache the proxy answers `x-ledger-cache: on` from: in memory or in the ledger's SQLite file. */
    cache: z.enum(['memory', 'sqlite']).optional(),
    cache_ttl_ms: z.number().int().positive().optional(),
    /** Upstreams whose requests use the cache without the header. */
    cache_upstreams: z.array(z.string().min(1)).optional(),
  })
  .strict();

export const configFileSchema = z
  .object({
    models: z.record(z.string(), modelEntrySchema).optional(),
    pricing: pricingSettingsSchema.optional(),
    limits: limitsConfigSchema.optional(),
    proxy: proxySettingsSchema.optional(),
    settings: z
      .object({
        usage_logging: usageLoggingSchema.optional(),
        ledger: ledgerSettingsSchema.optional(),
        meter: meterSettingsSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
export type ProxySettings = z.infer<typeof proxySettingsSchema>;
export type ModelEntry = z.infer<typeof modelEntrySchema>;
export type PricingEntry = z.infer<typeof pricingEntrySchema>;
export type BucketPricesEntry = z.infer<typeof bucketPricesSchema>;
export type PricingSettings = z.infer<typeof pricingSettingsSchema>;
export type PriceRule = z.infer<typeof priceRuleSchema>;
/** A `models:` entry as written (before defaults such as `currency: USD` are applied). */
export type ModelEntryInput = z.input<typeof modelEntrySchema>;
export type PricingSettingsInput = z.input<typeof pricingSettingsSchema>;
