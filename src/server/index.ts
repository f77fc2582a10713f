/**
 * `llm-ledger/server`: the JSON API and the dashboard over a ledger, as a Web-standard fetch handler.
 */
export { createLedgerServer } from './create-ledger-server.js';
export type { LedgerServer, ServableLedger } from './create-ledger-server.js';
export type { AlertSource, LedgerServerOptions, MetricsRegistry, PriceExplainer } from './server-options.js';
export { assertSafeBinding, isLoopbackHost } from './access.js';
export type { Access, ServerToken } from './access.js';
export type { ApiErrorBody, ApiErrorType } from './api-error.js';
export type { AlertEventData, CallEventData, EventHubOptions, MissedEventData } from './event-hub.js';
export { CONTENT_SECURITY_POLICY } from './dashboard-assets.js';
export { listenLedgerServer, DEFAULT_PORT } from './listen.js';
export type { ListenOptions, ListeningServer } from './listen.js';
