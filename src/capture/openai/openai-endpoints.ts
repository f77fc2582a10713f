import type { Endpoint } from '../endpoint.js';
import { chatCallInit, withStreamUsage } from './chat-request.js';
import { chatCallResult } from './chat-response.js';
import { ChatStreamAccumulator } from './chat-stream-accumulator.js';
import { embeddingsCallInit, embeddingsReadResponse } from './embeddings.js';
import { responsesCallInit } from './responses-request.js';
import { responsesReadResponse } from './responses-response.js';
import { ResponsesStreamAccumulator } from './responses-stream-accumulator.js';

const isStream = (request: Record<string, unknown>) => request.stream === true;

export const chatCompletionsEndpoint: Endpoint = {
  request: chatCallInit,
  isStream,
  prepareStream(request, options) {
    const prepared = options.includeUsage ? withStreamUsage(request) : { params: request, added: false };
    return { params: prepared.params, accumulator: new ChatStreamAccumulator(prepared.added) };
  },
  response: (data) => ({ result: chatCallResult(data) }),
  cacheName: 'chat.completions',
  replay: { sseDone: true },
};

export const responsesEndpoint: Endpoint = {
  request: responsesCallInit,
  isStream,
  prepareStream: (request) => ({ params: request, accumulator: new ResponsesStreamAccumulator() }),
  response: responsesReadResponse,
  cacheName: 'responses',
};

export const embeddingsEndpoint: Endpoint = {
  request: embeddingsCallInit,
  isStream: () => false,
  response: embeddingsReadResponse,
  cacheName: 'embeddings',
};
