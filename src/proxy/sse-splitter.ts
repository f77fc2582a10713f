const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a Server-Sent Events byte stream into whole events as they complete. Events are handed
 * out as slices of the bytes received (no copy, no re-encoding) with their blank-line separator,
 * so a caller that forwards them writes exactly what the upstream sent. An event split across
 * socket reads is held until its end arrives: only then can it be read at all.
 */
export class SseSplitter {
  private rest: Buffer | undefined;

  /** Calls `onEvent` for every event `chunk` completes, oldest first. */
  push(chunk: Buffer, onEvent: (event: Buffer) => void): void {
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
      onEvent(bytes.subarray(start, end));
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
 * The `data:` payload of one event (its lines joined by `\n`, as the SSE grammar says), or
 * undefined for an event without data (comments, retry hints).
 */
export function sseData(event: Buffer): string | undefined {
  const text = event.toString('utf8');
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
