import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The provider endpoints the server speaks, one queue of scripted replies each. */
export type RouteName =
  | 'openai.chat'
  | 'openai.responses'
  | 'openai.embeddings'
  | 'anthropic.messages'
  | 'gemini.generate'
  | 'gemini.stream'
  | 'gemini.embed';

export interface RecordedRequest {
  route: RouteName;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** Model named in the path (Gemini) or the body (OpenAI, Anthropic). */
  model: string | undefined;
}

/** One Server-Sent Event; an object `data` is sent as JSON. */
export interface SseEvent {
  event?: string;
  data: string | object;
}

export type Reply =
  | {
      kind: 'json';
      status?: number;
      body: unknown;
      headers?: Record<string, string>;
      /** Waits this long before answering (a model's think time). */
      delayMs?: number;
    }
  | {
      kind: 'sse';
      events: readonly SseEvent[];
      status?: number;
      headers?: Record<string, string>;
      /** Waits this long before the headers and the first event (time to first token). */
      delayMs?: number;
      /** Pause between events (a slow stream). 0 writes them back to back. */
      intervalMs?: number;
      /** Destroys the socket after this many events: a dropped connection, no clean end. */
      dropAfter?: number;
      /** Writes every event in one socket write (benchmarks: many chunks, little syscall noise). */
      coalesce?: boolean;
      /** Line separator between events; Gemini accepts `\r\n\r\n` too. */
      separator?: string;
    }
  /** Closes the connection without any response. */
  | { kind: 'drop' }
  /** Never answers; the client has to time out or abort. */
  | { kind: 'hang' };

export type Script = Reply | ((request: RecordedRequest) => Reply);

export interface WireServer {
  readonly url: string;
  /** `baseURL` for the openai SDK. */
  readonly openaiBaseURL: string;
  /** `baseURL` for @anthropic-ai/sdk. */
  readonly anthropicBaseURL: string;
  /** `httpOptions.baseUrl` for @google/genai. */
  readonly geminiBaseURL: string;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** Queues replies for the next requests to `route`, in order. */
  script(route: RouteName, ...scripts: Script[]): void;
  /** The reply used when a route's queue is empty (benchmarks). */
  setDefault(route: RouteName, script: Script | undefined): void;
  /** Forgets queued replies, defaults and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server that answers like OpenAI, Anthropic and Gemini, byte for byte, with replies
 * scripted per test. Sockets use `noDelay`: with Nagle's algorithm and delayed ACKs, small SSE
 * writes would wait up to 40 ms and every stream timing would be noise.
 */
export async function startWireServer(): Promise<WireServer> {
  const queues = new Map<RouteName, Script[]>();
  const defaults = new Map<RouteName, Script>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer({ noDelay: true, keepAlive: true }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A broken script is the test's bug: answer 500 so the test fails loudly, not by timeout.
      if (!response.headersSent) sendJson(response, 500, { error: { message: String(error), type: 'script_error' } });
      else response.destroy();
    });
  });
  server.on('connection', (socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const found = routeOf(request.method ?? 'GET', url.pathname);
    const raw = await readBody(request);
    if (!found) {
      sendJson(response, 404, { error: { message: `no route for ${request.method} ${url.pathname}` } });
      return;
    }
    let body: Record<string, unknown> = {};
    try {
      body = raw.length > 0 ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      sendJson(response, 400, { error: { message: 'invalid JSON body', type: 'invalid_request_error' } });
      return;
    }
    const recorded: RecordedRequest = {
      route: found.route,
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body,
      model: found.model ?? (typeof body.model === 'string' ? body.model : undefined),
    };
    requests.push(recorded);
    // A client that hung up before its request was read (an abort on a loaded machine) must not
    // take the reply scripted for the next request.
    if (request.socket.destroyed) return;
    const script = queues.get(found.route)?.shift() ?? defaults.get(found.route);
    if (!script) {
      sendJson(response, 500, { error: { message: `no scripted reply for ${found.route}`, type: 'server_error' } });
      return;
    }
    const reply = typeof script === 'function' ? script(recorded) : script;
    await send(response, reply);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    geminiBaseURL: url,
    requests,
    script(route, ...scripts) {
      const queue = queues.get(route) ?? [];
      queue.push(...scripts);
      queues.set(route, queue);
    },
    setDefault(route, script) {
      if (script) defaults.set(route, script);
      else defaults.delete(route);
    },
    reset() {
      queues.clear();
      defaults.clear();
      requests.length = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function routeOf(method: string, path: string): { route: RouteName; model?: string } | undefined {
  if (method !== 'POST') return undefined;
  if (path === '/v1/chat/completions') return { route: 'openai.chat' };
  if (path === '/v1/responses') return { route: 'openai.responses' };
  if (path === '/v1/embeddings') return { route: 'openai.embeddings' };
  if (path === '/v1/messages') return { route: 'anthropic.messages' };
  const gemini = /^\/v1(?:beta|alpha)?\/models\/([^:]+):(\w+)$/.exec(path);
  if (!gemini) return undefined;
  const model = decodeURIComponent(gemini[1]!);
  switch (gemini[2]) {
    case 'generateContent':
      return { route: 'gemini.generate', model };
    case 'streamGenerateContent':
      return { route: 'gemini.stream', model };
    case 'embedContent':
    case 'batchEmbedContents':
      return { route: 'gemini.embed', model };
    default:
      return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function formatSse(event: SseEvent, separator = '\n\n'): string {
  const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
  return (event.event ? `event: ${event.event}\n` : '') + `data: ${data}${separator}`;
}

async function send(response: ServerResponse, reply: Reply): Promise<void> {
  if ((reply.kind === 'json' || reply.kind === 'sse') && reply.delayMs) {
    await sleep(reply.delayMs);
    if (response.destroyed) return;
  }
  switch (reply.kind) {
    case 'json':
      sendJson(response, reply.status ?? 200, reply.body, reply.headers);
      return;
    case 'drop':
      response.socket?.destroy();
      return;
    case 'hang':
      return;
    case 'sse':
      await sendSse(response, reply);
      return;
  }
}

async function sendSse(response: ServerResponse, reply: Extract<Reply, { kind: 'sse' }>): Promise<void> {
  response.writeHead(reply.status ?? 200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...reply.headers,
  });
  const separator = reply.separator ?? '\n\n';
  const limit = reply.dropAfter ?? Infinity;
  const events = reply.events.slice(0, limit);
  if (reply.coalesce) {
    response.write(events.map((event) => formatSse(event, separator)).join(''));
  } else {
    response.flushHeaders();
    for (const [index, event] of events.entries()) {
      if (index > 0 && reply.intervalMs) await sleep(reply.intervalMs);
      if (response.destroyed) return;
      response.write(formatSse(event, separator));
    }
  }
  if (reply.dropAfter !== undefined && reply.dropAfter < reply.events.length) {
    // Let the written events leave before the connection dies, as a real mid-stream drop would.
    await sleep(5);
    response.socket?.destroy();
    return;
  }
  response.end();
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
