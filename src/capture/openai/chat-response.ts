import type { CallResult } from '../../core/call.js';
import type { ResponseMessage } from '../../core/record.js';
import { tokenUsageFromOpenAI } from '../../tokens/openai-usage.js';
import { asRecord, asString, functionToolCall } from '../request-fields.js';

/** A ChatCompletion read into the record: the first choice's message, finish reason, usage. */
export function chatCallResult(completion: unknown): CallResult {
  const body = asRecord(completion) ?? {};
  const choices = Array.isArray(body.choices) ? body.choices : [];
  const first = asRecord(choices[0]);
  const message = asRecord(first?.message);
  const responseMessage = message ? chatMessage(message) : null;
  if (responseMessage && choices.length > 1) {
    responseMessage.alternatives = choices
      .slice(1)
      .map((choice) => chatMessage(asRecord(asRecord(choice)?.message) ?? {}));
  }
  return {
    responseMessage,
    responseModel: asString(body.model),
    finishReason: asString(first?.finish_reason),
    tokens: body.usage ? tokenUsageFromOpenAI(body.usage) : undefined,
  };
}

export function chatMessage(message: Record<string, unknown>): ResponseMessage {
  const result: ResponseMessage = { role: asString(message.role) ?? 'assistant', content: message.content ?? null };
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    result.toolCalls = message.tool_calls.map((call) => {
      const record = asRecord(call) ?? {};
      const fn = asRecord(record.function) ?? {};
      return functionToolCall(asString(record.id) ?? undefined, asString(fn.name) ?? '', fn.arguments ?? '');
    });
  }
  if (message.refusal) result.refusal = message.refusal;
  // DeepSeek and other compatible APIs return the reasoning text beside the answer.
  if (typeof message.reasoning_content === 'string') result.reasoning = message.reasoning_content;
  return result;
}
