import type { CallHandle, CallInit } from '../../core/call.js';
import { estimateNow, estimateRequestOf } from '../../capture/estimate-tokens.js';
import { getDefaultLedger } from '../default-ledger.js';
import { ATTRIBUTION_CHECKS, checkIntegrationOptions, LEDGER } from '../integration-options.js';
import type { EmbedOptionsShape, EmbedResultShape, ModelShape } from './ai-sdk-shapes.js';
import { beginCall, failCall, resolveLedger, safely, type MiddlewareLedger } from './begin-call.js';
import { embeddingCallInit } from './call-init.js';
import type { LedgerMiddlewareOptions } from './language-model-middleware.js';

export type LedgerEmbeddingMiddlewareOptions = Omit<LedgerMiddlewareOptions, 'streamIdleTimeoutMs'>;

const EMBEDDING_OPTION_CHECKS = { ...ATTRIBUTION_CHECKS, ledger: LEDGER };

/** What `wrapEmbed` receives, for every specification version. */
export interface WrapEmbedOptions<Result> {
  doEmbed: () => PromiseLike<Result>;
  params: EmbedOptionsShape;
  model: ModelShape;
}

/** An embedding model middleware for `wrapEmbeddingModel` from `ai`: structurally an `EmbeddingModelV4Middleware`. */
export interface LedgerEmbeddingModelMiddleware {
  readonly specificationVersion: 'v4';
  wrapEmbed<Result extends EmbedResultShape>(options: WrapEmbedOptions<Result>): Promise<Result>;
}

/**
 * Records every call of a wrapped AI SDK embedding model (`embed`, and each provider call
 * `embedMany` makes): call type `EMBEDDING`, one user message per value, the provider's
 * `usage.tokens` as input tokens (estimated from the values when the provider reports none), the
 * number of vectors and their dimensions in `metadata`. Vectors are not kept.
 *
 * @example
 * import { embed, wrapEmbeddingModel } from 'ai';
 * import { openai } from '@ai-sdk/openai';
 * import { ledgerEmbeddingMiddleware } from 'llm-ledger/ai-sdk';
 *
 * const model = wrapEmbeddingModel({
 *   model: openai.embedding('text-embedding-3-small'),
 *   middleware: ledgerEmbeddingMiddleware({ ledger }),
 * });
 * const { embedding } = await embed({ model, value: 'sunny day at the beach' });
 */
export function ledgerEmbeddingMiddleware(
  options: LedgerEmbeddingMiddlewareOptions = {},
): LedgerEmbeddingModelMiddleware {
  checkIntegrationOptions(options, EMBEDDING_OPTION_CHECKS, 'ledgerEmbeddingMiddleware() options');
  const ledgerOf = (): MiddlewareLedger | undefined => resolveLedger(options.ledger, getDefaultLedger);
  return {
    specificationVersion: 'v4',

    async wrapEmbed<Result extends EmbedResultShape>({ doEmbed, params, model }: WrapEmbedOptions<Result>) {
      const ledger = ledgerOf();
      if (!ledger) return doEmbed();
      let init: CallInit | undefined;
      const call = await beginCall(ledger, () => (init = embeddingCallInit(model, params, options)));
      if (!call || !init) return doEmbed();
      let result: Result;
      try {
        result = await doEmbed();
      } catch (error) {
        safely(ledger, () => failCall(call, error));
        throw error;
      }
      safely(ledger, () => completeEmbedding(ledger, call, params, result));
      return result;
    },
  };
}

function completeEmbedding(
  ledger: MiddlewareLedger,
  call: CallHandle,
  params: EmbedOptionsShape,
  result: EmbedResultShape,
): void {
  const reported = result.usage?.tokens;
  const known = typeof reported === 'number' && Number.isFinite(reported) && reported >= 0;
  const estimate = known
    ? undefined
    : estimateNow(ledger, estimateRequestOf(call, {}, { messages: texts(params.values) }));
  const input = known ? reported : (estimate?.input ?? 0);
  const vectors = Array.isArray(result.embeddings) ? result.embeddings : [];
  const first: unknown = vectors[0];
  call.complete({
    responseMessage: null,
    tokens: { input, output: 0, total: input },
    tokenSource: known ? 'provider' : (estimate?.source ?? 'estimate'),
    metadata: { vectors: vectors.length, ...(Array.isArray(first) ? { dimensions: first.length } : {}) },
  });
}

/** The values embedded, as texts (an embedding call's input is counted without chat overhead). */
function texts(values: readonly unknown[]): string[] {
  return (Array.isArray(values) ? values : []).map((value) =>
    typeof value === 'string' ? value : JSON.stringify(value ?? ''),
  );
}
