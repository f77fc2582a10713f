import type { ServerResponse } from 'node:http';
import type { UpstreamAnswer } from './plain-upstream.js';
import { PASS, type ChunkVerdict } from '../capture/stream-capture.js';
import { write } from './backpressure.js';
import type { CacheFill } from './proxy-cache.js';
import { SseSplitter, sseData, type OnSseEvent } from './sse-splitter.js';
import type { StreamRecorder } from './stream-recorder.js';
import { upstreamFailure } from './upstream-error.js';

/** The key the API adds to every chunk once `include_usage` is asked for, cut where the proxy asked. */
const USAGE_NULL = Buffer.from(',"usage":null');

/**
 * Relays one event stream: each upstream read is forwarded at once, then split into events and read
 * for the record. When the proxy added OpenAI's `include_usage` (`hideUsage`), events are forwarded
 * whole instead, the usage-only chunk dropped and the `"usage":null` the API then adds cut out of
 * the bytes, so the client receives exactly what it would have received without the proxy.
 *
 * What a read completes goes out as one write once its events are read, not one write per event.
 * With `include_usage` added, every event of an OpenAI stream carries a `"usage":null` to cut: the
 * bytes around each cut are copied into one buffer, with no text decoded or encoded again (doing
 * so per event was a fifth of what the proxy allocated per streamed answer, and so of its garbage
 * collections).
 *
 * The response is never corked: on Node 22, `end()` on a corked response drops what the writes
 * before it buffered (on Node 20 it sends them). From a plain-http upstream the answer ends in the
 * same tick as its last read, and Node's `end()` sends that read and the chunked terminator in one
 * write; through node:https, `end` comes a tick later and the terminator is a write of its own.
 */
export class StreamRelay {
  private readonly splitter = new SseSplitter();
  private size = 0;
  /**
   * The bytes to write for the read being handled: `keptCount` ranges `[start, end)` of the
   * buffers events lie in (the read, or an event that spanned reads). No view is allocated per
   * piece, and the arrays keep their capacity from read to read.
   */
  private readonly keptBuffers: Array<Buffer | undefined> = [];
  private readonly keptRanges: number[] = [];
  private keptCount = 0;
  private keptBytes = 0;
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
      this.flushKept();
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
    if (verdict.send === 'nothing') return;
    if (verdict.send === 'replacement') {
      const at = end - start > USAGE_NULL.length ? bytes.lastIndexOf(USAGE_NULL, end - USAGE_NULL.length) : -1;
      if (at >= start) {
        this.keep(bytes, start, at);
        this.keep(bytes, at + USAGE_NULL.length, end);
        return;
      }
    }
    this.keep(bytes, start, end);
  }

  private keep(bytes: Buffer, start: number, end: number): void {
    if (start === end) return;
    const last = this.keptCount - 1;
    this.keptBytes += end - start;
    // Right after the bytes kept last: one longer range.
    if (last >= 0 && this.keptBuffers[last] === bytes && this.keptRanges[2 * last + 1] === start) {
      this.keptRanges[2 * last + 1] = end;
      return;
    }
    this.keptBuffers[this.keptCount] = bytes;
    this.keptRanges[2 * this.keptCount] = start;
    this.keptRanges[2 * this.keptCount + 1] = end;
    this.keptCount++;
  }

  private flushKept(): void {
    const count = this.keptCount;
    if (count === 0) return;
    const buffers = this.keptBuffers;
    const ranges = this.keptRanges;
    let bytes: Buffer;
    if (count === 1) {
      const only = buffers[0]!;
      bytes = ranges[0] === 0 && ranges[1] === only.length ? only : only.subarray(ranges[0], ranges[1]);
    } else {
      bytes = Buffer.allocUnsafe(this.keptBytes);
      let at = 0;
      for (let index = 0; index < count; index++) {
        at += buffers[index]!.copy(bytes, at, ranges[2 * index], ranges[2 * index + 1]);
      }
    }
    // The reads are not held once written.
    buffers.fill(undefined, 0, count);
    this.keptCount = 0;
    this.keptBytes = 0;
    this.send(bytes);
  }

  private send(bytes: Buffer): void {
    this.fill?.add(bytes);
    write(this.response, this.answer, bytes);
  }
}
