import { createHash } from 'node:crypto';
import { findProvider, type Provider } from '@pydantic/genai-prices';
import type { Catalog } from './catalog-types.js';
import { convertGenaiProvider } from './genai-prices-convert.js';

/**
 * The bundled price data of `@pydantic/genai-prices`, read at load time through its public
 * `findProvider` (the package exports no list of providers synchronously, so the ids are listed
 * here; a test compares this list with the package's full data so an upgrade cannot drop one).
 */
export const GENAI_PRICES_PROVIDER_IDS: readonly string[] = [
  'anthropic',
  'arcee',
  'avian',
  'aws',
  'azure',
  'baseten',
  'cerebras',
  'cloudflare',
  'cohere',
  'cursor',
  'deepseek',
  'doubleword',
  'fireworks',
  'github-copilot',
  'google',
  'groq',
  'huggingface_cerebras',
  'huggingface_fireworks-ai',
  'huggingface_groq',
  'huggingface_hyperbolic',
  'huggingface_nebius',
  'huggingface_novita',
  'huggingface_nscale',
  'huggingface_ovhcloud',
  'huggingface_publicai',
  'huggingface_sambanova',
  'huggingface_together',
  'minimax',
  'mistral',
  'modal',
  'moonshotai',
  'novita',
  'openai',
  'openrouter',
  'ovhcloud',
  'perplexity',
  'quicksilverpro',
  'together',
  'typesafe',
  'voyageai',
  'x-ai',
  'zai',
  'zhipuai',
];

/**
 * The release this code was checked against. The package exposes neither its version nor a data
 * date at run time, so the data is fingerprinted: when the installed data is this release's, the
 * label names it; otherwise (a newer version installed) the label carries the data's own hash, so
 * `pricingVersion` never claims a version whose prices were not the ones applied.
 * `dataDate` is the npm publication date of the version.
 */
export const GENAI_PRICES_RELEASE = Object.freeze({
  version: '0.1.8',
  dataDate: '2026-09-23',
  fingerprint: '91a9f7d8',
});

/** Reads the providers the package bundles, in the order of `GENAI_PRICES_PROVIDER_IDS`. */
export function readGenaiPricesProviders(): Provider[] {
  const providers: Provider[] = [];
  for (const id of GENAI_PRICES_PROVIDER_IDS) {
    const provider = findProvider({ providerId: id });
    // findProvider falls back to fuzzy provider matching; only take the exact id.
    if (provider && provider.id === id) providers.push(provider);
  }
  return providers;
}

/** Short sha-256 of the provider data as bundled, to tell releases apart. */
export function fingerprintProviders(providers: readonly Provider[]): string {
  return createHash('sha256').update(JSON.stringify(providers)).digest('hex').slice(0, 8);
}

/** `genai-prices@0.1.8+2026-09-23` for the known release, `genai-prices@unknown+sha.<hash>` otherwise. */
export function genaiPricesLabel(fingerprint: string): string {
  if (fingerprint === GENAI_PRICES_RELEASE.fingerprint) {
    return `genai-prices@${GENAI_PRICES_RELEASE.version}+${GENAI_PRICES_RELEASE.dataDate}`;
  }
  return `genai-prices@unknown+sha.${fingerprint}`;
}

let cached: Catalog | undefined;

/**
 * The bundled catalog converted into our format, built once per process (about 20 ms) and
 * shared by every pricer; the result is frozen.
 *
 * @example
 * const catalog = loadGenaiPricesCatalog();
 * catalog.providers.find((provider) => provider.id === 'openai')?.models.length;
 */
export function loadGenaiPricesCatalog(): Catalog {
  if (cached) return cached;
  const providers = readGenaiPricesProviders();
  cached = Object.freeze({
    label: genaiPricesLabel(fingerprintProviders(providers)),
    providers: Object.freeze(providers.map(convertGenaiProvider)),
  });
  return cached;
}
