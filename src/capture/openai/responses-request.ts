import type { CallInit } from '../../core/call.js';
import { requestParams } from '../request-fields.js';

const KEPT_ELSEWHERE = new Set(['model', 'input', 'instructions', 'tools', 'tool_choice', 'stream', 'stream_options']);

/** A Responses API request as a call: `input` as messages (a string becomes one user message). */
export function responsesCallInit(request: Record<string, unknown>): CallInit {
  const input = request.input;
  const messages =
    typeof input === 'string' ? [{ role: 'user', content: input }] : Array.isArray(input) ? (input as unknown[]) : [];
  const params = requestParams(request, KEPT_ELSEWHERE);
  const reasoning = request.reasoning as { effort?: unknown } | undefined;
  if (typeof reasoning?.effort === 'string') params.reasoningEffort = reasoning.effort;
  return {
    model: typeof request.model === 'string' ? request.model : 'unknown',
    messages,
    systemPrompt: typeof request.instructions === 'string' ? request.instructions : null,
    tools: Array.isArray(request.tools) ? request.tools : null,
    toolChoice: request.tool_choice,
    params,
  };
}
