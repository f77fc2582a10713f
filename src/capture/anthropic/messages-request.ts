import type { CallInit } from '../../core/call.js';
import { contentText, requestParams } from '../request-fields.js';

const KEPT_ELSEWHERE = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'stream']);

/** A Messages request as a call: the top-level `system` (string or text blocks) is the system prompt. */
export function messagesCallInit(request: Record<string, unknown>): CallInit {
  return {
    model: typeof request.model === 'string' ? request.model : 'unknown',
    messages: Array.isArray(request.messages) ? (request.messages as unknown[]) : [],
    systemPrompt: contentText(request.system),
    tools: Array.isArray(request.tools) ? request.tools : null,
    toolChoice: request.tool_choice,
    params: requestParams(request, KEPT_ELSEWHERE),
  };
}
