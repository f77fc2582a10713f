import type { CallResult } from '../../core/call.js';
import type { ResponseMessage, ToolCall } from '../../core/record.js';
import { tokenUsageFromOpenAI } from '../../tokens/openai-usage.js';
import type { ReadResponse } from '../endpoint.js';
import { ProviderStreamError } from '../provider-stream-error.js';
import { asRecord, asString, functionToolCall } from '../request-fields.js';

/**
 * A Response read into the record: output text and function calls as the assistant message,
 * `incomplete_details.reason` or `status` as the finish reason. A `failed` response is an error.
 */
export function responsesReadResponse(response: unknown): ReadResponse {
  const result = responsesCallResult(response);
  const body = asRecord(response);
  if (body?.status === 'failed') {
    return { result, error: ProviderStreamError.from(body.error, 'The response failed') };
  }
  return { result };
}

export function responsesCallResult(response: unknown): CallResult {
  const body = asRecord(response) ?? {};
  const incomplete = asRecord(body.incomplete_details);
  return {
    responseMessage: responsesMessage(body.output),
    responseModel: asString(body.model),
    finishReason: asString(incomplete?.reason) ?? asString(body.status),
    tokens: body.usage ? tokenUsageFromOpenAI(body.usage) : undefined,
  };
}

function responsesMessage(output: unknown): ResponseMessage | null {
  if (!Array.isArray(output)) return null;
  let text: string | null = null;
  let reasoning: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const raw of output) {
    const item = asRecord(raw);
    if (!item) continue;
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) {
        const record = asRecord(part);
        const piece =
          record?.type === 'output_text'
            ? asString(record.text)
            : record?.type === 'refusal'
              ? asString(record.refusal)
              : null;
        if (piece !== null) text = (text ?? '') + piece;
      }
    } else if (item.type === 'function_call') {
      toolCalls.push(
        functionToolCall(asString(item.call_id) ?? undefined, asString(item.name) ?? '', item.arguments ?? ''),
      );
    } else if (item.type === 'reasoning' && Array.isArray(item.summary)) {
      for (const part of item.summary) {
        const piece = asString(asRecord(part)?.text);
        if (piece !== null) reasoning = (reasoning ?? '') + piece;
      }
    }
  }
  if (text === null && toolCalls.length === 0 && reasoning === null) return null;
  const message: ResponseMessage = { role: 'assistant', content: text };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  if (reasoning !== null) message.reasoning = reasoning;
  return message;
}
