import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Ledger } from '../../src/core/ledger.js';
import { startLedgerProxy, type LedgerProxyOptions, type ProxyServer } from '../../src/proxy/index.js';
import { startWireServer, type WireServer } from './wire-server/index.js';

/** What the proxy tests of one file share: see `useProxyTestBed`. */
export interface ProxyTestBed {
  /** The wire server every upstream points at, one for the file, reset after each test. */
  readonly server: WireServer;
  /** Starts the proxy in front of `server` for `ledger`; both are closed after the test. */
  start(ledger: Ledger, options?: LedgerProxyOptions): Promise<ProxyServer>;
}

/**
 * Registers the file's hooks: the wire server started once, and after each test the proxy and the
 * ledger it started closed and the server's scripts and recorded requests cleared. Call it at the
 * top level of a test file.
 */
export function useProxyTestBed(): ProxyTestBed {
  let server: WireServer | undefined;
  const started: Array<{ ledger: Ledger; proxy: ProxyServer }> = [];
  beforeAll(async () => {
    server = await startWireServer();
  });
  afterAll(() => server?.close());
  afterEach(async () => {
    for (const { ledger, proxy } of started.splice(0)) {
      await proxy.close();
      await ledger.close();
    }
    server?.reset();
  });
  return {
    get server() {
      if (!server) throw new Error('the wire server starts in beforeAll: use bed.server inside a test');
      return server;
    },
    async start(ledger, options) {
      const proxy = await proxyFor(ledger, this.server, options);
      started.push({ ledger, proxy });
      return proxy;
    },
  };
}

/** The proxy in front of the wire server: every upstream points at it. */
export async function proxyFor(
  ledger: Ledger,
  server: WireServer,
  options: LedgerProxyOptions = {},
): Promise<ProxyServer> {
  return startLedgerProxy(ledger, {
    port: 0,
    ...options,
    upstreams: {
      openai: `${server.url}/v1`,
      anthropic: `${server.url}/v1`,
      gemini: `${server.url}/v1beta`,
      groq: `${server.url}/v1`,
      ...options.upstreams,
    },
  });
}

/** The official SDKs pointed at the proxy: only the base URL changes. */
export function proxiedClients(proxy: ProxyServer, headers: Record<string, string> = {}) {
  return {
    openai: new OpenAI({
      apiKey: 'sk-test-client-key-123',
      baseURL: `${proxy.url}/openai/v1`,
      maxRetries: 0,
      defaultHeaders: headers,
    }),
    anthropic: new Anthropic({
      apiKey: 'sk-ant-test-client-key-123',
      baseURL: `${proxy.url}/anthropic`,
      maxRetries: 0,
      defaultHeaders: headers,
    }),
    gemini: new GoogleGenAI({
      apiKey: 'gemini-test-client-key-123',
      httpOptions: { baseUrl: `${proxy.url}/gemini`, headers },
    }),
  };
}

/** One raw request: status, headers and the body's exact bytes. */
export async function rawPost(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-client-key-123', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/**
 * A POST written byte for byte: the path as given, `headers` in order with repeated names, each
 * value's characters as single bytes (latin1). This is how a test sends what fetch would merge,
 * refuse or normalise: duplicates, raw UTF-8 or invalid bytes, dot segments. The connection
 * closes after the answer.
 */
export function rawRequest(
  url: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body: string,
): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  // Not through URL, which would resolve dot segments and escape what the test sends on purpose.
  const [, host, path] = /^http:\/\/([^/]+)(.*)$/.exec(url)!;
  const target = new URL(`http://${host}`);
  const payload = Buffer.from(body);
  let head =
    `POST ${path} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const answer = Buffer.concat(received);
      const headEnd = answer.indexOf('\r\n\r\n');
      const lines = answer.toString('latin1', 0, headEnd).split('\r\n');
      const answerHeaders: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        answerHeaders[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let rest: Buffer = answer.subarray(headEnd + 4);
      if (answerHeaders['transfer-encoding'] === 'chunked') rest = unchunked(rest);
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers: answerHeaders, text: rest.toString('utf8') });
    });
    socket.write(Buffer.from(`${head}\r\n`, 'latin1'));
    socket.write(payload);
  });
}

function unchunked(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    const size = parseInt(bytes.toString('latin1', at, lineEnd), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/**
 * A TCP server that reads each request (head and Content-Length body) and lets `answer` write
 * whatever bytes it likes on the socket: answers no HTTP library would send. `url` has no path.
 */
export async function startRawUpstream(
  answer: (socket: Socket) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(received.slice(0, headEnd))?.[1] ?? 0);
      if (received.length < headEnd + 4 + length) return;
      received = '';
      answer(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
