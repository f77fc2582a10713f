/**
 * The parts of the AI SDK's provider specification (`@ai-sdk/provider`, LanguageModelV2/V3/V4 and
 * EmbeddingModelV2/V3/V4) the integration reads, declared locally and loosely: `ai` stays an
 * optional peer, and one middleware serves every specification version. Everything is read
 * defensively; a field may be missing in any version.
 */

/** `model.provider` and `model.modelId`, as every specification version has them. */
export interface ModelShape {
  readonly provider: string;
  readonly modelId: string;
  readonly specificationVersion?: string;
}

/** LanguageModelV*CallOptions, the fields the record keeps. */
export interface CallOptionsShape {
  prompt: readonly unknown[];
  maxOutputTokens?: number;
  temperature?: number;
  stopSequences?: readonly string[];
  topP?: number;
  topK?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseFormat?: { type: string; name?: string };
  seed?: number;
  tools?: readonly unknown[];
  toolChoice?: { type: string; toolName?: string };
  abortSignal?: AbortSignal;
  /** Extra HTTP headers for the provider (values may be undefined). */
  headers?: Readonly<Record<string, string | undefined>>;
  /** V4: the reasoning effort. */
  reasoning?: string;
}

/** Nested usage of LanguageModelV3 and V4 (`ai` 6 and 7). */
export interface NestedUsageShape {
  inputTokens: { total?: number; noCache?: number; cacheRead?: number; cacheWrite?: number };
  outputTokens: { total?: number; text?: number; reasoning?: number };
  raw?: unknown;
}

/** Flat usage of LanguageModelV2 (`ai` 5). */
export interface FlatUsageShape {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  reasoningTokens?: number;
  cachedInputTokens?: number;
}

/** V3/V4 `{ unified, raw }`, or V2's plain string. */
export type FinishReasonShape = string | { unified?: string; raw?: string };

/** LanguageModelV*GenerateResult, the fields the record keeps. */
export interface GenerateResultShape {
  content?: readonly unknown[];
  finishReason?: FinishReasonShape;
  usage?: unknown;
  response?: { id?: string; modelId?: string };
}

/** LanguageModelV*StreamResult. */
export interface StreamResultShape {
  stream: ReadableStream<unknown>;
}

/** One LanguageModelV*StreamPart, read by its `type`. */
export interface StreamPartShape {
  type: string;
  [key: string]: unknown;
}

/** EmbeddingModelV*CallOptions. */
export interface EmbedOptionsShape {
  values: readonly unknown[];
  dimensions?: number;
  abortSignal?: AbortSignal;
}

/** EmbeddingModelV*Result: usage holds input tokens only. */
export interface EmbedResultShape {
  embeddings?: readonly unknown[];
  usage?: { tokens?: number };
}
