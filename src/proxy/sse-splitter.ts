const LF = 0x0a;
const CR = 0x0d;

/**
 * Where one event lies: `bytes[start, end)`, blank-line separator included. `bytes` is the read
 * itself or, when an event spanned reads, the held bytes joined with it.
 */
export type OnSseEvent = (bytes: Buffer, start: number, end: number) => void;

/**
 * Splits a Server-Sent Events byte stream into whole events as they complete. Events are handed
 * out as ranges of the bytes received (no copy, no re-encoding, not even a view allocated per
 * event) with their blank-line separator, so a caller that forwards them writes exactly what the
 * upstream sent. An event split across socket reads is held until its end arrives: only then can
 * it be read at all.
 */
export class SseSplitter {
  private rest: Buffer | undefined;

  /** Calls `onEvent` for every event `chunk` completes, oldest first. */
  push(chunk: Buffer, onEvent: OnSseEvent): void {
    let bytes = chunk;
    let from = 0;
    if (this.rest) {
      // Look again only at the tail that could now finish the held event.
      from = Math.max(0, this.rest.length - 3);
      bytes = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    let start = 0;
    for (;;) {
      const end = eventEnd(bytes, Math.max(start, from));
      if (end < 0) break;
      onEvent(bytes, start, end);
      start = end;
    }
    if (start < bytes.length) this.rest = bytes.subarray(start);
  }

  /** Bytes of an event the stream never finished (a stream cut mid-event). */
  takeRest(): Buffer | undefined {
    const rest = this.rest;
    this.rest = undefined;
    return rest;
  }
}

/** The index just past the first blank line (`\n\n`, `\r\n\r\n`, `\r\r`) at or after `from`, or -1. */
function eventEnd(bytes: Buffer, from: number): number {
  let index = bytes.indexOf(LF, from);
  while (index >= 0) {
    const next = bytes[index + 1];
    if (next === LF) return index + 2;
    if (next === CR && bytes[index + 2] === LF) return index + 3;
    if (next === undefined) return -1;
    index = bytes.indexOf(LF, index + 1);
  }
  // Bare-CR separators (rare, but allowed by the SSE grammar).
  const cr = bytes.indexOf('\r\r', from);
  return cr >= 0 ? cr + 2 : -1;
}

/**
 * The `data:` payload of the event at `bytes[start, end)` (its lines joined by `\n`, as the SSE
 * grammar says), or undefined for an event without data (comments, retry hints).
 */
export function sseData(bytes: Buffer, start = 0, end = bytes.length): string | undefined {
  return singleDataLine(bytes, start, end) ?? sseDataOfText(bytes.toString('utf8', start, end));
}

const DATA = [0x64, 0x61, 0x74, 0x61, 0x3a]; // `data:`

/**
 * The payload of the usual event, one `data:` line and its blank line, decoded straight from the
 * bytes (one string, not the event's text and then its lines); undefined for any other shape,
 * which `sseDataOfText` reads.
 */
function singleDataLine(bytes: Buffer, start: number, end: number): string | undefined {
  if (end - start < DATA.length + 1) return undefined;
  for (let index = 0; index < DATA.length; index++) {
    if (bytes[start + index] !== DATA[index]) return undefined;
  }
  let valueStart = start + DATA.length;
  if (bytes[valueStart] === 0x20) valueStart++;
  const lineEnd = bytes.indexOf(LF, valueStart);
  if (lineEnd < 0 || lineEnd >= end) return undefined;
  // Only line ends may follow: a second line (another field, or more data) takes the general path.
  for (let index = lineEnd + 1; index < end; index++) {
    const byte = bytes[index];
    if (byte !== LF && byte !== CR) return undefined;
  }
  const valueEnd = lineEnd > valueStart && bytes[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
  return bytes.toString('utf8', valueStart, valueEnd);
}

function sseDataOfText(text: string): string | undefined {
  let data: string | undefined;
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    let line = text.slice(lineStart, lineEnd);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 0x20 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    }
    lineStart = lineEnd + 1;
  }
  return data;
}

/** Whether a `content-type` is an event stream (server-sent events). */
export function isEventStream(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.includes('text/event-stream');
}
