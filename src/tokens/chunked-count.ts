/** Counts tokens in one piece of text. */
export type CountText = (text: string) => number;

export const DEFAULT_CHUNK_CHARS = 32_768;

const LETTER = /\p{L}/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * Whether a BPE pre-tokenizer (cl100k_base, o200k_base) necessarily splits before `index`, so
 * that counting the two sides apart gives the same total as counting the whole:
 * - after a newline, before a letter or digit (newlines end their piece; word pieces never start with one);
 * - before a single space between a letter/digit and a letter (the space opens the next word's piece).
 * Characters outside the Basic Multilingual Plane never qualify, which only makes chunks longer.
 */
export function isPieceBoundary(text: string, index: number): boolean {
  if (index <= 0 || index >= text.length) return false;
  const previous = text[index - 1]!;
  const current = text[index]!;
  if (previous === '\n') return LETTER_OR_DIGIT.test(current);
  if (current !== ' ') return false;
  const next = text[index + 1];
  return next !== undefined && LETTER.test(next) && LETTER_OR_DIGIT.test(previous);
}

/** Cuts `text` into pieces of at least `chunkChars` (the last may be shorter) at piece boundaries. */
export function splitAtPieceBoundaries(text: string, chunkChars: number): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (text.length - start > chunkChars) {
    let end = start + chunkChars;
    while (end < text.length && !isPieceBoundary(text, end)) end += 1;
    chunks.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length || chunks.length === 0) chunks.push(text.slice(start));
  return chunks;
}

/** Lets other work run: timers, I/O callbacks and other requests between two chunks. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Counts a large text without holding the event loop: chunks of about `chunkChars` (about 1 ms of
 * tokenizing each), cut only where the tokenizer splits anyway, so the total is exact; the loop
 * is yielded to between chunks. A text with no boundary at all (one giant word) is counted whole.
 */
export async function countInChunks(
  text: string,
  count: CountText,
  chunkChars: number = DEFAULT_CHUNK_CHARS,
): Promise<number> {
  if (text.length <= chunkChars) return count(text);
  let total = 0;
  const chunks = splitAtPieceBoundaries(text, chunkChars);
  for (const [index, chunk] of chunks.entries()) {
    if (index > 0) await yieldToEventLoop();
    total += count(chunk);
  }
  return total;
}
