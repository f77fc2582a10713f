import type { CallHandle, CallInit } from './call-types.js';
import {
  classificationInit,
  embeddingInit,
  extractionInit,
  sentimentAnalysisInit,
  summarizationInit,
  type EmbeddingInit,
  type SentimentAnalysisInit,
  type TextTaskInit,
} from './task-helpers.js';

/**
 * The task's init; a value that is not an object is passed to `start()` as it is, which reports
 * it (a ValidationError when fail-closed) instead of failing here with a TypeError.
 */
function taskInit<T extends object>(init: T, build: (init: T) => CallInit): CallInit {
  return typeof init === 'object' && init !== null && !Array.isArray(init)
    ? build(init)
    : (init as unknown as CallInit);
}

/**
 * The typed task helpers every Ledger has (like Python's `log_*` functions): each builds the task's
 * init (task-helpers.ts) and starts it like any other call.
 */
export abstract class LedgerTaskHelpers {
  abstract start(init: CallInit): CallHandle;

  /**
   * Like Python's `log_sentiment_analysis`: starts a SENTIMENT_ANALYSIS call for one text.
   *
   * @example
   * const call = ledger.logSentimentAnalysis({ text: review.content, model: 'gpt-4o-mini', reviewId: review.id });
   * const result = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [...] });
   * call.complete({ responseMessage: result.choices[0]?.message, tokens: result.usage ?? undefined });
   */
  logSentimentAnalysis(init: SentimentAnalysisInit): CallHandle {
    return this.start(taskInit(init, sentimentAnalysisInit));
  }

  logSummarization(init: TextTaskInit): CallHandle {
    return this.start(taskInit(init, summarizationInit));
  }

  logClassification(init: TextTaskInit & { labels?: readonly string[] }): CallHandle {
    return this.start(taskInit(init, classificationInit));
  }

  logExtraction(init: TextTaskInit): CallHandle {
    return this.start(taskInit(init, extractionInit));
  }

  logEmbedding(init: EmbeddingInit): CallHandle {
    return this.start(taskInit(init, embeddingInit));
  }
}
