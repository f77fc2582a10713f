import { createBinding, type CaptureDefaults, type CaptureLedger } from './capture-defaults.js';
import type { Endpoint } from './endpoint.js';
import { embedCallInit, embedReadResponse } from './gemini/embed-content.js';
import { generateCallInit, geminiAbortSignal } from './gemini/generate-request.js';
import { generateCallResult } from './gemini/generate-response.js';
import { GenerateStreamAccumulator } from './gemini/generate-stream-accumulator.js';
import { patchMethod } from './patch-method.js';
import { recordSdkCall } from './record-call.js';

type Method = (...args: never[]) => unknown;

/** What capture needs of a `@google/genai` client; detected by shape. */
export interface GeminiLike {
  models: { generateContent: Method; generateContentStream?: Method; embedContent?: Method };
}

export function isGeminiLike(client: unknown): client is GeminiLike {
  const candidate = client as Partial<GeminiLike> | null;
  return typeof candidate?.models?.generateContent === 'function';
}

export const generateContentEndpoint: Endpoint = {
  request: generateCallInit,
  isStream: () => false,
  response: (data) => ({ result: generateCallResult(data) }),
  cacheName: 'generateContent',
};

export const generateContentStreamEndpoint: Endpoint = {
  request: generateCallInit,
  isStream: () => true,
  prepareStream: (request) => ({
    params: request,
    accumulator: new GenerateStreamAccumulator(),
    signal: geminiAbortSignal(request),
  }),
  response: (data) => ({ result: generateCallResult(data) }),
  cacheName: 'generateContent',
};

export const embedContentEndpoint: Endpoint = {
  request: embedCallInit,
  isStream: () => false,
  response: embedReadResponse,
  cacheName: 'embedContent',
};

/**
 * Records `models.generateContent`, `generateContentStream` and `embedContent` of a
 * `@google/genai` client (chats go through `models`, so they are recorded too) and returns the
 * same client. These methods are per-instance arrow functions, not prototype methods: the
 * instance is wrapped, which patching the class could never reach.
 *
 * @example
 * import { GoogleGenAI } from '@google/genai';
 * const ai = wrapGemini(ledger, new GoogleGenAI({ apiKey }));
 * const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hi' });
 */
export function wrapGemini<C extends GeminiLike>(ledger: CaptureLedger, client: C, defaults: CaptureDefaults = {}): C {
  // The models methods are async functions: a call can simply start once admitted.
  const binding = createBinding(ledger, defaults, 'defer-call');
  if (ledger.cache !== undefined && defaults.cache !== false) binding.replayVia = 'request-fetch';
  const install = (name: keyof GeminiLike['models'], endpoint: Endpoint) =>
    patchMethod(client.models, name, binding, (current, original, self, args) =>
      recordSdkCall(current, endpoint, current.defaults.provider ?? 'gemini', original, self, args),
    );
  install('generateContent', generateContentEndpoint);
  install('generateContentStream', generateContentStreamEndpoint);
  install('embedContent', embedContentEndpoint);
  return client;
}
