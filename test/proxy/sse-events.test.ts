import { describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/core/ledger.js';
import { SseSplitter, sseData } from '../../src/proxy/sse-splitter.js';
import { chatStreamEvents, formatSse, includesUsage } from '../support/wire-server/index.js';
import { onlyRecord, testLedger } from '../capture/capture-harness.js';
import { rawPost, startRawUpstream, useProxyTestBed } from '../support/proxy.js';

const bed = useProxyTestBed();
const chatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true };

/** Every event `text` holds, split as the proxy splits a stream arriving in reads of `readSize` bytes. */
function eventsOf(text: string, readSize: number): Array<{ raw: string; data: string | undefined }> {
  const bytes = Buffer.from(text);
  const splitter = new SseSplitter();
  const events: Array<{ raw: string; data: string | undefined }> = [];
  for (let at = 0; at < bytes.length; at += readSize) {
    splitter.push(bytes.subarray(at, at + readSize), (read, start, end) => {
      events.push({ raw: read.toString('utf8', start, end), data: sseData(read, start, end) });
    });
  }
  return events;
}

describe('reading server-sent events', () => {
  it('reads the data of every event shape, whatever the reads the stream arrives in', () => {
    const stream =
      'data: {"a":1}\n\n' +
      'data:{"b":"é"}\r\n\r\n' +
      'data: one\ndata: two\n\n' +
      'event: ping\ndata: x\n\n' +
      ': a comment\n\n' +
      'data:\n\n' +
      'data: \n\n' +
      'retry: 10\ndata: last\n\n';
    const expected = ['{"a":1}', '{"b":"é"}', 'one\ntwo', 'x', undefined, '', '', 'last'];
    for (const readSize of [1, 2, 3, 7, 16, stream.length]) {
      const events = eventsOf(stream, readSize);
      expect(events.map((event) => event.data)).toEqual(expected);
      expect(events.map((event) => event.raw).join('')).toBe(stream);
    }
  });

  it('reads events separated by bare carriage returns', () => {
    expect(eventsOf('data: a\r\rdata: b\r\r', 4).map((event) => event.data)).toEqual(['a\r', 'b\r']);
  });
});

describe('streams arriving whole', () => {
  let ledger: Ledger;

  it('relays an answer read at once, CRLF-separated, byte for byte as directly, the usage it asked for hidden', async () => {
    ledger = testLedger();
    const proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', (request) => ({
      kind: 'sse',
      events: chatStreamEvents({ content: ['Hel', 'lo', '!'] }, includesUsage(request)),
      coalesce: true,
      separator: '\r\n\r\n',
    }));
    const direct = await rawPost(`${bed.server.openaiBaseURL}/chat/completions`, chatRequest);
    const proxied = await rawPost(`${proxy.url}/openai/v1/chat/completions`, chatRequest);
    expect(bed.server.requests[1]!.body.stream_options).toEqual({ include_usage: true });
    expect(direct.bytes.toString()).not.toContain('"usage"');
    expect(proxied.bytes.toString()).toBe(direct.bytes.toString());
    expect(proxied.bytes.equals(direct.bytes)).toBe(true);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'success',
      tokenSource: 'provider',
      tokens: { input: 12, output: 3 },
      responseMessage: { content: 'Hello!' },
    });
  });
});

describe('streams arriving in pieces', () => {
  let ledger: Ledger;

  /** The answer's bytes with the usage the proxy asks for, or as the client asked (without it). */
  function streamText(includeUsage: boolean): string {
    const events = chatStreamEvents({ content: ['Hel', 'lo', ' wörld', '!'] }, includeUsage);
    return `${events.map((event) => formatSse(event)).join('')}data: [DONE]\n\n`;
  }

  it.each([3, 13, 14, 40, 200])(
    'cuts the usage it asked for out of events split across reads of %i bytes, byte for byte',
    async (pieceSize) => {
      const body = Buffer.from(streamText(true));
      const upstream = await startRawUpstream((socket) => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n');
        let at = 0;
        // One piece per turn of the timers: each arrives at the proxy as a read of its own.
        const next = () => {
          if (socket.destroyed) return;
          if (at >= body.length) {
            socket.write('0\r\n\r\n');
            return;
          }
          const piece = body.subarray(at, at + pieceSize);
          at += piece.length;
          socket.write(`${piece.length.toString(16)}\r\n`);
          socket.write(piece);
          socket.write('\r\n');
          setTimeout(next, 1);
        };
        next();
      });
      try {
        ledger = testLedger();
        const proxy = await bed.start(ledger, { upstreams: { openai: `${upstream.url}/v1` } });
        const proxied = await rawPost(`${proxy.url}/openai/v1/chat/completions`, chatRequest);
        expect(proxied.bytes.toString()).toBe(streamText(false));
        expect(await onlyRecord(ledger)).toMatchObject({
          status: 'success',
          tokenSource: 'provider',
          responseMessage: { content: 'Hello wörld!' },
        });
      } finally {
        await upstream.close();
      }
    },
  );
});
