import type { CallInit } from '../../core/call.js';
import { CallType } from '../../core/record.js';
import { tokenUsageFromOpenAI } from '../../tokens/openai-usage.js';
import type { ReadResponse } from '../endpoint.js';
import { asRecord, requestParams } from '../request-fields.js';

const KEPT_ELSEWHERE = new Set(['model', 'input']);

/** An embeddings request: one user message per input, as `ledger.logEmbedding` records it. */
export function embeddingsCallInit(request: Record<string, unknown>): CallInit {
  const input = request.input;
  const texts = Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number' ? input : [input];
  return {
    model: typeof request.model === 'string' ? request.model : 'unknown',
    callType: CallType.EMBEDDING,
    messages: texts.map((content) => ({ role: 'user', content })),
    params: requestParams(request, KEPT_ELSEWHERE),
  };
}

/** Vectors are not kept (kilobytes each, and not text); their count and size are. */
export function embeddingsReadResponse(response: unknown): ReadResponse {
  const body = asRecord(response) ?? {};
  const data = Array.isArray(body.data) ? body.data : [];
  const first = asRecord(data[0])?.embedding;
  return {
    result: {
      responseMessage: null,
      responseModel: typeof body.model === 'string' ? body.model : null,
      tokens: body.usage ? tokenUsageFromOpenAI(body.usage) : undefined,
      metadata: { vectors: data.length, ...(Array.isArray(first) ? { dimensions: first.length } : {}) },
    },
  };
}
