import type { TokenSource, TokenUsage } from '../../core/record.js';
import { estimateTextTokens } from '../../capture/estimate-tokens.js';
import type { ConvertedUsage } from './convert-usage.js';
import type { EarlyInput } from './stream-parts.js';

export interface CountedTokens {
  tokens: TokenUsage;
  tokenSource: TokenSource;
}

export interface TokenEvidence {
  usage: ConvertedUsage | undefined;
  /** Input counts the provider announced before its usage (Anthropic's `message_start`). */
  earlyInput?: EarlyInput;
  /** Input tokens estimated from the request; called only when no count is known. */
  estimateInput: () => number;
  outputText: string;
  reasoningText: string;
}

/**
 * The provider's counts when it reported both sides; otherwise each missing side is estimated (input
 * from the request, output from the text received) and the source is `estimate`.
 */
export function countTokens(evidence: TokenEvidence): CountedTokens {
  const usage = evidence.usage;
  if (usage?.complete) return { tokens: usage.tokens, tokenSource: 'provider' };
  const early = evidence.earlyInput;
  const inputKnown = usage?.inputKnown === true;
  const input = inputKnown ? usage.tokens.input : (early?.input ?? evidence.estimateInput());
  const outputKnown = usage?.outputKnown === true;
  const output = outputKnown ? usage.tokens.output : estimateTextTokens(evidence.outputText);
  const reasoning = outputKnown ? usage.tokens.reasoning : Math.min(output, estimateTextTokens(evidence.reasoningText));
  return {
    tokens: {
      input,
      output,
      total: input + output,
      cacheRead: inputKnown ? usage.tokens.cacheRead : (early?.cacheRead ?? 0),
      cacheWrite: inputKnown ? usage.tokens.cacheWrite : (early?.cacheWrite ?? 0),
      reasoning,
    },
    tokenSource: 'estimate',
  };
}
