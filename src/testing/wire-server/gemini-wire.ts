import type { Reply, SseEvent } from './wire-server.js';

/** Replies in the exact shapes of the Gemini API (generativelanguage v1beta), JSON and SSE. */

export interface GeminiUsageScript {
  /** Includes cached content. */
  prompt: number;
  candidates: number;
  cached?: number;
  /** Reasoning: NOT included in `candidates`. */
  thoughts?: number;
  toolUsePrompt?: number;
}

export function geminiUsage(usage: GeminiUsageScript) {
  const total = usage.prompt + usage.candidates + (usage.thoughts ?? 0) + (usage.toolUsePrompt ?? 0);
  return {
    promptTokenCount: usage.prompt,
    candidatesTokenCount: usage.candidates,
    totalTokenCount: total,
    ...(usage.cached !== undefined ? { cachedContentTokenCount: usage.cached } : {}),
    ...(usage.thoughts !== undefined ? { thoughtsTokenCount: usage.thoughts } : {}),
    ...(usage.toolUsePrompt !== undefined ? { toolUsePromptTokenCount: usage.toolUsePrompt } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.prompt }],
  };
}

export interface GenerateScript {
  text?: string;
  functionCalls?: Array<{ name: string; args: Record<string, unknown> }>;
  finishReason?: string;
  usage?: GeminiUsageScript;
  modelVersion?: string;
  responseId?: string;
}

export function generateBody(script: GenerateScript = {}) {
  const parts: unknown[] = [];
  if (script.text !== undefined || !script.functionCalls) parts.push({ text: script.text ?? 'Hello!' });
  for (const call of script.functionCalls ?? []) parts.push({ functionCall: { name: call.name, args: call.args } });
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: script.finishReason ?? 'STOP', index: 0 }],
    usageMetadata: geminiUsage(script.usage ?? { prompt: 10, candidates: 4 }),
    modelVersion: script.modelVersion ?? 'gemini-2.5-flash',
    responseId: script.responseId ?? 'resp-gemini-1',
  };
}

export function generate(script: GenerateScript = {}): Reply {
  return { kind: 'json', body: generateBody(script) };
}

export interface GenerateStreamScript extends Omit<GenerateScript, 'text'> {
  textPieces?: string[];
  /** An error chunk after this many chunks. */
  errorAfter?: { chunks: number; code: number; status: string; message: string };
  dropAfter?: number;
  intervalMs?: number;
}

export function generateStreamEvents(script: GenerateStreamScript = {}): SseEvent[] {
  const usage = script.usage ?? { prompt: 10, candidates: 4 };
  const pieces = script.textPieces ?? ['Hel', 'lo!'];
  const common = { modelVersion: script.modelVersion ?? 'gemini-2.5-flash', responseId: script.responseId ?? 'r-1' };
  const events: SseEvent[] = pieces.map((piece, index) => {
    const last = index === pieces.length - 1 && !script.functionCalls;
    return {
      data: {
        candidates: [
          {
            content: { role: 'model', parts: [{ text: piece }] },
            ...(last ? { finishReason: script.finishReason ?? 'STOP' } : {}),
            index: 0,
          },
        ],
        // Intermediate chunks carry the prompt count only; the last one holds the final counts.
        usageMetadata: last ? geminiUsage(usage) : { promptTokenCount: usage.prompt, totalTokenCount: usage.prompt },
        ...common,
      },
    };
  });
  if (script.functionCalls) {
    events.push({
      data: {
        candidates: [
          {
            content: {
              role: 'model',
              parts: script.functionCalls.map((call) => ({ functionCall: { name: call.name, args: call.args } })),
            },
            finishReason: script.finishReason ?? 'STOP',
            index: 0,
          },
        ],
        usageMetadata: geminiUsage(usage),
        ...common,
      },
    });
  }
  if (script.errorAfter) {
    const kept = events.slice(0, script.errorAfter.chunks);
    const { code, status, message } = script.errorAfter;
    kept.push({ data: { error: { code, message, status } } });
    return kept;
  }
  return events;
}

export function generateStream(script: GenerateStreamScript = {}): Reply {
  return {
    kind: 'sse',
    events: generateStreamEvents(script),
    separator: '\r\n\r\n',
    dropAfter: script.dropAfter,
    intervalMs: script.intervalMs,
  };
}

/** `batchEmbedContents`: one vector per content; the Gemini API returns no token counts for it. */
export function embedContent(script: { vectors?: number[][] } = {}): Reply {
  const vectors = script.vectors ?? [[0.1, 0.2, 0.3]];
  return { kind: 'json', body: { embeddings: vectors.map((values) => ({ values })) } };
}

export function geminiError(status: number, code: string, message: string, retryDelay?: string): Reply {
  return {
    kind: 'json',
    status,
    body: {
      error: {
        code: status,
        message,
        status: code,
        ...(retryDelay ? { details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay }] } : {}),
      },
    },
  };
}
