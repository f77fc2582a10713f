import { createHash } from 'node:crypto';

/**
 * The price version of one cost: the data's label, the model and price period that applied, and
 * a short hash of the user's settings for that model (its `models:` entry, price rules, exchange
 * rates), e.g. `genai-prices@0.1.8+2026-09-23;model=anthropic/claude-sonnet-4;period=always;user=none`.
 * An unpriced cost names the data only: `genai-prices@0.1.8+2026-09-23;unpriced`.
 */
export function costVersion(
  dataLabel: string,
  applied: { model: { provider: string; id: string }; period: string; digest: string } | null,
): string {
  if (applied === null) return `${dataLabel};unpriced`;
  const { provider, id } = applied.model;
  const name = provider && !id.toLowerCase().startsWith(`${provider}/`) ? `${provider}/${id}` : id;
  return `${dataLabel};model=${name};period=${applied.period};user=${applied.digest}`;
}

/**
 * The pricer's own version (`llm-ledger prices`): the catalog's label plus a short hash of everything the user
 * configured that changes a price (`models:`, fx rates, deployments, the base currency), e.g.
 * `genai-prices@0.1.8+2026-09-23;overrides=ab12cd34`, or `...;overrides=none`. Two pricers with
 * the same version compute the same prices; each cost carries the narrower `costVersion`.
 */
export function pricingVersion(catalogLabel: string, userInputs: unknown): string {
  return `${catalogLabel};overrides=${overridesHash(userInputs)}`;
}

/** 8 hex digits of sha-256 over a canonical JSON form (sorted keys), or `none` for nothing configured. */
export function overridesHash(userInputs: unknown): string {
  const canonical = canonicalJson(userInputs);
  if (canonical === '{}' || canonical === 'null' || canonical === undefined) return 'none';
  return createHash('sha256').update(canonical).digest('hex').slice(0, 8);
}

function canonicalJson(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item) ?? 'null').join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`);
  return `{${entries.join(',')}}`;
}
