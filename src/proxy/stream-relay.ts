import type { ServerResponse } from 'node:http';
import type { UpstreamAnswer } from './plain-upstream.js';
import { PASS, type ChunkVerdict } from '../capture/stream-capture.js';
import { write } from './backpressure.js';
import type { CacheFill } from './proxy-cache.js';
import { SseSplitter, sseData, type OnSseEvent } from './sse-splitter.js';
import type { StreamRecorder } from './stream-recorder.js';
import { upstreamFailure } from './upstream-error.js';

/**
 * Relays one event stream: each upstream read is forwarded at once, then split into events and read
 * for the record. When the proxy added OpenAI's `include_usage` (`hideUsage`), events are forwarded
 * whole instead, the usage-only chunk dropped and the `"usage":null` the API then adds cut out of
 * the bytes, so the client receives exactly what it would have received without the proxy.
 *
 * Events a read completes that pass unchanged go out as one write of the bytes they span, not one
 * write each: a read holding a whole answer (ten events and more) costs a few writes instead of a
 * chunk, a chunk-size line and a line end per event. All of it leaves while the read is handled,
 * as before.
 *
 * The response is never corked: on Node 22, `end()` on a corked response drops what the writes
 * before it buffered (on Node 20 it sends them). From a plain-http upstream the answer ends in the
 * same tick as its last read, and Node's `end()` sends that read and the chunked terminator in one
 * write; through node:https, `end` comes a tick later and the terminator is a write of its own.
 */
export class StreamRelay {
  private readonly splitter = new SseSplitter();
  private size = 0;
  /** Passed events not yet written: `span[spanStart, spanEnd)`. */
  private span: Buffer | undefined;
  private spanStart = 0;
  private spanEnd = 0;
  private readonly readEvent: OnSseEvent = (bytes, start, end) => {
    this.read(bytes, start, end);
  };
  private readonly filterEvent: OnSseEvent = (bytes, start, end) => this.filter(bytes, start, end);

  constructor(
    private readonly answer: UpstreamAnswer,
    private readonly response: ServerResponse,
    private readonly recorder: StreamRecorder,
    private readonly hideUsage: boolean,
    private readonly settle: () => boolean,
    private readonly fill: CacheFill | undefined,
    private readonly maxResponseBytes: number,
  ) {
    answer.on('data', (chunk: Buffer) => this.onData(chunk));
    answer.on('end', () => this.onEnd());
    answer.on('error', (error: Error) => this.onError(error));
  }

  private onData(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.maxResponseBytes) {
      if (this.settle()) {
        this.recorder.fail(upstreamFailure('too_large', `stream over ${this.maxResponseBytes} bytes`));
      }
      this.answer.destroy();
      this.response.destroy();
      return;
    }
    if (this.hideUsage) {
      this.splitter.push(chunk, this.filterEvent);
      this.flushSpan();
    } else {
      this.send(chunk);
      this.splitter.push(chunk, this.readEvent);
    }
  }

  private onEnd(): void {
    if (!this.settle()) return;
    const rest = this.splitter.takeRest();
    if (rest && this.hideUsage) this.send(rest);
    this.response.end();
    this.recorder.end();
  }

  private onError(error: Error): void {
    if (!this.settle()) return;
    this.recorder.fail(upstreamFailure('network', `the stream broke off: ${error.message}`, error));
    this.response.destroy();
  }

  private read(bytes: Buffer, start: number, end: number): ChunkVerdict {
    const data = sseData(bytes, start, end);
    if (data === undefined || data === '[DONE]') return PASS;
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return PASS;
    }
    return this.recorder.add(chunk);
  }

  private filter(bytes: Buffer, start: number, end: number): void {
    const verdict = this.read(bytes, start, end);
    if (verdict.send === 'chunk') {
      if (this.span === bytes && this.spanEnd === start) {
        this.spanEnd = end;
        return;
      }
      this.flushSpan();
      this.span = bytes;
      this.spanStart = start;
      this.spanEnd = end;
      return;
    }
    this.flushSpan();
    if (verdict.send === 'replacement') {
      const event = bytes.subarray(start, end);
      const text = event.toString('utf8');
      const at = text.lastIndexOf(',"usage":null');
      this.send(at < 0 ? event : Buffer.from(text.slice(0, at) + text.slice(at + 13)));
    }
  }

  private flushSpan(): void {
    const span = this.span;
    if (!span) return;
    this.span = undefined;
    this.send(
      this.spanStart === 0 && this.spanEnd === span.length ? span : span.subarray(this.spanStart, this.spanEnd),
    );
  }

  private send(bytes: Buffer): void {
    this.fill?.add(bytes);
    write(this.response, this.answer, bytes);
  }
}
