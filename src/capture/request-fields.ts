import type { CallParams, ToolCall } from '../core/record.js';

/** Provider parameter names mapped onto the record's named params; every other field is kept as sent. */
const NAMED_PARAMS: Readonly<Record<string, keyof CallParams>> = {
  temperature: 'temperature',
  max_tokens: 'maxTokens',
  max_completion_tokens: 'maxTokens',
  max_output_tokens: 'maxTokens',
  maxOutputTokens: 'maxTokens',
  top_p: 'topP',
  topP: 'topP',
  seed: 'seed',
  service_tier: 'serviceTier',
  reasoning_effort: 'reasoningEffort',
  stop: 'stop',
  stop_sequences: 'stop',
  stopSequences: 'stop',
};

/** The request's parameters: everything but the fields the record keeps elsewhere. */
export function requestParams(request: Record<string, unknown>, exclude: ReadonlySet<string>): CallParams {
  const params: CallParams = {};
  for (const key in request) {
    if (exclude.has(key)) continue;
    const value = request[key];
    if (value === undefined) continue;
    const named = NAMED_PARAMS[key];
    if (named === undefined) params[key] = value;
    else if (params[named] === undefined) params[named] = value;
  }
  return params;
}

/** Text of a content value: a string, or the text parts of a part list (OpenAI, Anthropic, Gemini). */
export function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  let text: string | null = null;
  for (const part of content) {
    const piece =
      typeof part === 'string'
        ? part
        : typeof (part as { text?: unknown } | null)?.text === 'string'
          ? (part as { text: string }).text
          : null;
    if (piece !== null) text = text === null ? piece : `${text}\n${piece}`;
  }
  return text;
}

/** A tool call in the record's uniform OpenAI-like shape, whatever the provider called it. */
export function functionToolCall(id: string | undefined, name: string, args: unknown): ToolCall {
  return {
    ...(id !== undefined ? { id } : {}),
    type: 'function',
    function: { name, arguments: typeof args === 'string' ? args : safeJson(args) },
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value ?? {});
  } catch {
    return '{}';
  }
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

export function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The most slots (choices, content blocks, tool calls) a streamed answer may address by index. */
export const MAX_STREAM_SLOTS = 1024;

/**
 * Where a streamed piece goes, from the index the provider sent with it: `fallback` when it sent
 * none, undefined (the piece is ignored) for anything but a small non-negative integer. An index
 * taken as sent could grow an array to a billion slots (every later read walks them all) or
 * assign `__proto__`.
 */
export function slotOf(index: unknown, fallback: number): number | undefined {
  if (index === undefined || index === null) return fallback;
  return typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < MAX_STREAM_SLOTS
    ? index
    : undefined;
}
