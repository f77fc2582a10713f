import type { TokenSource, TokenUsage } from '../../core/record.js';
import type { CallStart } from '../../core/call.js';
import { estimateNow, estimateRequestOf, type EstimatorSource } from '../../capture/estimate-tokens.js';
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
  /** The call, whose own copy of the request is counted when the provider reported no input count. */
  call: CallStart;
  /** The ledger, for its token chain (`tokenEstimation`). */
  ledger: EstimatorSource | undefined;
  outputText: string;
  reasoningText: string;
}

/**
 * The provider's counts when it reported both sides; otherwise each missing side is counted by the
 * ledger's token chain (input from the request, output from the text received), and the source is
 * `tokenizer` when that count is exact, else `estimate`.
 */
export function countTokens(evidence: TokenEvidence): CountedTokens {
  const usage = evidence.usage;
  if (usage?.complete) return { tokens: usage.tokens, tokenSource: 'provider' };
  const early = evidence.earlyInput;
  const inputKnown = usage?.inputKnown === true;
  const outputKnown = usage?.outputKnown === true;
  const estimate = estimateNow(
    evidence.ledger,
    estimateRequestOf(evidence.call, {
      inputKnown: inputKnown || early !== undefined,
      text: outputKnown ? '' : evidence.outputText,
      reasoningText: outputKnown ? '' : evidence.reasoningText,
    }),
  );
  const input = inputKnown ? usage.tokens.input : (early?.input ?? estimate?.input ?? 0);
  const output = outputKnown ? usage.tokens.output : (estimate?.output ?? 0);
  const reasoning = outputKnown ? usage.tokens.reasoning : (estimate?.reasoning ?? 0);
  return {
    tokens: {
      input,
      output,
      total: input + output,
      cacheRead: inputKnown ? usage.tokens.cacheRead : (early?.cacheRead ?? 0),
      cacheWrite: inputKnown ? usage.tokens.cacheWrite : (early?.cacheWrite ?? 0),
      reasoning,
    },
    // Exact only when everything not reported was counted with the model's own tokenizer.
    tokenSource: estimate?.source ?? 'estimate',
  };
}
