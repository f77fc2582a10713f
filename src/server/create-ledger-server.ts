import { Hono } from 'hono';
import type { Ledger } from '../core/ledger.js';
import type { Meter } from '../meters/meter.js';
import { TokenChecker, type Access } from './access.js';
import { ApiError, errorBody, errorResponse } from './api-error.js';
import { defaultDashboardDir, SECURITY_HEADERS } from './dashboard-assets.js';
import { EventHub } from './event-hub.js';
import { RecentAlerts } from './recent-alerts.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { registerCallRoutes } from './routes/calls.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerEventRoutes } from './routes/events.js';
import { registerMeterRoutes } from './routes/meters.js';
import { registerOperationRoutes } from './routes/operations.js';
import { registerPriceRoutes } from './routes/prices.js';
import { registerUsageRoutes } from './routes/usage.js';
import type { ServerEnv, ServerContext } from './server-context.js';
import {
  checkServerOptions,
  type AlertSource,
  type LedgerServerOptions,
  type MetricsRegistry,
  type PriceExplainer,
} from './server-options.js';

/** A ledger as `createLedger()` returns it: its meter and monitor, when configured, are found on it. */
export type ServableLedger = Ledger & { readonly meter?: Meter; readonly monitor?: AlertSource };

/** A Web-standard request handler, plus `close()` to end the live tails (on shutdown). */
export interface LedgerServer {
  (request: Request): Promise<Response>;
  fetch(request: Request): Promise<Response>;
  /** Ends every open event stream and unsubscribes from the ledger, the meter and the monitor. The ledger stays open. */
  close(): void;
}

/**
 * The JSON API (and the dashboard) over a ledger, as a `fetch(Request) => Promise<Response>`
 * handler: mount it in `node:http` (through `@hono/node-server`), Express, Fastify, Hono or a
 * Next.js route. Reads only: nothing it serves can change the ledger.
 *
 * @example
 * const ledger = createLedger();
 * const server = createLedgerServer(ledger, { tokens: [{ token: process.env.LEDGER_TOKEN! }] });
 * serve({ fetch: server, hostname: '127.0.0.1', port: 4318 }); // from @hono/node-server
 */
export function createLedgerServer(ledger: ServableLedger, options?: LedgerServerOptions): LedgerServer {
  const checked = checkServerOptions(options);
  const tokens = new TokenChecker(checked.tokens ?? []);
  const meter = checked.meter === null ? undefined : (checked.meter ?? ledger.meter);
  const monitor = checked.monitor === null ? undefined : (checked.monitor ?? ledger.monitor);
  const unsubscribers: Array<() => void> = [];
  const events = new EventHub(
    (hub) => {
      ledger.addHandler(hub);
      if (monitor)
        unsubscribers.push(
          monitor.subscribe((event) => {
            if (event.level !== 'warn') return;
            hub.alert(
              { source: 'monitor', name: event.event, at: new Date().toISOString(), fields: event.fields },
              null,
            );
          }),
        );
      if (meter)
        unsubscribers.push(
          meter.onAlert((alert) => {
            const tenant = alert.subject.startsWith('tenant:') ? alert.subject.slice('tenant:'.length) : null;
            hub.alert(
              { source: 'meter', name: 'limit_alert', at: new Date().toISOString(), fields: { ...alert } },
              tenant,
            );
          }),
        );
    },
    (hub) => {
      ledger.removeHandler(hub);
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
    },
    checked.events,
  );
  const context: ServerContext = {
    ledger,
    meter,
    pricer: checked.pricer === null ? undefined : (checked.pricer ?? explainerOf(ledger.pricer)),
    metrics: metricsRegistryOf(checked.metrics),
    events,
    alerts: new RecentAlerts(monitor, meter),
  };

  const app = new Hono<ServerEnv>();
  app.onError((error, c) => errorResponse(c, error));
  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));
  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });
  // The API and metrics need a token (when tokens are configured); /healthz answers its verdict to anyone.
  app.use('*', async (c, next) => {
    const path = c.req.path;
    const guarded = path === '/api' || path.startsWith('/api/') || path === '/metrics' || path === '/healthz';
    if (!guarded) return next();
    const access: Access | null = tokens.check(c.req.header('authorization'));
    if (access === null && path !== '/healthz') {
      const message =
        tokens.required && c.req.header('authorization') === undefined
          ? 'this server needs a token: send Authorization: Bearer TOKEN'
          : 'the token is not valid';
      return c.json(errorBody('unauthorized', message), 401, { 'WWW-Authenticate': 'Bearer' });
    }
    if (access !== null) c.set('access', access);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      throw new ApiError('method_not_allowed', `${c.req.method} is not allowed: this API reads only`);
    }
    c.header('Cache-Control', 'no-store');
    return next();
  });

  registerCallRoutes(app, context);
  registerUsageRoutes(app, context);
  registerMeterRoutes(app, context);
  registerPriceRoutes(app, context);
  registerEventRoutes(app, context);
  registerAlertRoutes(app, context);
  registerOperationRoutes(app, context);
  registerDashboardRoutes(app, checked.dashboardDir ?? defaultDashboardDir());

  const fetch = async (request: Request): Promise<Response> => app.fetch(request);
  const close = () => {
    events.close();
    context.alerts.close();
  };
  return Object.assign(fetch, { fetch, close });
}

function explainerOf(pricer: unknown): PriceExplainer | undefined {
  return typeof (pricer as PriceExplainer | undefined)?.explain === 'function' ? (pricer as PriceExplainer) : undefined;
}

function metricsRegistryOf(source: LedgerServerOptions['metrics']): MetricsRegistry | undefined {
  if (!source) return undefined;
  return 'registry' in source ? source.registry : source;
}
