import type { Hono } from 'hono';
import type { Ledger } from '../core/ledger.js';
import type { Meter } from '../meters/meter.js';
import type { Access } from './access.js';
import type { EventHub } from './event-hub.js';
import type { RecentAlerts } from './recent-alerts.js';
import type { MetricsRegistry, PriceExplainer } from './server-options.js';

/** What every route reads: the ledger, the optional meter, pricer and metrics, the live tail and the alerts, resolved once when the server is created. */
export interface ServerContext {
  ledger: Ledger;
  meter: Meter | undefined;
  pricer: PriceExplainer | undefined;
  metrics: MetricsRegistry | undefined;
  events: EventHub;
  alerts: RecentAlerts;
}

export type ServerEnv = { Variables: { access: Access } };
export type ServerApp = Hono<ServerEnv>;
