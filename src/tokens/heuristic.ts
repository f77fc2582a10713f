import { ConfigError } from '../core/errors.js';

/**
 * The documented fallback when no tokenizer applies (non-OpenAI models):
 * - `chars` (default): UTF-16 code units / `charsPerToken` (4, or `TOKEN_ESTIMATION_RATIO`),
 *   rounded up. Close for English prose; low for CJK (about one token per character).
 * - `words`: whitespace-separated words x `tokensPerWord` (1.3), rounded up.
 * Counts from either are marked `estimate`.
 */
export interface HeuristicOptions {
  method?: 'chars' | 'words';
  charsPerToken?: number;
  tokensPerWord?: number;
}

export const DEFAULT_CHARS_PER_TOKEN = 4;
export const DEFAULT_TOKENS_PER_WORD = 1.3;

const WORD = /\S+/g;

/** Estimated tokens in `text`. */
export function estimateTokens(text: string, options: HeuristicOptions = {}): number {
  if (text.length === 0) return 0;
  if (options.method === 'words') {
    const words = text.match(WORD)?.length ?? 0;
    return Math.ceil(words * (options.tokensPerWord ?? DEFAULT_TOKENS_PER_WORD));
  }
  return Math.ceil(text.length / (options.charsPerToken ?? DEFAULT_CHARS_PER_TOKEN));
}

/**
 * Heuristic options from the environment: `TOKEN_ESTIMATION_RATIO` (characters per token). An
 * unusable value is a ConfigError naming the variable, not a silent default.
 */
export function heuristicFromEnv(env: Record<string, string | undefined>): HeuristicOptions {
  const raw = env.TOKEN_ESTIMATION_RATIO;
  if (raw === undefined || raw.trim() === '') return {};
  const ratio = Number(raw);
  if (!Number.isFinite(ratio) || ratio <= 0) {
    throw new ConfigError({
      source: 'environment',
      path: 'TOKEN_ESTIMATION_RATIO',
      expected: 'a positive number of characters per token, such as 4',
      received: JSON.stringify(raw),
    });
  }
  return { method: 'chars', charsPerToken: ratio };
}
