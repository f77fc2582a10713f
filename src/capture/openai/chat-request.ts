import type { CallInit } from '../../core/call.js';
import { asRecord, contentText, requestParams } from '../request-fields.js';

const KEPT_ELSEWHERE = new Set([
  'model',
  'messages',
  'tools',
  'functions',
  'tool_choice',
  'function_call',
  'stream',
  'stream_options',
]);

/** A Chat Completions request as a call: messages exactly as sent, the system message's text beside them. */
export function chatCallInit(request: Record<string, unknown>): CallInit {
  const messages = Array.isArray(request.messages) ? (request.messages as unknown[]) : [];
  const tools = request.tools ?? request.functions;
  return {
    model: typeof request.model === 'string' ? request.model : 'unknown',
    messages,
    systemPrompt: systemPromptOf(messages),
    tools: Array.isArray(tools) ? tools : null,
    toolChoice: request.tool_choice ?? request.function_call,
    params: requestParams(request, KEPT_ELSEWHERE),
  };
}

function systemPromptOf(messages: readonly unknown[]): string | null {
  for (const message of messages) {
    const role = asRecord(message)?.role;
    if (role === 'system' || role === 'developer') return contentText(asRecord(message)?.content);
  }
  return null;
}

/**
 * Streams get exact usage only with `stream_options.include_usage`. When the application did not
 * ask for it, it is added and the extra chunk is hidden again (see ChatStreamAccumulator); the
 * application's own params object is never modified.
 */
export function withStreamUsage(request: Record<string, unknown>): {
  params: Record<string, unknown>;
  added: boolean;
} {
  const options = asRecord(request.stream_options);
  if (options?.include_usage === true) return { params: request, added: false };
  const params = copyOf(request);
  params.stream_options = options ? { ...options, include_usage: true } : { include_usage: true };
  return { params, added: true };
}

/**
 * `{ ...request }`, built so that adding a key to it stays cheap: V8 (Node 20) gives a spread
 * copy a map of its own, and the key added next costs about 1 µs; `Object.assign` onto `{}` walks
 * the usual map transitions. Only an own `__proto__` key (JSON.parse makes those) needs the
 * spread, because assigning it would set the prototype instead.
 */
function copyOf(request: Record<string, unknown>): Record<string, unknown> {
  return Object.hasOwn(request, '__proto__') ? { ...request } : Object.assign({}, request);
}
