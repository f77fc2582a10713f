import type { ConditionalPrice, ModelInfo, ModelPrice, Provider } from '@pydantic/genai-prices';
import { formatDecimal, parseDecimal, shiftDecimal } from '../core/money.js';
import type {
  BucketPrices,
  CatalogModel,
  CatalogProvider,
  MatchRule,
  PriceBucket,
  PricePeriod,
  PriceValue,
} from './catalog-types.js';
import { exactNamesOf } from './match-rule.js';
import { normalizeTimeOfDay } from './time-of-day.js';

/**
 * genai-prices price keys that map onto a bucket we meter, with the power of ten that turns the
 * key's unit into ours (per 1M tokens; per request, page or search for the per-1,000 keys; per
 * hour of audio as the source has it).
 */
const BUCKET_OF_KEY: Readonly<Record<string, { bucket: PriceBucket; shift: number }>> = {
  input_mtok: { bucket: 'input', shift: 0 },
  output_mtok: { bucket: 'output', shift: 0 },
  cache_read_mtok: { bucket: 'cacheRead', shift: 0 },
  cache_write_mtok: { bucket: 'cacheWrite', shift: 0 },
  cache_write_1h_mtok: { bucket: 'cacheWrite1h', shift: 0 },
  output_reasoning_mtok: { bucket: 'reasoning', shift: 0 },
  input_audio_mtok: { bucket: 'inputAudio', shift: 0 },
  cache_audio_read_mtok: { bucket: 'cacheAudioRead', shift: 0 },
  output_audio_mtok: { bucket: 'outputAudio', shift: 0 },
  input_image_mtok: { bucket: 'inputImage', shift: 0 },
  output_image_mtok: { bucket: 'outputImage', shift: 0 },
  requests_kcount: { bucket: 'request', shift: 3 },
  audio_hours: { bucket: 'audioHour', shift: 0 },
  input_audio_hours: { bucket: 'inputAudioHour', shift: 0 },
  input_document_kpages: { bucket: 'page', shift: 3 },
  input_annotated_document_kpages: { bucket: 'annotatedPage', shift: 3 },
  web_searches_kcount: { bucket: 'webSearch', shift: 3 },
};

/** Converts one provider of the package's data into our catalog format. */
export function convertGenaiProvider(provider: Provider): CatalogProvider {
  return Object.freeze({
    id: provider.id,
    name: provider.name,
    modelMatch: provider.model_match as MatchRule | undefined,
    fallbackProviders: Object.freeze([...(provider.fallback_model_providers ?? [])]),
    models: Object.freeze(provider.models.map((model) => convertGenaiModel(provider.id, model))),
  });
}

/** Converts one model: exact names become aliases, the rule stays as the model's pattern. */
export function convertGenaiModel(providerId: string, model: ModelInfo): CatalogModel {
  const match = model.match as MatchRule;
  const converted: CatalogModel = {
    provider: providerId,
    id: model.id,
    aliases: Object.freeze(exactNamesOf(match).filter((name) => name !== model.id.toLowerCase())),
    match,
    periods: Object.freeze(convertPrices(model.prices)),
    origin: 'catalog',
  };
  if (model.name !== undefined) converted.name = model.name;
  if (model.context_window !== undefined) converted.contextWindow = model.context_window;
  if (model.deprecated) converted.deprecated = true;
  if (model.price_comments !== undefined) converted.comments = model.price_comments;
  return Object.freeze(converted);
}

function convertPrices(prices: ConditionalPrice[] | ModelPrice): PricePeriod[] {
  const entries: ConditionalPrice[] = Array.isArray(prices) ? prices : [{ prices }];
  const periods = entries.map(convertConditional);
  // The source gives only start dates; each one ends where the next later start date begins.
  const starts = periods
    .map((period) => period.from)
    .filter((from): from is string => from !== undefined)
    .sort();
  for (const period of periods) {
    if (period.timeOfDay) continue;
    const next = starts.find((start) => period.from === undefined || start > period.from);
    if (next !== undefined) period.to = next;
  }
  return periods.map((period) => Object.freeze(period));
}

function convertConditional(entry: ConditionalPrice): PricePeriod {
  const period: PricePeriod = convertPriceSet(entry.prices);
  const constraint = entry.constraint as Record<string, unknown> | undefined;
  if (constraint && typeof constraint.start_date === 'string') {
    period.from = `${constraint.start_date}T00:00:00.000Z`;
  } else if (constraint && typeof constraint.start_time === 'string' && typeof constraint.end_time === 'string') {
    period.timeOfDay = {
      start: normalizeTimeOfDay(constraint.start_time),
      end: normalizeTimeOfDay(constraint.end_time),
    };
  }
  return period;
}

function convertPriceSet(source: ModelPrice): PricePeriod {
  const prices: BucketPrices = {};
  const unmetered: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const target = BUCKET_OF_KEY[key];
    if (target) prices[target.bucket] = convertValue(value, target.shift);
    else unmetered[key] = describeValue(value);
  }
  // The package's prices are all in US dollars.
  const period: PricePeriod = { currency: 'USD', prices: Object.freeze(prices) };
  if (Object.keys(unmetered).length > 0) period.unmetered = Object.freeze(unmetered);
  return period;
}

type SourceValue = NonNullable<ModelPrice[string]>;

function convertValue(value: SourceValue, shift: number): PriceValue {
  if (typeof value === 'number') return exact(value, shift);
  return Object.freeze({
    base: exact(value.base, shift),
    tiers: Object.freeze(
      [...value.tiers]
        .sort((a, b) => a.start - b.start)
        .map((tier) => Object.freeze({ overInputTokens: tier.start, price: exact(tier.price, shift) })),
    ),
  });
}

const PLAIN_DECIMAL = /^\d+(?:\.\d+)?$/;

/** The number as the source wrote it (its shortest decimal form), divided by 10^shift, exactly. */
function exact(value: number, shift: number): string {
  const written = String(value);
  // Most prices print as plain decimals already canonical (no exponent, no trailing zeros).
  if (shift === 0 && PLAIN_DECIMAL.test(written)) return written;
  return formatDecimal(shiftDecimal(parseDecimal(written), shift));
}

function describeValue(value: SourceValue): string {
  if (typeof value === 'number') return exact(value, 0);
  const tiers = value.tiers.map((tier) => `${exact(tier.price, 0)} over ${tier.start} input tokens`);
  return [exact(value.base, 0), ...tiers].join('; ');
}
