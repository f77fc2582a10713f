import type { Catalog, CatalogModel, CatalogProvider } from './catalog-types.js';
import { compileMatchRule, type ModelPredicate } from './match-rule.js';
import { expandCompactDate } from './model-names.js';

/** How a name was found inside one provider. */
export type ProviderHitKind = 'exact' | 'alias' | 'pattern';

export interface ProviderHit {
  model: CatalogModel;
  kind: ProviderHitKind;
}

/** One provider's models indexed for O(1) exact lookups, then its patterns in source order. */
export class IndexedProvider {
  readonly owns: ModelPredicate;
  private readonly ids = new Map<string, CatalogModel>();
  private readonly aliases = new Map<string, CatalogModel>();
  private readonly patterns: Array<{ model: CatalogModel; test: ModelPredicate }> = [];

  constructor(readonly provider: CatalogProvider) {
    this.owns = compileMatchRule(provider.modelMatch);
    for (const model of provider.models) {
      const id = model.id.toLowerCase();
      if (!this.ids.has(id)) this.ids.set(id, model);
    }
    for (const model of provider.models) {
      for (const alias of model.aliases) if (!this.aliases.has(alias)) this.aliases.set(alias, model);
      if (model.match) this.patterns.push({ model, test: compileMatchRule(model.match) });
    }
  }

  /** Exact id, then alias, each also with a compact date expanded (`-20241022` -> `-2024-10-22`). */
  findExact(name: string): ProviderHit | undefined {
    const byId = this.ids.get(name);
    if (byId) return { model: byId, kind: 'exact' };
    const byAlias = this.aliases.get(name);
    if (byAlias) return { model: byAlias, kind: 'alias' };
    const expanded = expandCompactDate(name);
    if (expanded === name) return undefined;
    const expandedHit = this.ids.get(expanded) ?? this.aliases.get(expanded);
    return expandedHit ? { model: expandedHit, kind: 'alias' } : undefined;
  }

  /** Every exact id and alias that starts with `prefix` (for a snapshot's dated siblings). */
  namesStartingWith(prefix: string): Array<{ name: string; model: CatalogModel }> {
    const found: Array<{ name: string; model: CatalogModel }> = [];
    for (const map of [this.ids, this.aliases]) {
      for (const [name, model] of map) if (name.startsWith(prefix)) found.push({ name, model });
    }
    return found;
  }

  /** The first model whose pattern accepts the name, in the source's order (as the source matches). */
  findPattern(name: string): ProviderHit | undefined {
    const expanded = expandCompactDate(name);
    for (const { model, test } of this.patterns) {
      if (test(name) || (expanded !== name && test(expanded))) return { model, kind: 'pattern' };
    }
    return undefined;
  }
}

/**
 * First-party providers first, then clouds, then hosts and aggregators: the order in which a name
 * is looked for when neither the call's provider nor the model's owner has it.
 */
const SEARCH_PRIORITY = [
  'openai',
  'anthropic',
  'google',
  'mistral',
  'x-ai',
  'deepseek',
  'cohere',
  'moonshotai',
  'zhipuai',
  'minimax',
  'voyageai',
  'groq',
  'cerebras',
  'aws',
  'azure',
];

/** Every provider of a catalog, indexed, in search order. */
export class CatalogIndex {
  readonly byId = new Map<string, IndexedProvider>();
  readonly ordered: IndexedProvider[];

  constructor(catalog: Catalog) {
    for (const provider of catalog.providers) this.byId.set(provider.id, new IndexedProvider(provider));
    const rank = (id: string) => {
      const index = SEARCH_PRIORITY.indexOf(id);
      if (index >= 0) return index;
      return id === 'openrouter' ? SEARCH_PRIORITY.length + 2 : SEARCH_PRIORITY.length + 1;
    };
    this.ordered = [...this.byId.values()].sort((a, b) => rank(a.provider.id) - rank(b.provider.id));
  }

  /** The provider and those it serves models of (Azure -> OpenAI, Anthropic, ...), in order. */
  withFallbacks(providerId: string): IndexedProvider[] {
    const first = this.byId.get(providerId);
    if (!first) return [];
    const list = [first];
    for (const id of first.provider.fallbackProviders) {
      const fallback = this.byId.get(id);
      if (fallback) list.push(fallback);
    }
    return list;
  }
}
