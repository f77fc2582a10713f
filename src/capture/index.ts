export { wrapClient } from './wrap-client.js';
export { wrapOpenAI, isOpenAILike, type OpenAILike } from './openai.js';
export { wrapAnthropic, isAnthropicLike, type AnthropicLike } from './anthropic.js';
export { wrapGemini, isGeminiLike, type GeminiLike } from './gemini.js';
export { trackLLMCall, type TrackLLMCallOptions, type TrackedCall } from './track-llm-call.js';
export type { CaptureDefaults, CaptureLedger } from './capture-defaults.js';
export { classifyError, type ClassifiedError, type ErrorClass } from './error-classification.js';
export { ProviderStreamError } from './provider-stream-error.js';
