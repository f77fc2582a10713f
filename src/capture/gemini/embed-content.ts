import type { CallInit } from '../../core/call.js';
import { CallType } from '../../core/record.js';
import type { ReadResponse } from '../endpoint.js';
import { asRecord, requestParams } from '../request-fields.js';
import { geminiModelName } from './generate-request.js';

const KEPT_ELSEWHERE = new Set(['abortSignal', 'httpOptions']);

/** embedContent: one user message per content, like `ledger.logEmbedding`. */
export function embedCallInit(request: Record<string, unknown>): CallInit {
  const contents = request.contents;
  const list = Array.isArray(contents) ? contents : [contents];
  return {
    model: geminiModelName(request.model),
    callType: CallType.EMBEDDING,
    messages: list.map((content) => ({ role: 'user', content })),
    params: requestParams(asRecord(request.config) ?? {}, KEPT_ELSEWHERE),
  };
}

/**
 * The Gemini API returns no usage for embeddings (the record's input is then estimated); Vertex
 * returns `statistics.tokenCount` per embedding, which is summed.
 */
export function embedReadResponse(response: unknown): ReadResponse {
  const body = asRecord(response) ?? {};
  const embeddings = Array.isArray(body.embeddings) ? body.embeddings : [];
  let counted: number | undefined;
  for (const embedding of embeddings) {
    const count = asRecord(asRecord(embedding)?.statistics)?.tokenCount;
    if (typeof count === 'number') counted = (counted ?? 0) + count;
  }
  const values = asRecord(embeddings[0])?.values;
  return {
    result: {
      responseMessage: null,
      tokens: counted === undefined ? undefined : { input: counted, output: 0 },
      metadata: { vectors: embeddings.length, ...(Array.isArray(values) ? { dimensions: values.length } : {}) },
    },
  };
}
