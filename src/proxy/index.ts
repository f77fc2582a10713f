/**
 * `llm-ledger/proxy`: an HTTP proxy in front of OpenAI, Anthropic, Gemini and OpenAI-compatible
 * APIs that records, meters and attributes every call, so programs in any language are ledgered
 * by changing only their base URL.
 */
export { createLedgerProxy } from './create-proxy.js';
export type { LedgerProxy, LedgerProxyOptions } from './create-proxy.js';
export { startLedgerProxy } from './listen.js';
export type { ProxyServer } from './listen.js';
export { DEFAULT_UPSTREAMS } from './routes.js';
export { loadVirtualKeys } from './virtual-keys.js';
export type { VirtualKey } from './virtual-keys.js';
export type { HeaderAttribution } from './attribution.js';
