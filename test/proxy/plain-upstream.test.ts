import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PlainUpstreamPool, type PlainRequest, type UpstreamAnswer } from '../../src/proxy/plain-upstream.js';

/** One request as the raw server read it. */
interface Received {
  head: string;
  body: string;
  /** Which connection it came on, numbered from 1. */
  connection: number;
}

/**
 * A TCP server speaking just enough HTTP/1.1 to read requests (head and Content-Length body); each
 * request is answered by `answer`, which writes whatever bytes it likes on the socket.
 */
async function rawServer(answer: (socket: Socket, received: Received, index: number) => void): Promise<{
  server: Server;
  port: number;
  received: Received[];
  sockets: Socket[];
}> {
  const received: Received[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    openSockets.push(socket);
    const connection = sockets.length;
    let buffered = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const headEnd = buffered.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buffered.toString('latin1', 0, headEnd);
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < headEnd + 4 + length) return;
        const body = buffered.toString('utf8', headEnd + 4, headEnd + 4 + length);
        buffered = buffered.subarray(headEnd + 4 + length);
        const request = { head, body, connection };
        received.push(request);
        answer(socket, request, received.length - 1);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { server, port: (server.address() as AddressInfo).port, received, sockets };
}

const servers: Server[] = [];
const openSockets: Socket[] = [];
const pools: PlainUpstreamPool[] = [];

afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  for (const server of servers.splice(0)) server.close();
  for (const socket of openSockets.splice(0)) socket.destroy();
});

function poolFor(port: number): PlainUpstreamPool {
  const pool = new PlainUpstreamPool('127.0.0.1', port);
  pools.push(pool);
  return pool;
}

interface Outcome {
  status: number;
  rawHeaders: string[];
  body: string;
  /** How the answer ended: `end`, or the error's message. */
  ending: string;
  chunks: number;
}

/** Sends one POST and collects the answer until it ends or fails. */
function send(
  pool: PlainUpstreamPool,
  body = '{"hello":"world"}',
  options: { method?: string; onAnswer?: (answer: UpstreamAnswer, request: PlainRequest) => void } = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    const bytes = Buffer.from(body);
    const request = pool.request(options.method ?? 'POST', '/v1/chat/completions?x=1', [
      'content-type',
      'application/json',
      'content-length',
      String(bytes.length),
      'Host',
      'upstream.test',
    ]);
    let status = 0;
    let rawHeaders: string[] = [];
    const chunks: Buffer[] = [];
    const finish = (ending: string) =>
      resolve({ status, rawHeaders, body: Buffer.concat(chunks).toString('utf8'), ending, chunks: chunks.length });
    // As node:http does, a connection failure is the request's error even once the answer began.
    request.on('error', (error) => finish(error.message));
    request.on('response', (answer: UpstreamAnswer) => {
      status = answer.statusCode ?? 0;
      rawHeaders = answer.rawHeaders;
      answer.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
      answer.on('end', () => finish('end'));
      answer.on('error', (error: Error) => finish(error.message));
      options.onAnswer?.(answer, request);
    });
    request.end(bytes);
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const CHUNKED_ANSWER =
  'HTTP/1.1 200 OK\r\n' +
  'Content-Type: text/event-stream\r\n' +
  'Transfer-Encoding: chunked\r\n' +
  'X-Multi: a\r\n' +
  'x-multi:  b \r\n' +
  '\r\n' +
  '12\r\ndata: {"a":"é"}\n\n\r\n' +
  '9;ext=1\r\ndata: [DO\r\n' +
  '3\r\nNE]\r\n' +
  '2\r\n\n\n\r\n' +
  '0\r\n' +
  'X-Trailer: t\r\n' +
  '\r\n';
const CHUNKED_BODY = 'data: {"a":"é"}\n\ndata: [DONE]\n\n';

describe('the plain-http upstream client', () => {
  it('sends the request as given, reads a Content-Length answer and reuses the connection', async () => {
    const upstream = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}');
    });
    const pool = poolFor(upstream.port);
    for (let index = 0; index < 3; index++) {
      expect(await send(pool)).toMatchObject({
        status: 200,
        body: '{"ok":true}',
        ending: 'end',
        rawHeaders: ['Content-Type', 'application/json', 'Content-Length', '11'],
      });
    }
    expect(upstream.received.map((request) => request.connection)).toEqual([1, 1, 1]);
    expect(upstream.received[0]!.head).toBe(
      'POST /v1/chat/completions?x=1 HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 17\r\n' +
        'Host: upstream.test\r\nConnection: keep-alive',
    );
    expect(upstream.received[0]!.body).toBe('{"hello":"world"}');
  });

  it('sends a large body whole (written after its head rather than copied)', async () => {
    const upstream = await rawServer((socket, received) => {
      socket.write(
        `HTTP/1.1 200 OK\r\nContent-Length: ${String(received.body.length).length}\r\n\r\n${received.body.length}`,
      );
    });
    const large = JSON.stringify({ pad: 'é'.repeat(100_000) });
    const pool = poolFor(upstream.port);
    expect(await send(pool, large)).toMatchObject({ body: String(large.length), ending: 'end' });
    expect(upstream.received[0]!.body).toBe(large);
  });

  it('reads a chunked answer (extensions, trailers) split at every byte boundary, then reuses the connection', async () => {
    const answer = Buffer.from(CHUNKED_ANSWER);
    const upstream = await rawServer((socket, _received, index) => {
      const at = index % answer.length;
      socket.write(answer.subarray(0, at));
      setTimeout(() => socket.write(answer.subarray(at)), 2);
    });
    const pool = poolFor(upstream.port);
    for (let at = 0; at < answer.length; at++) {
      const outcome = await send(pool);
      expect(outcome, `split at ${at}`).toMatchObject({ status: 200, body: CHUNKED_BODY, ending: 'end' });
      expect(outcome.rawHeaders).toEqual([
        'Content-Type',
        'text/event-stream',
        'Transfer-Encoding',
        'chunked',
        'X-Multi',
        'a',
        'x-multi',
        'b',
      ]);
    }
    expect(new Set(upstream.received.map((request) => request.connection)).size).toBe(1);
  });

  it('reads an answer arriving one byte per read', async () => {
    const answer = Buffer.from(CHUNKED_ANSWER);
    const upstream = await rawServer((socket) => {
      void (async () => {
        for (let at = 0; at < answer.length; at++) {
          socket.write(answer.subarray(at, at + 1));
          await delay(1);
        }
      })();
    });
    const outcome = await send(poolFor(upstream.port));
    expect(outcome).toMatchObject({ status: 200, body: CHUNKED_BODY, ending: 'end' });
    expect(outcome.chunks).toBeGreaterThan(10);
  });

  it('reads a body delimited by the connection closing, and never reuses that connection', async () => {
    const upstream = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ');
      setTimeout(() => socket.end('part two'), 5);
    });
    const pool = poolFor(upstream.port);
    expect(await send(pool)).toMatchObject({ status: 200, body: 'part one, part two', ending: 'end' });
    expect(await send(pool)).toMatchObject({ status: 200, body: 'part one, part two', ending: 'end' });
    expect(upstream.received.map((request) => request.connection)).toEqual([1, 2]);
  });

  it('opens a new connection after Connection: close, a keep-alive timeout too short to reuse, or ambiguous framing', async () => {
    const upstream = await rawServer((socket, _received, index) => {
      if (index === 3) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n');
      if (index === 3) socket.write('2\r\nok\r\n0\r\n\r\n');
      else {
        const header = index === 0 ? 'Connection: close\r\n' : 'Keep-Alive: timeout=1\r\n';
        socket.write(`HTTP/1.1 200 OK\r\n${header}Content-Length: 2\r\n\r\nok`);
      }
    });
    const pool = poolFor(upstream.port);
    // The fourth answer carries both Content-Length and chunked: read as chunked, never reused.
    for (let index = 0; index < 5; index++) expect(await send(pool)).toMatchObject({ body: 'ok', ending: 'end' });
    expect(upstream.received.map((request) => request.connection)).toEqual([1, 2, 3, 4, 5]);
  });

  it('skips interim answers and reads bodiless ones (204, HEAD) without waiting for a body', async () => {
    const upstream = await rawServer((socket, received) => {
      if (received.head.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n');
      else if (received.body === 'empty') socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      else socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone');
    });
    const pool = poolFor(upstream.port);
    expect(await send(pool)).toMatchObject({ status: 201, body: 'done', ending: 'end' });
    expect(await send(pool, 'empty')).toMatchObject({ status: 204, body: '', ending: 'end' });
    expect(await send(pool, '', { method: 'HEAD' })).toMatchObject({ status: 200, body: '', ending: 'end' });
    expect(await send(pool)).toMatchObject({ status: 201, body: 'done', ending: 'end' });
    expect(new Set(upstream.received.map((request) => request.connection)).size).toBe(1);
  });

  it('fails the answer when the upstream closes or resets mid-body, and the request when it never answers', async () => {
    const upstream = await rawServer((socket, _received, index) => {
      if (index === 0) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b');
        setTimeout(() => socket.end(), 5);
      } else if (index === 1) {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
        setTimeout(() => socket.resetAndDestroy(), 5);
      } else socket.end();
    });
    const pool = poolFor(upstream.port);
    expect(await send(pool)).toMatchObject({ status: 200, body: 'only ten b', ending: 'aborted' });
    expect(await send(pool)).toMatchObject({ status: 200, body: 'hello', ending: expect.stringMatching(/ECONNRESET/) });
    expect(await send(pool)).toMatchObject({ status: 0, ending: 'socket hang up' });
  });

  it('fails on a malformed answer and on a refused connection', async () => {
    const upstream = await rawServer((socket, _received, index) => {
      if (index === 0) socket.write('SMTP ready\r\n\r\n');
      else socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
    });
    const pool = poolFor(upstream.port);
    expect((await send(pool)).ending).toMatch(/Parse Error/);
    expect(await send(pool)).toMatchObject({ status: 200, ending: expect.stringMatching(/invalid chunk size/) });
    const closed = await rawServer(() => {});
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    expect((await send(poolFor(closed.port))).ending).toMatch(/ECONNREFUSED/);
  });

  it('closes the connection when the request is destroyed mid-answer, emitting nothing more', async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => (closed = resolve));
    const upstream = await rawServer((socket) => {
      socket.on('close', () => closed());
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n');
      setTimeout(() => socket.write('6\r\nsecond\r\n'), 20);
    });
    const pool = poolFor(upstream.port);
    const events: string[] = [];
    const request = pool.request('POST', '/', ['content-length', '0', 'Host', 'x']);
    request.on('error', (error) => events.push(`error ${error.message}`));
    request.on('response', (answer) => {
      answer.on('data', (chunk: Buffer) => {
        events.push(`data ${chunk.toString()}`);
        request.destroy();
      });
      answer.on('end', () => events.push('end'));
      answer.on('error', (error: Error) => events.push(`answer error ${error.message}`));
    });
    request.end(Buffer.alloc(0));
    await upstreamClosed;
    await delay(30);
    expect(events).toEqual(['data first']);

    // Destroyed with an error (the proxy's timeout): that error is emitted.
    const timedOut = pool.request('POST', '/', ['content-length', '0', 'Host', 'x']);
    const failure = new Promise<Error>((resolve) => timedOut.on('error', resolve));
    timedOut.end(Buffer.alloc(0));
    timedOut.destroy(new Error('no answer in time'));
    expect((await failure).message).toBe('no answer in time');
  });

  it('holds what arrives while the answer is paused and delivers it, in order, on resume', async () => {
    const upstream = await rawServer((socket) => {
      // One read: what follows the pause is held, and completes the answer once resumed.
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n');
    });
    const pool = poolFor(upstream.port);
    const seen: string[] = [];
    const outcome = await send(pool, '{}', {
      onAnswer: (answer) => {
        answer.on('data', (chunk: Buffer) => {
          seen.push(`${chunk.toString()}${answer.isPaused() ? ' (paused)' : ''}`);
          if (seen.length === 1) {
            answer.pause();
            setTimeout(() => {
              seen.push('resume');
              answer.resume();
            }, 40);
          }
        });
      },
    });
    expect(outcome).toMatchObject({ body: 'abc', ending: 'end' });
    expect(seen).toEqual(['a', 'resume', 'b', 'c']);
    // The answer completed from held bytes: its connection, reused, reads again.
    expect(await send(pool)).toMatchObject({ body: 'abc', ending: 'end' });
    expect(upstream.received.map((request) => request.connection)).toEqual([1, 1]);
  });

  it('keeps no process alive with an idle connection', async () => {
    const upstream = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    // A child process answered through the pool, its connection left idle: it must exit by itself.
    const script =
      `const { PlainUpstreamPool } = await import(${JSON.stringify(new URL('../../src/proxy/plain-upstream.ts', import.meta.url).href)});` +
      `const request = new PlainUpstreamPool('127.0.0.1', ${upstream.port}).request('GET', '/', ['content-length', '0', 'Host', 'x']);` +
      `request.on('response', (answer) => { answer.on('data', () => {}); answer.on('end', () => console.log('answered ' + answer.statusCode)); });` +
      `request.end(Buffer.alloc(0));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve(-1);
      }, 10_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(output.trim()).toBe('answered 200');
    expect(code).toBe(0);
    expect(upstream.sockets).toHaveLength(1);
  });

  it('refuses to write a request with characters node:http refuses', () => {
    const pool = poolFor(1);
    expect(() => pool.request('POST', '/a b', [])).toThrow(TypeError);
    expect(() => pool.request('POST', '/', ['x-bad', 'line\r\nbreak'])).toThrow(TypeError);
    expect(() => pool.request('POST', '/', ['bad name', 'v'])).toThrow(TypeError);
  });
});
