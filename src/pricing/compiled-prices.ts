import { multiplyDecimal, parseDecimal, shiftDecimal, type Decimal } from '../core/money.js';
import type {
  BucketPrices,
  CatalogModel,
  PriceBucket,
  PricePeriod,
  PriceValue,
  TimeOfDayWindow,
} from './catalog-types.js';
import { isWithinWindow } from './time-of-day.js';

/**
 * The slots a call's usage is split into for pricing, in breakdown order. Each slot is exclusive
 * of the others: `input` is uncached text input, `output` text output, `inputAudio` uncached
 * audio input, `audioSeconds` the audio seconds not priced as input audio, `pages` the pages not
 * priced as annotated.
 */
export const COST_SLOTS = [
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
  'audioSeconds',
  'inputAudioSeconds',
  'pages',
  'annotatedPages',
  'webSearches',
] as const;
export type CostSlot = (typeof COST_SLOTS)[number];

/** The catalog bucket whose price a slot is charged at. */
const BUCKET_OF_SLOT: Readonly<Record<CostSlot, PriceBucket>> = {
  input: 'input',
  cacheRead: 'cacheRead',
  cacheWrite: 'cacheWrite',
  cacheWrite1h: 'cacheWrite1h',
  output: 'output',
  reasoning: 'reasoning',
  inputAudio: 'inputAudio',
  cacheAudioRead: 'cacheAudioRead',
  outputAudio: 'outputAudio',
  inputImage: 'inputImage',
  audioSeconds: 'audioHour',
  inputAudioSeconds: 'inputAudioHour',
  pages: 'page',
  annotatedPages: 'annotatedPage',
  webSearches: 'webSearch',
};

/** Slots priced per hour and counted in seconds: their cost is `price * seconds / 3600`. */
export const PER_HOUR_SLOTS: ReadonlySet<number> = new Set([
  COST_SLOTS.indexOf('audioSeconds'),
  COST_SLOTS.indexOf('inputAudioSeconds'),
]);

/** The power of ten that turns a bucket's catalog price into a price per counted unit. */
function unitShift(bucket: PriceBucket): number {
  switch (bucket) {
    case 'request':
    case 'audioHour':
    case 'inputAudioHour':
    case 'page':
    case 'annotatedPage':
    case 'webSearch':
      return 0;
    default:
      return 6; // per 1M tokens
  }
}

/**
 * Prices of one period and input-size band, in the base currency, as integer units per counted
 * unit at one shared `scale` (a slot's cost is `price * count`, divided by 3600 for the per-hour
 * slots; slots add without rescaling). The fallbacks are resolved here, once: `effective[slot]`
 * is the price actually charged (the slot's own, or the input/output price the source implies),
 * `guessed[slot]` says the fallback is known to differ from what providers bill. Undefined: no
 * price at all for that slot.
 */
export interface CompiledPriceSet {
  readonly scale: number;
  /** The source's own price per slot, undefined where it has none (for the breakdown's notes). */
  readonly own: readonly (bigint | undefined)[];
  readonly effective: readonly (bigint | undefined)[];
  /** `effective` as integers when every one is below 2^53, for exact arithmetic without BigInt. */
  readonly effectiveSmall: readonly (number | undefined)[] | undefined;
  readonly guessed: readonly boolean[];
  /** Per-request fee, at `scale`. */
  readonly request: bigint | undefined;
  readonly requestSmall: number | undefined;
  /** Audio and image input are priced apart (and so taken out of the text input). */
  readonly splitsInputAudio: boolean;
  /** Cached audio has its own price (and so is taken out of cache reads and audio input). */
  readonly splitsCacheAudioRead: boolean;
  readonly splitsInputImage: boolean;
  readonly splitsOutputAudio: boolean;
  readonly splitsCacheWrite1h: boolean;
  /** Input audio seconds and annotated pages have their own price (else they count as audio seconds, pages). */
  readonly splitsInputAudioSeconds: boolean;
  readonly splitsAnnotatedPages: boolean;
  /** One-hour writes without their own price are charged at the 5-minute price, which is known to be low. */
  readonly cacheWrite1hGuessed: boolean;
  /** The source lists the model with no price at all, for any unit: it is free, not unknown. */
  readonly free: boolean;
  /** What the model is priced by (metered buckets, then the source's keys for units not metered), for notes. */
  readonly pricedBy: readonly string[];
}

/** Price sets by input size: `sets[i]` applies when input > `thresholds[i - 1]` (whole request). */
export interface CompiledBands {
  readonly thresholds: readonly number[];
  readonly sets: readonly CompiledPriceSet[];
}

export interface CompiledPeriod {
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly window: TimeOfDayWindow | undefined;
  readonly standard: CompiledBands;
  readonly serviceTiers: ReadonlyMap<string, CompiledBands>;
  /**
   * The price version of a cost computed from this period: the model's version with the period
   * named (`...;period=2025-05-14..;...`), so a record says which prices applied to it.
   */
  readonly version: string;
}

export interface CompiledModel {
  readonly model: CatalogModel;
  readonly periods: readonly CompiledPeriod[];
  /** One period with no dates or hours: the call's time need not be looked at. */
  readonly timeless: boolean;
}

/** Buckets carried into compiled sets (`outputImage` is shown, not metered). */
const METERED: readonly PriceBucket[] = [...COST_SLOTS.map((slot) => BUCKET_OF_SLOT[slot]), 'request'];

/**
 * Compiles a model's periods into per-token integer tables in the base currency.
 * `rateOf(currency)` gives one unit of `currency` in the base currency (exact decimal string).
 * `version(periodLabel)` makes each period's price version (default: the label alone).
 */
export function compileModel(
  model: CatalogModel,
  rateOf: (currency: string) => string,
  version: (periodLabel: string) => string = (label) => label,
): CompiledModel {
  // Anthropic charges cache writes above input (1.25x, 2x for one hour): without a write price the
  // input price is known to be wrong there, and only there.
  const surcharges = model.provider === 'anthropic' || model.id.toLowerCase().includes('claude');
  const periods = model.periods.map((period) =>
    compilePeriod(period, parseDecimal(rateOf(period.currency)), surcharges, version(periodLabel(period))),
  );
  const only = model.periods[0];
  return {
    model,
    periods,
    timeless: model.periods.length === 1 && !only!.from && !only!.to && !only!.timeOfDay,
  };
}

/** `always`, `2025-05-14..`, `..2025-05-14`, `2025-05-14..2025-08-01`, plus `@16:30:00-00:30:00` for hours. */
export function periodLabel(period: PricePeriod): string {
  const day = (instant: string) => (instant.endsWith('T00:00:00.000Z') ? instant.slice(0, 10) : instant);
  const dates =
    period.from === undefined && period.to === undefined
      ? 'always'
      : `${period.from === undefined ? '' : day(period.from)}..${period.to === undefined ? '' : day(period.to)}`;
  return period.timeOfDay ? `${dates}@${period.timeOfDay.start}-${period.timeOfDay.end}` : dates;
}

function compilePeriod(period: PricePeriod, rate: Decimal, surcharges: boolean, version: string): CompiledPeriod {
  const serviceTiers = new Map<string, CompiledBands>();
  const unmetered = Object.keys(period.unmetered ?? {});
  for (const [tier, prices] of Object.entries(period.serviceTiers ?? {})) {
    serviceTiers.set(tier.toLowerCase(), compileBands(prices, rate, surcharges, unmetered));
  }
  return {
    from: period.from,
    to: period.to,
    window: period.timeOfDay,
    standard: compileBands(period.prices, rate, surcharges, unmetered),
    serviceTiers,
    version,
  };
}

function compileBands(
  prices: BucketPrices,
  rate: Decimal,
  surcharges: boolean,
  unmetered: readonly string[],
): CompiledBands {
  const thresholds = new Set<number>();
  for (const value of Object.values(prices)) {
    if (value !== undefined && typeof value !== 'string')
      for (const tier of value.tiers) thresholds.add(tier.overInputTokens);
  }
  const sorted = [...thresholds].sort((a, b) => a - b);
  // Band i holds inputs in (sorted[i-1], sorted[i]]; evaluate each bucket at the band's smallest input.
  const sets = [0, ...sorted.map((threshold) => threshold + 1)].map((input) =>
    compileSet(prices, rate, input, surcharges, unmetered),
  );
  return { thresholds: sorted, sets };
}

function compileSet(
  prices: BucketPrices,
  rate: Decimal,
  inputTokens: number,
  surcharges: boolean,
  unmetered: readonly string[],
): CompiledPriceSet {
  const perToken = new Map<PriceBucket, Decimal>();
  let scale = 0;
  for (const bucket of METERED) {
    const value = prices[bucket];
    if (value === undefined) continue;
    const perUnit = shiftDecimal(parseDecimal(priceAt(value, inputTokens)), unitShift(bucket));
    const converted = multiplyDecimal(perUnit, rate);
    perToken.set(bucket, converted);
    scale = Math.max(scale, converted.scale);
  }
  const units = (bucket: PriceBucket): bigint | undefined => {
    const value = perToken.get(bucket);
    return value === undefined ? undefined : value.units * 10n ** BigInt(scale - value.scale);
  };
  const own = COST_SLOTS.map((slot) => units(BUCKET_OF_SLOT[slot]));
  const [input, cacheRead, cacheWrite, , output] = own;
  const fallback: Record<CostSlot, { price: bigint | undefined; guessed: boolean }> = {
    input: { price: input, guessed: false },
    // Every provider that reports cache reads discounts them: the input price overstates them.
    cacheRead: { price: cacheRead ?? input, guessed: cacheRead === undefined && input !== undefined },
    cacheWrite: { price: cacheWrite ?? input, guessed: cacheWrite === undefined && input !== undefined && surcharges },
    cacheWrite1h: { price: units('cacheWrite1h'), guessed: false },
    output: { price: output, guessed: false },
    // Reasoning is billed as output by every provider: the fallback is exact, not a guess.
    reasoning: { price: units('reasoning') ?? output, guessed: false },
    inputAudio: { price: units('inputAudio'), guessed: false },
    cacheAudioRead: { price: units('cacheAudioRead'), guessed: false },
    outputAudio: { price: units('outputAudio'), guessed: false },
    inputImage: { price: units('inputImage'), guessed: false },
    audioSeconds: { price: units('audioHour'), guessed: false },
    inputAudioSeconds: { price: units('inputAudioHour'), guessed: false },
    pages: { price: units('page'), guessed: false },
    annotatedPages: { price: units('annotatedPage'), guessed: false },
    webSearches: { price: units('webSearch'), guessed: false },
  };
  const effective = COST_SLOTS.map((slot) => fallback[slot].price);
  const request = units('request');
  const safe = (value: bigint | undefined) => value === undefined || value <= BigInt(Number.MAX_SAFE_INTEGER);
  const small = effective.every(safe) && safe(request);
  return {
    scale,
    own,
    effective,
    effectiveSmall: small ? effective.map((value) => (value === undefined ? undefined : Number(value))) : undefined,
    guessed: COST_SLOTS.map((slot) => fallback[slot].guessed),
    request,
    requestSmall: small && request !== undefined ? Number(request) : undefined,
    splitsInputAudio: perToken.has('inputAudio'),
    splitsCacheAudioRead: perToken.has('cacheAudioRead'),
    splitsInputImage: perToken.has('inputImage'),
    splitsOutputAudio: perToken.has('outputAudio'),
    splitsCacheWrite1h: perToken.has('cacheWrite1h'),
    splitsInputAudioSeconds: perToken.has('inputAudioHour'),
    splitsAnnotatedPages: perToken.has('annotatedPage'),
    cacheWrite1hGuessed: !perToken.has('cacheWrite1h') && surcharges,
    // A model priced only in units this ledger does not meter is not free: its calls are unpriced.
    free: Object.keys(prices).length === 0 && unmetered.length === 0,
    pricedBy: [...perToken.keys(), ...unmetered],
  };
}

/** The price of a bucket for a request with `inputTokens` input: the last tier it exceeds, else the base. */
export function priceAt(value: PriceValue, inputTokens: number): string {
  if (typeof value === 'string') return value;
  let price = value.base;
  for (const tier of value.tiers) if (inputTokens > tier.overInputTokens) price = tier.price;
  return price;
}

/**
 * The period in force at `at` (ISO 8601 UTC, as records store it): the last listed period whose
 * dates and hours contain it. ISO strings of one format compare correctly as strings, which keeps
 * Date parsing off the hot path.
 */
export function selectPeriod(compiled: CompiledModel, at: string): CompiledPeriod | undefined {
  const periods = compiled.periods;
  if (compiled.timeless) return periods[0];
  for (let index = periods.length - 1; index >= 0; index -= 1) {
    const period = periods[index]!;
    if (period.from !== undefined && at < period.from) continue;
    if (period.to !== undefined && at >= period.to) continue;
    if (period.window !== undefined && !isWithinWindow(at.slice(11, 19), period.window)) continue;
    return period;
  }
  return undefined;
}

/** The price set for a request of `inputTokens` total input. */
export function selectBand(bands: CompiledBands, inputTokens: number): CompiledPriceSet {
  const thresholds = bands.thresholds;
  let index = 0;
  while (index < thresholds.length && inputTokens > thresholds[index]!) index += 1;
  return bands.sets[index]!;
}
