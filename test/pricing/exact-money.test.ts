import { describe, expect, it } from 'vitest';
import {
  addDecimal,
  formatDecimal,
  formatScaled,
  multiplyByInteger,
  parseDecimal,
  shiftDecimal,
  sumDecimalStrings,
} from '../../src/core/money.js';
import type { CallRecord, TokenUsage } from '../../src/core/record.js';
import { computeBucketCosts } from '../../src/pricing/bucket-costs.js';
import { compileModel, selectBand } from '../../src/pricing/compiled-prices.js';
import { createPricer } from '../../src/pricing/create-pricer.js';
import { loadGenaiPricesCatalog } from '../../src/pricing/genai-prices-source.js';
import { makeRecord } from '../support/records.js';

/** Deterministic pseudo-random integers (mulberry32), so failures reproduce. */
function random(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return Math.floor((((value ^ (value >>> 14)) >>> 0) / 4294967296) * below);
  };
}

describe('exact money', () => {
  it('the sum of 1M stored costs equals the exact decimal sum', () => {
    const pricer = createPricer();
    const next = random(42);
    const record: CallRecord = makeRecord({ provider: 'openai', model: 'gpt-4o-mini', responseModel: null });
    const totals: string[] = new Array(1_000_000);
    let uncached = 0n;
    let cached = 0n;
    let output = 0n;
    for (let call = 0; call < 1_000_000; call += 1) {
      const input = 1 + next(8_000);
      const cacheRead = next(input + 1);
      const out = 1 + next(2_000);
      record.tokens = { input, output: out, total: input + out, cacheRead, cacheWrite: 0, reasoning: 0 };
      totals[call] = pricer.price(record)!.total!;
      uncached += BigInt(input - cacheRead);
      cached += BigInt(cacheRead);
      output += BigInt(out);
    }
    // gpt-4o-mini: $0.15 input, $0.075 cached, $0.60 output per 1M (openai.com, 2024-10-01).
    const expected = formatDecimal(
      shiftDecimal(
        addDecimal(
          addDecimal(
            multiplyByInteger(parseDecimal('0.15'), uncached),
            multiplyByInteger(parseDecimal('0.075'), cached),
          ),
          multiplyByInteger(parseDecimal('0.60'), output),
        ),
        6,
      ),
    );
    expect(sumDecimalStrings(totals)).toBe(expected);
    // The same sum in binary floating point drifts.
    expect(String(totals.reduce((sum, total) => sum + Number(total), 0))).not.toBe(expected);
  });

  it('stores costs below a millionth of a dollar exactly, unrounded', () => {
    const cost = createPricer().calculate({
      provider: 'openai',
      model: 'gpt-4o-mini',
      tokens: { input: 1, output: 1 },
    });
    expect(cost).toMatchObject({ total: '0.00000075', breakdown: { input: '0.00000015', output: '0.0000006' } });
  });

  it('beyond 2^53 units the arithmetic moves to BigInt and stays exact', () => {
    const huge = 100_000_000_000_000; // 1e14 tokens
    const cost = createPricer().calculate({
      provider: 'openai',
      model: 'gpt-4o-mini',
      tokens: { input: huge, output: huge },
    });
    expect(cost.total).toBe('75000000'); // 1e8 x $0.15 + 1e8 x $0.60
  });

  it('the integer and BigInt paths agree on every split', () => {
    const catalog = loadGenaiPricesCatalog();
    const models = ['claude-sonnet-4-5', 'gpt-4o-realtime-preview', 'gemini-2.5-pro', 'o3'].map((id) =>
      catalog.providers.flatMap((provider) => provider.models).find((model) => model.id === id)!,
    );
    const next = random(7);
    for (const model of models) {
      const compiled = compileModel(model, () => '1');
      for (let round = 0; round < 2_000; round += 1) {
        const input = next(400_000);
        const cacheRead = next(input + 1);
        const cacheWrite = next(input - cacheRead + 1);
        const usage: TokenUsage = {
          input,
          cacheRead,
          cacheWrite,
          cacheWrite1h: next(cacheWrite + 1),
          output: next(50_000),
          reasoning: 0,
          total: 0,
          inputAudio: next(1_000),
          outputAudio: next(1_000),
        };
        usage.reasoning = next(usage.output + 1);
        const set = selectBand(compiled.periods.at(-1)!.standard, input);
        const small = computeBucketCosts(usage, set);
        const big = computeBucketCosts(usage, { ...set, effectiveSmall: undefined });
        expect(small).toEqual(big);
      }
    }
  });

  it('formatScaled writes the same canonical string as formatDecimal', () => {
    const next = random(3);
    for (let round = 0; round < 5_000; round += 1) {
      const units = next(2) === 0 ? next(1_000_000_000) : next(1_000) * 10 ** next(6);
      const signed = next(5) === 0 ? -units : units;
      const scale = next(14);
      expect(formatScaled(signed, scale)).toBe(formatDecimal({ units: BigInt(signed), scale }));
      expect(formatScaled(BigInt(signed) * 10n ** 10n, scale + 10)).toBe(
        formatDecimal({ units: BigInt(signed), scale }),
      );
    }
    expect(formatScaled(0, 5)).toBe('0');
    expect(() => formatScaled(2 ** 60, 3)).toThrow(RangeError);
  });
});
