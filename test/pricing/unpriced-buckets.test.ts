/**
 * Never a silent zero: a model whose catalog entry has no price for what a call used leaves that
 * part unpriced and says so; models priced per audio hour, page or web search are priced when
 * the usage carries the unit. Expected figures are the published per-unit prices, by hand.
 */
import { describe, expect, it } from 'vitest';
import { createLedger } from '../../src/create-ledger.js';
import { sumDecimalStrings } from '../../src/core/money.js';
import { createPricer } from '../../src/pricing/create-pricer.js';
import { tokenUsageFromOpenAI } from '../../src/tokens/openai-usage.js';

const pricer = createPricer();
const at = '2026-03-01T12:00:00.000Z';

describe('no silent zero', () => {
  it('whisper-1 given tokens is unpriced (null), not 0, and says what it is priced by', () => {
    const quote = pricer.quote({ model: 'whisper-1', provider: 'openai', tokens: { input: 100_000, output: 0 }, at });
    expect(quote.cost).toMatchObject({ total: null, status: 'unpriced', unpricedBuckets: ['input'] });
    expect(quote.notes.join('\n')).toMatch(/100000 input tokens have no price for this model \(priced by: audioHour/);
  });

  it('every catalog model priced only per hour, page or text message is unpriced for tokens', () => {
    const catalogModels = pricer.catalog!.providers.flatMap((provider) =>
      provider.models.map((model) => ({ provider: provider.id, model })),
    );
    const perUnitOnly = catalogModels.filter(({ model }) =>
      model.periods.every(
        (period) =>
          period.prices.input === undefined &&
          period.prices.output === undefined &&
          (Object.keys(period.prices).length > 0 || Object.keys(period.unmetered ?? {}).length > 0),
      ),
    );
    // whisper-1, gpt-transcribe, groq whisper x2, voxtral-mini-2602, mistral-ocr-* x6, grok-voice-* x3.
    expect(perUnitOnly.map(({ model }) => model.id).sort()).toHaveLength(14);
    for (const { provider, model } of perUnitOnly) {
      const cost = pricer.calculate({ provider, model: model.id, tokens: { input: 100_000, output: 10 }, at });
      expect(cost.total, `${provider}/${model.id}`).toBeNull();
      expect(cost.status).toBe('unpriced');
    }
    expect(pricer.stats().unpricedCalls).toBeGreaterThanOrEqual(14);
  });

  it('a partly priced call is estimated with the priced part, naming the unpriced buckets', () => {
    // gpt-4.1-nano has no web-search price; gpt-4o-mini does (10 per 1,000 searches).
    const usage = { input: 10_000, output: 1_000, webSearches: 2 };
    const nano = pricer.calculate({ model: 'gpt-4.1-nano', provider: 'openai', tokens: usage, at });
    expect(nano).toMatchObject({ status: 'estimated', unpricedBuckets: ['webSearches'] });
    expect(nano.total).toBe(
      pricer.calculate({ model: 'gpt-4.1-nano', provider: 'openai', tokens: { input: 10_000, output: 1_000 }, at })
        .total,
    );
    const mini = pricer.calculate({ model: 'gpt-4o-mini', provider: 'openai', tokens: usage, at });
    expect(mini).toMatchObject({ status: 'priced', breakdown: { webSearches: '0.02' } });
    expect(mini.unpricedBuckets).toBeUndefined();
    expect(mini.total).toBe('0.0221'); // 10,000 x 0.15 + 1,000 x 0.60 per 1M + 2 x 0.01
  });

  it('a free model (listed with no price for any unit) is still 0, priced', () => {
    expect(
      pricer.calculate({ model: 'openai/gpt-oss-20b:free', provider: 'openrouter', tokens: { input: 5, output: 5 } }),
    ).toMatchObject({
      total: '0',
      status: 'priced',
    });
  });

  it('through the ledger: the record carries the unpriced buckets', async () => {
    const ledger = createLedger({ store: 'memory', configFile: false, env: {}, pricer });
    const record = ledger
      .start({ provider: 'openai', model: 'whisper-1' })
      .complete({ tokens: { input: 2_000, output: 0 } });
    await ledger.close();
    expect(record.cost).toMatchObject({ total: null, status: 'unpriced', unpricedBuckets: ['input'] });
  });
});

describe('units that are not tokens', () => {
  it('transcription by duration: whisper-1 at 0.36 per hour is 0.0001 per second', () => {
    const usage = tokenUsageFromOpenAI({ type: 'duration', seconds: 754 });
    expect(usage).toMatchObject({ audioSeconds: 754, inputAudioSeconds: 754 });
    const cost = pricer.calculate({ model: 'whisper-1', provider: 'openai', tokens: usage, at });
    expect(cost).toMatchObject({ total: '0.0754', status: 'priced' });
  });

  it('a per-hour price that does not divide into seconds is rounded half-even 12 places below the price, and said', () => {
    // groq whisper-large-v3-turbo: 0.04 per hour; 754 s = 0.008377777... (7 repeating).
    const quote = pricer.quote({
      model: 'whisper-large-v3-turbo',
      provider: 'groq',
      tokens: { audioSeconds: 754 },
      at,
    });
    expect(quote.cost.total).toBe('0.00837777777778');
    expect(quote.cost.status).toBe('priced');
    expect(quote.notes.join('\n')).toContain('rounded half-even');
  });

  it('OCR pages: annotated pages at their own price, the rest at the page price', () => {
    // mistral-ocr-2512: 2 per 1,000 pages, 3 per 1,000 annotated pages.
    const cost = pricer.calculate({
      model: 'mistral-ocr-2512',
      provider: 'mistral',
      tokens: { pages: 37, annotatedPages: 12 },
      at,
    });
    expect(cost).toMatchObject({
      total: '0.086',
      breakdown: { pages: '0.05', annotatedPages: '0.036' },
      status: 'priced',
    });
  });

  it('voice: grok-voice priced per audio hour (3 per hour at launch)', () => {
    const cost = pricer.calculate({
      model: 'grok-voice-think-fast-1.0',
      provider: 'x-ai',
      tokens: { audioSeconds: 1_800 },
      at,
    });
    expect(cost).toMatchObject({ total: '1.5', status: 'priced' });
  });

  it('per-request fees (perplexity sonar) are charged once per call', () => {
    const cost = pricer.calculate({ model: 'sonar', provider: 'perplexity', tokens: { input: 0, output: 0 }, at });
    expect(cost.breakdown.request).toBeDefined();
    expect(cost.total).toBe(cost.breakdown.request);
  });
});

describe('cached audio is billed once', () => {
  it('gpt-realtime: cached 500 (300 of it audio), audio 600, output 100 costs 0.0122 like calcPrice', () => {
    const usage = tokenUsageFromOpenAI({
      input_tokens: 1_000,
      output_tokens: 100,
      input_token_details: {
        text_tokens: 400,
        audio_tokens: 600,
        cached_tokens: 500,
        cached_tokens_details: { text_tokens: 200, audio_tokens: 300 },
      },
    });
    expect(usage).toMatchObject({ input: 1_000, cacheRead: 500, inputAudio: 600, cacheAudioRead: 300 });
    const cost = pricer.calculate({ model: 'gpt-realtime', provider: 'openai', tokens: usage, at });
    // text 200 x 4, cached text 200 x 0.4, audio 300 x 32, cached audio 300 x 0.4, output 100 x 16 (per 1M).
    expect(cost.breakdown).toEqual({
      input: '0.0008',
      cacheRead: '0.00008',
      inputAudio: '0.0096',
      cacheAudioRead: '0.00012',
      output: '0.0016',
    });
    expect(cost).toMatchObject({ total: '0.0122', status: 'priced' });
    expect(sumDecimalStrings(Object.values(cost.breakdown))).toBe(cost.total);
  });

  it('chat completions with audio: the same through prompt_tokens_details and complete({ tokens })', async () => {
    const ledger = createLedger({ store: 'memory', configFile: false, env: {}, pricer });
    const record = ledger.start({ provider: 'openai', model: 'gpt-realtime' }).complete({
      tokens: {
        prompt_tokens: 1_000,
        completion_tokens: 100,
        prompt_tokens_details: { cached_tokens: 500, audio_tokens: 600, cached_tokens_details: { audio_tokens: 300 } },
      },
    });
    await ledger.close();
    expect(record.tokens).toMatchObject({ cacheAudioRead: 300, inputAudio: 600 });
    expect(record.cost?.total).toBe('0.0122');
  });
});

describe('OpenAI-compatible cache writes', () => {
  it('prompt_tokens_details.cache_write_tokens is a cache write, priced as one', () => {
    const usage = tokenUsageFromOpenAI({
      prompt_tokens: 5_000,
      completion_tokens: 100,
      prompt_tokens_details: { cached_tokens: 1_000, cache_write_tokens: 2_000 },
    });
    expect(usage).toMatchObject({ input: 5_000, cacheRead: 1_000, cacheWrite: 2_000 });
    // claude-sonnet-4 through an OpenAI-compatible proxy: 3 input, 0.30 read, 3.75 write, 15 output per 1M.
    const cost = pricer.calculate({ model: 'claude-sonnet-4-20250514', provider: 'anthropic', tokens: usage, at });
    expect(cost.breakdown).toMatchObject({
      input: '0.006',
      cacheRead: '0.0003',
      cacheWrite: '0.0075',
      output: '0.0015',
    });
  });
});
