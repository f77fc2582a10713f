import type { CallResult } from '../../core/call.js';
import type { ResponseMessage, ToolCall } from '../../core/record.js';
import { tokenUsageFromGemini } from '../../tokens/gemini-usage.js';
import { asRecord, asString, functionToolCall } from '../request-fields.js';

/** A GenerateContentResponse read into the record: first candidate's parts, finish reason, usageMetadata. */
export function generateCallResult(response: unknown): CallResult {
  const body = asRecord(response) ?? {};
  const candidate = firstCandidate(body);
  return {
    responseMessage: candidate ? geminiMessage(asRecord(candidate.content)?.parts) : null,
    responseModel: asString(body.modelVersion),
    finishReason: asString(candidate?.finishReason),
    tokens: body.usageMetadata ? tokenUsageFromGemini(body.usageMetadata) : undefined,
  };
}

export function firstCandidate(body: Record<string, unknown>): Record<string, unknown> | undefined {
  return Array.isArray(body.candidates) ? asRecord(body.candidates[0]) : undefined;
}

/** Text parts as content, thought parts as reasoning, function calls as tool calls. */
export function geminiMessage(parts: unknown): ResponseMessage {
  let text: string | null = null;
  let reasoning: string | null = null;
  const toolCalls: ToolCall[] = [];
  if (Array.isArray(parts)) {
    for (const raw of parts) {
      const part = asRecord(raw);
      if (!part) continue;
      if (typeof part.text === 'string') {
        if (part.thought === true) reasoning = (reasoning ?? '') + part.text;
        else text = (text ?? '') + part.text;
      }
      const call = asRecord(part.functionCall);
      if (call) toolCalls.push(functionToolCall(asString(call.id) ?? undefined, asString(call.name) ?? '', call.args));
    }
  }
  const message: ResponseMessage = { role: 'assistant', content: text };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  if (reasoning !== null) message.reasoning = reasoning;
  return message;
}
