import type { CallResult } from '../../core/call.js';
import type { ResponseMessage, ToolCall } from '../../core/record.js';
import { tokenUsageFromAnthropic } from '../../tokens/anthropic-usage.js';
import { asRecord, asString, functionToolCall } from '../request-fields.js';

/** A Message read into the record: text blocks as content, `tool_use` blocks as tool calls, thinking as reasoning. */
export function messageCallResult(message: unknown): CallResult {
  const body = asRecord(message) ?? {};
  return {
    responseMessage: anthropicMessage(body.content),
    responseModel: asString(body.model),
    finishReason: asString(body.stop_reason),
    tokens: body.usage ? tokenUsageFromAnthropic(body.usage) : undefined,
  };
}

function anthropicMessage(content: unknown): ResponseMessage | null {
  if (!Array.isArray(content)) return null;
  let text: string | null = null;
  let reasoning: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const raw of content) {
    const block = asRecord(raw);
    if (!block) continue;
    if (block.type === 'text' && typeof block.text === 'string') text = (text ?? '') + block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push(functionToolCall(asString(block.id) ?? undefined, asString(block.name) ?? '', block.input));
    } else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      reasoning = (reasoning ?? '') + block.thinking;
    }
  }
  const result: ResponseMessage = { role: 'assistant', content: text };
  if (toolCalls.length > 0) result.toolCalls = toolCalls;
  if (reasoning !== null) result.reasoning = reasoning;
  return result;
}
