import type { TokenUsage } from './record.js';

/**
 * Token counts as callers hand them to `complete()`: our canonical buckets, or the
 * `prompt_tokens` / `completion_tokens` shape seed 001 passes straight from an OpenAI-style
 * response. Provider-specific shapes (Anthropic's exclusive counts, Gemini's usageMetadata)
 * are converted by the capture adapters before they reach here.
 */
export type TokenCountsInput = Partial<TokenUsage> & {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
  prompt_tokens_details?: {
    cached_tokens?: number;
    audio_tokens?: number;
    cache_write_tokens?: number;
    cached_tokens_details?: { audio_tokens?: number } | null;
  } | null;
  completion_tokens_details?: { reasoning_tokens?: number; audio_tokens?: number } | null;
};

export interface NormalizedTokens {
  tokens: TokenUsage;
  /** Human-readable descriptions of every value that had to be sanitized. */
  problems: string[];
}

/**
 * Turns caller-supplied counts into valid buckets. Documented sanitization: a BigInt is converted
 * to a number, any other value that is not a finite number (NaN, Infinity, a string) becomes 0, a
 * negative one becomes 0, a fraction is rounded, a part larger than its total (cacheRead and
 * cacheWrite within input, reasoning within output) is clamped to the total. Each fix is reported
 * in `problems`. Unknown keys are ignored.
 */
export function normalizeTokenCounts(input: TokenCountsInput): NormalizedTokens {
  // Written without closures or temporary objects: this runs on the caller's path for every call.
  const problems: string[] = [];
  const promptDetails = input.prompt_tokens_details ?? undefined;
  const completionDetails = input.completion_tokens_details ?? undefined;
  const inputCount = count('input', problems, input.input, input.prompt_tokens, input.promptTokens) ?? 0;
  const outputCount = count('output', problems, input.output, input.completion_tokens, input.completionTokens) ?? 0;
  let cacheRead = count('cacheRead', problems, input.cacheRead, promptDetails?.cached_tokens) ?? 0;
  let cacheWrite = count('cacheWrite', problems, input.cacheWrite, promptDetails?.cache_write_tokens) ?? 0;
  let reasoning = count('reasoning', problems, input.reasoning, completionDetails?.reasoning_tokens) ?? 0;
  const givenTotal = count('total', problems, input.total, input.total_tokens, input.totalTokens);

  if (cacheRead > inputCount) {
    problems.push(`cacheRead (${cacheRead}) exceeds input (${inputCount}); clamped to input`);
    cacheRead = inputCount;
  }
  if (cacheRead + cacheWrite > inputCount) {
    problems.push(`cacheRead + cacheWrite exceeds input (${inputCount}); cacheWrite clamped`);
    cacheWrite = inputCount - cacheRead;
  }
  if (reasoning > outputCount) {
    problems.push(`reasoning (${reasoning}) exceeds output (${outputCount}); clamped to output`);
    reasoning = outputCount;
  }
  const sum = inputCount + outputCount;
  // A total larger than input + output is kept: seed 001 logs calls that only know their total.
  const total = givenTotal !== undefined && givenTotal > sum ? givenTotal : sum;

  const tokens: TokenUsage = { input: inputCount, output: outputCount, total, cacheRead, cacheWrite, reasoning };
  const cacheWrite1h = count('cacheWrite1h', problems, input.cacheWrite1h);
  if (cacheWrite1h !== undefined) tokens.cacheWrite1h = cacheWrite1h;
  const inputAudio = count('inputAudio', problems, input.inputAudio, promptDetails?.audio_tokens);
  if (inputAudio !== undefined) tokens.inputAudio = inputAudio;
  const outputAudio = count('outputAudio', problems, input.outputAudio, completionDetails?.audio_tokens);
  if (outputAudio !== undefined) tokens.outputAudio = outputAudio;
  const inputImage = count('inputImage', problems, input.inputImage);
  if (inputImage !== undefined) tokens.inputImage = inputImage;
  const cacheAudioRead = count(
    'cacheAudioRead',
    problems,
    input.cacheAudioRead,
    promptDetails?.cached_tokens_details?.audio_tokens,
  );
  if (cacheAudioRead !== undefined) tokens.cacheAudioRead = cacheAudioRead;
  const audioSeconds = count('audioSeconds', problems, input.audioSeconds);
  if (audioSeconds !== undefined) tokens.audioSeconds = audioSeconds;
  const inputAudioSeconds = count('inputAudioSeconds', problems, input.inputAudioSeconds);
  if (inputAudioSeconds !== undefined) tokens.inputAudioSeconds = inputAudioSeconds;
  const pages = count('pages', problems, input.pages);
  if (pages !== undefined) tokens.pages = pages;
  const annotatedPages = count('annotatedPages', problems, input.annotatedPages);
  if (annotatedPages !== undefined) tokens.annotatedPages = annotatedPages;
  const webSearches = count('webSearches', problems, input.webSearches);
  if (webSearches !== undefined) tokens.webSearches = webSearches;
  return { tokens, problems };
}

/** The first of the given values that is set, sanitized; undefined when none is. */
function count(
  name: string,
  problems: string[],
  first: unknown,
  second?: unknown,
  third?: unknown,
): number | undefined {
  const value = first ?? second ?? third;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  return sanitizeCount(name, value, problems);
}

function sanitizeCount(name: string, value: unknown, problems: string[]): number {
  if (typeof value === 'bigint') {
    if (value < 0n) {
      problems.push(`${name} is negative (${value}); recorded as 0`);
      return 0;
    }
    problems.push(`${name} is a BigInt (${value}); converted to a number`);
    return Number(value);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.push(`${name} is not a finite number (${describe(value)}); recorded as 0`);
    return 0;
  }
  if (value < 0) {
    problems.push(`${name} is negative (${value}); recorded as 0`);
    return 0;
  }
  if (!Number.isInteger(value)) {
    problems.push(`${name} is not an integer (${value}); rounded`);
    return Math.round(value);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return String(value);
}
