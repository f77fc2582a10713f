import type { EmojiSet } from './emoji-set.js';

/** The LLM emoji mappings, one per named operation. */
export const LLM_EMOJI = Object.freeze({
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

/**
 * The built-in `llm` set. Actions are the operations of `LLM_EMOJI`; the status picks between the
 * stages of one operation (a started inference thinks 🧠, a completed one shines ✨). Actions
 * with no mapping there (batch, cache) get no emoji rather than an invented one.
 *
 * @example
 * llmEmojiSet.getEmoji('stream', 'progress', { event: 'stream_progress' }); // '⚡'
 */
export const llmEmojiSet: EmojiSet = Object.freeze({
  domain: 'llm',
  getEmoji(action: string, status: string): string | undefined {
    switch (action) {
      case 'model_load':
        return status === 'failure' ? LLM_EMOJI.modelError : LLM_EMOJI.modelLoading;
      case 'inference':
        return stage(status, LLM_EMOJI.inference);
      case 'stream':
        return status === 'progress' ? LLM_EMOJI.tokenGeneration : stage(status, LLM_EMOJI.streamingResponse);
      case 'prompt':
        return LLM_EMOJI.promptProcessing;
      case 'token_generation':
        return LLM_EMOJI.tokenGeneration;
      case 'token_count':
        return LLM_EMOJI.tokenCounting;
      case 'latency':
        return LLM_EMOJI.latencyMeasurement;
      case 'cost':
        return LLM_EMOJI.costTracking;
      case 'rate_limit':
        return status === 'exceeded' || status === 'failure' ? LLM_EMOJI.rateLimitExceeded : LLM_EMOJI.rateLimiting;
      case 'timeout':
        return LLM_EMOJI.modelTimeout;
      case 'context_length':
        return LLM_EMOJI.contextLengthExceeded;
      case 'training':
        if (status === 'failure') return LLM_EMOJI.modelError;
        return status === 'success' ? LLM_EMOJI.trainingCompleted : LLM_EMOJI.trainingStarted;
      case 'error':
      case 'error_rate':
        return LLM_EMOJI.modelError;
      default:
        return status === 'failure' ? LLM_EMOJI.modelError : undefined;
    }
  },
});

/** success -> ✨, failure -> 💥, any other stage (started, cancelled) -> the operation's own emoji. */
function stage(status: string, running: string): string {
  if (status === 'success') return LLM_EMOJI.responseCompleted;
  if (status === 'failure') return LLM_EMOJI.modelError;
  return running;
}

/** Every built-in set, by domain; enable them with `emojiSets: ['llm']`. */
export const BUILT_IN_EMOJI_SETS: readonly EmojiSet[] = Object.freeze([llmEmojiSet]);
