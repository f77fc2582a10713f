import { readParams } from '../query-params.js';
import type { ServerApp, ServerContext } from '../server-context.js';

export function registerEventRoutes(app: ServerApp, context: ServerContext): void {
  app.get('/api/v1/events', (c) => {
    readParams(new URL(c.req.url), [], 'GET /api/v1/events');
    const body = context.events.open(c.get('access'), c.req.raw.signal);
    return new Response(body, {
      headers: {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        // Stops nginx from buffering the stream.
        'X-Accel-Buffering': 'no',
      },
    });
  });
}
