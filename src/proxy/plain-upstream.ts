import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';

/** What the proxy reads of an upstream's answer: `node:http`'s IncomingMessage has it, and so does `PlainAnswer`. */
export interface UpstreamAnswer {
  readonly statusCode?: number | undefined;
  readonly rawHeaders: string[];
  readonly headers: IncomingHttpHeaders;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'end', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  pause(): this;
  resume(): this;
  isPaused(): boolean;
  destroy(error?: Error): this;
}

/** What the proxy uses of a forwarded request: `node:http`'s ClientRequest has it, and so does `PlainRequest`. */
export interface UpstreamRequest {
  on(event: 'response', listener: (answer: UpstreamAnswer) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  end(body: Buffer): this;
  destroy(error?: Error): this;
}

/** A response head larger than this is refused (`node:http` refuses one over 16 KiB by default). */
const MAX_HEAD_BYTES = 64 * 1024;
/** A request body up to this size is copied after its head into one buffer; a larger one is written after it. */
const COPIED_BODY_BYTES = 64 * 1024;
/** A chunk-size or trailer line longer than this is refused. */
const MAX_LINE_BYTES = 8 * 1024;
/** The same checks `node:http` makes before it writes a request (it throws on either). */
const INVALID_PATH = /[^\u0021-\u00ff]/;
const INVALID_HEADER_VALUE = /[^\t\u0020-\u007e\u0080-\u00ff]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: |$)/;
const HEX = /^[0-9a-fA-F]{1,15}$/;

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
  Done,
}

/**
 * A keep-alive pool of HTTP/1.1 connections to one plain-http upstream, with its own response
 * parser: what `http.request` and its Agent do for the proxy, without their per-request cost (a
 * ClientRequest, an IncomingMessage stream, header objects, agent bookkeeping over several ticks).
 * Bodies framed by Content-Length, chunked or the connection's close are all read; a connection is
 * reused only after a complete, delimited answer its server did not ask to close, most recently
 * used first, and not past the idle time the server's `Keep-Alive: timeout` announced. Like
 * `node:http`, a request is never retried on another connection (a POST may have been acted on).
 */
export class PlainUpstreamPool {
  private readonly host: string;
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();

  constructor(
    hostname: string,
    private readonly port: number,
  ) {
    // A URL's IPv6 hostname keeps its brackets; connect() wants the address alone.
    this.host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  }

  /** A request of `headers` (a flat name/value list, `Host` and `content-length` included); sent by `end(body)`. */
  request(method: string, path: string, headers: readonly string[]): PlainRequest {
    if (INVALID_PATH.test(path)) throw new TypeError(`request path contains unescaped characters: ${path}`);
    let head = `${method} ${path} HTTP/1.1\r\n`;
    for (let index = 0; index < headers.length; index += 2) {
      const name = headers[index]!;
      const value = headers[index + 1]!;
      if (!TOKEN.test(name)) throw new TypeError(`invalid header name: ${name}`);
      if (INVALID_HEADER_VALUE.test(value)) throw new TypeError(`invalid character in header ${name}`);
      head += `${name}: ${value}\r\n`;
    }
    // As node:http's keep-alive agent sends it.
    head += 'Connection: keep-alive\r\n\r\n';
    return new PlainRequest(this, head, method === 'HEAD');
  }

  /** Destroys every connection, idle or busy (a busy request fails as its connection closes). */
  close(): void {
    for (const connection of [...this.all]) connection.socket.destroy();
    this.idle.length = 0;
  }

  /** @internal */
  acquire(): Connection {
    const now = Date.now();
    for (;;) {
      const connection = this.idle.pop();
      if (!connection) break;
      if (connection.socket.destroyed) continue;
      if (connection.expiresAt !== undefined && now >= connection.expiresAt) {
        connection.socket.destroy();
        continue;
      }
      connection.socket.ref();
      return connection;
    }
    const connection = new Connection(
      this,
      connect({ host: this.host, port: this.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 1000 }),
    );
    this.all.add(connection);
    return connection;
  }

  /** @internal */
  release(connection: Connection): void {
    this.idle.push(connection);
  }

  /** @internal */
  forget(connection: Connection): void {
    this.all.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
  }
}

/** One socket of the pool; its listeners are attached once and hand each read to the request it serves. */
class Connection {
  exchange: PlainRequest | undefined;
  /** When an idle connection is past the server's announced keep-alive timeout (ms since the epoch). */
  expiresAt: number | undefined;

  constructor(
    private readonly pool: PlainUpstreamPool,
    readonly socket: Socket,
  ) {
    socket.on('data', (chunk: Buffer) => {
      if (this.exchange) this.exchange.onData(chunk);
      // Bytes nobody asked for: the connection can no longer be trusted.
      else socket.destroy();
    });
    socket.on('error', (error: Error) => this.exchange?.onSocketError(error));
    socket.on('close', () => {
      this.pool.forget(this);
      const exchange = this.exchange;
      this.exchange = undefined;
      exchange?.onSocketClose();
    });
  }

  /** The answer is complete: back to the pool when it may be reused, closed otherwise. */
  finish(reusable: boolean, keepAliveMs: number | undefined): void {
    if (!reusable || this.socket.destroyed || this.socket.writableLength > 0) {
      this.socket.destroy();
      return;
    }
    this.expiresAt = keepAliveMs === undefined ? undefined : Date.now() + keepAliveMs;
    // Paused for a slow reader whose answer then completed from held bytes: the next request reads.
    if (this.socket.isPaused()) this.socket.resume();
    // An idle connection does not keep the process alive (node:http's agent does the same).
    this.socket.unref();
    this.pool.release(this);
  }
}

/** One request on a pooled connection, parsing its answer as the bytes arrive. */
export class PlainRequest extends EventEmitter implements UpstreamRequest {
  private connection: Connection | undefined;
  private answer: PlainAnswer | undefined;
  private state = State.Head;
  private finished = false;
  /** Bytes of a head, a chunk-size line or a trailer line that a read left unfinished. */
  private held: Buffer | undefined;
  /** Body bytes still expected: of the Content-Length, or of the current chunk. */
  private remaining = 0;
  private reusable = false;
  private keepAliveMs: number | undefined;
  /** Bytes read while the answer was paused, parsed when it resumes. */
  private pending: Buffer | undefined;
  private socketClosed = false;

  constructor(
    private readonly pool: PlainUpstreamPool,
    private readonly head: string,
    private readonly bodyless: boolean,
  ) {
    super();
  }

  end(body: Buffer): this {
    if (this.finished) return this;
    const connection = this.pool.acquire();
    this.connection = connection;
    connection.exchange = this;
    const socket = connection.socket;
    const head = this.head;
    if (body.length <= COPIED_BODY_BYTES) {
      // One buffer, one write: cheaper than a corked head and body (a writev and its bookkeeping).
      const bytes = Buffer.allocUnsafe(head.length + body.length);
      bytes.write(head, 0, 'latin1');
      body.copy(bytes, head.length);
      socket.write(bytes);
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body);
      socket.uncork();
    }
    return this;
  }

  /** Cancels the request: its connection is closed; with an error, that error is emitted (as `node:http` does). */
  destroy(error?: Error): this {
    if (this.finished) return this;
    this.detach()?.socket.destroy();
    if (error) process.nextTick(() => this.emitError(error));
    return this;
  }

  /** @internal */
  onData(chunk: Buffer): void {
    if (this.answer?.paused) {
      this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
      this.connection?.socket.pause();
      return;
    }
    this.parse(chunk);
  }

  /** @internal The connection failed: the request's error, before or after the answer began. */
  onSocketError(error: Error): void {
    if (this.finished) return;
    this.detach()?.socket.destroy();
    this.emitError(error);
  }

  /** @internal The connection closed: the end of a close-delimited body, or an answer cut short. */
  onSocketClose(): void {
    this.connection = undefined;
    this.socketClosed = true;
    // What a paused answer still holds is read first: it may complete the answer.
    if (!this.pending) this.afterClose();
  }

  private afterClose(): void {
    if (this.finished) return;
    if (this.state === State.UntilClose) {
      this.complete(false);
      return;
    }
    this.finished = true;
    this.state = State.Done;
    const answer = this.answer;
    if (!answer) {
      this.emitError(connectionReset('socket hang up'));
      return;
    }
    answer.fail(connectionReset('aborted'));
  }

  /** @internal */
  resumeAnswer(): void {
    process.nextTick(() => {
      const pending = this.pending;
      this.pending = undefined;
      if (pending && !this.finished) this.parse(pending);
      if (this.pending) return;
      if (this.socketClosed) this.afterClose();
      else this.connection?.socket.resume();
    });
  }

  /** @internal The answer was destroyed by its reader: the connection goes with it. */
  abandon(): void {
    this.destroy();
  }

  /** Read through a method: the parser's switch has narrowed `state` where a handler may have changed it. */
  private isDone(): boolean {
    return this.state === State.Done;
  }

  /**
   * After a head or a chunked-body line: when that ended the answer, completes it (its connection
   * reusable only if the read held nothing past it) and returns true.
   */
  private completedAt(offset: number, length: number): boolean {
    if (!this.isDone()) return false;
    this.complete(offset === length && this.reusable);
    return true;
  }

  /** The exchange is over: its connection, no longer serving it, for the caller to close or pool. */
  private detach(): Connection | undefined {
    this.finished = true;
    this.state = State.Done;
    const connection = this.connection;
    this.connection = undefined;
    if (connection) connection.exchange = undefined;
    return connection;
  }

  private emitError(error: Error): void {
    // An error without a listener would throw out of a socket callback and end the process.
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private parse(chunk: Buffer): void {
    let bytes = chunk;
    let offset = 0;
    while (offset < bytes.length) {
      const answer = this.answer;
      if (answer?.paused) {
        this.pending = bytes.subarray(offset);
        this.connection?.socket.pause();
        return;
      }
      switch (this.state) {
        case State.Head: {
          let from = offset;
          if (this.held) {
            from = Math.max(0, this.held.length - 3);
            bytes = Buffer.concat([this.held, bytes.subarray(offset)]);
            offset = 0;
            this.held = undefined;
          }
          const end = headEnd(bytes, from);
          if (end < 0) {
            if (bytes.length - offset > MAX_HEAD_BYTES) {
              this.fail('the response head is too large');
              return;
            }
            this.held = bytes.subarray(offset);
            return;
          }
          if (end - offset > MAX_HEAD_BYTES) {
            this.fail('the response head is too large');
            return;
          }
          const head = bytes.toString('latin1', offset, end);
          offset = end;
          if (!this.readHead(head) || this.completedAt(offset, bytes.length)) return;
          break;
        }
        case State.Length:
        case State.ChunkData: {
          const take = Math.min(this.remaining, bytes.length - offset);
          this.remaining -= take;
          const data = take === bytes.length ? bytes : bytes.subarray(offset, offset + take);
          offset += take;
          if (this.remaining === 0) {
            if (this.state === State.Length) {
              answer!.emit('data', data);
              if (this.state === State.Length) this.complete(offset === bytes.length && this.reusable);
              return;
            }
            this.state = State.ChunkEnd;
          }
          answer!.emit('data', data);
          break;
        }
        case State.UntilClose: {
          answer!.emit('data', offset === 0 ? bytes : bytes.subarray(offset));
          return;
        }
        case State.ChunkSize:
        case State.ChunkEnd:
        case State.Trailers: {
          const lineEnd = bytes.indexOf(0x0a, offset);
          if (lineEnd < 0) {
            const held = this.held ? Buffer.concat([this.held, bytes.subarray(offset)]) : bytes.subarray(offset);
            if (held.length > MAX_LINE_BYTES) {
              this.fail('a chunked body line is too long');
              return;
            }
            this.held = held;
            return;
          }
          let line = bytes.toString('latin1', offset, lineEnd);
          offset = lineEnd + 1;
          if (this.held) {
            line = this.held.toString('latin1') + line;
            this.held = undefined;
          }
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (!this.readLine(line) || this.completedAt(offset, bytes.length)) return;
          break;
        }
        case State.Done:
          // Bytes after a complete answer, before another request: the connection is closed.
          this.connection?.socket.destroy();
          return;
      }
      if (this.finished) return;
    }
  }

  /** Reads a status line and headers; false when the answer failed. */
  private readHead(head: string): boolean {
    let lineStart = head.indexOf('\n') + 1;
    const status = STATUS_LINE.exec(stripCr(head.slice(0, lineStart - 1)));
    if (!status) return this.fail('the upstream did not answer HTTP/1.x');
    const statusCode = Number(status[2]);
    // Node's own client refuses these too; passed on, they would make the server's writeHead throw.
    if (statusCode < 100) return this.fail(`the upstream sent status code ${status[2]}`);
    const rawHeaders: string[] = [];
    let contentLength: string | undefined;
    let chunked = false;
    let transferEncoding = false;
    let connectionClose = status[1] === '0';
    let keepAliveMs: number | undefined;
    // Lines are read in place (no split, no trimming regex): only each name and value is a new string.
    for (; lineStart < head.length;) {
      let lineEnd = head.indexOf('\n', lineStart);
      if (lineEnd < 0) lineEnd = head.length;
      let contentEnd = lineEnd;
      if (contentEnd > lineStart && head.charCodeAt(contentEnd - 1) === 0x0d) contentEnd--;
      const start = lineStart;
      lineStart = lineEnd + 1;
      if (contentEnd === start) continue;
      const colon = head.indexOf(':', start);
      const name = colon > start && colon < contentEnd ? head.slice(start, colon) : '';
      if (!TOKEN.test(name)) return this.fail('the upstream sent a malformed header line');
      let valueStart = colon + 1;
      while (valueStart < contentEnd && isBlank(head.charCodeAt(valueStart))) valueStart++;
      let valueEnd = contentEnd;
      while (valueEnd > valueStart && isBlank(head.charCodeAt(valueEnd - 1))) valueEnd--;
      const value = head.slice(valueStart, valueEnd);
      // A control character (a lone CR among them) would let a value split the head it is copied into.
      if (INVALID_HEADER_VALUE.test(value)) return this.fail(`the upstream sent an invalid character in ${name}`);
      rawHeaders.push(name, value);
      switch (name.length === 14 || name.length === 17 || name.length === 10 ? name.toLowerCase() : '') {
        case 'content-length':
          if (!/^\d+$/.test(value) || (contentLength !== undefined && contentLength !== value)) {
            return this.fail('the upstream sent an invalid Content-Length');
          }
          contentLength = value;
          break;
        case 'transfer-encoding': {
          transferEncoding = true;
          const codings = value.toLowerCase().split(',');
          chunked = codings[codings.length - 1]!.trim() === 'chunked';
          break;
        }
        case 'connection': {
          const tokens = value.toLowerCase();
          if (/(^|,)\s*close\s*(,|$)/.test(tokens)) connectionClose = true;
          else if (status[1] === '0' && /(^|,)\s*keep-alive\s*(,|$)/.test(tokens)) connectionClose = false;
          break;
        }
        case 'keep-alive': {
          const seconds = /(?:^|[,\s])timeout=(\d+)/.exec(value)?.[1];
          // Reused until a second before the server's own timeout, as node:http's agent does.
          if (seconds !== undefined) keepAliveMs = Number(seconds) * 1000 - 1000;
          break;
        }
      }
    }
    if (statusCode >= 100 && statusCode < 200) {
      if (statusCode === 101) return this.fail('the upstream switched protocols');
      // An interim answer (100 Continue, 103 Early Hints): the final one follows.
      return true;
    }
    this.reusable = !connectionClose && (keepAliveMs === undefined || keepAliveMs > 0);
    this.keepAliveMs = keepAliveMs;
    const answer = new PlainAnswer(this, statusCode, rawHeaders);
    this.answer = answer;
    if (this.bodyless || statusCode === 204 || statusCode === 304) this.state = State.Done;
    else if (transferEncoding) {
      this.state = chunked ? State.ChunkSize : State.UntilClose;
      // Transfer-Encoding wins over a Content-Length sent with it, but such a connection is not
      // trusted with another request (RFC 9112, 6.3: a smuggling attempt looks like this).
      if (!chunked || contentLength !== undefined) this.reusable = false;
    } else if (contentLength !== undefined) {
      this.remaining = Number(contentLength);
      this.state = this.remaining === 0 ? State.Done : State.Length;
    } else {
      this.state = State.UntilClose;
      this.reusable = false;
    }
    this.emit('response', answer);
    return !this.finished;
  }

  /** Reads one line of a chunked body; false when the answer failed. */
  private readLine(line: string): boolean {
    if (this.state === State.ChunkEnd) {
      if (line !== '') return this.fail('a chunk of the body did not end with a line break');
      this.state = State.ChunkSize;
      return true;
    }
    if (this.state === State.Trailers) {
      if (line === '') this.state = State.Done;
      return true;
    }
    const semicolon = line.indexOf(';');
    const size = (semicolon < 0 ? line : line.slice(0, semicolon)).trim();
    if (!HEX.test(size)) return this.fail('the upstream sent an invalid chunk size');
    this.remaining = parseInt(size, 16);
    this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
    return true;
  }

  /** The answer is whole: the connection goes back to the pool (or is closed), then `end` is emitted. */
  private complete(reusable: boolean): void {
    this.detach()?.finish(reusable && !this.pending, this.keepAliveMs);
    this.answer?.end();
  }

  /** The upstream broke HTTP: the connection is closed and the request (or its answer) fails. */
  private fail(message: string): false {
    const error = new Error(`Parse Error: ${message}`) as Error & { code: string };
    error.code = 'HPE_INVALID_RESPONSE';
    const answer = this.answer;
    if (answer) {
      this.detach()?.socket.destroy();
      answer.fail(error);
    } else this.onSocketError(error);
    return false;
  }
}

/** The answer to a `PlainRequest`: its status, headers and body events, read as an IncomingMessage would be. */
export class PlainAnswer extends EventEmitter implements UpstreamAnswer {
  paused = false;
  private headerObject: IncomingHttpHeaders | undefined;

  constructor(
    private readonly request: PlainRequest,
    readonly statusCode: number,
    readonly rawHeaders: string[],
  ) {
    super();
  }

  /** The headers by lowercase name, built only when asked for (duplicates joined as `node:http` joins them). */
  get headers(): IncomingHttpHeaders {
    if (this.headerObject) return this.headerObject;
    const headers: Record<string, string | string[]> = {};
    for (let index = 0; index < this.rawHeaders.length; index += 2) {
      const name = this.rawHeaders[index]!.toLowerCase();
      const value = this.rawHeaders[index + 1]!;
      const existing = headers[name];
      if (existing === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
      else if (Array.isArray(existing)) existing.push(value);
      else headers[name] = `${existing}, ${value}`;
    }
    this.headerObject = headers;
    return headers;
  }

  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    if (!this.paused) return this;
    this.paused = false;
    this.request.resumeAnswer();
    return this;
  }

  isPaused(): boolean {
    return this.paused;
  }

  destroy(_error?: Error): this {
    this.request.abandon();
    return this;
  }

  /** @internal */
  end(): void {
    this.emit('end');
  }

  /** @internal */
  fail(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}

/** The index just past the blank line ending a head (`\r\n\r\n` or `\n\n`) at or after `from`, or -1. */
function headEnd(bytes: Buffer, from: number): number {
  let index = bytes.indexOf(0x0a, from);
  while (index >= 0) {
    const next = bytes[index + 1];
    if (next === 0x0a) return index + 2;
    if (next === 0x0d && bytes[index + 2] === 0x0a) return index + 3;
    if (next === undefined || (next === 0x0d && index + 2 >= bytes.length)) return -1;
    index = bytes.indexOf(0x0a, index + 1);
  }
  return -1;
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function connectionReset(message: string): Error {
  const error = new Error(message) as Error & { code: string };
  error.code = 'ECONNRESET';
  return error;
}
