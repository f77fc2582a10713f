export * from './wire-server.js';
export * from './openai-wire.js';
export * from './openai-responses-wire.js';
export * from './anthropic-wire.js';
export * from './gemini-wire.js';
