/**
 * Cached and reasoning tokens are billed once, at their own price, whatever shape the provider
 * reports them in: OpenAI (inclusive), Anthropic (exclusive input), Gemini (thoughts beside
 * candidates). Each case converts the raw usage, prices it, and checks the bill by hand.
 */
import { describe, expect, it } from 'vitest';
import { createLedger } from '../../src/create-ledger.js';
import {
  addDecimal,
  formatDecimal,
  multiplyByInteger,
  parseDecimal,
  shiftDecimal,
  ZERO,
} from '../../src/core/money.js';
import { sumDecimalStrings } from '../../src/core/money.js';
import { createPricer } from '../../src/pricing/create-pricer.js';
import { tokenUsageFromAnthropic } from '../../src/tokens/anthropic-usage.js';
import { tokenUsageFromGemini } from '../../src/tokens/gemini-usage.js';
import { tokenUsageFromOpenAI } from '../../src/tokens/openai-usage.js';

const pricer = createPricer();

/** Σ tokens x price per 1M, exactly. */
function bill(lines: Array<[number, string]>): string {
  let total = ZERO;
  for (const [tokens, price] of lines) total = addDecimal(total, multiplyByInteger(parseDecimal(price), tokens));
  return formatDecimal(shiftDecimal(total, 6));
}

function catalogPrices(model: string, provider: string): Record<string, string> {
  return pricer.explain(model, { provider }).matches[0]!.periods.find((period) => period.inForce)!.prices as Record<
    string,
    string
  >;
}

describe('no double counting', () => {
  it('OpenAI: prompt_tokens includes cached_tokens, completion_tokens includes reasoning_tokens', () => {
    const usage = tokenUsageFromOpenAI({
      prompt_tokens: 2_000,
      completion_tokens: 500,
      total_tokens: 2_500,
      prompt_tokens_details: { cached_tokens: 1_500, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 300, audio_tokens: 0 },
    });
    expect(usage).toMatchObject({ input: 2_000, cacheRead: 1_500, output: 500, reasoning: 300, total: 2_500 });
    const cost = pricer.calculate({ provider: 'openai', model: 'o4-mini', tokens: usage });
    // Published o4-mini: $1.10 input, $0.275 cached, $4.40 output (reasoning billed as output), 2025-04-16.
    expect(cost.total).toBe(
      bill([
        [500, '1.10'],
        [1_500, '0.275'],
        [200, '4.40'],
        [300, '4.40'],
      ]),
    );
    expect(cost.breakdown).toEqual({
      input: '0.00055',
      cacheRead: '0.0004125',
      output: '0.00088',
      reasoning: '0.00132',
    });
    expect(sumDecimalStrings(Object.values(cost.breakdown))).toBe(cost.total);
  });

  it('OpenAI Responses API: the same inclusive semantics under input_tokens / output_tokens', () => {
    const usage = tokenUsageFromOpenAI({
      input_tokens: 2_000,
      input_tokens_details: { cached_tokens: 1_500 },
      output_tokens: 500,
      output_tokens_details: { reasoning_tokens: 300 },
      total_tokens: 2_500,
    });
    expect(pricer.calculate({ provider: 'openai', model: 'o4-mini', tokens: usage }).total).toBe(
      bill([
        [500, '1.10'],
        [1_500, '0.275'],
        [500, '4.40'],
      ]),
    );
  });

  it('Anthropic: input_tokens excludes cache reads and writes; each is billed at its own price', () => {
    const raw = {
      input_tokens: 20,
      cache_creation_input_tokens: 1_500,
      cache_read_input_tokens: 3_000,
      cache_creation: { ephemeral_5m_input_tokens: 1_000, ephemeral_1h_input_tokens: 500 },
      output_tokens: 80,
    };
    const usage = tokenUsageFromAnthropic(raw);
    expect(usage).toMatchObject({ input: 4_520, cacheRead: 3_000, cacheWrite: 1_500, cacheWrite1h: 500, output: 80 });
    const cost = pricer.calculate({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', tokens: usage });
    // Published claude-sonnet-4: $3 input, $0.30 cache read, $3.75 5-minute write, $6 1-hour write, $15 output.
    expect(cost.total).toBe(
      bill([
        [20, '3'],
        [3_000, '0.30'],
        [1_000, '3.75'],
        [500, '6'],
        [80, '15'],
      ]),
    );
    expect(cost.status).toBe('priced');
  });

  it('Gemini: promptTokenCount includes cached content; thoughts are billed beside candidates', () => {
    const usage = tokenUsageFromGemini({
      promptTokenCount: 10_000,
      cachedContentTokenCount: 6_000,
      candidatesTokenCount: 800,
      thoughtsTokenCount: 1_200,
      totalTokenCount: 12_000,
    });
    expect(usage).toMatchObject({ input: 10_000, cacheRead: 6_000, output: 2_000, reasoning: 1_200, total: 12_000 });
    const prices = catalogPrices('gemini-2.5-flash', 'google');
    const cost = pricer.calculate({ provider: 'google', model: 'gemini-2.5-flash', tokens: usage });
    expect(cost.total).toBe(
      bill([
        [4_000, prices.input!],
        [6_000, prices.cacheRead!],
        [800, prices.output!],
        [1_200, prices.output!],
      ]),
    );
    expect(prices.output).toBe('2.5'); // published: $2.50 output including thinking (ai.google.dev, 2025-06-17)
  });

  it('through the ledger: converted usage is priced once on the record', async () => {
    const ledger = createLedger({ store: 'memory', configFile: false, env: {}, pricer });
    const record = ledger.start({ provider: 'anthropic', model: 'claude-sonnet-4-20250514' }).complete({
      tokens: tokenUsageFromAnthropic({ input_tokens: 100, cache_read_input_tokens: 900, output_tokens: 10 }),
    });
    await ledger.close();
    expect(record.tokens).toMatchObject({ input: 1_000, cacheRead: 900, output: 10 });
    expect(record.cost).toMatchObject({
      total: bill([
        [100, '3'],
        [900, '0.30'],
        [10, '15'],
      ]),
      status: 'priced',
    });
  });

  it('every token lands in exactly one slot', () => {
    const usage = {
      input: 9_000,
      cacheRead: 2_000,
      cacheWrite: 3_000,
      cacheWrite1h: 1_000,
      output: 700,
      reasoning: 200,
    };
    const cost = pricer.calculate({ provider: 'anthropic', model: 'claude-opus-4-1-20250805', tokens: usage });
    const prices = catalogPrices('claude-opus-4-1-20250805', 'anthropic');
    const slots: Array<[string, number, string]> = [
      ['input', 4_000, prices.input!],
      ['cacheRead', 2_000, prices.cacheRead!],
      ['cacheWrite', 2_000, prices.cacheWrite!],
      ['cacheWrite1h', 1_000, prices.cacheWrite1h!],
      ['output', 500, prices.output!],
      ['reasoning', 200, prices.output!],
    ];
    for (const [slot, tokens, price] of slots) expect(cost.breakdown[slot], slot).toBe(bill([[tokens, price]]));
    expect(slots.reduce((sum, [, tokens]) => sum + tokens, 0)).toBe(usage.input + usage.output);
  });
});
