import { compareDecimal, parseDecimal } from '../core/money.js';
import type { BucketPrices, Catalog, CatalogModel, PricePeriod, PriceValue } from './catalog-types.js';
import { periodLabel } from './compiled-prices.js';

/** One price that differs between two catalogs: a bucket of a period (named by its dates). */
export interface PriceChange {
  /** `always`, `2026-10-07..`, `..2026-10-07`, `2026-06-01..2026-10-07`, with `@HH:MM:SS-HH:MM:SS` for hours. */
  period: string;
  /** `input`, `cacheRead`, ..., or `batch.input` for a service tier's price. */
  bucket: string;
  /** Per 1M tokens (per request for `request`); tiered prices read `3; 6 over 200000`. Null: no such price. */
  before: string | null;
  after: string | null;
}

export interface CatalogDiff {
  before: string;
  after: string;
  /** `provider/model` of models only in the new catalog. */
  added: string[];
  /** `provider/model` of models only in the current catalog. */
  removed: string[];
  changed: Array<{ model: string; changes: PriceChange[] }>;
}

/**
 * What replacing `before` with `after` changes: models added and removed, and every price that
 * differs, per period (a period only one side has shows all its prices as added or removed).
 * Prices are compared as exact decimals: `0.50` and `0.5` are the same price.
 *
 * @example
 * const diff = diffCatalogs(loadGenaiPricesCatalog(), catalogFromGenaiData(providers));
 * diff.changed[0]; // { model: 'anthropic/claude-sonnet-5-5', changes: [{ period: '2026-10-07..', bucket: 'cacheRead', ... }] }
 */
export function diffCatalogs(before: Catalog, after: Catalog): CatalogDiff {
  const left = modelsByKey(before);
  const right = modelsByKey(after);
  const diff: CatalogDiff = { before: before.label, after: after.label, added: [], removed: [], changed: [] };
  for (const key of right.keys()) if (!left.has(key)) diff.added.push(key);
  for (const key of left.keys()) if (!right.has(key)) diff.removed.push(key);
  for (const [key, model] of right) {
    const previous = left.get(key);
    if (!previous) continue;
    const changes = diffModel(previous, model);
    if (changes.length > 0) diff.changed.push({ model: key, changes });
  }
  diff.added.sort();
  diff.removed.sort();
  diff.changed.sort((a, b) => (a.model < b.model ? -1 : 1));
  return diff;
}

/** `3 models added, 1 removed, 2 with changed prices`. */
export function summarizeDiff(diff: CatalogDiff): string {
  return `${diff.added.length} models added, ${diff.removed.length} removed, ${diff.changed.length} with changed prices`;
}

export function isEmptyDiff(diff: CatalogDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}

function modelsByKey(catalog: Catalog): Map<string, CatalogModel> {
  const models = new Map<string, CatalogModel>();
  for (const provider of catalog.providers) {
    for (const model of provider.models) models.set(`${provider.id}/${model.id}`, model);
  }
  return models;
}

/**
 * Compares the prices in force over time rather than the periods as listed: the dates of both
 * sides cut time into spans, and each span's prices are compared, so splitting a period in two
 * (an old price that now ends where a new one starts) shows only the price that moved.
 * Time-of-day periods are compared by their window.
 */
function diffModel(before: CatalogModel, after: CatalogModel): PriceChange[] {
  const dated = (periods: readonly PricePeriod[]) => periods.filter((period) => !period.timeOfDay);
  const left = dated(before.periods);
  const right = dated(after.periods);
  const bounds = new Set<string>();
  for (const period of [...left, ...right]) {
    if (period.from !== undefined) bounds.add(period.from);
    if (period.to !== undefined) bounds.add(period.to);
  }
  const sorted = [...bounds].sort();
  const changes: PriceChange[] = [];
  // Span i runs from sorted[i - 1] (or always) until sorted[i] (or further notice).
  for (let index = 0; index <= sorted.length; index += 1) {
    const from = index === 0 ? undefined : sorted[index - 1];
    const to = sorted[index];
    const at = from ?? '';
    const span: PricePeriod = { currency: 'USD', prices: {} };
    if (from !== undefined) span.from = from;
    if (to !== undefined) span.to = to;
    changes.push(...comparePrices(periodLabel(span), pricesOf(inForce(left, at)), pricesOf(inForce(right, at))));
  }
  const windows = (periods: readonly PricePeriod[]) =>
    new Map(periods.filter((period) => period.timeOfDay).map((period) => [periodLabel(period), pricesOf(period)]));
  const leftWindows = windows(before.periods);
  const rightWindows = windows(after.periods);
  for (const label of new Set([...leftWindows.keys(), ...rightWindows.keys()])) {
    changes.push(...comparePrices(label, leftWindows.get(label), rightWindows.get(label)));
  }
  return changes;
}

/** The last listed period containing `at` (an empty `at` is before every date), as the pricer selects. */
function inForce(periods: readonly PricePeriod[], at: string): PricePeriod | undefined {
  for (let index = periods.length - 1; index >= 0; index -= 1) {
    const period = periods[index]!;
    if (period.from !== undefined && at < period.from) continue;
    if (period.to !== undefined && at >= period.to) continue;
    return period;
  }
  return undefined;
}

function comparePrices(
  period: string,
  old: Map<string, string> | undefined,
  next: Map<string, string> | undefined,
): PriceChange[] {
  const changes: PriceChange[] = [];
  const left = old ?? new Map<string, string>();
  const right = next ?? new Map<string, string>();
  for (const bucket of new Set([...left.keys(), ...right.keys()])) {
    const a = left.get(bucket) ?? null;
    const b = right.get(bucket) ?? null;
    if (!samePrice(a, b)) changes.push({ period, bucket, before: a, after: b });
  }
  return changes;
}

function pricesOf(period: PricePeriod | undefined): Map<string, string> | undefined {
  if (!period) return undefined;
  const prices = new Map<string, string>();
  addPrices(prices, '', period.prices);
  for (const [tier, tierPrices] of Object.entries(period.serviceTiers ?? {})) addPrices(prices, `${tier}.`, tierPrices);
  if (period.currency !== 'USD')
    for (const [bucket, value] of prices) prices.set(bucket, `${value} ${period.currency}`);
  return prices;
}

function addPrices(target: Map<string, string>, prefix: string, prices: BucketPrices): void {
  for (const [bucket, value] of Object.entries(prices) as Array<[string, PriceValue | undefined]>) {
    if (value !== undefined) target.set(`${prefix}${bucket}`, describePrice(value));
  }
}

/** `3`, or `3; 6 over 200000` for a tiered price. */
export function describePrice(value: PriceValue): string {
  if (typeof value === 'string') return value;
  return [value.base, ...value.tiers.map((tier) => `${tier.price} over ${tier.overInputTokens}`)].join('; ');
}

function samePrice(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  if (a === b) return true;
  const left = a.split(/(; | over )/);
  const right = b.split(/(; | over )/);
  if (left.length !== right.length) return false;
  return left.every((part, index) => {
    const other = right[index]!;
    if (/^\d*\.?\d+$/.test(part) && /^\d*\.?\d+$/.test(other)) {
      return compareDecimal(parseDecimal(part), parseDecimal(other)) === 0;
    }
    return part === other;
  });
}
