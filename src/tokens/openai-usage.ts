import type { TokenUsage } from '../core/record.js';
import { objectOf, readCount } from './read-count.js';

/**
 * OpenAI's usage objects (Chat Completions, Responses, Realtime) and the many OpenAI-compatible
 * APIs (Azure, DeepSeek, xAI, Groq, OpenRouter) already use INCLUSIVE counts: `prompt_tokens`
 * includes `cached_tokens`, `completion_tokens` includes `reasoning_tokens`. They map onto our
 * buckets without subtraction; subtracting here and again at pricing is the double count peers make.
 *
 * @example
 * tokenUsageFromOpenAI({ prompt_tokens: 120, completion_tokens: 45, total_tokens: 165,
 *   prompt_tokens_details: { cached_tokens: 64 }, completion_tokens_details: { reasoning_tokens: 20 } });
 * // { input: 120, output: 45, total: 165, cacheRead: 64, cacheWrite: 0, reasoning: 20 }
 *
 * Cached audio (`cached_tokens_details.audio_tokens`) becomes `cacheAudioRead`, a duration usage
 * (`{ type: 'duration', seconds }`, whisper-1) `audioSeconds`.
 */
export function tokenUsageFromOpenAI(usage: unknown): TokenUsage {
  // Named reads rather than pickCount's key lists: this runs for every OpenAI call, and a fixed
  // property read is several times cheaper than a keyed one. Same rule: the first key that holds
  // a count (or an object) wins.
  const body: OpenAiUsage = typeof usage === 'object' && usage !== null ? usage : {};
  const inputDetails: OpenAiUsage =
    objectOf(body.prompt_tokens_details) ??
    objectOf(body.input_tokens_details) ??
    objectOf(body.input_token_details) ??
    NO_DETAILS;
  const outputDetails: OpenAiUsage =
    objectOf(body.completion_tokens_details) ??
    objectOf(body.output_tokens_details) ??
    objectOf(body.output_token_details) ??
    NO_DETAILS;
  const input = readCount(body.prompt_tokens) ?? readCount(body.input_tokens) ?? 0;
  const output = readCount(body.completion_tokens) ?? readCount(body.output_tokens) ?? 0;
  const tokens: TokenUsage = {
    input,
    output,
    total: readCount(body.total_tokens) ?? input + output,
    // DeepSeek reports cache hits as prompt_cache_hit_tokens (prompt_tokens = hits + misses).
    cacheRead: readCount(inputDetails.cached_tokens) ?? readCount(body.prompt_cache_hit_tokens) ?? 0,
    // OpenAI-compatible servers that proxy Anthropic (OpenRouter and others) report cache writes here.
    cacheWrite: readCount(inputDetails.cache_write_tokens) ?? 0,
    reasoning: readCount(outputDetails.reasoning_tokens) ?? 0,
  };
  const inputAudio = readCount(inputDetails.audio_tokens);
  // Realtime and audio models: cached_tokens covers text and audio, audio_tokens cached and
  // uncached audio; the cached audio is the overlap, billed at its own price.
  const cachedAudio = readCount(objectOf(inputDetails.cached_tokens_details)?.audio_tokens);
  const outputAudio = readCount(outputDetails.audio_tokens);
  const inputImage = readCount(inputDetails.image_tokens);
  if (inputAudio) tokens.inputAudio = inputAudio;
  if (cachedAudio) tokens.cacheAudioRead = cachedAudio;
  if (outputAudio) tokens.outputAudio = outputAudio;
  if (inputImage) tokens.inputImage = inputImage;
  // Transcriptions billed by duration (whisper-1) report `{ type: 'duration', seconds }`: all input audio.
  if (body.type === 'duration') {
    const seconds = readCount(body.seconds);
    if (seconds !== undefined) {
      tokens.audioSeconds = Math.round(seconds);
      tokens.inputAudioSeconds = Math.round(seconds);
    }
  }
  return tokens;
}

/** The fields read from an OpenAI-style usage object or its details; any may hold anything. */
interface OpenAiUsage {
  type?: unknown;
  seconds?: unknown;
  cache_write_tokens?: unknown;
  cached_tokens_details?: unknown;
  prompt_tokens?: unknown;
  input_tokens?: unknown;
  completion_tokens?: unknown;
  output_tokens?: unknown;
  total_tokens?: unknown;
  prompt_cache_hit_tokens?: unknown;
  prompt_tokens_details?: unknown;
  input_tokens_details?: unknown;
  input_token_details?: unknown;
  completion_tokens_details?: unknown;
  output_tokens_details?: unknown;
  output_token_details?: unknown;
  cached_tokens?: unknown;
  reasoning_tokens?: unknown;
  audio_tokens?: unknown;
  image_tokens?: unknown;
}

const NO_DETAILS: OpenAiUsage = Object.freeze({});
