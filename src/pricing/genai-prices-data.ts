import type { Provider } from '@pydantic/genai-prices';
import { z } from 'zod';
import { PriceDataError } from '../core/errors.js';
import type { Catalog } from './catalog-types.js';
import { convertGenaiProvider } from './genai-prices-convert.js';
import { fingerprintProviders, GENAI_PRICES_RELEASE, genaiPricesLabel } from './genai-prices-source.js';

/**
 * The data file genai-prices publishes (the JSON array of providers its package bundles, and its
 * `updatePrices` downloads from `GENAI_PRICES_DATA_URL`), validated strictly before anything of it
 * is used: every price a finite non-negative number, every tier and constraint well formed, every
 * match rule one of the known clauses, no duplicate provider or model. Descriptive fields the
 * ledger does not read (`extractors`, `pricing_urls`, ...) may be added upstream and are kept as
 * they are; everything that decides a price is checked.
 */
export const GENAI_PRICES_DATA_URL =
  'https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json';

type MatchInput =
  | { equals: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { regex: string }
  | { or: MatchInput[] }
  | { and: MatchInput[] };

const matchRule: z.ZodType<MatchInput> = z.lazy(() =>
  z.union([
    z.strictObject({ equals: z.string() }),
    z.strictObject({ starts_with: z.string() }),
    z.strictObject({ ends_with: z.string() }),
    z.strictObject({ contains: z.string() }),
    z.strictObject({ regex: z.string().refine(isRegex, 'a valid regular expression') }),
    z.strictObject({ or: z.array(matchRule).min(1) }),
    z.strictObject({ and: z.array(matchRule).min(1) }),
  ]),
);

const price = z.number().finite().nonnegative();
const tieredPrice = z.strictObject({
  base: price,
  tiers: z.array(z.strictObject({ start: z.number().int().nonnegative(), price })).min(1),
});
const modelPrice = z.record(
  z.string().regex(/^[a-z0-9_]+$/, 'a price key such as input_mtok'),
  z.union([price, tieredPrice]),
);

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date such as 2026-10-07')
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
  }, 'a real calendar date');
const timeOfDay = z.string().regex(/^\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?$/, 'a time such as 16:30:00Z');
const constraint = z.union([
  z.strictObject({ type: z.literal('start_date').optional(), start_date: isoDate }),
  z.strictObject({ type: z.literal('time_of_date').optional(), start_time: timeOfDay, end_time: timeOfDay }),
]);
const conditionalPrice = z.strictObject({ constraint: constraint.optional(), prices: modelPrice });

const model = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  description: z.string().optional(),
  match: matchRule,
  context_window: z.number().int().positive().optional(),
  price_comments: z.string().optional(),
  deprecated: z.boolean().optional(),
  prices: z.union([modelPrice, z.array(conditionalPrice).min(1)]),
});

const provider = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  api_pattern: z.string(),
  model_match: matchRule.optional(),
  provider_match: matchRule.optional(),
  fallback_model_providers: z.array(z.string().min(1)).optional(),
  models: z.array(model),
});

const dataFile = z.array(provider).min(1, 'at least one provider');

/**
 * Parses and validates a genai-prices data file. Throws PriceDataError naming `source` (the URL
 * or path) and the JSON path of the first problem; nothing of a bad file is returned.
 *
 * @example
 * const providers = parseGenaiPricesData(await readFile('data.json', 'utf8'), 'data.json');
 * const catalog = catalogFromGenaiData(providers);
 */
export function parseGenaiPricesData(text: string, source: string): Provider[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PriceDataError({ source, path: '', problem: `not JSON (${(error as Error).message})`, cause: error });
  }
  const parsed = dataFile.safeParse(raw);
  if (!parsed.success) {
    const issue = deepestIssue(parsed.error.issues[0]!);
    throw new PriceDataError({ source, path: jsonPath(raw, issue.path), problem: issue.message, cause: parsed.error });
  }
  const providerIds = new Set<string>();
  for (const [index, entry] of parsed.data.entries()) {
    if (providerIds.has(entry.id)) {
      throw new PriceDataError({ source, path: `[${index}].id`, problem: `provider "${entry.id}" is listed twice` });
    }
    providerIds.add(entry.id);
    const modelIds = new Set<string>();
    for (const [modelIndex, item] of entry.models.entries()) {
      if (modelIds.has(item.id)) {
        throw new PriceDataError({
          source,
          path: `[${index}].models[${modelIndex}].id`,
          problem: `model "${item.id}" of provider "${entry.id}" is listed twice`,
        });
      }
      modelIds.add(item.id);
    }
  }
  // The file as written (not zod's copy, whose keys follow the schema's order), so its fingerprint
  // is the same as the bundled data's when the file is that data.
  return raw as Provider[];
}

/**
 * The catalog of a data file. Its label is the bundled release's when the data is exactly the
 * bundled data, otherwise `genai-prices@data+sha.<hash>` (8 hex digits of the data's sha-256):
 * every cost priced from it names the exact data that priced it.
 */
export function catalogFromGenaiData(providers: readonly Provider[]): Catalog {
  const fingerprint = fingerprintProviders(providers);
  const label =
    fingerprint === GENAI_PRICES_RELEASE.fingerprint
      ? genaiPricesLabel(fingerprint)
      : `genai-prices@data+sha.${fingerprint}`;
  return Object.freeze({ label, providers: Object.freeze(providers.map(convertGenaiProvider)) });
}

function isRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** Of a union's failures, the branch that got furthest names the real problem. */
function deepestIssue(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    let best: { path: PropertyKey[]; message: string } | undefined;
    for (const branch of issue.errors) {
      for (const inner of branch) {
        const candidate = deepestIssue(inner);
        const full = { path: [...issue.path, ...candidate.path], message: candidate.message };
        if (!best || full.path.length > best.path.length) best = full;
      }
    }
    if (best) return best;
  }
  if (issue.code === 'unrecognized_keys') {
    return { path: issue.path, message: `unknown key ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}` };
  }
  return { path: issue.path, message: issue.message };
}

/** `[3].models[12].prices.input_mtok`, with the provider and model ids where known. */
function jsonPath(raw: unknown, path: readonly PropertyKey[]): string {
  let text = '';
  let node: unknown = raw;
  for (const key of path) {
    text += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    const id = node !== null && typeof node === 'object' ? (node as { id?: unknown }).id : undefined;
    if (typeof key === 'number' && typeof id === 'string') text += `(${JSON.stringify(id)})`;
  }
  return text.startsWith('.') ? text.slice(1) : text;
}
