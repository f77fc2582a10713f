import { BaseCache, deserializeStoredGeneration, serializeGeneration } from '@langchain/core/caches';
import type { StoredGeneration } from '@langchain/core/messages';
import type { Generation } from '@langchain/core/outputs';
import type { CacheKeyInput } from '../../cache/cache-key.js';
import type { CachedResponse } from '../../cache/cached-response.js';
import type { ResponseCache } from '../../cache/response-cache.js';
import { ConfigError } from '../../core/errors.js';
import type { Ledger } from '../../core/ledger.js';
import type { CallRecord } from '../../core/record.js';
import { getDefaultLedger } from '../default-ledger.js';
import { checkIntegrationOptions, LEDGER, PLAIN_OBJECT } from '../integration-options.js';

/** Where a LedgerLangChainCache keeps its answers. */
export interface LedgerLangChainCacheOptions {
  /** The ledger whose response cache (createLedger's `cache`) keeps the answers; default: the process-wide ledger. */
  ledger?: Ledger;
  /** A ResponseCache to use instead of the ledger's own. */
  cache?: ResponseCache;
}

/** What a hit tells the callback handler: what the original call cost, kept in the generation's info. */
export const CACHE_INFO_FIELD = 'llmLedgerCache';

/** The record of the call that produced a generation, noted by the callback handler when the run ended. */
const recordedGenerations = new WeakMap<object, CallRecord>();

/** @internal The handler notes which record a generation came from, so the cache can name its cost. */
export function noteGenerationRecord(generation: unknown, record: CallRecord): void {
  if (typeof generation === 'object' && generation !== null) recordedGenerations.set(generation, record);
}

/**
 * LangChain's `BaseCache` backed by the ledger's response cache (memory, SQLite, Redis: any
 * `CacheBackend`). LangChain asks it before calling the model, so an identical call never reaches
 * the provider; with `LedgerCallbackHandler` attached, the hit is recorded as its own call with
 * `cacheHit: true`, cost '0' and the cost it saved.
 *
 * The key is the SHA-256 of LangChain's own two parts: the prompt and the model's serialized
 * parameters (model, temperature, tools...), with API keys taken out so every key shares answers.
 *
 * @example
 * const ledger = createLedger({ cache: { backend: 'sqlite' } });
 * const model = new ChatOpenAI({ model: 'gpt-4o-mini', cache: new LedgerLangChainCache({ ledger }) });
 * await model.invoke('Hi', { callbacks: [new LedgerCallbackHandler({ ledger })] });
 */
export class LedgerLangChainCache extends BaseCache<Generation[]> {
  private readonly cache: ResponseCache;

  constructor(options: LedgerLangChainCacheOptions = {}) {
    super();
    checkIntegrationOptions(options, { ledger: LEDGER, cache: PLAIN_OBJECT }, 'LedgerLangChainCache options');
    const ledger = (options.ledger ?? getDefaultLedger()) as Ledger & { readonly cache?: ResponseCache };
    const cache = options.cache ?? ledger.cache;
    if (cache === undefined) {
      throw new ConfigError({
        source: 'LedgerLangChainCache options',
        path: 'ledger',
        expected: 'a ledger created with a response cache: createLedger({ cache: true }) (or pass `cache`)',
        received: 'a ledger without one',
      });
    }
    this.cache = cache;
  }

  /** LangChain asks before calling the model: the stored generations, or null (a miss, or an unreadable entry). */
  async lookup(prompt: string, llmKey: string): Promise<Generation[] | null> {
    const found = await this.cache.lookup(keyInput(prompt, llmKey));
    const entry = found?.entry;
    if (!entry || !Array.isArray(entry.body)) return null;
    try {
      return (entry.body as StoredEntry[]).map((stored) => {
        const generation: Generation = deserializeStoredGeneration(stored.generation);
        generation.generationInfo = { ...stored.info, [CACHE_INFO_FIELD]: { costSaved: entry.cost } };
        return generation;
      });
    } catch {
      // An entry this version of LangChain cannot read back is a miss.
      return null;
    }
  }

  /** LangChain stores what a call that reached the model produced; a run that failed or was cut is skipped. */
  async update(prompt: string, llmKey: string, generations: Generation[]): Promise<void> {
    const input = keyInput(prompt, llmKey);
    const key = this.cache.keyOf(input);
    if (key === undefined || generations.length === 0) return;
    const record = recordedGenerations.get(generations[0]!);
    // A run the handler saw end badly (cut short, failed) is not an answer to keep.
    if (record !== undefined && (record.status !== 'success' || record.partial)) return;
    let body: StoredEntry[];
    try {
      body = generations.map((generation) => ({
        generation: serializeGeneration(generation),
        info: withoutCacheInfo(generation.generationInfo),
      }));
    } catch {
      return;
    }
    const entry: CachedResponse = {
      v: 1,
      provider: record?.provider ?? input.provider,
      model: record?.model ?? input.model,
      streamed: false,
      body,
      cost: record?.cost && record.cost.status !== 'unpriced' ? record.cost.total : null,
      currency: record?.cost?.currency ?? 'USD',
      ...(record
        ? { tokens: { input: record.tokens.input, output: record.tokens.output }, sourceCallId: record.id }
        : {}),
      storedAt: new Date().toISOString(),
    };
    await this.cache.store(key, input, entry);
  }
}

interface StoredEntry {
  generation: StoredGeneration;
  info?: Record<string, unknown>;
}

/** LangChain's parameter string holds the API key (`apiKey:"sk-..."`): never part of a key. */
const SECRET_PARAMETER = /(^|,)([A-Za-z_]*(?:api_?key|token|secret)[A-Za-z_]*):"(?:[^"\\]|\\.)*"/gi;

function keyInput(prompt: string, llmKey: string): CacheKeyInput {
  const parameters = llmKey.replace(SECRET_PARAMETER, '$1$2:"[redacted]"');
  return {
    provider: /(?:^|,)_type:"([^"]*)"/.exec(parameters)?.[1] ?? 'langchain',
    endpoint: 'langchain',
    model: /(?:^|,)model(?:_name|Name)?:"([^"]*)"/.exec(parameters)?.[1] ?? '',
    streamed: false,
    request: { prompt, parameters },
  };
}

function withoutCacheInfo(info: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (info === undefined || !(CACHE_INFO_FIELD in info)) return info;
  const { [CACHE_INFO_FIELD]: _cache, ...rest } = info;
  return rest;
}
