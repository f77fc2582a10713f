import { describe, expect, it } from 'vitest';
import type { EmojiSet } from '../../src/observe/logging/emoji-set.js';
import { createLogHandler } from '../../src/observe/logging/log-handler.js';
import { LLM_EVENTS } from '../../src/observe/logging/llm-events.js';
import { LLM_EMOJI, llmEmojiSet } from '../../src/observe/logging/llm-emoji-set.js';
import { LLMLogger } from '../../src/observe/logging/llm-logger.js';
import { EXPECTED_EMOJI } from './expected-emoji.js';
import { LineSink, ManualClock, observedLedger } from './support.js';

const messages = [{ role: 'user', content: 'Hello' }];

describe('the LLM emoji set', () => {
  it('has exactly seed 003 mappings', () => {
    expect(LLM_EMOJI).toEqual({
      modelLoading: '🤖',
      inference: '🧠',
      trainingStarted: '📚',
      trainingCompleted: '🎓',
      promptProcessing: '💭',
      tokenGeneration: '⚡',
      responseCompleted: '✨',
      streamingResponse: '🌊',
      tokenCounting: '🔢',
      latencyMeasurement: '⏱️',
      costTracking: '💰',
      rateLimiting: '🚦',
      modelTimeout: '⏰',
      rateLimitExceeded: '🛑',
      modelError: '💥',
      contextLengthExceeded: '📏',
    });
  });

  it('maps the operations the seed names and nothing it does not', () => {
    const emoji = (action: string, status: string) => llmEmojiSet.getEmoji(action, status, { event: 'x' });
    expect(emoji('training', 'started')).toBe('📚');
    expect(emoji('training', 'success')).toBe('🎓');
    expect(emoji('prompt', 'started')).toBe('💭');
    expect(emoji('token_generation', 'progress')).toBe('⚡');
    expect(emoji('rate_limit', 'waiting')).toBe('🚦');
    expect(emoji('rate_limit', 'exceeded')).toBe('🛑');
    expect(emoji('anything', 'failure')).toBe('💥');
    expect(emoji('cache', 'hit')).toBeUndefined();
  });

  it('covers every event in the table', () => {
    expect(Object.keys(EXPECTED_EMOJI).sort()).toEqual(Object.keys(LLM_EVENTS).sort());
  });
});

describe('custom emoji sets', () => {
  // Seed 003's CustomLLMEmojiSet, in TypeScript: return undefined to fall back to the built-in set.
  const customLlm: EmojiSet = {
    domain: 'llm',
    getEmoji(action, status, { model }) {
      if (model?.includes('gpt-4') && status === 'success') return '🤖✨';
      if (model?.includes('claude') && status === 'success') return '🧠💫';
      if (model?.startsWith('local')) return status === 'success' ? '🏠🤖' : status === 'failure' ? '🏠❌' : undefined;
      if (action === 'cache') return status === 'hit' ? '🎯' : '📉';
      return undefined;
    },
  };
  const otherDomain: EmojiSet = { domain: 'http', getEmoji: () => '🌐' };

  it('overrides and extends the llm set', async () => {
    const sink = new LineSink();
    const clock = new ManualClock();
    const logs = createLogHandler({
      destination: sink,
      level: 'debug',
      env: {},
      customEmojiSets: [otherDomain, customLlm],
    });
    const ledger = observedLedger([logs], { clock });
    ledger.start({ model: 'gpt-4o', messages }).complete({ tokens: { input: 1, output: 1 } });
    ledger.start({ model: 'claude-sonnet-4', messages }).complete({ tokens: { input: 1, output: 1 } });
    ledger.start({ model: 'local-llama', messages }).fail(new Error('out of memory'));
    await ledger.flush();
    logs.logger.event('cache_hit', { model: 'gpt-4o' });
    logs.logger.event('cache_miss', { model: 'gpt-4o' });
    await ledger.close();

    const emojiOf = (event: string, model: string) =>
      sink.json().find((line) => line.event === event && line.model === model)?.emoji;
    expect(emojiOf('inference_completed', 'gpt-4o')).toBe('🤖✨');
    expect(emojiOf('inference_completed', 'claude-sonnet-4')).toBe('🧠💫');
    expect(emojiOf('inference_failed', 'local-llama')).toBe('🏠❌');
    // Not mapped by the custom set: the built-in llm set answers.
    expect(emojiOf('inference_started', 'gpt-4o')).toBe('🧠');
    expect(emojiOf('token_count', 'gpt-4o')).toBe('🔢');
    expect(emojiOf('cache_hit', 'gpt-4o')).toBe('🎯');
    expect(emojiOf('cache_miss', 'gpt-4o')).toBe('📉');
  });

  it('is used alone when the built-in set is disabled', () => {
    const sink = new LineSink();
    const logger = new LLMLogger({
      destination: sink,
      level: 'debug',
      env: {},
      emojiSets: [],
      customEmojiSets: [customLlm],
    });
    logger.event('inference_started', { model: 'gpt-4o' });
    logger.event('inference_completed', { model: 'gpt-4o' });
    expect(sink.json().map((line) => line.emoji)).toEqual([undefined, '🤖✨']);
  });
});
