import { DEFAULT_CHARS_PER_TOKEN, estimateTokens } from '../tokens/heuristic.js';

/**
 * Token estimates for calls whose usage never arrived (a stream cut short, an API without usage):
 * the documented heuristic of src/tokens (four characters per token), cheap enough to run on the
 * caller's path at any prompt size, unlike a BPE tokenizer (about 18 ms for 500 KB, plus 100-250
 * ms to load its table the first time).
 */

const CHARS_PER_TOKEN = DEFAULT_CHARS_PER_TOKEN;
/** Role and separators the chat formats add around each message. */
const PER_MESSAGE_OVERHEAD = 3;
const MAX_DEPTH = 8;

export function estimateTextTokens(text: string): number {
  return estimateTokens(text);
}

/** Input tokens of a request: the text of every message, the system prompt and the tool definitions. */
export function estimateInputTokens(
  messages: readonly unknown[],
  systemPrompt: string | null | undefined,
  tools: readonly unknown[] | null | undefined,
): number {
  let chars = systemPrompt?.length ?? 0;
  for (const message of messages) chars += textLength(message, 0);
  if (tools) for (const tool of tools) chars += textLength(tool, 0);
  return Math.ceil(chars / CHARS_PER_TOKEN) + messages.length * PER_MESSAGE_OVERHEAD;
}

/** Characters of every string inside `value` (keys excluded), bounded in depth. */
function textLength(value: unknown, depth: number): number {
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return 0;
  let total = 0;
  if (Array.isArray(value)) {
    for (const item of value) total += textLength(item, depth + 1);
    return total;
  }
  for (const key in value) {
    // Inline images and audio are base64 bytes, not text: counting them would inflate input by 100x.
    if (key === 'data' || key === 'image_url' || key === 'inlineData' || key === 'input_audio') continue;
    total += textLength((value as Record<string, unknown>)[key], depth + 1);
  }
  return total;
}
