import { messageCallResult } from '../anthropic/messages-response.js';
import type { Endpoint, ReadResponse } from '../endpoint.js';
import { generateCallResult } from '../gemini/generate-response.js';
import { chatCallResult } from '../openai/chat-response.js';
import { responsesReadResponse } from '../openai/responses-response.js';
import { asRecord, asString } from '../request-fields.js';
import { universalUsage } from './universal-usage.js';

/** Reads a response of any known shape: OpenAI chat or Responses, Anthropic, Gemini, or `{ text, usage }`. */
export function universalReadResponse(data: unknown, provider: string): ReadResponse {
  if (typeof data === 'string') return { result: { responseMessage: data } };
  const body = asRecord(data);
  if (!body) return { result: {} };
  if (Array.isArray(body.choices)) return { result: chatCallResult(body) };
  if (Array.isArray(body.candidates)) return { result: generateCallResult(body) };
  if (body.object === 'response' || Array.isArray(body.output)) return responsesReadResponse(body);
  if (Array.isArray(body.content) && (body.type === 'message' || 'stop_reason' in body)) {
    return { result: messageCallResult(body) };
  }
  const message = asRecord(body.message);
  const text =
    asString(body.text) ?? asString(body.output_text) ?? asString(body.content) ?? asString(message?.content) ?? null;
  return {
    result: {
      responseMessage: text === null ? null : { role: 'assistant', content: text },
      responseModel: asString(body.model),
      finishReason: asString(body.finish_reason) ?? asString(body.finishReason) ?? asString(body.stop_reason),
      tokens: universalUsage(body.usage ?? body.usageMetadata ?? body.usage_metadata, provider),
    },
  };
}

export function universalEndpoint(provider: string, base: Omit<Endpoint, 'response'>): Endpoint {
  return { ...base, response: (data) => universalReadResponse(data, provider) };
}
