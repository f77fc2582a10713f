import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * A node:http request listener serving a registry in the Prometheus text format, to mount in
 * your own server (or pass to `http.createServer`). GET and HEAD only; a failing collector
 * answers 500 with its message rather than a partial scrape.
 *
 * @example
 * const serveMetrics = createMetricsHandler(metrics.registry);
 * http.createServer((req, res) => (req.url === '/metrics' ? serveMetrics(req, res) : app(req, res))).listen(3000);
 */
export function createMetricsHandler(
  source: Registry | { registry: Registry },
): (request: IncomingMessage, response: ServerResponse) => void {
  const registry = 'registry' in source ? source.registry : source;
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Method Not Allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'Content-Type': registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        response.end(`metrics collection failed: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  };
}
