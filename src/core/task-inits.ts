import type { CallInit } from './call-types.js';
import { CallType } from './record.js';

/** Attribution and request fields shared by every typed helper. */
export type TaskInit = Omit<CallInit, 'callType' | 'messages' | 'model'> & { model: string };

export interface SentimentAnalysisInit extends TaskInit {
  /** The text whose sentiment is analysed (a review, a message). */
  text: string;
  reviewId?: string;
  /** The background job's id (e.g. a Celery task id). */
  taskId?: string;
}

export const SENTIMENT_SYSTEM_PROMPT = 'Analyze sentiment. Respond with: positive, negative, or neutral.';

/** Like Python's `log_sentiment_analysis`: the request as it is sent, with the review and job ids as metadata. */
export function sentimentAnalysisInit(init: SentimentAnalysisInit): CallInit {
  const { text, reviewId, taskId, ...rest } = init;
  return {
    ...rest,
    callType: CallType.SENTIMENT_ANALYSIS,
    systemPrompt: rest.systemPrompt ?? SENTIMENT_SYSTEM_PROMPT,
    messages: [{ role: 'user', content: text }],
    metadata: withDefined(rest.metadata, { reviewId, taskId }),
  };
}

export interface TextTaskInit extends TaskInit {
  text: string;
  /** The instruction sent as system prompt. */
  instruction?: string;
}

export function summarizationInit(init: TextTaskInit): CallInit {
  return textTask(CallType.SUMMARIZATION, 'Summarize the following text.', init);
}

export function classificationInit(init: TextTaskInit & { labels?: readonly string[] }): CallInit {
  const { labels, ...rest } = init;
  const list = Array.isArray(labels) ? labels.filter((label): label is string => typeof label === 'string') : undefined;
  const instruction = list ? `Classify the text into one of: ${list.join(', ')}.` : 'Classify the following text.';
  const callInit = textTask(CallType.CLASSIFICATION, instruction, rest);
  // Labels are kept as given (metadata is checked by start()), even those the instruction leaves out.
  const metadata = callInit.metadata;
  if (labels === undefined || (metadata !== undefined && (typeof metadata !== 'object' || metadata === null))) {
    return callInit;
  }
  return { ...callInit, metadata: { ...metadata, labels } };
}

export function extractionInit(init: TextTaskInit): CallInit {
  return textTask(CallType.EXTRACTION, 'Extract the requested information from the following text.', init);
}

export interface EmbeddingInit extends TaskInit {
  input: string | readonly string[];
}

export function embeddingInit(init: EmbeddingInit): CallInit {
  const { input, ...rest } = init;
  // Anything but an array is one input; start() checks what the messages hold.
  const texts: readonly unknown[] = Array.isArray(input) ? input : [input];
  return {
    ...rest,
    callType: CallType.EMBEDDING,
    messages: texts.map((content) => ({ role: 'user', content })),
  };
}

function textTask(callType: string, defaultInstruction: string, init: TextTaskInit): CallInit {
  const { text, instruction, ...rest } = init;
  return {
    ...rest,
    callType,
    systemPrompt: rest.systemPrompt ?? instruction ?? defaultInstruction,
    messages: [{ role: 'user', content: text }],
  };
}

function withDefined(
  base: Record<string, unknown> | undefined,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  // Not an object: passed on as it is, for start() to report rather than spread here.
  if (base !== undefined && (typeof base !== 'object' || base === null || Array.isArray(base))) return base;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) result[key] = value;
  return result;
}
