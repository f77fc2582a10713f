import { readParams } from '../query-params.js';
import type { ServerApp, ServerContext } from '../server-context.js';

/** `GET /api/v1/alerts`: the monitor's active alerts and the recent crossings (the dashboard's Alerts page). */
export function registerAlertRoutes(app: ServerApp, context: ServerContext): void {
  app.get('/api/v1/alerts', (c) => {
    readParams(new URL(c.req.url), [], 'GET /api/v1/alerts');
    return c.json(context.alerts.answer(c.get('access')));
  });
}
