import { createRequire } from 'node:module';
import type { EncodeOptions } from 'gpt-tokenizer/GptEncoding';
import type { BpeEncodingName } from './encoding-for-model.js';

/** The part of a gpt-tokenizer encoding module we use. */
export interface BpeTokenizer {
  countTokens(text: string, options?: EncodeOptions): number;
}

// Loading an encoding's merge table costs 100-250 ms, so it happens on first use, synchronously,
// through require (gpt-tokenizer ships CommonJS builds); a static import would charge every
// application that never counts a token.
const load = createRequire(import.meta.url);
const loaded = new Map<BpeEncodingName, BpeTokenizer>();

/** User text is counted as text: `<|endoftext|>` in a prompt is 7 ordinary tokens, not an error. */
export const ORDINARY_TEXT: EncodeOptions = Object.freeze({ disallowedSpecial: new Set<string>() });

/** The gpt-tokenizer encoding, loaded once. */
export function bpeTokenizer(encoding: BpeEncodingName): BpeTokenizer {
  let tokenizer = loaded.get(encoding);
  if (!tokenizer) {
    tokenizer = load(`gpt-tokenizer/encoding/${encoding}`) as BpeTokenizer;
    loaded.set(encoding, tokenizer);
  }
  return tokenizer;
}

/** Counts `text` as ordinary text with `encoding`. */
export function countBpeTokens(encoding: BpeEncodingName, text: string): number {
  return bpeTokenizer(encoding).countTokens(text, ORDINARY_TEXT);
}
