import { BoundedMap } from '../core/bounded-map.js';
import type { CatalogModel } from './catalog-types.js';
import type { CatalogIndex, IndexedProvider, ProviderHit } from './catalog-index.js';
import {
  normalizeModelName,
  platformSpelling,
  snapshotMonth,
  splitProviderPrefix,
  stripSnapshotDate,
} from './model-names.js';
import { catalogProviderId } from './provider-names.js';
import type { Deployment } from './user-prices.js';

/**
 * How a model was found: `config` (the user's `models:`), `exact` id, `alias`, `pattern` (the
 * catalog's rule), `snapshot` (a dated name found through its undated alias) or `guess` (the name
 * found at a provider that neither served the call nor owns the model).
 */
export type MatchKind = 'config' | 'exact' | 'alias' | 'pattern' | 'snapshot' | 'guess';

export interface ModelMatch {
  model: CatalogModel;
  kind: MatchKind;
  /** One line saying what matched and why. */
  reason: string;
  /** The price may not be the one billed (`snapshot`, `guess`): costs are marked estimated. */
  guessed: boolean;
  /** Reached through the user's config (`models:` or the deployment map): it outranks the response's model name. */
  fromConfig: boolean;
}

/** Where the resolver looks up a model: the catalog, the user's `models:`, the deployment map. */
export interface ResolverSources {
  catalog: CatalogIndex | null;
  configModels: readonly CatalogModel[];
  deployments: ReadonlyMap<string, Deployment>;
  /** Catalog provider ids known by name (for `openai/...` prefixes), even when the catalog is off. */
  providerIds: ReadonlySet<string>;
}

const MAX_MEMO_ENTRIES = 10_000;

/**
 * Finds the prices for a (provider, model) pair, in this order: the user's `models:` entries;
 * the deployment map; then the catalog: the call's provider (and those it serves, Azure ->
 * OpenAI), a provider prefix in the name (`openai/gpt-4o`), the model's owner (`claude` ->
 * Anthropic); in each, exact id, alias (compact dates expanded), then the provider's patterns on
 * the full name (before any date is stripped, because patterns know snapshot prices such as
 * gpt-4o-2024-05-13's); then, as guesses, the undated snapshot name and any provider's exact id.
 *
 * Results are memoized per (provider, model), the least recently used dropped past 10,000 pairs.
 * It returns the config match first, then the catalog match: a config price bounded by dates
 * falls back to the catalog outside them.
 */
export class ModelResolver {
  private readonly memo = new BoundedMap<string, readonly ModelMatch[]>({ maxEntries: MAX_MEMO_ENTRIES });
  private readonly configKeys = new Map<string, CatalogModel>();

  constructor(private readonly sources: ResolverSources) {
    for (const model of sources.configModels) {
      for (const name of [model.id.toLowerCase(), ...model.aliases]) this.indexConfigName(name, model);
    }
  }

  /** Memoized resolution; `[]` when nothing matches. */
  resolve(provider: string | null | undefined, model: string): readonly ModelMatch[] {
    const providerKey = provider ?? '';
    // The provider's length first: names may hold any character.
    const key = `${providerKey.length}:${providerKey}${model}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const found = this.lookup(providerKey, model);
    this.memo.set(key, found);
    return found;
  }

  /** Unmemoized resolution that also records every step tried, for `llm-ledger prices`. */
  explain(provider: string | null | undefined, model: string): { matches: readonly ModelMatch[]; steps: string[] } {
    const steps: string[] = [];
    return { matches: this.lookup(provider ?? '', model, steps), steps };
  }

  private lookup(providerRaw: string, model: string, steps?: string[]): ModelMatch[] {
    const name = normalizeModelName(model);
    const hint = catalogProviderId(providerRaw, this.sources.providerIds);
    const rawProvider = providerRaw.trim().toLowerCase();
    steps?.push(
      `looking up "${name}" for provider "${rawProvider || 'unknown'}"` +
        (hint && hint !== rawProvider ? ` (catalog provider "${hint}")` : ''),
    );
    const deployment = this.findKeyed(this.sources.deployments, rawProvider, hint, name);
    if (deployment) {
      const targetHint = deployment.provider ?? rawProvider;
      steps?.push(
        `deployment map: "${name}" runs ${deployment.provider ? `${deployment.provider}/` : ''}${deployment.model}`,
      );
      const matches = this.lookupName(targetHint, normalizeModelName(deployment.model), steps);
      return matches.map((match) => ({
        ...match,
        fromConfig: true,
        reason: `deployment "${name}" -> ${match.reason}`,
      }));
    }
    return this.lookupName(rawProvider, name, steps);
  }

  private lookupName(rawProvider: string, name: string, steps?: string[]): ModelMatch[] {
    const hint = catalogProviderId(rawProvider, this.sources.providerIds);
    const matches: ModelMatch[] = [];
    const configModel = this.findKeyed(this.configKeys, rawProvider, hint, name);
    if (configModel) {
      matches.push({
        model: configModel,
        kind: 'config',
        reason: `llm_config.yaml models: "${configModel.id}"`,
        guessed: false,
        fromConfig: true,
      });
      steps?.push(`llm_config.yaml defines "${configModel.id}": its prices win while in force`);
    } else {
      steps?.push('no llm_config.yaml price for this name');
    }
    const catalog = this.sources.catalog;
    if (!catalog) {
      steps?.push('the built-in catalog is off (pricing.custom_prices_only)');
      return matches;
    }
    const catalogMatch = this.searchCatalog(catalog, hint, name, steps);
    if (catalogMatch) matches.push(catalogMatch);
    return matches;
  }

  private searchCatalog(
    catalog: CatalogIndex,
    hint: string | undefined,
    name: string,
    steps?: string[],
  ): ModelMatch | undefined {
    const tried = new Set<IndexedProvider>();
    const prefix = splitProviderPrefix(name, this.sources.providerIds);
    const attempt = (providers: IndexedProvider[], candidate: string, patterns: boolean, why: string) => {
      for (const [index, provider] of providers.entries()) {
        tried.add(provider);
        const hit = provider.findExact(candidate) ?? (patterns ? provider.findPattern(candidate) : undefined);
        // providers[0] is the one asked for; later ones are those it serves models of (Azure -> OpenAI).
        const because =
          index === 0 ? why : `${why}, ${providers[0]!.provider.id}, which serves ${provider.provider.id} models`;
        if (hit) return describe(hit, provider, candidate, because);
      }
      return undefined;
    };

    const direct = (candidate: string, patterns: boolean): ModelMatch | undefined => {
      if (hint) {
        const found = attempt(catalog.withFallbacks(hint), candidate, patterns, "the call's provider");
        if (found) return found;
      }
      if (prefix && candidate === name) {
        const found = attempt(
          catalog.withFallbacks(prefix.provider),
          prefix.rest,
          patterns,
          "the name's provider prefix",
        );
        if (found) return found;
      }
      const bare = prefix && candidate === name ? prefix.rest : candidate;
      const owners = catalog.ordered.filter((provider) => provider.owns(bare));
      return attempt(owners, bare, patterns, 'the provider that owns this name');
    };

    const found = direct(name, true);
    if (found) return note(found, steps);
    steps?.push("no exact id, alias or pattern at the call's provider, a prefix provider or the owner");

    const bare = prefix ? prefix.rest : name;
    // A platform's spelling (Azure's gpt-35-turbo) names the same model: an exact match, not a guess.
    const spelled = platformSpelling(bare);
    if (spelled) {
      const respelled = direct(spelled, true);
      if (respelled) {
        return note(
          { ...respelled, reason: `${respelled.reason}, reading "${bare}" as "${spelled}" (the platform's spelling)` },
          steps,
        );
      }
      steps?.push(`no match for "${spelled}" either (the platform's spelling of "${bare}")`);
    }
    const names = spelled ? [bare, spelled] : [bare];

    // An exact id at any provider outranks a family guess: it is this very model.
    for (const provider of catalog.ordered) {
      if (tried.has(provider)) continue;
      for (const candidate of names) {
        const hit = provider.findExact(candidate);
        if (hit) {
          return note(
            { ...describe(hit, provider, candidate, 'a search of every provider'), kind: 'guess', guessed: true },
            steps,
          );
        }
      }
    }

    const dated = spelled ?? bare;
    const undated = stripSnapshotDate(dated);
    if (undated) {
      const snapshot = direct(undated, false);
      if (snapshot) {
        const newer = this.newerSnapshot(catalog, snapshot, dated, undated);
        if (newer) return note(newer, steps);
        return note(
          {
            ...snapshot,
            kind: 'snapshot',
            guessed: true,
            reason: `${snapshot.reason}, after dropping the snapshot date`,
          },
          steps,
        );
      }
    }
    steps?.push('no provider in the catalog knows this name: the call is unpriced (cost null, not 0)');
    return undefined;
  }

  /**
   * A snapshot dated after every dated sibling the catalog knows (`mistral-medium-2604` when it
   * knows 2312, 2505 and 2508) is a newer model than the one its undated name stands for; the
   * family's `-latest` entry, priced by date, is then the better guess.
   */
  private newerSnapshot(
    catalog: CatalogIndex,
    snapshot: ModelMatch,
    dated: string,
    undated: string,
  ): ModelMatch | undefined {
    const month = snapshotMonth(dated);
    const provider = catalog.byId.get(snapshot.model.provider);
    if (!month || !provider) return undefined;
    let newest: string | undefined;
    let newestName = '';
    for (const sibling of provider.namesStartingWith(`${undated}-`)) {
      if (stripSnapshotDate(sibling.name) !== undated) continue;
      const siblingMonth = snapshotMonth(sibling.name);
      if (siblingMonth && (newest === undefined || siblingMonth > newest)) {
        newest = siblingMonth;
        newestName = sibling.name;
      }
    }
    if (newest === undefined || month <= newest) return undefined;
    const latest = provider.findExact(`${undated}-latest`);
    if (!latest) return undefined;
    return {
      model: latest.model,
      kind: 'snapshot',
      guessed: true,
      fromConfig: false,
      reason:
        `"${latest.model.id}" at ${provider.provider.id}: "${dated}" is newer than every dated "${undated}" ` +
        `snapshot the catalog knows (newest "${newestName}"), so it is priced as the family's latest`,
    };
  }

  private indexConfigName(name: string, model: CatalogModel): void {
    const add = (key: string) => {
      if (!this.configKeys.has(key)) this.configKeys.set(key, model);
    };
    add(name);
    const prefix = splitProviderPrefix(name, this.sources.providerIds);
    if (prefix) add(`${prefix.provider}/${prefix.rest}`);
    else if (model.provider) {
      add(`${catalogProviderId(model.provider, this.sources.providerIds) ?? model.provider}/${name}`);
    }
  }

  /** Looks a name up in a map keyed by bare names and `provider/name`. */
  private findKeyed<T>(map: ReadonlyMap<string, T>, rawProvider: string, hint: string | undefined, name: string) {
    if (map.size === 0) return undefined;
    if (hint) {
      const qualified = map.get(`${hint}/${name}`);
      if (qualified !== undefined) return qualified;
    }
    if (rawProvider && rawProvider !== hint) {
      const qualified = map.get(`${rawProvider}/${name}`);
      if (qualified !== undefined) return qualified;
    }
    const bare = map.get(name);
    if (bare !== undefined) return bare;
    const prefix = splitProviderPrefix(name, this.sources.providerIds);
    return prefix ? map.get(`${prefix.provider}/${prefix.rest}`) : undefined;
  }
}

function describe(hit: ProviderHit, provider: IndexedProvider, name: string, why: string): ModelMatch {
  const how =
    hit.kind === 'exact'
      ? `exact id "${hit.model.id}"`
      : hit.kind === 'alias'
        ? `alias "${name}" of "${hit.model.id}"`
        : `pattern of "${hit.model.id}"`;
  return {
    model: hit.model,
    kind: hit.kind,
    reason: `${how} at ${provider.provider.id} (${why})`,
    guessed: false,
    fromConfig: false,
  };
}

function note(match: ModelMatch, steps?: string[]): ModelMatch {
  steps?.push(`catalog: ${match.reason}${match.guessed ? ' [a guess: costs are marked estimated]' : ''}`);
  return match;
}
