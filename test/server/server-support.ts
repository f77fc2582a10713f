import { createLedgerServer, type ServableLedger } from '../../src/server/create-ledger-server.js';
import { listenLedgerServer, type ListeningServer } from '../../src/server/listen.js';
import type { LedgerServerOptions } from '../../src/server/server-options.js';

export interface TestServer {
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies of many shapes, asserted field by field
  get(path: string, token?: string): Promise<{ status: number; body: any; headers: Headers; text: string }>;
  close(): Promise<void>;
  listening: ListeningServer;
}

/** A ledger server on a real port (0: any free one) through @hono/node-server. */
export async function startServer(ledger: ServableLedger, options: LedgerServerOptions = {}): Promise<TestServer> {
  const server = createLedgerServer(ledger, { dashboardDir: false, ...options });
  const listening = await listenLedgerServer(server, { port: 0, tokens: options.tokens });
  const url = listening.url.replace(/\/$/, '');
  return {
    url,
    listening,
    async get(path, token) {
      const response = await fetch(url + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: response.status, body, headers: response.headers, text };
    },
    close: () => listening.close(),
  };
}

/** Reads Server-Sent Events from a fetch response until `until` says stop (or the timeout passes). */
export async function readEvents(
  url: string,
  options: {
    token?: string;
    /** Sent as the Last-Event-ID header, as a reconnecting EventSource does. */
    lastEventId?: string;
    until: (events: SseEvent[]) => boolean;
    timeoutMs?: number;
    onOpen?: () => void | Promise<void>;
  },
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 20_000);
  const events: SseEvent[] = [];
  try {
    const headers: Record<string, string> = {};
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (options.lastEventId !== undefined) headers['Last-Event-ID'] = options.lastEventId;
    const response = await fetch(url, {
      headers,
      signal: controller.signal,
    });
    if (response.status !== 200) throw new Error(`events: HTTP ${response.status} ${await response.text()}`);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let opened = false;
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { event: 'message', data: '', comment: '', id: '' };
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) event.comment += line.slice(1).trim();
          else if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) event.data += line.slice(6);
          else if (line.startsWith('id: ')) event.id = line.slice(4);
        }
        events.push(event);
      }
      if (!opened) {
        opened = true;
        await options.onOpen?.();
      }
      if (options.until(events)) break;
    }
    controller.abort();
    return events;
  } finally {
    clearTimeout(timer);
  }
}

export interface SseEvent {
  event: string;
  data: string;
  comment: string;
  /** The `id:` field ('' without one). */
  id: string;
}
