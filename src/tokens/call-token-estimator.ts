import { ConfigError } from '../core/errors.js';
import { countBpeTokens } from './bpe-tokenizers.js';
import { toCountableChat, type ChatInput, type CountableChat } from './chat-request.js';
import { countChatTokens, countChatTokensAsync } from './chat-token-count.js';
import { countInChunks, DEFAULT_CHUNK_CHARS, type CountText } from './chunked-count.js';
import { encodingForModel, type BpeEncodingName } from './encoding-for-model.js';
import { estimateTokens, heuristicFromEnv } from './heuristic.js';
import { tokenFamilyOf, type ApproximatedFamily, type TokenFamily } from './model-family.js';

/**
 * o200k_base tokens x ratio = the estimate for a family whose tokenizer is not public. Measured
 * against the reference tokenizers on the corpus of test/tokens/fixtures/accuracy-corpus.ts
 * (geometric mean of the per-text ratios; test/tokens/estimate-accuracy.test.ts recomputes them).
 */
export const DEFAULT_FAMILY_RATIOS: Readonly<Record<ApproximatedFamily, number>> = Object.freeze({
  anthropic: 1.16,
  gemini: 1.04,
  other: 1,
});

export interface TokenEstimationOptions {
  /** Per-family scale of the o200k_base count, for families whose tokenizer is not public. */
  ratios?: Partial<Record<ApproximatedFamily, number>>;
  /**
   * Characters per token. When set (here or by `TOKEN_ESTIMATION_RATIO`), families without a public
   * tokenizer are estimated with characters instead of o200k_base; OpenAI models keep their tokenizer.
   */
  charsPerToken?: number;
  /** Read for `TOKEN_ESTIMATION_RATIO`; explicit options win. */
  env?: Record<string, string | undefined>;
  /** Piece size of the async counts, in characters. Default 32768 (about 1 ms of tokenizing). */
  chunkChars?: number;
}

/** What a call sent and received, for counting the sides the provider did not report. */
export interface EstimateRequest {
  model: string;
  provider?: string | null;
  /** `EMBEDDING` inputs are counted as plain texts, without the chat format's overhead. */
  callType?: string;
  /** The request; omit it when the provider reported the input side. */
  prompt?: ChatInput;
  /** Every output text received (text, tool-call arguments, reasoning). */
  outputText?: string;
  reasoningText?: string;
}

/** How an estimate was made: recorded beside the counts so a report can tell them apart. */
export interface TokenEstimateMethod {
  /** `tokenizer` when exact (the model's own encoding on text-only content), else `estimate`. */
  source: 'tokenizer' | 'estimate';
  family: TokenFamily;
  /** What counted: an OpenAI encoding, or characters (`chars`). */
  method: BpeEncodingName | 'chars';
  /** The scale applied to the method's count (1 for an exact tokenizer; characters per token for `chars`). */
  ratio: number;
}

export interface TokenEstimate extends TokenEstimateMethod {
  /** 0 when no prompt was given. */
  input: number;
  output: number;
  reasoning: number;
}

/** The fallback chain for calls without provider usage, as one object a ledger holds. */
export interface CallTokenEstimator {
  /** Counts at once; fine on any path for texts up to `chunkChars`. */
  estimate(request: EstimateRequest): TokenEstimate;
  /** The same counts, in chunks, yielding to the event loop between them. */
  estimateAsync(request: EstimateRequest): Promise<TokenEstimate>;
  /** True when counting `request` takes more than about a millisecond: count it with `estimateAsync`. */
  isLarge(request: EstimateRequest): boolean;
  /** The method `estimate` would use for a model, without counting anything. */
  methodFor(model: string, provider?: string | null): TokenEstimateMethod;
}

interface Strategy extends TokenEstimateMethod {
  count: CountText;
}

/**
 * The token fallback chain: the model family's own tokenizer (OpenAI's encodings, exact:
 * `tokenizer`); o200k_base scaled by the family's ratio for Claude, Gemini and others (`estimate`);
 * characters per token when configured (`TOKEN_ESTIMATION_RATIO`) or when no tokenizer can load.
 * Throws ConfigError for a ratio or `TOKEN_ESTIMATION_RATIO` that is not a positive number.
 *
 * @example
 * const estimator = createCallTokenEstimator({ env: process.env });
 * estimator.estimate({ model: 'claude-sonnet-4', prompt: { messages }, outputText: 'Hi!' });
 * // { input: 14, output: 2, reasoning: 0, source: 'estimate', family: 'anthropic', method: 'o200k_base', ratio: 1.16 }
 */
export function createCallTokenEstimator(options: TokenEstimationOptions = {}): CallTokenEstimator {
  const ratios = { ...DEFAULT_FAMILY_RATIOS };
  for (const [family, ratio] of Object.entries(options.ratios ?? {})) {
    if (!(family in DEFAULT_FAMILY_RATIOS)) {
      throw new ConfigError({
        source: 'options',
        path: `tokenEstimation.ratios.${family}`,
        expected: `one of ${Object.keys(DEFAULT_FAMILY_RATIOS).join(', ')}`,
        received: 'an unknown family',
      });
    }
    if (ratio === undefined) continue;
    ratios[family as ApproximatedFamily] = positive(ratio, `tokenEstimation.ratios.${family}`);
  }
  const charsPerToken =
    options.charsPerToken === undefined
      ? options.env
        ? heuristicFromEnv(options.env).charsPerToken
        : undefined
      : positive(options.charsPerToken, 'tokenEstimation.charsPerToken');
  const chunkChars = options.chunkChars ?? DEFAULT_CHUNK_CHARS;
  const characters = (ratio: number): CountText => {
    return (text) => estimateTokens(text, { charsPerToken: ratio });
  };
  const byEncoding = new Map<BpeEncodingName, CountText>();
  const bpe = (encoding: BpeEncodingName): CountText => {
    let count = byEncoding.get(encoding);
    if (!count) byEncoding.set(encoding, (count = (text) => countBpeTokens(encoding, text)));
    return count;
  };
  const strategies = new Map<string, Strategy>();

  const strategyFor = (model: string, provider?: string | null): Strategy => {
    const key = `${provider ?? ''}\u0000${model}`;
    let strategy = strategies.get(key);
    if (strategy) return strategy;
    const family = tokenFamilyOf(model, provider);
    const own = encodingForModel(model);
    if (own) strategy = { source: 'tokenizer', family, method: own, ratio: 1, count: bpe(own) };
    else if (charsPerToken !== undefined) {
      strategy = {
        source: 'estimate',
        family,
        method: 'chars',
        ratio: charsPerToken,
        count: characters(charsPerToken),
      };
    } else {
      const ratio = ratios[family as ApproximatedFamily];
      strategy = { source: 'estimate', family, method: 'o200k_base', ratio, count: bpe('o200k_base') };
    }
    if (strategies.size > 1000) strategies.clear();
    strategies.set(key, strategy);
    return strategy;
  };

  /** The strategy, or characters when the tokenizer's tables cannot be loaded (never a lost record). */
  const usable = (request: EstimateRequest): Strategy => {
    const strategy = strategyFor(request.model, request.provider);
    if (strategy.method === 'chars') return strategy;
    try {
      strategy.count('');
      return strategy;
    } catch {
      const ratio = charsPerToken ?? 4;
      return { source: 'estimate', family: strategy.family, method: 'chars', ratio, count: characters(ratio) };
    }
  };

  const scale = (tokens: number, strategy: Strategy): number =>
    strategy.method === 'chars' || strategy.ratio === 1 ? tokens : Math.round(tokens * strategy.ratio);

  const result = (strategy: Strategy, counts: RawCounts, exactInput: boolean): TokenEstimate => {
    const output = scale(counts.output, strategy);
    return {
      input: scale(counts.input, strategy),
      output,
      reasoning: Math.min(output, scale(counts.reasoning, strategy)),
      source: strategy.source === 'tokenizer' && exactInput ? 'tokenizer' : 'estimate',
      family: strategy.family,
      method: strategy.method,
      ratio: strategy.ratio,
    };
  };

  return {
    estimate(request) {
      const strategy = usable(request);
      const chat = countableOf(request);
      const input = chat ? countInput(chat, strategy.count, request.callType) : 0;
      const output = request.outputText ? strategy.count(request.outputText) : 0;
      const reasoning = request.reasoningText ? strategy.count(request.reasoningText) : 0;
      return result(strategy, { input, output, reasoning }, !chat?.approximate);
    },
    async estimateAsync(request) {
      const strategy = usable(request);
      const chat = countableOf(request);
      const input = chat ? await countInputAsync(chat, strategy.count, request.callType, chunkChars) : 0;
      const output = request.outputText ? await countInChunks(request.outputText, strategy.count, chunkChars) : 0;
      const reasoning = request.reasoningText
        ? await countInChunks(request.reasoningText, strategy.count, chunkChars)
        : 0;
      return result(strategy, { input, output, reasoning }, !chat?.approximate);
    },
    isLarge(request) {
      let chars = (request.outputText?.length ?? 0) + (request.reasoningText?.length ?? 0);
      const prompt = request.prompt;
      if (prompt)
        chars += (prompt.system?.length ?? 0) + roughLength(prompt.messages) + roughLength(prompt.tools ?? []);
      return chars > chunkChars;
    },
    methodFor(model, provider) {
      const { source, family, method, ratio } = strategyFor(model, provider);
      return { source, family, method, ratio };
    },
  };
}

interface RawCounts {
  input: number;
  output: number;
  reasoning: number;
}

function countableOf(request: EstimateRequest): CountableChat | undefined {
  return request.prompt ? toCountableChat(request.prompt) : undefined;
}

/** Embedding inputs are texts: no roles, no per-message overhead. */
function countInput(chat: CountableChat, count: CountText, callType: string | undefined): number {
  if (callType !== 'EMBEDDING') return countChatTokens(chat, count);
  let total = 0;
  for (const { message } of chat.messages) if (message.content) total += count(message.content);
  return total;
}

async function countInputAsync(
  chat: CountableChat,
  count: CountText,
  callType: string | undefined,
  chunkChars: number,
): Promise<number> {
  if (callType !== 'EMBEDDING') return countChatTokensAsync(chat, count, chunkChars);
  let total = 0;
  for (const { message } of chat.messages) {
    if (message.content) total += await countInChunks(message.content, count, chunkChars);
  }
  return total;
}

const MAX_DEPTH = 8;

/**
 * Characters of the strings inside `value`, stopping early past a million: enough to tell a large
 * prompt from a small one without walking all of it. Inline images and audio (base64) are skipped,
 * as the counting skips them.
 */
function roughLength(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return 0;
  let total = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      total += roughLength(item, depth + 1);
      if (total > 1_000_000) break;
    }
    return total;
  }
  for (const key in value) {
    if (key === 'data' || key === 'image_url' || key === 'inlineData' || key === 'input_audio') continue;
    total += roughLength((value as Record<string, unknown>)[key], depth + 1);
  }
  return total;
}

function positive(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError({
      source: 'options',
      path,
      expected: 'a positive number',
      received: JSON.stringify(value) ?? String(value),
    });
  }
  return value;
}
