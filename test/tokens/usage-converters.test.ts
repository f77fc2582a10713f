import { describe, expect, it } from 'vitest';
import { normalizeTokenCounts } from '../../src/core/token-input.js';
import { mergeAnthropicUsage, tokenUsageFromAnthropic } from '../../src/tokens/anthropic-usage.js';
import { tokenUsageFromGemini } from '../../src/tokens/gemini-usage.js';
import { tokenUsageFromOpenAI } from '../../src/tokens/openai-usage.js';
import { tokenUsageFrom } from '../../src/tokens/provider-usage.js';

describe('OpenAI usage (inclusive counts)', () => {
  it('Chat Completions, as in the wire format', () => {
    expect(
      tokenUsageFromOpenAI({
        prompt_tokens: 120,
        completion_tokens: 45,
        total_tokens: 165,
        prompt_tokens_details: { cached_tokens: 64, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
      }),
    ).toEqual({ input: 120, output: 45, total: 165, cacheRead: 64, cacheWrite: 0, reasoning: 0 });
  });

  it('Responses API, audio, and a stream chunk without details', () => {
    expect(
      tokenUsageFromOpenAI({
        input_tokens: 50,
        input_tokens_details: { cached_tokens: 10 },
        output_tokens: 12,
        output_tokens_details: { reasoning_tokens: 8 },
        total_tokens: 62,
      }),
    ).toEqual({ input: 50, output: 12, total: 62, cacheRead: 10, cacheWrite: 0, reasoning: 8 });
    expect(
      tokenUsageFromOpenAI({
        prompt_tokens: 300,
        completion_tokens: 200,
        prompt_tokens_details: { audio_tokens: 250 },
        completion_tokens_details: { audio_tokens: 150 },
      }),
    ).toMatchObject({ input: 300, output: 200, total: 500, inputAudio: 250, outputAudio: 150 });
    expect(tokenUsageFromOpenAI({ prompt_tokens: 5, completion_tokens: 1 })).toMatchObject({
      cacheRead: 0,
      reasoning: 0,
    });
  });

  it("DeepSeek's cache hits; absent or malformed objects give zeros, never NaN", () => {
    expect(
      tokenUsageFromOpenAI({
        prompt_tokens: 100,
        prompt_cache_hit_tokens: 60,
        prompt_cache_miss_tokens: 40,
        completion_tokens: 5,
      }),
    ).toMatchObject({ input: 100, cacheRead: 60 });
    expect(tokenUsageFromOpenAI(null)).toEqual({
      input: 0,
      output: 0,
      total: 0,
      cacheRead: 0,
      cacheWrite: 0,
      reasoning: 0,
    });
    expect(tokenUsageFromOpenAI({ prompt_tokens: 'many', completion_tokens: -3 })).toMatchObject({
      input: 0,
      output: 0,
    });
  });
});

describe('Anthropic usage (exclusive input)', () => {
  it('input = input_tokens + cache reads + cache writes', () => {
    expect(
      tokenUsageFromAnthropic({
        input_tokens: 20,
        cache_creation_input_tokens: 1_500,
        cache_read_input_tokens: 3_000,
        cache_creation: { ephemeral_5m_input_tokens: 1_500, ephemeral_1h_input_tokens: 0 },
        output_tokens: 80,
        service_tier: 'standard',
      }),
    ).toEqual({ input: 4_520, output: 80, total: 4_600, cacheRead: 3_000, cacheWrite: 1_500, reasoning: 0 });
  });

  it('one-hour writes, and the breakdown alone when the total is missing', () => {
    expect(
      tokenUsageFromAnthropic({
        input_tokens: 5,
        cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 400 },
        output_tokens: 1,
      }),
    ).toMatchObject({ input: 505, cacheWrite: 500, cacheWrite1h: 400 });
  });

  it('streamed usage: message_start then cumulative message_delta, the last value of each field wins', () => {
    const start = {
      input_tokens: 20,
      cache_creation_input_tokens: 1_500,
      cache_read_input_tokens: 3_000,
      output_tokens: 1,
    };
    const delta1 = { output_tokens: 40 };
    const delta2 = { output_tokens: 80, input_tokens: 25 };
    expect(tokenUsageFromAnthropic(mergeAnthropicUsage(start, delta1, delta2))).toMatchObject({
      input: 4_525,
      output: 80,
      cacheRead: 3_000,
      cacheWrite: 1_500,
    });
  });

  it('the core keeps converted counts as they are (no clamping needed)', () => {
    const tokens = tokenUsageFromAnthropic({ input_tokens: 1, cache_read_input_tokens: 9, output_tokens: 2 });
    expect(normalizeTokenCounts(tokens)).toEqual({ tokens, problems: [], source: 'given' });
  });
});

describe('Gemini usageMetadata', () => {
  it('thoughts are added to candidates; prompt includes cached content', () => {
    expect(
      tokenUsageFromGemini({
        promptTokenCount: 20,
        cachedContentTokenCount: 0,
        candidatesTokenCount: 30,
        thoughtsTokenCount: 12,
        toolUsePromptTokenCount: 0,
        totalTokenCount: 62,
      }),
    ).toEqual({ input: 20, output: 42, total: 62, cacheRead: 0, cacheWrite: 0, reasoning: 12 });
  });

  it('tool-use prompt tokens are input; modalities give audio and image counts; snake_case works', () => {
    expect(
      tokenUsageFromGemini({
        promptTokenCount: 1_000,
        toolUsePromptTokenCount: 200,
        cachedContentTokenCount: 600,
        candidatesTokenCount: 50,
        promptTokensDetails: [
          { modality: 'TEXT', tokenCount: 700 },
          { modality: 'AUDIO', tokenCount: 300 },
        ],
        candidatesTokensDetails: [{ modality: 'AUDIO', tokenCount: 50 }],
        totalTokenCount: 1_250,
      }),
    ).toMatchObject({ input: 1_200, cacheRead: 600, output: 50, inputAudio: 300, outputAudio: 50, total: 1_250 });
    expect(
      tokenUsageFromGemini({ prompt_token_count: 7, candidates_token_count: 3, thoughts_token_count: 2 }),
    ).toMatchObject({ input: 7, output: 5, reasoning: 2, total: 12 });
  });
});

describe('tokenUsageFrom', () => {
  it('dispatches on the named format: the same object means different things', () => {
    const raw = { input_tokens: 100, output_tokens: 10, cache_read_input_tokens: 50 };
    expect(tokenUsageFrom('anthropic', raw).input).toBe(150);
    expect(tokenUsageFrom('openai', raw).input).toBe(100);
    expect(tokenUsageFrom('gemini', { promptTokenCount: 3 }).input).toBe(3);
  });
});

describe('usage beyond plain tokens', () => {
  it('OpenAI realtime: cached audio is the overlap of cached_tokens and audio_tokens', () => {
    const usage = tokenUsageFromOpenAI({
      input_tokens: 1_000,
      output_tokens: 100,
      input_token_details: { audio_tokens: 600, cached_tokens: 500, cached_tokens_details: { audio_tokens: 300 } },
      output_token_details: { audio_tokens: 40 },
    });
    expect(usage).toMatchObject({
      input: 1_000,
      cacheRead: 500,
      inputAudio: 600,
      cacheAudioRead: 300,
      outputAudio: 40,
    });
  });

  it('OpenAI-compatible cache writes, and duration-billed transcriptions', () => {
    expect(
      tokenUsageFromOpenAI({
        prompt_tokens: 50,
        completion_tokens: 5,
        prompt_tokens_details: { cache_write_tokens: 30 },
      }),
    ).toMatchObject({ input: 50, cacheWrite: 30 });
    expect(tokenUsageFromOpenAI({ type: 'duration', seconds: 12.4 })).toMatchObject({
      input: 0,
      audioSeconds: 12,
      inputAudioSeconds: 12,
    });
  });

  it('Anthropic server-side web searches', () => {
    expect(
      tokenUsageFromAnthropic({ input_tokens: 10, output_tokens: 5, server_tool_use: { web_search_requests: 3 } }),
    ).toMatchObject({ input: 10, webSearches: 3 });
  });

  it('Gemini cached audio from cacheTokensDetails', () => {
    expect(
      tokenUsageFromGemini({
        promptTokenCount: 900,
        cachedContentTokenCount: 400,
        promptTokensDetails: [{ modality: 'AUDIO', tokenCount: 500 }],
        cacheTokensDetails: [{ modality: 'AUDIO', tokenCount: 250 }],
      }),
    ).toMatchObject({ input: 900, cacheRead: 400, inputAudio: 500, cacheAudioRead: 250 });
  });

  it('complete({ tokens }) accepts every unit bucket and the OpenAI-compatible details', () => {
    const { tokens, problems } = normalizeTokenCounts({
      prompt_tokens: 100,
      completion_tokens: 10,
      prompt_tokens_details: { cache_write_tokens: 40, cached_tokens_details: { audio_tokens: 0 } },
      audioSeconds: 30,
      inputAudioSeconds: 30,
      pages: 4,
      annotatedPages: 1,
      webSearches: 2,
    });
    expect(problems).toEqual([]);
    expect(tokens).toMatchObject({
      cacheWrite: 40,
      cacheAudioRead: 0,
      audioSeconds: 30,
      inputAudioSeconds: 30,
      pages: 4,
      annotatedPages: 1,
      webSearches: 2,
    });
    expect(normalizeTokenCounts({ pages: -1 }).problems).toEqual(['pages is negative (-1); recorded as 0']);
  });
});
