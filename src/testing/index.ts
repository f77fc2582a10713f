/**
 * `llm-ledger/testing`: a local HTTP server that answers like OpenAI, Anthropic and Gemini, JSON and
 * SSE byte for byte, with replies you script. Point your own SDK clients at it in your tests
 * (`baseURL: server.openaiBaseURL`, ...): no API key, no network, deterministic usage.
 *
 * @example
 * const server = await startWireServer();
 * server.script('openai.chat', chatCompletion({ content: 'Hi!', usage: openaiUsage(12, 3) }));
 * const openai = ledger.wrap(new OpenAI({ apiKey: 'test', baseURL: server.openaiBaseURL, maxRetries: 0 }));
 * await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
 * await server.close();
 */
export * from './wire-server/wire-server.js';
export * from './wire-server/openai-wire.js';
export * from './wire-server/openai-responses-wire.js';
export * from './wire-server/anthropic-wire.js';
export * from './wire-server/gemini-wire.js';
