/**
 * Costs from the bundled catalog against the providers' own published prices, written here as
 * the published figures (US dollars per 1M tokens) with the page and the date they took effect.
 * The expected cost is computed in this file from those figures alone, with exact decimals, so a
 * wrong catalog entry, a wrong conversion or a wrong bucket split fails the test.
 */
import { describe, expect, it } from 'vitest';
import {
  addDecimal,
  formatDecimal,
  multiplyByInteger,
  parseDecimal,
  shiftDecimal,
  ZERO,
} from '../../src/core/money.js';
import type { TokenUsage } from '../../src/core/record.js';
import { createPricer } from '../../src/pricing/create-pricer.js';

interface Published {
  input: string;
  output: string;
  cachedInput?: string;
  cacheWrite5m?: string;
  cacheWrite1h?: string;
}

interface Case {
  provider: string;
  model: string;
  published: Published;
  /** Pricing page and the date the figures took effect. */
  source: string;
  usage: Partial<TokenUsage>;
  at?: string;
}

const OPENAI = 'openai.com/api/pricing';
const ANTHROPIC = 'anthropic.com/pricing (docs.anthropic.com, prompt caching)';
const GOOGLE = 'ai.google.dev/gemini-api/docs/pricing';
const MISTRAL = 'mistral.ai/pricing';
const XAI = 'docs.x.ai/docs/models';
const GROQ = 'groq.com/pricing';
const COHERE = 'cohere.com/pricing';
const DEEPSEEK = 'api-docs.deepseek.com/quick_start/pricing';

const CACHED = { input: 120_000, cacheRead: 30_000, output: 4_000 };
const PLAIN = { input: 120_000, output: 4_000 };
const REASONING = { input: 40_000, cacheRead: 8_000, output: 9_000, reasoning: 6_500 };
const CLAUDE = { input: 50_000, cacheRead: 20_000, cacheWrite: 10_000, cacheWrite1h: 4_000, output: 3_000 };
const EMBEDDING = { input: 1_000_000, output: 0 };

const CASES: Case[] = [
  // OpenAI
  {
    provider: 'openai',
    model: 'gpt-4o',
    published: { input: '2.50', cachedInput: '1.25', output: '10.00' },
    source: `${OPENAI}, 2024-10-01`,
    usage: CACHED,
  },
  {
    provider: 'openai',
    model: 'gpt-4o-2024-08-06',
    published: { input: '2.50', cachedInput: '1.25', output: '10.00' },
    source: `${OPENAI}, 2024-10-01`,
    usage: CACHED,
  },
  {
    provider: 'openai',
    model: 'gpt-4o-2024-05-13',
    published: { input: '5.00', output: '15.00' },
    source: `${OPENAI}, 2024-05-13`,
    usage: PLAIN,
  },
  {
    provider: 'openai',
    model: 'gpt-4o-mini',
    published: { input: '0.15', cachedInput: '0.075', output: '0.60' },
    source: `${OPENAI}, 2024-10-01`,
    usage: CACHED,
  },
  {
    provider: 'openai',
    model: 'gpt-4.1',
    published: { input: '2.00', cachedInput: '0.50', output: '8.00' },
    source: `${OPENAI}, 2025-04-14`,
    usage: CACHED,
  },
  {
    provider: 'openai',
    model: 'gpt-4.1-mini',
    published: { input: '0.40', cachedInput: '0.10', output: '1.60' },
    source: `${OPENAI}, 2025-04-14`,
    usage: CACHED,
  },
  {
    provider: 'openai',
    model: 'gpt-4.1-nano',
    published: { input: '0.10', cachedInput: '0.025', output: '0.40' },
    source: `${OPENAI}, 2025-04-14`,
    usage: CACHED,
  },
  {
    provider: 'openai',
    model: 'gpt-5',
    published: { input: '1.25', cachedInput: '0.125', output: '10.00' },
    source: `${OPENAI}, 2025-08-07`,
    usage: REASONING,
  },
  {
    provider: 'openai',
    model: 'gpt-5-mini',
    published: { input: '0.25', cachedInput: '0.025', output: '2.00' },
    source: `${OPENAI}, 2025-08-07`,
    usage: REASONING,
  },
  {
    provider: 'openai',
    model: 'gpt-5-nano',
    published: { input: '0.05', cachedInput: '0.005', output: '0.40' },
    source: `${OPENAI}, 2025-08-07`,
    usage: REASONING,
  },
  {
    provider: 'openai',
    model: 'o1',
    published: { input: '15.00', cachedInput: '7.50', output: '60.00' },
    source: `${OPENAI}, 2024-12-17`,
    usage: REASONING,
  },
  {
    provider: 'openai',
    model: 'o3',
    published: { input: '2.00', cachedInput: '0.50', output: '8.00' },
    source: `${OPENAI}, 2025-06-10`,
    usage: REASONING,
    at: '2025-07-01T00:00:00.000Z',
  },
  {
    provider: 'openai',
    model: 'o3-mini',
    published: { input: '1.10', cachedInput: '0.55', output: '4.40' },
    source: `${OPENAI}, 2025-01-31`,
    usage: REASONING,
  },
  {
    provider: 'openai',
    model: 'o4-mini',
    published: { input: '1.10', cachedInput: '0.275', output: '4.40' },
    source: `${OPENAI}, 2025-04-16`,
    usage: REASONING,
  },
  {
    provider: 'openai',
    model: 'gpt-4-turbo-2024-04-09',
    published: { input: '10.00', output: '30.00' },
    source: `${OPENAI}, 2024-04-09`,
    usage: PLAIN,
  },
  {
    provider: 'openai',
    model: 'gpt-4-0613',
    published: { input: '30.00', output: '60.00' },
    source: `${OPENAI}, 2023-06-13`,
    usage: PLAIN,
  },
  {
    provider: 'openai',
    model: 'gpt-3.5-turbo-0125',
    published: { input: '0.50', output: '1.50' },
    source: `${OPENAI}, 2024-01-25`,
    usage: PLAIN,
  },
  {
    provider: 'openai',
    model: 'text-embedding-3-small',
    published: { input: '0.02', output: '0' },
    source: `${OPENAI}, 2024-01-25`,
    usage: EMBEDDING,
  },
  {
    provider: 'openai',
    model: 'text-embedding-3-large',
    published: { input: '0.13', output: '0' },
    source: `${OPENAI}, 2024-01-25`,
    usage: EMBEDDING,
  },
  // Anthropic: cache writes 1.25x input for 5 minutes, 2x for 1 hour; cache reads 0.1x
  {
    provider: 'anthropic',
    model: 'claude-sonnet-4-20250514',
    published: { input: '3', output: '15', cachedInput: '0.30', cacheWrite5m: '3.75', cacheWrite1h: '6' },
    source: `${ANTHROPIC}, 2025-05-22`,
    usage: CLAUDE,
  },
  {
    provider: 'anthropic',
    model: 'claude-opus-4-20250514',
    published: { input: '15', output: '75', cachedInput: '1.50', cacheWrite5m: '18.75', cacheWrite1h: '30' },
    source: `${ANTHROPIC}, 2025-05-22`,
    usage: CLAUDE,
  },
  {
    provider: 'anthropic',
    model: 'claude-opus-4-1-20250805',
    published: { input: '15', output: '75', cachedInput: '1.50', cacheWrite5m: '18.75', cacheWrite1h: '30' },
    source: `${ANTHROPIC}, 2025-08-05`,
    usage: CLAUDE,
  },
  {
    provider: 'anthropic',
    model: 'claude-opus-4-5-20251101',
    published: { input: '5', output: '25', cachedInput: '0.50', cacheWrite5m: '6.25', cacheWrite1h: '10' },
    source: `${ANTHROPIC}, 2025-11-24`,
    usage: CLAUDE,
  },
  {
    provider: 'anthropic',
    model: 'claude-sonnet-4-5-20250929',
    published: { input: '3', output: '15', cachedInput: '0.30', cacheWrite5m: '3.75', cacheWrite1h: '6' },
    source: `${ANTHROPIC}, 2025-09-29 (up to 200k input)`,
    usage: CLAUDE,
  },
  {
    provider: 'anthropic',
    model: 'claude-haiku-4-5-20251001',
    published: { input: '1', output: '5', cachedInput: '0.10', cacheWrite5m: '1.25', cacheWrite1h: '2' },
    source: `${ANTHROPIC}, 2025-10-15`,
    usage: CLAUDE,
  },
  {
    provider: 'anthropic',
    model: 'claude-3-7-sonnet-20250219',
    published: { input: '3', output: '15', cachedInput: '0.30', cacheWrite5m: '3.75', cacheWrite1h: '6' },
    source: `${ANTHROPIC}, 2025-02-24`,
    usage: CLAUDE,
  },
  {
    provider: 'anthropic',
    model: 'claude-3-5-haiku-20241022',
    published: { input: '0.80', output: '4', cachedInput: '0.08', cacheWrite5m: '1', cacheWrite1h: '1.6' },
    source: `${ANTHROPIC}, 2024-12-01`,
    usage: CLAUDE,
  },
  {
    provider: 'anthropic',
    model: 'claude-3-haiku-20240307',
    published: { input: '0.25', output: '1.25', cachedInput: '0.03', cacheWrite5m: '0.30', cacheWrite1h: '0.50' },
    source: `${ANTHROPIC}, 2024-03-13`,
    usage: CLAUDE,
  },
  {
    provider: 'anthropic',
    model: 'claude-3-opus-20240229',
    published: { input: '15', output: '75', cachedInput: '1.50', cacheWrite5m: '18.75', cacheWrite1h: '30' },
    source: `${ANTHROPIC}, 2024-03-04`,
    usage: CLAUDE,
  },
  // Google: thinking tokens are billed as output
  {
    provider: 'google',
    model: 'gemini-2.5-pro',
    published: { input: '1.25', cachedInput: '0.125', output: '10.00' },
    source: `${GOOGLE}, 2025-06-17 (up to 200k input)`,
    usage: REASONING,
  },
  {
    provider: 'google',
    model: 'gemini-2.5-flash',
    published: { input: '0.30', output: '2.50' },
    source: `${GOOGLE}, 2025-06-17 (text input)`,
    usage: { input: 90_000, output: 7_000, reasoning: 5_000 },
  },
  {
    provider: 'google',
    model: 'gemini-2.5-flash-lite',
    published: { input: '0.10', output: '0.40' },
    source: `${GOOGLE}, 2025-07-22`,
    usage: PLAIN,
  },
  {
    provider: 'google',
    model: 'gemini-2.0-flash',
    published: { input: '0.10', cachedInput: '0.025', output: '0.40' },
    source: `${GOOGLE}, 2025-02-05`,
    usage: CACHED,
  },
  {
    provider: 'google',
    model: 'gemini-2.0-flash-lite',
    published: { input: '0.075', output: '0.30' },
    source: `${GOOGLE}, 2025-02-25`,
    usage: PLAIN,
  },
  {
    provider: 'google',
    model: 'gemini-1.5-pro-002',
    published: { input: '1.25', output: '5.00' },
    source: `${GOOGLE}, 2024-10-01 (up to 128k input)`,
    usage: PLAIN,
  },
  {
    provider: 'google',
    model: 'gemini-1.5-flash-002',
    published: { input: '0.075', output: '0.30' },
    source: `${GOOGLE}, 2024-08-12 (up to 128k input)`,
    usage: { input: 100_000, output: 4_000 },
  },
  // Mistral
  {
    provider: 'mistral',
    model: 'mistral-large-2411',
    published: { input: '2', output: '6' },
    source: `${MISTRAL}, 2024-11-18`,
    usage: PLAIN,
  },
  {
    provider: 'mistral',
    model: 'pixtral-large-2411',
    published: { input: '2', output: '6' },
    source: `${MISTRAL}, 2024-11-18`,
    usage: PLAIN,
  },
  {
    provider: 'mistral',
    model: 'codestral-2501',
    published: { input: '0.30', output: '0.90' },
    source: `${MISTRAL}, 2025-01-13`,
    usage: PLAIN,
  },
  {
    provider: 'mistral',
    model: 'ministral-8b-2410',
    published: { input: '0.10', output: '0.10' },
    source: `${MISTRAL}, 2024-10-16`,
    usage: PLAIN,
  },
  {
    provider: 'mistral',
    model: 'ministral-3b',
    published: { input: '0.04', output: '0.04' },
    source: `${MISTRAL}, 2024-10-16`,
    usage: PLAIN,
  },
  {
    provider: 'mistral',
    model: 'mistral-small-latest',
    published: { input: '0.10', output: '0.30' },
    source: `${MISTRAL}, 2025-03-17 (Small 3.1)`,
    usage: PLAIN,
  },
  // xAI
  {
    provider: 'xai',
    model: 'grok-3',
    published: { input: '3', cachedInput: '0.75', output: '15' },
    source: `${XAI}, 2025-04-09`,
    usage: CACHED,
  },
  {
    provider: 'xai',
    model: 'grok-3-mini',
    published: { input: '0.30', cachedInput: '0.075', output: '0.50' },
    source: `${XAI}, 2025-04-09`,
    usage: REASONING,
  },
  {
    provider: 'xai',
    model: 'grok-4-0709',
    published: { input: '3', cachedInput: '0.75', output: '15' },
    source: `${XAI}, 2025-07-09 (up to 128k input)`,
    usage: REASONING,
  },
  {
    provider: 'xai',
    model: 'grok-4-fast-reasoning',
    published: { input: '0.20', cachedInput: '0.05', output: '0.50' },
    source: `${XAI}, 2025-09-19 (up to 128k input)`,
    usage: REASONING,
  },
  // Groq
  {
    provider: 'groq',
    model: 'llama-3.1-8b-instant',
    published: { input: '0.05', output: '0.08' },
    source: `${GROQ}, 2024-07-23`,
    usage: PLAIN,
  },
  {
    provider: 'groq',
    model: 'llama-3.3-70b-versatile',
    published: { input: '0.59', output: '0.79' },
    source: `${GROQ}, 2024-12-06`,
    usage: PLAIN,
  },
  // Cohere
  {
    provider: 'cohere',
    model: 'command-r-plus-08-2024',
    published: { input: '2.50', output: '10.00' },
    source: `${COHERE}, 2024-08-30`,
    usage: PLAIN,
  },
  {
    provider: 'cohere',
    model: 'command-r-08-2024',
    published: { input: '0.15', output: '0.60' },
    source: `${COHERE}, 2024-08-30`,
    usage: PLAIN,
  },
  {
    provider: 'cohere',
    model: 'command-r7b-12-2024',
    published: { input: '0.0375', output: '0.15' },
    source: `${COHERE}, 2024-12-13`,
    usage: PLAIN,
  },
  // DeepSeek, standard hours (UTC 00:30-16:30)
  {
    provider: 'deepseek',
    model: 'deepseek-chat',
    published: { input: '0.27', cachedInput: '0.07', output: '1.10' },
    source: `${DEEPSEEK}, 2025-02-09 (standard hours)`,
    usage: CACHED,
    at: '2025-05-01T12:00:00.000Z',
  },
  {
    provider: 'deepseek',
    model: 'deepseek-reasoner',
    published: { input: '0.55', cachedInput: '0.14', output: '2.19' },
    source: `${DEEPSEEK}, 2025-01-20 (standard hours)`,
    usage: REASONING,
    at: '2025-05-01T12:00:00.000Z',
  },
];

/** The published figures applied by hand: each token at the price of the one bucket it belongs to. */
function expectedCost(published: Published, usage: Partial<TokenUsage>): string {
  const input = usage.input ?? 0;
  const cacheRead = usage.cacheRead ?? 0;
  const cacheWrite = usage.cacheWrite ?? 0;
  const oneHour = usage.cacheWrite1h ?? 0;
  const terms: Array<[string | undefined, number]> = [
    [published.input, input - cacheRead - cacheWrite],
    [published.cachedInput, cacheRead],
    [published.cacheWrite5m, cacheWrite - oneHour],
    [published.cacheWrite1h, oneHour],
    // Reasoning tokens are output tokens, billed once, at the output price.
    [published.output, usage.output ?? 0],
  ];
  let total = ZERO;
  for (const [price, tokens] of terms) {
    if (tokens === 0) continue;
    if (price === undefined) throw new Error('a test case has tokens in a bucket it gives no published price for');
    total = addDecimal(total, multiplyByInteger(parseDecimal(price), tokens));
  }
  return formatDecimal(shiftDecimal(total, 6));
}

const pricer = createPricer();

describe("catalog costs equal the providers' published prices", () => {
  it('covers at least 40 models across at least 6 providers', () => {
    expect(new Set(CASES.map((testCase) => testCase.model)).size).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((testCase) => testCase.provider)).size).toBeGreaterThanOrEqual(6);
  });

  it.each(CASES)('$provider $model ($source)', ({ provider, model, published, usage, at }) => {
    const cost = pricer.calculate({ provider, model, tokens: usage, at: at ?? '2025-11-01T00:00:00.000Z' });
    expect(cost.status).toBe('priced');
    expect(cost.currency).toBe('USD');
    expect(cost.total).toBe(expectedCost(published, usage));
  });
});

describe('long-context tiers reprice the whole request', () => {
  it('gemini-2.5-pro above 200k input: $2.50 in, $15 out, $0.25 cached (ai.google.dev, 2025-06-17)', () => {
    const usage = { input: 250_000, cacheRead: 50_000, output: 8_000, reasoning: 5_000 };
    const cost = pricer.calculate({ provider: 'google', model: 'gemini-2.5-pro', tokens: usage });
    expect(cost.total).toBe(expectedCost({ input: '2.50', cachedInput: '0.25', output: '15' }, usage));
    const small = { input: 200_000, output: 8_000 }; // exactly 200k is still the lower tier
    expect(pricer.calculate({ provider: 'google', model: 'gemini-2.5-pro', tokens: small }).total).toBe(
      expectedCost({ input: '1.25', output: '10' }, small),
    );
  });

  it('claude-sonnet-4-5 above 200k input: $6 in, $22.50 out, $7.50 write, $0.60 read (anthropic.com, 2025-09-29)', () => {
    const usage = { input: 300_000, cacheRead: 100_000, cacheWrite: 50_000, output: 2_000 };
    const cost = pricer.calculate({ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', tokens: usage });
    expect(cost.total).toBe(
      expectedCost({ input: '6', cachedInput: '0.60', cacheWrite5m: '7.50', output: '22.50' }, usage),
    );
  });

  it('gemini-1.5-pro above 128k input: $2.50 in, $10 out (ai.google.dev, 2024-10-01)', () => {
    const usage = { input: 150_000, output: 3_000 };
    const cost = pricer.calculate({ provider: 'google', model: 'gemini-1.5-pro-002', tokens: usage });
    expect(cost.total).toBe(expectedCost({ input: '2.50', output: '10' }, usage));
  });
});

describe('the price in force at the call time applies', () => {
  const usage = { input: 1_000_000, output: 1_000_000 };

  it('o3: $10 / $40 at launch (2025-04-16), $2 / $8 from 2025-06-10 (openai.com)', () => {
    const before = pricer.calculate({ provider: 'openai', model: 'o3', tokens: usage, at: '2025-05-01T00:00:00Z' });
    const after = pricer.calculate({ provider: 'openai', model: 'o3', tokens: usage, at: '2025-07-01T00:00:00Z' });
    expect(before.total).toBe(expectedCost({ input: '10', output: '40' }, usage));
    expect(after.total).toBe(expectedCost({ input: '2', output: '8' }, usage));
    const boundary = pricer.calculate({
      provider: 'openai',
      model: 'o3',
      tokens: usage,
      at: '2025-06-10T00:00:00.000Z',
    });
    expect(boundary.total).toBe(after.total);
  });

  it("the call record's startedAt picks the price", () => {
    const record = {
      provider: 'openai',
      model: 'o3',
      responseModel: null,
      tokens: { ...usage, total: 2_000_000, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
      tokenSource: 'provider' as const,
      params: {},
    };
    const early = pricer.price({ ...record, startedAt: '2025-05-01T10:00:00.000Z' } as never);
    const late = pricer.price({ ...record, startedAt: '2025-08-01T10:00:00.000Z' } as never);
    expect([early?.total, late?.total]).toEqual(['50', '10']);
  });

  it('known gap in the source: o3 cached input before 2025-06-10 was $2.50, the catalog says $0.50', () => {
    // OpenAI launched o3 at $10 input, $2.50 cached input, $40 output; the bundled data carries
    // the later $0.50 for the earlier period too. Kept visible here; an llm_config.yaml entry
    // with effective dates corrects it, as the override tests show.
    const cached = { input: 1_000_000, cacheRead: 1_000_000, output: 0 };
    const cost = pricer.calculate({ provider: 'openai', model: 'o3', tokens: cached, at: '2025-05-01T00:00:00Z' });
    expect(cost.total).toBe('0.5');
    expect(cost.total).not.toBe(expectedCost({ input: '10', cachedInput: '2.50', output: '40' }, cached));
  });

  it('DeepSeek off-peak hours (UTC 16:30-00:30) cost less: deepseek-chat 50% off, deepseek-reasoner 75% off', () => {
    const at = '2025-05-01T20:00:00.000Z';
    const chat = pricer.calculate({ provider: 'deepseek', model: 'deepseek-chat', tokens: CACHED, at });
    expect(chat.total).toBe(expectedCost({ input: '0.135', cachedInput: '0.035', output: '0.55' }, CACHED));
    const reasoner = pricer.calculate({ provider: 'deepseek', model: 'deepseek-reasoner', tokens: REASONING, at });
    expect(reasoner.total).toBe(expectedCost({ input: '0.135', cachedInput: '0.035', output: '0.55' }, REASONING));
  });
});
