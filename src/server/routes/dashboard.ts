import type { Context } from 'hono';
import { CONTENT_SECURITY_POLICY, DashboardAssets, NOT_BUILT_PAGE, type StaticFile } from '../dashboard-assets.js';
import type { ServerApp } from '../server-context.js';

/**
 * `/` and any other path outside the API answer the dashboard's index.html (its router reads the
 * path), `/assets/*` its files. The HTML carries the Content-Security-Policy.
 */
export function registerDashboardRoutes(app: ServerApp, dir: string | false): void {
  const assets = dir === false ? undefined : new DashboardAssets(dir);

  app.get('/assets/*', async (c) => {
    const file = assets ? await assets.asset(c.req.path.slice('/assets/'.length)) : null;
    if (!file) return c.text('Not found\n', 404);
    return send(c, file);
  });

  const page = async (c: Context) => {
    const file = assets ? await assets.index() : null;
    if (!file) {
      return c.html(NOT_BUILT_PAGE, 200, {
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'Cache-Control': 'no-cache',
      });
    }
    return send(c, file);
  };
  app.get('/', page);
  // The dashboard's own paths (/calls/ID, /traces/ID ...), so a shared link or a reload works.
  app.get('*', async (c, next) => {
    const path = c.req.path;
    if (path.startsWith('/api/') || path === '/api' || path === '/metrics' || path === '/healthz') return next();
    if (!(c.req.header('accept') ?? '').includes('text/html')) return next();
    return page(c);
  });
}

function send(c: Context, file: StaticFile): Response {
  const headers: Record<string, string> = {
    'Content-Type': file.contentType,
    // Asset names may not carry a content hash: revalidated each time rather than cached stale.
    'Cache-Control': 'no-cache',
  };
  if (file.contentType.startsWith('text/html')) headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
  return c.body(file.body as Uint8Array<ArrayBuffer>, 200, headers);
}
