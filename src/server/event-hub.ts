import type { LedgerHandler } from '../core/handlers.js';
import type { CallRecord } from '../core/record.js';
import type { Access } from './access.js';

/** What `event: call` carries: the call's row in a table, not its content (fetch `/api/v1/calls/:id` for that). */
export interface CallEventData {
  id: string;
  traceId: string;
  parentId: string | null;
  sessionId: string | null;
  userId: string | null;
  tenantId: string | null;
  callType: string;
  provider: string;
  model: string;
  status: string;
  startedAt: string;
  endedAt: string;
  latencyMs: number;
  ttftMs: number | null;
  tokens: CallRecord['tokens'];
  cost: { total: string | null; currency: string; status: string } | null;
  errorType: string | null;
  tags: string[];
}

/** An alert for `event: alert`: `source` says who raised it; `tenantId` scopes it (null: every tenant's view, unscoped tokens only). */
export interface AlertEventData {
  source: 'monitor' | 'meter';
  name: string;
  at: string;
  fields: Record<string, unknown>;
}

export interface EventHubOptions {
  /** Events kept per client while it reads slower than they come; the oldest are dropped past it. Default 1000. */
  bufferSize?: number;
  /** A comment line sent this often so proxies keep the connection open. Default 15000. */
  heartbeatMs?: number;
}

interface Client {
  access: Access;
  buffer: string[];
  dropped: number;
  wake: (() => void) | undefined;
  closed: boolean;
}

const encoder = new TextEncoder();

/**
 * The live tail behind `GET /api/v1/events`: one ledger handler fanning calls and alerts out to
 * every connected client as Server-Sent Events. Each client has a bounded buffer (a slow reader
 * loses its oldest events and is told how many, never holds the ledger up), a heartbeat, and is
 * removed when it disconnects; the handler is attached while at least one client listens.
 */
export class EventHub implements LedgerHandler {
  readonly name = 'llm-ledger-server-events';
  private readonly clients = new Set<Client>();
  private readonly bufferSize: number;
  private readonly heartbeatMs: number;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private sequence = 0;

  constructor(
    private readonly attach: (hub: EventHub) => void,
    private readonly detach: (hub: EventHub) => void,
    options: EventHubOptions = {},
  ) {
    this.bufferSize = Math.max(1, options.bufferSize ?? 1000);
    this.heartbeatMs = Math.max(10, options.heartbeatMs ?? 15_000);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  onEnd(record: CallRecord): void {
    if (this.clients.size === 0) return;
    const data = JSON.stringify(callEventData(record));
    this.broadcast('call', data, (access) => access.tenantId === null || access.tenantId === record.tenantId);
  }

  /** An alert: a monitor's (global, shown to unscoped tokens only) or a meter's (scoped by its subject). */
  alert(alert: AlertEventData, tenantId: string | null): void {
    if (this.clients.size === 0) return;
    const data = JSON.stringify(alert);
    this.broadcast(
      'alert',
      data,
      (access) => access.tenantId === null || (tenantId !== null && access.tenantId === tenantId),
    );
  }

  /** A response streaming this client's events until it disconnects (`signal`) or the hub closes. */
  open(access: Access, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
    const client: Client = { access, buffer: [], dropped: 0, wake: undefined, closed: false };
    const remove = () => {
      if (client.closed) return;
      client.closed = true;
      this.clients.delete(client);
      client.wake?.();
      if (this.clients.size === 0) this.stop();
    };
    if (this.clients.size === 0) this.start();
    this.clients.add(client);
    signal?.addEventListener('abort', remove, { once: true });
    // The first bytes tell the client how long to wait before reconnecting, and flush the headers.
    client.buffer.push('retry: 3000\n: connected\n\n');
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        while (client.buffer.length === 0 && !client.closed) {
          await new Promise<void>((resolve) => (client.wake = resolve));
          client.wake = undefined;
        }
        if (client.closed && client.buffer.length === 0) {
          controller.close();
          return;
        }
        let text = '';
        if (client.dropped > 0) {
          text += `event: dropped\ndata: ${JSON.stringify({ dropped: client.dropped })}\n\n`;
          client.dropped = 0;
        }
        text += client.buffer.join('');
        client.buffer.length = 0;
        controller.enqueue(encoder.encode(text));
      },
      cancel: remove,
    });
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    for (const client of [...this.clients]) {
      client.closed = true;
      client.wake?.();
    }
    this.clients.clear();
    this.stop();
  }

  private broadcast(event: string, data: string, allowed: (access: Access) => boolean): void {
    this.sequence += 1;
    const message = `id: ${this.sequence}\nevent: ${event}\ndata: ${data}\n\n`;
    for (const client of this.clients) {
      if (!allowed(client.access)) continue;
      this.push(client, message);
    }
  }

  private push(client: Client, message: string): void {
    if (client.buffer.length >= this.bufferSize) {
      client.buffer.shift();
      client.dropped += 1;
    }
    client.buffer.push(message);
    client.wake?.();
  }

  private start(): void {
    this.attach(this);
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) this.push(client, ': heartbeat\n\n');
    }, this.heartbeatMs);
    this.heartbeat.unref?.();
  }

  private stop(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.detach(this);
  }
}

export function callEventData(record: CallRecord): CallEventData {
  return {
    id: record.id,
    traceId: record.traceId,
    parentId: record.parentId,
    sessionId: record.sessionId,
    userId: record.userId,
    tenantId: record.tenantId,
    callType: record.callType,
    provider: record.provider,
    model: record.model,
    status: record.status,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    latencyMs: record.latencyMs,
    ttftMs: record.ttftMs,
    tokens: record.tokens,
    cost: record.cost ? { total: record.cost.total, currency: record.cost.currency, status: record.cost.status } : null,
    errorType: record.errorType,
    tags: record.tags,
  };
}
