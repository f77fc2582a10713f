import { addDecimal, formatDecimal, multiplyByInteger, parseDecimal, type Decimal } from '../../core/money.js';
import type { CallParams, TokenUsage } from '../../core/record.js';
import { costToUnits } from '../counters/cost-units.js';
import type { MeteredCall } from '../counters/subject.js';

/**
 * Anything with the pricer's `calculate` (the pricing module's `createPricer()` fits as is): the
 * estimate is priced like a record, tiers and currency included.
 */
export interface CostCalculator {
  calculate(input: { model: string; provider?: string | null; tokens: Partial<TokenUsage> }): { total: string | null };
}

/** Per-token prices of a model, for callers without a pricer; null for an unknown model. */
export type PriceLookup = (
  provider: string,
  model: string,
) => { inputPerToken: Decimal | string; outputPerToken: Decimal | string } | null;

/** A call as known before it is made. */
export interface EstimatableCall extends MeteredCall {
  readonly messages?: readonly unknown[];
  readonly systemPrompt?: string | null;
  readonly tools?: readonly unknown[] | null;
  readonly params?: CallParams;
}

export interface EstimateOptions {
  pricer?: CostCalculator;
  priceLookup?: PriceLookup;
  /**
   * Counts the input tokens. Default: the tokens module's counter (the model's BPE encoding for
   * OpenAI models, 4 characters per token otherwise), counted in chunks off the event loop.
   */
  countInputTokens?: (call: EstimatableCall) => number | Promise<number>;
  /** Output tokens assumed when the call sets no maximum. Default 4096. */
  defaultMaxOutputTokens?: number;
  /**
   * The most each model can write, by model name (or a lookup by provider and model): reserved
   * instead of `defaultMaxOutputTokens` when a call sets no maximum. A stricter bound for budgets:
   * a reservation then covers whatever the call can use, so concurrent calls cannot overspend.
   */
  modelMaxOutputTokens?: Readonly<Record<string, number>> | ((provider: string, model: string) => number | undefined);
}

/** What a reservation holds: the most the call can cost, as far as is known before it runs. */
export interface CallEstimate {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Input plus maximum output: what `maxTokens` budgets and token rate limits are charged. */
  readonly totalTokens: number;
  /** Exact decimal, or null when the model has no known price (the call then holds no cost). */
  readonly cost: string | null;
  /** `cost` in counter units, rounded up. */
  readonly costUnits: bigint;
}

export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** Parameter names under which callers and SDKs pass the output cap. */
const MAX_OUTPUT_PARAMS = ['maxTokens', 'max_tokens', 'max_completion_tokens', 'max_output_tokens', 'maxOutputTokens'];

/**
 * The reservation estimate: input tokens counted, plus the call's maximum output tokens, priced
 * at the model's input and output prices. An upper bound when the provider honours the cap and
 * the count is not low; cached input is priced as uncached input, which only raises it.
 *
 * @example
 * const estimate = await estimateCall(
 *   { model: 'gpt-4o', provider: 'openai', messages, params: { maxTokens: 500 } },
 *   { pricer: createPricer() },
 * );
 */
export async function estimateCall(call: EstimatableCall, options: EstimateOptions = {}): Promise<CallEstimate> {
  const inputTokens = Math.max(0, Math.ceil(await countInput(call, options)));
  const outputTokens = maxOutputTokens(call.params, fallbackOutputTokens(call, options));
  const cost = priceEstimate(call, inputTokens, outputTokens, options);
  return {
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens,
    cost,
    costUnits: cost === null ? 0n : costToUnits(cost),
  };
}

/** The output assumed when the call sets no maximum: the model's own maximum when known. */
function fallbackOutputTokens(call: EstimatableCall, options: EstimateOptions): number {
  const models = options.modelMaxOutputTokens;
  if (models !== undefined) {
    const known =
      typeof models === 'function'
        ? models(call.provider ?? 'unknown', call.model)
        : Object.hasOwn(models, call.model)
          ? models[call.model]
          : undefined;
    if (typeof known === 'number' && Number.isFinite(known) && known >= 0) return Math.ceil(known);
  }
  return options.defaultMaxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

export function maxOutputTokens(params: CallParams | undefined, fallback: number): number {
  for (const name of MAX_OUTPUT_PARAMS) {
    const value = params?.[name];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  return fallback;
}

function priceEstimate(
  call: EstimatableCall,
  inputTokens: number,
  outputTokens: number,
  options: EstimateOptions,
): string | null {
  if (options.pricer) {
    try {
      return options.pricer.calculate({
        model: call.model,
        provider: call.provider ?? null,
        tokens: { input: inputTokens, output: outputTokens, total: inputTokens + outputTokens },
      }).total;
    } catch {
      return null;
    }
  }
  if (options.priceLookup) {
    const prices = options.priceLookup(call.provider ?? 'unknown', call.model);
    if (!prices) return null;
    const input = multiplyByInteger(asDecimal(prices.inputPerToken), inputTokens);
    const output = multiplyByInteger(asDecimal(prices.outputPerToken), outputTokens);
    return formatDecimal(addDecimal(input, output));
  }
  return null;
}

function asDecimal(value: Decimal | string): Decimal {
  return typeof value === 'string' ? parseDecimal(value) : value;
}

type ChatCounter = {
  countChatAsync(
    chat: { messages: readonly unknown[]; tools?: readonly unknown[] | null; system?: string | null },
    model: string,
  ): Promise<{ tokens: number }>;
};
let defaultCounter: Promise<ChatCounter> | undefined;

async function countInput(call: EstimatableCall, options: EstimateOptions): Promise<number> {
  if (options.countInputTokens) return options.countInputTokens(call);
  // Loaded on the first estimate: a meter without limits never loads the tokenizer's tables.
  defaultCounter ??= import('../../tokens/index.js').then((tokens) => tokens.createTokenCounter());
  const counter = await defaultCounter;
  const counted = await counter.countChatAsync(
    { messages: call.messages ?? [], tools: call.tools ?? null, system: call.systemPrompt ?? null },
    call.model,
  );
  return counted.tokens;
}
