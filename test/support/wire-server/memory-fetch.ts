import { formatSse, type RecordedRequest, type Reply, type RouteName } from '../../../src/testing/index.js';

/**
 * A `fetch` that answers in memory with the wire server's replies: the SDK runs its whole path
 * (request building, parsing, SSE decoding, one network read per event) without sockets, so
 * timings of what wraps the SDK are not drowned in loopback noise.
 */
export function memoryFetch(route: RouteName, script: (request: RecordedRequest) => Reply): typeof fetch {
  const encoder = new TextEncoder();
  const encoded = new WeakMap<Reply, Uint8Array[]>();
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as Record<string, unknown>;
    const request: RecordedRequest = {
      route,
      method: init?.method ?? 'POST',
      path: url.pathname,
      query: url.searchParams,
      headers: {},
      body,
      model: typeof body.model === 'string' ? body.model : undefined,
    };
    const reply = script(request);
    if (reply.kind === 'json') {
      return new Response(JSON.stringify(reply.body), {
        status: reply.status ?? 200,
        headers: { 'content-type': 'application/json', ...reply.headers },
      });
    }
    if (reply.kind !== 'sse') throw new TypeError(`memoryFetch cannot play a ${reply.kind} reply`);
    let events = encoded.get(reply);
    if (!events) {
      events = reply.events.map((event) => encoder.encode(formatSse(event, reply.separator)));
      encoded.set(reply, events);
    }
    const parts = events;
    let index = 0;
    // One read per event, as events arrive from a real server.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (index < parts.length) controller.enqueue(parts[index++]!);
        else controller.close();
      },
    });
    return new Response(stream, { status: reply.status ?? 200, headers: { 'content-type': 'text/event-stream' } });
  };
}
