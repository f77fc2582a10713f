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

/**
 * A run this long without whitespace is one pre-token, and merging one pre-token costs time
 * quadratic in its length (30,000 letters: 0.4 s; a megabyte: minutes, with the event loop held).
 * Such runs are counted in slices instead: linear, and at most one token off per slice.
 */
const LONG_RUN = /\S{2048,}/g;
const RUN_SLICE_CHARS = 512;

/**
 * Counts `text` as ordinary text with `encoding`: exact, except inside runs of 2,048 or more
 * characters without whitespace, which are counted in slices of 512.
 */
export function countBpeTokens(encoding: BpeEncodingName, text: string): number {
  const tokenizer = bpeTokenizer(encoding);
  if (text.length < 2048) return tokenizer.countTokens(text, ORDINARY_TEXT);
  let total = 0;
  let counted = 0;
  for (const run of text.matchAll(LONG_RUN)) {
    const start = run.index;
    if (start > counted) total += tokenizer.countTokens(text.slice(counted, start), ORDINARY_TEXT);
    const end = start + run[0].length;
    let slice = start;
    while (slice < end) {
      let next = Math.min(end, slice + RUN_SLICE_CHARS);
      // Never between the two halves of a surrogate pair.
      if (next < end && isLowSurrogate(text.charCodeAt(next))) next += 1;
      total += tokenizer.countTokens(text.slice(slice, next), ORDINARY_TEXT);
      slice = next;
    }
    counted = end;
  }
  if (counted < text.length) total += tokenizer.countTokens(text.slice(counted), ORDINARY_TEXT);
  return total;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
