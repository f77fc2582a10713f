import { describe, expect, it } from 'vitest';
import { countBpeTokens } from '../../src/tokens/bpe-tokenizers.js';
import { tiktokenCount } from '../support/token-chain.js';

// A run without whitespace is one pre-token, whose merging is quadratic in its length: before
// slicing, a megabyte of letters held the event loop for minutes (any prompt counted for a budget).
describe('runs without whitespace', () => {
  it('a megabyte of one letter is counted, the same as its 512-character slices', () => {
    const slice = countBpeTokens('o200k_base', 'x'.repeat(512));
    expect(countBpeTokens('o200k_base', 'x'.repeat(1_048_576))).toBe(slice * 2048);
  });

  it('long runs of mixed text stay within one token per 512 characters of the exact count', () => {
    const run = Array.from({ length: 2_500 }, (_, index) => `part${index % 37}`).join('');
    const emoji = 'abc😀'.repeat(900);
    const text = `A request. ${run} then ${emoji} and the end.`;
    const exact = tiktokenCount(text);
    const counted = countBpeTokens('o200k_base', text);
    expect(Math.abs(counted - exact)).toBeLessThanOrEqual(Math.ceil(text.length / 512));
    expect(counted).toBeGreaterThan(0);
  });

  it('text without such runs is counted exactly', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(200);
    expect(countBpeTokens('o200k_base', text)).toBe(tiktokenCount(text));
  });
});
