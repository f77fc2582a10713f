import type { TokenUsage } from '../../core/record.js';

/** Token counts read from an AI SDK usage object. */
export interface ConvertedUsage {
  /** Our inclusive buckets: input includes cache reads and writes, output includes reasoning. */
  tokens: TokenUsage;
  /** Both the input and the output total were reported; otherwise the missing side reads 0. */
  complete: boolean;
  inputKnown: boolean;
  outputKnown: boolean;
}

/**
 * Converts the usage a language model reports through the AI SDK into our buckets, whatever the
 * specification version:
 *
 * - V3 and V4 (`ai` 6 and 7) nest it: `{ inputTokens: { total, noCache, cacheRead, cacheWrite },
 *   outputTokens: { total, text, reasoning }, raw? }`; totals are inclusive (Anthropic's exclusive
 *   counts are already summed by its provider). A missing total is rebuilt from its parts.
 * - V2 (`ai` 5) is flat: `{ inputTokens, outputTokens, totalTokens, reasoningTokens?,
 *   cachedInputTokens? }`; `inputTokens` is taken as the inclusive input total, as `ai`'s own V2 to
 *   V3 conversion does.
 *
 * Anthropic's one-hour cache writes, found only in `raw.cache_creation`, become `cacheWrite1h`.
 * Returns undefined when no count at all is known (an aborted stream's `finish` part, a provider
 * that reports none). Pure; never throws.
 */
export function convertAISDKUsage(usage: unknown): ConvertedUsage | undefined {
  if (!isObject(usage)) return undefined;
  const nested = isObject(usage.inputTokens) || isObject(usage.outputTokens);
  return nested ? convertNested(usage) : convertFlat(usage);
}

function convertNested(usage: Record<string, unknown>): ConvertedUsage | undefined {
  const input = isObject(usage.inputTokens) ? usage.inputTokens : {};
  const output = isObject(usage.outputTokens) ? usage.outputTokens : {};
  const noCache = count(input.noCache);
  const cacheRead = count(input.cacheRead);
  const cacheWrite = count(input.cacheWrite);
  const text = count(output.text);
  const reasoning = count(output.reasoning);
  const inputTotal =
    count(input.total) ?? (noCache === undefined ? undefined : noCache + (cacheRead ?? 0) + (cacheWrite ?? 0));
  const outputTotal = count(output.total) ?? (text === undefined ? undefined : text + (reasoning ?? 0));
  if (inputTotal === undefined && outputTotal === undefined) return undefined;
  const tokens = buckets(inputTotal, outputTotal, cacheRead, cacheWrite, reasoning);
  const oneHour = anthropicOneHourWrites(usage.raw);
  if (oneHour !== undefined) tokens.cacheWrite1h = Math.min(oneHour, tokens.cacheWrite);
  return known(tokens, inputTotal, outputTotal);
}

function convertFlat(usage: Record<string, unknown>): ConvertedUsage | undefined {
  const inputTotal = count(usage.inputTokens);
  const outputTotal = count(usage.outputTokens);
  if (inputTotal === undefined && outputTotal === undefined) return undefined;
  const tokens = buckets(
    inputTotal,
    outputTotal,
    count(usage.cachedInputTokens),
    undefined,
    count(usage.reasoningTokens),
  );
  return known(tokens, inputTotal, outputTotal);
}

function buckets(
  input: number | undefined,
  output: number | undefined,
  cacheRead: number | undefined,
  cacheWrite: number | undefined,
  reasoning: number | undefined,
): TokenUsage {
  const inputCount = input ?? 0;
  const outputCount = output ?? 0;
  const read = Math.min(cacheRead ?? 0, inputCount);
  return {
    input: inputCount,
    output: outputCount,
    total: inputCount + outputCount,
    cacheRead: read,
    cacheWrite: Math.min(cacheWrite ?? 0, inputCount - read),
    reasoning: Math.min(reasoning ?? 0, outputCount),
  };
}

function known(tokens: TokenUsage, input: number | undefined, output: number | undefined): ConvertedUsage {
  const inputKnown = input !== undefined;
  const outputKnown = output !== undefined;
  return { tokens, complete: inputKnown && outputKnown, inputKnown, outputKnown };
}

/** `raw.cache_creation.ephemeral_1h_input_tokens` of an Anthropic usage object. */
function anthropicOneHourWrites(raw: unknown): number | undefined {
  if (!isObject(raw) || !isObject(raw.cache_creation)) return undefined;
  const oneHour = count(raw.cache_creation.ephemeral_1h_input_tokens);
  return oneHour === undefined || oneHour === 0 ? undefined : oneHour;
}

/** A usable count, or undefined for anything else (null, NaN, negative, a string). */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
