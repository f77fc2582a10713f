import { tokenUsageFromAnthropic } from '../tokens/anthropic-usage.js';
import { tokenUsageFromGemini } from '../tokens/gemini-usage.js';
import { tokenUsageFromOpenAI } from '../tokens/openai-usage.js';
import { objectOf, readCount } from '../tokens/read-count.js';
import { OPTIONAL_USAGE_BUCKETS, type TokenUsage } from './record.js';
import { printableKey, suggestKey } from './unknown-keys.js';

/**
 * Token counts as callers hand them to `complete()`: our canonical buckets, or the
 * `prompt_tokens` / `completion_tokens` shape passed straight from an OpenAI-style response.
 * Provider objects (OpenAI Responses, Anthropic's raw usage, Gemini's usageMetadata, the AI SDK's
 * usage) are accepted too and converted (see normalizeTokenCounts); the type names ours.
 */
export type TokenCountsInput = CanonicalTokenCounts | object;

/** Our buckets, with OpenAI Chat Completions' and the AI SDK v4's names for them. */
export type CanonicalTokenCounts = Partial<TokenUsage> & {
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
  /** Human-readable descriptions of every value that had to be sanitized or refused. */
  problems: string[];
  /**
   * `given`: counts as reported. `estimated`: only a total was known, so the split is a guess (all
   * of it counted as input) and the cost must be marked estimated. `none`: no token count was
   * found at all (a wrong shape, a string, an empty object): the call has no usage, never 0
   * tokens priced at 0.
   */
  source: 'given' | 'estimated' | 'none';
}

/**
 * The ceiling of one bucket of one call. Far above any context window, low enough that a cost
 * computed from it stays a short decimal: a count beyond it is a bug or garbage, and refused.
 */
export const MAX_TOKENS_PER_CALL = 1e12;

/** Our canonical keys and OpenAI Chat Completions' (and the AI SDK v4's camelCase) names for them. */
const CANONICAL_KEYS = new Set([
  'input',
  'output',
  'total',
  'cacheRead',
  'cacheWrite',
  'reasoning',
  // Kept in step with the record's optional buckets.
  ...OPTIONAL_USAGE_BUCKETS,
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'prompt_tokens_details',
  'completion_tokens_details',
  'promptTokens',
  'completionTokens',
  'totalTokens',
]);
/** Keys shared by Anthropic's usage and OpenAI Responses' usage (opposite meanings of input_tokens). */
const INPUT_OUTPUT_TOKENS = new Set(['input_tokens', 'output_tokens']);
/** Only Anthropic's usage has these: its `input_tokens` then excludes the cache. */
const ANTHROPIC_KEYS = new Set([
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
  'cache_creation',
  'server_tool_use',
  'service_tier',
]);
const RESPONSES_KEYS = new Set(['input_tokens_details', 'output_tokens_details', 'prompt_cache_hit_tokens']);
const GEMINI_KEYS = new Set([
  'promptTokenCount',
  'candidatesTokenCount',
  'totalTokenCount',
  'cachedContentTokenCount',
  'thoughtsTokenCount',
  'toolUsePromptTokenCount',
  'prompt_token_count',
  'candidates_token_count',
  'total_token_count',
  'cached_content_token_count',
  'thoughts_token_count',
  'tool_use_prompt_token_count',
]);
/** Gemini keys that hold no count of their own. */
const GEMINI_EXTRA_KEYS = new Set([
  'promptTokensDetails',
  'candidatesTokensDetails',
  'cacheTokensDetails',
  'toolUsePromptTokensDetails',
  'prompt_tokens_details',
  'candidates_tokens_details',
  'cache_tokens_details',
  'tool_use_prompt_tokens_details',
  'trafficType',
  'traffic_type',
]);
/** The AI SDK's `LanguageModelUsage` (v5 flat counts, v6 details). */
const AI_SDK_KEYS = new Set([
  'inputTokens',
  'outputTokens',
  'totalTokens',
  'reasoningTokens',
  'cachedInputTokens',
  'inputTokenDetails',
  'outputTokenDetails',
  'raw',
]);
/** Values under these keys are labels or provider payloads, not counts. */
const NOT_COUNTS = new Set(['service_tier', 'trafficType', 'traffic_type', 'modality', 'raw']);
const ALL_KEYS: ReadonlySet<string> = new Set([
  ...CANONICAL_KEYS,
  ...INPUT_OUTPUT_TOKENS,
  ...ANTHROPIC_KEYS,
  ...RESPONSES_KEYS,
  ...GEMINI_KEYS,
  ...GEMINI_EXTRA_KEYS,
  ...AI_SDK_KEYS,
]);
const SHAPES =
  'our { input, output, cacheRead, cacheWrite, reasoning, total }, OpenAI usage (Chat Completions or Responses), ' +
  "Anthropic's raw usage, Gemini's usageMetadata or the AI SDK's { inputTokens, outputTokens }";

/**
 * Turns the token counts a caller holds into valid buckets. Accepted shapes: ours; OpenAI's usage
 * (Chat Completions and Responses); Anthropic's raw usage (exclusive input, recognized by its
 * cache keys); Gemini's `usageMetadata`; the AI SDK's `{ inputTokens, outputTokens, ... }`.
 * Provider shapes go through the same converters the capture adapters use.
 *
 * Documented sanitization, each fix reported in `problems`: a BigInt is converted to a number;
 * any other value that is not a finite number (NaN, Infinity, a string), a negative one and one
 * above MAX_TOKENS_PER_CALL become 0; a fraction is rounded; a part larger than its total
 * (cacheRead and cacheWrite within input, reasoning within output) is clamped to the total; a
 * total smaller than input + output is replaced by the sum. An unknown key is a problem (with a
 * did-you-mean); a value with no known token key at all gives `source: 'none'` (no usage). A value
 * with only a total gives `source: 'estimated'`, the whole total counted as input.
 */
export function normalizeTokenCounts(input: unknown): NormalizedTokens {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    problems.push(`expected an object of token counts (${SHAPES}), got ${kindOf(input)}; no usage is recorded`);
    return { tokens: EMPTY_USAGE, problems, source: 'none' };
  }
  const body = input as Record<string, unknown>;
  let canonical = false;
  let gemini = false;
  let aiSdk = false;
  let inputOutput = false;
  let anthropic = false;
  let responses = false;
  for (const key in body) {
    if (!Object.prototype.hasOwnProperty.call(body, key)) continue;
    if (CANONICAL_KEYS.has(key)) canonical = true;
    else if (GEMINI_KEYS.has(key)) gemini = true;
    else if (AI_SDK_KEYS.has(key)) aiSdk = true;
    else if (INPUT_OUTPUT_TOKENS.has(key)) inputOutput = true;
    else if (ANTHROPIC_KEYS.has(key)) anthropic = true;
    else if (RESPONSES_KEYS.has(key)) responses = true;
    else if (!GEMINI_EXTRA_KEYS.has(key)) problems.push(unknownTokenKey(key));
  }
  let normalized: NormalizedTokens;
  if (canonical && !gemini && !aiSdk && !inputOutput && !anthropic) {
    normalized = canonicalCounts(input as CanonicalTokenCounts, problems);
  } else if (gemini) {
    normalized = converted(tokenUsageFromGemini, body, problems);
  } else if (aiSdk) {
    normalized = converted(tokenUsageFromAiSdk, body, problems);
  } else if (anthropic && !responses) {
    normalized = converted(tokenUsageFromAnthropic, body, problems);
  } else if (inputOutput || responses || canonical) {
    normalized = converted(tokenUsageFromOpenAI, body, problems);
  } else {
    problems.push(`no token count found (expected ${SHAPES}); no usage is recorded`);
    return { tokens: EMPTY_USAGE, problems, source: 'none' };
  }
  if (normalized.tokens.input === 0 && normalized.tokens.output === 0 && normalized.tokens.total > 0) {
    // Only the total is known (a call that logged just its total): the split is a guess.
    const tokens = { ...normalized.tokens, input: normalized.tokens.total };
    return { tokens, problems, source: 'estimated' };
  }
  return normalized;
}

const EMPTY_USAGE: TokenUsage = Object.freeze({
  input: 0,
  output: 0,
  total: 0,
  cacheRead: 0,
  cacheWrite: 0,
  reasoning: 0,
}) as TokenUsage;

function unknownTokenKey(key: string): string {
  const suggestion = suggestKey(key, ALL_KEYS);
  const hint = suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`;
  return `unknown key "${printableKey(key)}" in tokens; it is ignored.${hint} Expected ${SHAPES}`;
}

/** A provider shape: its counts checked (and fixed on a copy), then its converter, then the clamps. */
function converted(
  convert: (usage: unknown) => TokenUsage,
  body: Record<string, unknown>,
  problems: string[],
): NormalizedTokens {
  const checked = checkedCounts(body, '', problems, 0);
  const tokens = convert(checked);
  // Each count is within the ceiling, but a converter adds some up (Anthropic's input and cache).
  if (tokens.input > MAX_TOKENS_PER_CALL || tokens.output > MAX_TOKENS_PER_CALL) {
    problems.push(
      `the counts add up to more than the ceiling of ${MAX_TOKENS_PER_CALL} tokens per call (input ${tokens.input}, output ${tokens.output}); no usage is recorded`,
    );
    return { tokens: EMPTY_USAGE, problems, source: 'none' };
  }
  return { tokens: clampParts(tokens, problems), problems, source: 'given' };
}

/** `body`, or a copy of it where each bad count is replaced by its sanitized value. */
function checkedCounts(body: Record<string, unknown>, prefix: string, problems: string[], depth: number): unknown {
  let copy: Record<string, unknown> | undefined;
  for (const key in body) {
    if (!Object.prototype.hasOwnProperty.call(body, key) || NOT_COUNTS.has(key)) continue;
    const value = body[key];
    let fixed: unknown = value;
    if (value === undefined || value === null) continue;
    if (typeof value === 'object') {
      if (depth >= 2) continue;
      if (Array.isArray(value)) {
        const items = value.map((item: unknown) =>
          typeof item === 'object' && item !== null && !Array.isArray(item)
            ? checkedCounts(item as Record<string, unknown>, `${prefix}${key}[].`, problems, depth + 1)
            : item,
        );
        if (items.some((item, index) => item !== value[index])) fixed = items;
      } else {
        fixed = checkedCounts(value as Record<string, unknown>, `${prefix}${key}.`, problems, depth + 1);
      }
    } else if (!(typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_TOKENS_PER_CALL)) {
      fixed = sanitizeCount(`${prefix}${key}`, value, problems);
    } else if (Object.is(value, -0)) {
      fixed = 0;
    }
    if (!Object.is(fixed, value)) (copy ??= { ...body })[key] = fixed;
  }
  return copy ?? body;
}

/** The AI SDK's usage: inclusive counts like OpenAI's, with v6's details where given. */
function tokenUsageFromAiSdk(usage: unknown): TokenUsage {
  const body = usage as Record<string, unknown>;
  const inputDetails = objectOf(body.inputTokenDetails);
  const outputDetails = objectOf(body.outputTokenDetails);
  const input = readCount(body.inputTokens) ?? 0;
  const output = readCount(body.outputTokens) ?? 0;
  return {
    input,
    output,
    total: readCount(body.totalTokens) ?? input + output,
    cacheRead: readCount(inputDetails?.cacheReadTokens) ?? readCount(body.cachedInputTokens) ?? 0,
    cacheWrite: readCount(inputDetails?.cacheWriteTokens) ?? 0,
    reasoning: readCount(outputDetails?.reasoningTokens) ?? readCount(body.reasoningTokens) ?? 0,
  };
}

/** Parts within their totals, and a total no smaller than input + output; each fix reported. */
function clampParts(tokens: TokenUsage, problems: string[]): TokenUsage {
  let { cacheRead, cacheWrite, reasoning, total } = tokens;
  const { input, output } = tokens;
  if (cacheRead > input) {
    problems.push(`cacheRead (${cacheRead}) exceeds input (${input}); clamped to input`);
    cacheRead = input;
  }
  if (cacheRead + cacheWrite > input) {
    problems.push(`cacheRead + cacheWrite exceeds input (${input}); cacheWrite clamped`);
    cacheWrite = input - cacheRead;
  }
  if (reasoning > output) {
    problems.push(`reasoning (${reasoning}) exceeds output (${output}); clamped to output`);
    reasoning = output;
  }
  if (total < input + output) {
    problems.push(`total (${total}) is smaller than input + output (${input + output}); replaced by the sum`);
    total = input + output;
  }
  if (
    cacheRead === tokens.cacheRead &&
    cacheWrite === tokens.cacheWrite &&
    reasoning === tokens.reasoning &&
    total === tokens.total
  ) {
    return tokens;
  }
  return { ...tokens, cacheRead, cacheWrite, reasoning, total };
}

/** Our shape and OpenAI Chat Completions' names for it: the fast path, without temporary objects. */
function canonicalCounts(input: CanonicalTokenCounts, problems: string[]): NormalizedTokens {
  // Written without closures or temporary objects: this runs on the caller's path for every call.
  const promptDetails = objectOf(input.prompt_tokens_details);
  const completionDetails = objectOf(input.completion_tokens_details);
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
  if (givenTotal !== undefined && givenTotal < sum) {
    problems.push(`total (${givenTotal}) is smaller than input + output (${sum}); replaced by the sum`);
  }
  // A total larger than input + output is kept: some callers only know their total.
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
    objectOf(promptDetails?.cached_tokens_details)?.audio_tokens,
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
  return { tokens, problems, source: 'given' };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string (${describe(value)})`;
  return typeof value;
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
  // `+ 0` turns -0 into 0, which every store gives back.
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_TOKENS_PER_CALL)
    return value + 0;
  return sanitizeCount(name, value, problems);
}

function sanitizeCount(name: string, value: unknown, problems: string[]): number {
  if (typeof value === 'bigint') {
    if (value < 0n) {
      problems.push(`${name} is negative (${value}); recorded as 0`);
      return 0;
    }
    if (value > BigInt(MAX_TOKENS_PER_CALL)) {
      problems.push(`${name} (${value}) is above the ceiling of ${MAX_TOKENS_PER_CALL} tokens per call; recorded as 0`);
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
  if (value > MAX_TOKENS_PER_CALL) {
    problems.push(`${name} (${value}) is above the ceiling of ${MAX_TOKENS_PER_CALL} tokens per call; recorded as 0`);
    return 0;
  }
  if (!Number.isInteger(value)) {
    problems.push(`${name} is not an integer (${value}); rounded`);
    return Math.round(value);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40)).toWellFormed();
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  if (typeof value === 'symbol' || typeof value === 'function') return `a ${typeof value}`;
  return String(value);
}
