import type { LedgerHandler } from '../core/handlers.js';
import type { CallRecord } from '../core/record.js';
import type { Access } from './access.js';
import type { AlertEventData, CallEventData, MissedEventData } from './event-types.js';

export type { AlertEventData, CallEventData, MissedEventData } from './event-types.js';

export interface EventHubOptions {
  /** Events kept per client while it reads slower than they come; the oldest are dropped past it. Default 1000. */
  bufferSize?: number;
  /** A comment line sent this often so proxies keep the connection open. Default 15000. */
  heartbeatMs?: number;
  /** Events kept for clients that reconnect with `Last-Event-ID` (the newest ones). Default 1000. */
  replaySize?: number;
}

/** A `Last-Event-ID` the hub cannot resume from: malformed, or naming an event not sent yet. */
export class LastEventIdError extends Error {}

interface Sent {
  sequence: number;
  message: string;
  allowed: (access: Access) => boolean;
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
 * removed when it disconnects. The newest events are also kept for clients that reconnect with
 * `Last-Event-ID`; the handler is attached from the first client until close().
 */
export class EventHub implements LedgerHandler {
  readonly name = 'llm-ledger-server-events';
  private readonly clients = new Set<Client>();
  private readonly bufferSize: number;
  private readonly heartbeatMs: number;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private sequence = 0;
  private readonly replaySize: number;
  /** The newest events, oldest first, for `Last-Event-ID` (a ring would save the shift; 1000 strings do not need it). */
  private readonly replay: Sent[] = [];
  private attached = false;
  /** Names this hub's ids: an id of another process (a restarted server) is recognised as such, not misread. */
  private readonly epoch = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);

  constructor(
    private readonly attach: (hub: EventHub) => void,
    private readonly detach: (hub: EventHub) => void,
    options: EventHubOptions = {},
  ) {
    this.bufferSize = Math.max(1, options.bufferSize ?? 1000);
    this.heartbeatMs = Math.max(10, options.heartbeatMs ?? 15_000);
    this.replaySize = Math.max(1, options.replaySize ?? 1000);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  onEnd(record: CallRecord): void {
    const data = JSON.stringify(callEventData(record));
    this.broadcast('call', data, (access) => access.tenantId === null || access.tenantId === record.tenantId);
  }

  /** An alert: a monitor's (global, shown to unscoped tokens only) or a meter's (scoped by its subject). */
  alert(alert: AlertEventData, tenantId: string | null): void {
    if (!this.attached) return;
    const data = JSON.stringify(alert);
    this.broadcast(
      'alert',
      data,
      (access) => access.tenantId === null || (tenantId !== null && access.tenantId === tenantId),
    );
  }

  /**
   * A response streaming this client's events until it disconnects (`signal`) or the hub closes.
   * With `lastEventId` (the `Last-Event-ID` header of a reconnecting client), the events after it
   * that are still kept are sent first; when some are no longer kept (or the id is of another
   * server process) an `event: missed` says so before them. Throws LastEventIdError for an id that
   * is malformed or names an event not sent yet.
   */
  open(access: Access, signal: AbortSignal | undefined, lastEventId?: string): ReadableStream<Uint8Array> {
    const resume = lastEventId === undefined ? undefined : this.resumeFrom(lastEventId);
    const client: Client = { access, buffer: [], dropped: 0, wake: undefined, closed: false };
    const remove = () => {
      if (client.closed) return;
      client.closed = true;
      this.clients.delete(client);
      client.wake?.();
      if (this.clients.size === 0) this.stopHeartbeat();
    };
    // The hub keeps listening once a client has come, until close(): a client that reconnects
    // after being the only one must find the events recorded while it was away.
    if (!this.attached) {
      this.attached = true;
      this.attach(this);
    }
    if (this.clients.size === 0) this.startHeartbeat();
    this.clients.add(client);
    signal?.addEventListener('abort', remove, { once: true });
    // The first bytes tell the client how long to wait before reconnecting, and flush the headers.
    client.buffer.push('retry: 3000\n: connected\n\n');
    if (resume !== undefined) {
      if (resume.missed !== undefined) {
        client.buffer.push(`event: missed\ndata: ${JSON.stringify(resume.missed)}\n\n`);
      }
      for (const sent of this.replay) {
        if (sent.sequence > resume.after && sent.allowed(access)) this.push(client, sent.message);
      }
    }
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
    this.stopHeartbeat();
    this.replay.length = 0;
    if (this.attached) {
      this.attached = false;
      this.detach(this);
    }
  }

  /** Whether the hub listens to the ledger (from the first client until close()). */
  get listening(): boolean {
    return this.attached;
  }

  /** Where a reconnecting client resumes: after which sequence, and what it missed for good. */
  private resumeFrom(lastEventId: string): { after: number; missed?: MissedEventData } {
    const match = /^([0-9a-z]{1,16})-(\d{1,15})$/.exec(lastEventId);
    if (match === null) {
      throw new LastEventIdError(
        `Last-Event-ID must be the id of an event this server sent ("EPOCH-N"), received ${JSON.stringify(lastEventId.slice(0, 40))}; reconnect without it to start from now`,
      );
    }
    const oldest = this.replay[0]?.sequence ?? this.sequence + 1;
    if (match[1] !== this.epoch) {
      // Another process sent it: everything this one kept is news to the client, and what was
      // recorded in between (or before this process kept any) may be lost.
      return {
        after: 0,
        missed: {
          reason: 'restarted',
          lastEventId,
          message: 'the server restarted since this event: events recorded in between may be missing',
        },
      };
    }
    const sequence = Number(match[2]);
    if (sequence > this.sequence) {
      throw new LastEventIdError(
        `Last-Event-ID ${JSON.stringify(lastEventId)} names an event this server has not sent (its newest is ${this.epoch}-${this.sequence}); reconnect without it to start from now`,
      );
    }
    if (sequence < oldest - 1) {
      return {
        after: sequence,
        missed: {
          reason: 'expired',
          lastEventId,
          message: `events after ${lastEventId} are no longer kept (the server keeps the newest ${this.replaySize}): some were missed; reload the calls list to catch up`,
        },
      };
    }
    return { after: sequence };
  }

  private broadcast(event: string, data: string, allowed: (access: Access) => boolean): void {
    this.sequence += 1;
    const message = `id: ${this.epoch}-${this.sequence}\nevent: ${event}\ndata: ${data}\n\n`;
    this.replay.push({ sequence: this.sequence, message, allowed });
    if (this.replay.length > this.replaySize) this.replay.shift();
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

  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) this.push(client, ': heartbeat\n\n');
    }, this.heartbeatMs);
    this.heartbeat.unref?.();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
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
