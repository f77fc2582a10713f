import { ApiError } from '../api-error.js';
import { LastEventIdError } from '../event-hub.js';
import { readParams } from '../query-params.js';
import type { ServerApp, ServerContext } from '../server-context.js';

export function registerEventRoutes(app: ServerApp, context: ServerContext): void {
  app.get('/api/v1/events', (c) => {
    readParams(new URL(c.req.url), [], 'GET /api/v1/events');
    // A reconnecting EventSource sends the id of the last event it read: the events after it are replayed.
    const lastEventId = c.req.header('last-event-id');
    let body: ReadableStream<Uint8Array>;
    try {
      body = context.events.open(c.get('access'), c.req.raw.signal, lastEventId === '' ? undefined : lastEventId);
    } catch (error) {
      if (error instanceof LastEventIdError) {
        throw new ApiError('invalid_request', `GET /api/v1/events: ${error.message}`, 'Last-Event-ID');
      }
      throw error;
    }
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
