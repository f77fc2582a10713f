import type { Pricer as CorePricer } from '../core/call.js';
import { ConfigError } from '../core/errors.js';
import {
  OPTIONAL_USAGE_BUCKETS,
  type CallCost,
  type CallRecord,
  type TokenSource,
  type TokenUsage,
} from '../core/record.js';
import { computeBucketCosts } from './bucket-costs.js';
import { CatalogIndex } from './catalog-index.js';
import type { Catalog, CatalogModel } from './catalog-types.js';
import { compileModel, selectBand, selectPeriod, type CompiledModel } from './compiled-prices.js';
import { currencyConverter } from './currency-rates.js';
import { explainMatch, type PriceExplanation } from './explain.js';
import { GENAI_PRICES_PROVIDER_IDS, loadGenaiPricesCatalog } from './genai-prices-source.js';
import { ModelResolver, type ModelMatch } from './model-resolver.js';
import { costVersion, overridesHash, pricingVersion } from './pricing-version.js';
import { UnpricedTracker, type UnpricedModelEvent } from './unpriced-tracker.js';
import { applyPriceRules } from './price-rules.js';
import { readUserPricing, type UserPricingConfig } from './user-prices.js';

export interface PricerOptions extends UserPricingConfig {
  /** Currency of every cost (`settings.usage_logging.base_currency`). Default `USD`. */
  baseCurrency?: string;
  /** Names the origin of `models` / `pricing` in ConfigErrors, e.g. the config file's path. */
  configSource?: string;
  /** Called once per (provider, model) that cannot be priced; calls are counted in `stats()`. */
  onUnpricedModel?: (event: UnpricedModelEvent) => void;
  /** Another catalog instead of the bundled one; `null` for none. Default: `@pydantic/genai-prices`. */
  catalog?: Catalog | null;
}

/** Everything `calculate` needs; only `model` and `tokens` are required. */
export interface CostInput {
  model: string;
  provider?: string | null;
  /** The model the provider says answered (Azure names the real model here). */
  responseModel?: string | null;
  tokens: Partial<TokenUsage>;
  /** When the call started; prices in force then apply. Default now. */
  at?: Date | string | number;
  /** `params.serviceTier`: `batch`, `flex`, `priority`; standard when absent. */
  serviceTier?: string;
  /** Counts that are not the provider's make the cost `estimated`. Default `provider`. */
  tokenSource?: TokenSource | null;
}

/** A cost with its reasons. */
export interface CostQuote {
  cost: CallCost;
  /** The match whose prices were applied; null when unpriced. */
  match: ModelMatch | null;
  notes: string[];
}

export interface PricerStats {
  unpricedCalls: number;
  /** `provider/model` of every model that could not be priced. */
  unknownModels: string[];
}

/** The ledger's pricer: the core `Pricer` plus direct calculation, explanation and statistics. */
export interface LedgerPricer extends CorePricer {
  readonly baseCurrency: string;
  /** Catalog label and overrides hash stamped on every cost. */
  readonly pricingVersion: string;
  /** The catalog in use, or null with `custom_prices_only`. */
  readonly catalog: Catalog | null;
  /** The user's priced models. */
  readonly configModels: readonly CatalogModel[];
  /** Cost of a record when it is finalized: synchronous, never throws; null when no usage is known. */
  price(record: CallRecord): CallCost | null;
  calculate(input: CostInput): CallCost;
  /** `calculate` plus what matched and a sentence per fallback or correction, for `llm-ledger cost`. */
  quote(input: CostInput): CostQuote;
  explain(model: string, options?: { provider?: string; at?: Date | string | number }): PriceExplanation;
  stats(): PricerStats;
}

const STANDARD_TIERS = new Set(['', 'auto', 'default', 'standard', 'standard_only', 'on_demand', 'on-demand']);
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The ledger's pricer: the bundled catalog with the user's `models:` / `pricing:` settings applied,
 * model matching, and exact per-bucket costs. Everything is validated in the constructor: a bad
 * price or a missing exchange rate throws ConfigError there, never while a call is priced.
 * Applications get one from `createPricer(options)` and hold it as a LedgerPricer: the class is
 * not exported from the entry points, where `Pricer` names the core's one-method interface.
 */
export class Pricer implements LedgerPricer {
  readonly baseCurrency: string;
  readonly pricingVersion: string;
  readonly catalog: Catalog | null;
  readonly configModels: readonly CatalogModel[];
  private readonly resolver: ModelResolver;
  private readonly rateOf: (currency: string) => string;
  private readonly dataLabel: string;
  private readonly unpricedVersion: string;
  private readonly tracker: UnpricedTracker;
  private readonly compiled = new WeakMap<CatalogModel, CompiledModel>();
  // The last answer of matchesFor: consecutive calls mostly name the same models, and comparing
  // three strings is cheaper than the two memo lookups (which hash a response model string that
  // is new with every response). Lookups are pure, so a repeated question gets the same answer.
  private last: {
    provider: string | null | undefined;
    model: string;
    responseModel: string | null | undefined;
  } | null = null;
  private lastMatches: readonly ModelMatch[] = [];

  constructor(options: PricerOptions = {}) {
    const baseCurrency = options.baseCurrency ?? 'USD';
    const source = options.configSource ?? 'options';
    if (!/^[A-Z]{3}$/.test(baseCurrency)) {
      throw new ConfigError({
        source,
        path: 'baseCurrency',
        expected: 'a three-letter ISO currency code such as USD',
        received: JSON.stringify(baseCurrency),
      });
    }
    const user = readUserPricing(options, source);
    const catalog =
      options.catalog !== undefined ? options.catalog : user.customPricesOnly ? null : loadGenaiPricesCatalog();
    // The rules change the prices the resolver sees; `catalog` stays the data as loaded, so a newer
    // data file is compared with the data, not with the user's additions.
    const ruled = applyPriceRules(catalog, user.models, user.rules, source);
    const catalogModels = ruled.catalog ? ruled.catalog.providers.flatMap((provider) => provider.models) : [];
    this.rateOf = currencyConverter(baseCurrency, user.fxRates, [...ruled.configModels, ...catalogModels], source);
    this.resolver = new ModelResolver({
      catalog: ruled.catalog ? new CatalogIndex(ruled.catalog) : null,
      configModels: ruled.configModels,
      deployments: user.deployments,
      providerIds: new Set([
        ...GENAI_PRICES_PROVIDER_IDS,
        ...(catalog?.providers.map((provider) => provider.id) ?? []),
      ]),
    });
    this.baseCurrency = baseCurrency;
    this.catalog = catalog;
    this.configModels = ruled.configModels;
    this.pricingVersion = pricingVersion(catalog?.label ?? 'custom', {
      models: options.models,
      pricing: options.pricing,
      baseCurrency: baseCurrency === 'USD' ? undefined : baseCurrency,
    });
    this.dataLabel = catalog?.label ?? 'custom';
    this.unpricedVersion = costVersion(this.dataLabel, null);
    this.tracker = new UnpricedTracker(options.onUnpricedModel);
  }

  price(record: CallRecord): CallCost | null {
    // No usage at all (the call failed before any response): the cost is unknown, not zero.
    if (record.tokenSource === null) return null;
    try {
      return this.costOf(
        record.provider,
        record.model,
        record.responseModel,
        record.tokens,
        record.startedAt,
        record.params.serviceTier,
        record.tokenSource,
      );
    } catch {
      // Pricing must never fail a call; an impossible state leaves the cost unset instead.
      return null;
    }
  }

  calculate(input: CostInput): CallCost {
    return this.costOf(
      input.provider,
      input.model,
      input.responseModel,
      completeUsage(input.tokens),
      input.at,
      input.serviceTier,
      input.tokenSource,
    );
  }

  quote(input: CostInput): CostQuote {
    const detail = { notes: [] as string[], match: null as ModelMatch | null };
    const cost = this.costOf(
      input.provider,
      input.model,
      input.responseModel,
      completeUsage(input.tokens),
      input.at,
      input.serviceTier,
      input.tokenSource,
      detail,
    );
    return { cost, match: detail.match, notes: detail.notes };
  }

  explain(model: string, options: { provider?: string; at?: Date | string | number } = {}): PriceExplanation {
    const at = toInstant(options.at);
    const { matches, steps } = this.resolver.explain(options.provider, model);
    return {
      provider: options.provider ?? null,
      model,
      at,
      steps,
      matches: matches.map((match) => {
        const compiledModel = this.compile(match.model);
        const selected = selectPeriod(compiledModel, at);
        const index = selected ? compiledModel.periods.indexOf(selected) : -1;
        return explainMatch(match, (period) => match.model.periods.indexOf(period) === index);
      }),
      pricingVersion: this.pricingVersion,
      baseCurrency: this.baseCurrency,
    };
  }

  stats(): PricerStats {
    return { unpricedCalls: this.tracker.unpricedCalls, unknownModels: this.tracker.unknownModels };
  }

  /**
   * The hot path (well under 1 µs with a memoized match): positional arguments, no intermediate
   * objects; the call time is normalized only for models whose prices depend on it.
   */
  private costOf(
    provider: string | null | undefined,
    model: string,
    responseModel: string | null | undefined,
    tokens: TokenUsage,
    when: Date | string | number | undefined,
    serviceTier: string | undefined,
    tokenSource: TokenSource | null | undefined,
    detail?: { notes: string[]; match: ModelMatch | null },
  ): CallCost {
    const matches = this.matchesFor(provider, model, responseModel);
    let at: string | undefined;
    for (const match of matches) {
      const compiledModel = this.compile(match.model);
      if (!compiledModel.timeless && at === undefined) at = toInstant(when);
      const period = selectPeriod(compiledModel, at ?? '');
      if (!period) continue;
      let bands = period.standard;
      let tierGuessed = false;
      if (
        serviceTier !== undefined &&
        !STANDARD_TIERS.has(serviceTier) &&
        !STANDARD_TIERS.has(serviceTier.toLowerCase())
      ) {
        const tierBands = period.serviceTiers.get(serviceTier.toLowerCase());
        // A tier the data does not price (OpenAI flex, batch) is charged at standard prices, marked estimated.
        if (tierBands) bands = tierBands;
        else tierGuessed = true;
      }
      const costs = computeBucketCosts(tokens, selectBand(bands, tokens.input), detail?.notes);
      if (detail) {
        detail.match = match;
        if (match.guessed) detail.notes.push(`the model was matched by a guess: ${match.reason}`);
        if (tierGuessed) detail.notes.push(`no prices for service tier "${serviceTier}": standard prices applied`);
        if (tokenSource && tokenSource !== 'provider') detail.notes.push(`token counts come from ${tokenSource}`);
      }
      if (costs.total === null) {
        this.tracker.record(provider ?? 'unknown', model, `no price for ${costs.unpriced.join(', ')}`);
        return { ...this.unpriced(), unpricedBuckets: costs.unpriced };
      }
      const estimated =
        costs.estimated ||
        match.guessed ||
        tierGuessed ||
        (tokenSource !== undefined && tokenSource !== null && tokenSource !== 'provider');
      const cost: CallCost = {
        total: costs.total,
        breakdown: costs.breakdown,
        currency: this.baseCurrency,
        pricingVersion: period.version,
        status: estimated ? 'estimated' : 'priced',
      };
      if (costs.unpriced.length > 0) cost.unpricedBuckets = costs.unpriced;
      if (match.guessed) cost.pricedAs = `${match.model.provider}/${match.model.id}`;
      return cost;
    }
    const reason = matches.length === 0 ? 'unknown model' : 'no price in force at the call time';
    this.tracker.record(provider ?? 'unknown', model, reason);
    detail?.notes.push(`unpriced: ${reason}; the cost is unknown (null), not 0`);
    return this.unpriced();
  }

  private unpriced(): CallCost {
    return {
      total: null,
      breakdown: {},
      currency: this.baseCurrency,
      pricingVersion: this.unpricedVersion,
      status: 'unpriced',
    };
  }

  private matchesFor(
    provider: string | null | undefined,
    model: string,
    responseModel: string | null | undefined,
  ): readonly ModelMatch[] {
    const last = this.last;
    if (last !== null && last.model === model && last.responseModel === responseModel && last.provider === provider) {
      return this.lastMatches;
    }
    this.lastMatches = this.lookUpMatches(provider, model, responseModel);
    this.last = { provider, model, responseModel };
    return this.lastMatches;
  }

  private lookUpMatches(
    provider: string | null | undefined,
    model: string,
    responseModel: string | null | undefined,
  ): readonly ModelMatch[] {
    const requested = this.resolver.resolve(provider, model);
    if (!responseModel || responseModel === model || requested[0]?.fromConfig) return requested;
    // The response names what ran and was billed (Azure answers a deployment name with the model).
    const answered = this.resolver.resolve(provider, responseModel);
    if (answered.length > 0 && !answered[0]!.guessed) return answered;
    return requested.length > 0 ? requested : answered;
  }

  private compile(model: CatalogModel): CompiledModel {
    let entry = this.compiled.get(model);
    if (!entry) {
      // Only what shaped this model's prices goes into its version: its own configuration and
      // the exchange rates of its currencies, never the rest of the file.
      const rates: Record<string, string> = {};
      for (const period of model.periods) {
        if (period.currency !== this.baseCurrency) rates[period.currency] = this.rateOf(period.currency);
      }
      const digest = overridesHash({
        config: model.configDigest,
        fx: Object.keys(rates).length > 0 ? rates : undefined,
      });
      const dataLabel = this.dataLabel;
      entry = compileModel(model, this.rateOf, (period) => costVersion(dataLabel, { model, period, digest }));
      this.compiled.set(model, entry);
    }
    return entry;
  }
}

/**
 * Creates a pricer from the bundled catalog and the user's `models:` / `pricing:` settings.
 * Validates everything up front: a bad price or a missing exchange rate throws ConfigError here.
 *
 * @example
 * const pricer = createPricer({ models: config.models, pricing: config.pricing, baseCurrency: 'USD' });
 * const ledger = createLedger({ pricer });
 * pricer.calculate({ model: 'gpt-4o', tokens: { input: 1000, output: 200 } }).total; // '0.0045'
 */
export function createPricer(options: PricerOptions = {}): LedgerPricer {
  return new Pricer(options);
}

/** ISO 8601 UTC with milliseconds, the form records store, so periods compare as strings. */
function toInstant(at: Date | string | number | undefined): string {
  if (at === undefined) return new Date().toISOString();
  if (typeof at === 'string' && CANONICAL_INSTANT.test(at)) return at;
  const date = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a valid time: ${String(at)}`);
  return date.toISOString();
}

/** Fills absent buckets with 0 and sanitizes counts given directly to `calculate`. */
function completeUsage(tokens: Partial<TokenUsage>): TokenUsage {
  const count = (value: number | undefined) =>
    value === undefined || !Number.isFinite(value) || value < 0 ? 0 : Math.round(value);
  const usage: TokenUsage = {
    input: count(tokens.input),
    output: count(tokens.output),
    total: 0,
    cacheRead: count(tokens.cacheRead),
    cacheWrite: count(tokens.cacheWrite),
    reasoning: count(tokens.reasoning),
  };
  usage.total = tokens.total === undefined ? usage.input + usage.output : count(tokens.total);
  for (const bucket of OPTIONAL_USAGE_BUCKETS) {
    if (tokens[bucket] !== undefined) usage[bucket] = count(tokens[bucket]);
  }
  return usage;
}
