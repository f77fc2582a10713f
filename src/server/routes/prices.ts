import { ApiError } from '../api-error.js';
import { checkDate, readParams, single } from '../query-params.js';
import type { ServerApp, ServerContext } from '../server-context.js';

export function registerPriceRoutes(app: ServerApp, context: ServerContext): void {
  app.get('/api/v1/prices/:model', (c) => {
    const place = 'GET /api/v1/prices/:model';
    const values = readParams(new URL(c.req.url), ['provider', 'at'], place);
    if (!context.pricer) throw new ApiError('not_configured', 'pricing is off for this ledger (settings.pricing)');
    const at = single(values, 'at', place);
    if (at !== undefined) checkDate(at, 'at', place);
    const explanation = context.pricer.explain(c.req.param('model'), {
      provider: single(values, 'provider', place),
      at: at === undefined ? undefined : /^\d{4}-\d{2}-\d{2}$/.test(at) ? `${at}T00:00:00Z` : at,
    });
    // An unknown model is an answer (no matches, and the steps tried), not an error.
    return c.json({ explanation, known: explanation.matches.length > 0 });
  });
}
