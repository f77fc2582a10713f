import { useEffect, useState } from 'preact/hooks';
import type { AlertEventData, CallEventData, MissedEventData } from '../../../event-types.js';
import { apiUrl, authHeaders } from './api.js';

/** `event: call` on `/api/v1/events`: the call's row, not its content (the server's own type). */
export type CallEvent = CallEventData;

/** `event: alert`: a monitor alert or a meter's limit crossing. */
export type AlertEvent = AlertEventData;

/** `event: missed`: some events after the last one read were not replayed on reconnecting. */
export type MissedEvent = MissedEventData;

export type LiveEvent =
  { type: 'call'; data: CallEvent } | { type: 'alert'; data: AlertEvent } | { type: 'missed'; data: MissedEvent };
export type Connection = 'connecting' | 'open' | 'closed';

const KEEP = 500;

/**
 * Reads the server's event stream with fetch (not EventSource, which cannot send the token
 * header), reconnecting after a drop with the id of the last event read (Last-Event-ID), so the
 * server replays what came meanwhile. Newest events first, at most KEEP of them.
 */
export function useEvents(): { events: LiveEvent[]; connection: Connection } {
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [connection, setConnection] = useState<Connection>('connecting');
  useEffect(() => {
    const controller = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    let lastEventId: string | undefined;
    const connect = async () => {
      setConnection('connecting');
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream', ...authHeaders() };
        if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
        const response = await fetch(apiUrl('events'), {
          headers,
          signal: controller.signal,
        });
        if (!response.ok || !response.body) throw new Error(`${response.status}`);
        setConnection('open');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
            const { event, id } = parseBlock(block);
            if (id !== undefined) lastEventId = id;
            if (event) setEvents((previous) => [event, ...previous].slice(0, KEEP));
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      if (controller.signal.aborted) return;
      setConnection('closed');
      retry = setTimeout(() => void connect(), 3000);
    };
    void connect();
    return () => {
      controller.abort();
      clearTimeout(retry);
    };
  }, []);
  return { events, connection };
}

function parseBlock(block: string): { event: LiveEvent | undefined; id: string | undefined } {
  let type = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  if (data.length === 0 || (type !== 'call' && type !== 'alert' && type !== 'missed')) return { event: undefined, id };
  try {
    return { event: { type, data: JSON.parse(data.join('\n')) } as LiveEvent, id };
  } catch {
    return { event: undefined, id };
  }
}
