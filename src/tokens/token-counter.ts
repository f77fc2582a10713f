import { countBpeTokens } from './bpe-tokenizers.js';
import { toCountableChat, type ChatInput } from './chat-request.js';
import { countChatTokens, countChatTokensAsync } from './chat-token-count.js';
import { countInChunks, DEFAULT_CHUNK_CHARS, type CountText } from './chunked-count.js';
import { encodingForModel, type BpeEncodingName } from './encoding-for-model.js';
import { estimateTokens, heuristicFromEnv, type HeuristicOptions } from './heuristic.js';

/** A count and how it was obtained. */
export interface TokenCount {
  tokens: number;
  /** `tokenizer`: the model's own encoding; `estimate`: a heuristic or another model's tokenizer. */
  source: 'tokenizer' | 'estimate';
  /** `o200k_base`, `cl100k_base`, `chars` or `words`. */
  method: BpeEncodingName | 'chars' | 'words';
}

export interface TokenCounterOptions extends HeuristicOptions {
  /** Read for `TOKEN_ESTIMATION_RATIO` (characters per token); explicit options win. */
  env?: Record<string, string | undefined>;
  /** Piece size of the async methods, in characters. Default 32768 (about 1 ms of tokenizing). */
  chunkChars?: number;
  /**
   * How non-OpenAI models are counted: `heuristic` (default), or an OpenAI encoding as a closer
   * approximation for modern BPE vocabularies. Either way the count is marked `estimate`.
   */
  approximateWith?: 'heuristic' | BpeEncodingName;
}

/**
 * Token counting for when the provider reports no usage: the model's own encoding when one
 * applies, else an approximation marked `estimate`.
 */
export interface TokenCounter {
  countText(text: string, model: string): TokenCount;
  /** Same result; large texts are counted in chunks, yielding to the event loop between them. */
  countTextAsync(text: string, model: string): Promise<TokenCount>;
  /** A chat request: messages, tool definitions and the chat format's per-message overhead. */
  countChat(chat: ChatInput, model: string): TokenCount;
  countChatAsync(chat: ChatInput, model: string): Promise<TokenCount>;
}

/**
 * Creates a counter: an OpenAI model is counted with its BPE encoding (o200k_base for gpt-4o,
 * gpt-4.1, gpt-5 and o-series; cl100k_base for gpt-4 and gpt-3.5) and marked `tokenizer`; any
 * other model gets the documented heuristic and `estimate`. Throws ConfigError for a bad
 * `TOKEN_ESTIMATION_RATIO`.
 *
 * @example
 * const counter = createTokenCounter({ env: process.env });
 * counter.countText('Hello, world!', 'gpt-4o'); // { tokens: 4, source: 'tokenizer', method: 'o200k_base' }
 * await counter.countChatAsync({ messages, tools }, 'claude-sonnet-4'); // { source: 'estimate', ... }
 */
export function createTokenCounter(options: TokenCounterOptions = {}): TokenCounter {
  const fromEnv = options.env ? heuristicFromEnv(options.env) : {};
  const heuristic: HeuristicOptions = {
    method: options.method ?? fromEnv.method,
    charsPerToken: options.charsPerToken ?? fromEnv.charsPerToken,
    tokensPerWord: options.tokensPerWord,
  };
  const chunkChars = options.chunkChars ?? DEFAULT_CHUNK_CHARS;
  const estimate: CountText = (text) => estimateTokens(text, heuristic);
  const heuristicMethod = heuristic.method === 'words' ? 'words' : 'chars';
  const countWith =
    (encoding: BpeEncodingName): CountText =>
    (text) =>
      countBpeTokens(encoding, text);
  const counters = new Map<BpeEncodingName, CountText>();

  /** The counting function for a model, whether it is the model's own, and its name. */
  const strategy = (model: string): { count: CountText; exact: boolean; method: TokenCount['method'] } => {
    const own = encodingForModel(model);
    const encoding = own ?? (options.approximateWith === 'heuristic' ? undefined : options.approximateWith);
    if (!encoding) return { count: estimate, exact: false, method: heuristicMethod };
    let count = counters.get(encoding);
    if (!count) counters.set(encoding, (count = countWith(encoding)));
    return { count, exact: own !== undefined, method: encoding };
  };

  return {
    countText(text, model) {
      const { count, exact, method } = strategy(model);
      return { tokens: count(text), source: exact ? 'tokenizer' : 'estimate', method };
    },
    async countTextAsync(text, model) {
      const { count, exact, method } = strategy(model);
      return { tokens: await countInChunks(text, count, chunkChars), source: exact ? 'tokenizer' : 'estimate', method };
    },
    countChat(chat, model) {
      const { count, exact, method } = strategy(model);
      const countable = toCountableChat(chat);
      const tokens = countChatTokens(countable, count);
      return { tokens, source: exact && !countable.approximate ? 'tokenizer' : 'estimate', method };
    },
    async countChatAsync(chat, model) {
      const { count, exact, method } = strategy(model);
      const countable = toCountableChat(chat);
      const tokens = await countChatTokensAsync(countable, count, chunkChars);
      return { tokens, source: exact && !countable.approximate ? 'tokenizer' : 'estimate', method };
    },
  };
}
