import { createHash } from 'node:crypto';

/**
 * `pricingVersion` of every cost: the catalog's label plus a short hash of everything the user
 * configured that changes a price (`models:`, fx rates, deployments, the base currency), e.g.
 * `genai-prices@0.1.8+2026-09-23;overrides=ab12cd34`, or `...;overrides=none`. Two costs with the
 * same version were computed from the same prices.
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
