import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyServer } from '../../src/proxy/index.js';
import { startLedgerProxy } from '../../src/proxy/index.js';
import { testLedger, type TestLedger } from '../core/support.js';
import { startRawUpstream } from '../support/proxy.js';
import { assertProperty, FUZZ_TIMEOUT_MS } from './fuzz-settings.js';
import { anyJson, replaced } from './json-mutation.js';

/**
 * The proxy in front of an upstream that answers anything: real answers of OpenAI, Anthropic and
 * Gemini (whole and streamed) with any part replaced by any JSON value, any status, broken event
 * streams, header values and status codes no HTTP server may send. Whatever comes back, the proxy
 * never throws into its event loop (the process would end), the client receives either the
 * upstream's own bytes or an error in the provider's shape, every request leaves exactly one
 * record, and the next request is served.
 */

type Family = 'openai' | 'anthropic' | 'gemini';

const OPENAI_COMPLETION = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1700000000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Hi',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
      },
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 5,
    completion_tokens: 2,
    total_tokens: 7,
    prompt_tokens_details: { cached_tokens: 1 },
    completion_tokens_details: { reasoning_tokens: 0 },
  },
};
const OPENAI_CHUNKS = [
  {
    id: 'c',
    object: 'chat.completion.chunk',
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' } }],
  },
  {
    id: 'c',
    object: 'chat.completion.chunk',
    choices: [
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '{}' } }] },
        finish_reason: 'tool_calls',
      },
    ],
  },
  {
    id: 'c',
    object: 'chat.completion.chunk',
    choices: [],
    usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  },
];
const ANTHROPIC_MESSAGE = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-3-5-haiku-20241022',
  content: [
    { type: 'text', text: 'Hi' },
    { type: 'tool_use', id: 'tu_1', name: 'f', input: { a: 1 } },
  ],
  stop_reason: 'end_turn',
  usage: { input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 1, cache_creation_input_tokens: 0 },
};
const ANTHROPIC_EVENTS = [
  {
    type: 'message_start',
    message: { id: 'msg_1', model: 'claude-3-5-haiku-20241022', usage: { input_tokens: 5, output_tokens: 1 } },
  },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } },
  { type: 'message_stop' },
];
const GEMINI_RESPONSE = {
  candidates: [
    {
      content: { role: 'model', parts: [{ text: 'Hi' }, { functionCall: { name: 'f', args: { a: 1 } } }] },
      finishReason: 'STOP',
    },
  ],
  usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7, thoughtsTokenCount: 0 },
  modelVersion: 'gemini-2.0-flash',
};
const GEMINI_CHUNKS = [
  { candidates: [{ content: { role: 'model', parts: [{ text: 'H' }] } }], modelVersion: 'gemini-2.0-flash' },
  {
    candidates: [{ content: { role: 'model', parts: [{ text: 'i' }] }, finishReason: 'STOP' }],
    usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7 },
  },
];

const answerSpec = fc.record({
  family: fc.constantFrom<Family>('openai', 'anthropic', 'gemini'),
  streamed: fc.boolean(),
  status: fc.constantFrom(200, 200, 200, 200, 201, 400, 429, 500, 503, 99, 0),
  /** Which part of the answer is replaced (per streamed chunk, the chunk picked too), or none. */
  change: fc.option(fc.tuple(fc.nat(), fc.nat(), anyJson), { freq: 4 }),
  body: fc.constantFrom('json', 'json', 'json', 'not-json', 'empty', 'truncated'),
  header: fc.constantFrom('none', 'none', 'none', 'ctl', 'cr', 'nul', 'content-type-missing'),
  ending: fc.constantFrom('whole', 'whole', 'whole', 'close-early', 'reset'),
});

interface AnswerSpec {
  family: Family;
  streamed: boolean;
  status: number;
  change: [number, number, unknown] | null;
  body: string;
  header: string;
  ending: string;
}

/** The raw bytes the upstream answers with. */
function answerBytes(spec: Omit<AnswerSpec, 'ending'>): { bytes: string } {
  let payload: string;
  let contentType: string;
  if (spec.streamed) {
    const chunks: unknown[] =
      spec.family === 'openai'
        ? [...OPENAI_CHUNKS]
        : spec.family === 'anthropic'
          ? [...ANTHROPIC_EVENTS]
          : [...GEMINI_CHUNKS];
    if (spec.change) {
      const [which, pick, value] = spec.change;
      chunks[which % chunks.length] = replaced(chunks[which % chunks.length], pick, value);
    }
    const events = chunks.map((chunk) => {
      const data = spec.body === 'not-json' ? '{not json' : JSON.stringify(chunk);
      const type = (chunk as { type?: unknown } | null)?.type;
      return spec.family === 'anthropic' && typeof type === 'string'
        ? `event: ${type}\ndata: ${data}\n\n`
        : `data: ${data}\n\n`;
    });
    if (spec.family === 'openai') events.push('data: [DONE]\n\n');
    payload = spec.body === 'empty' ? '' : events.join('');
    contentType = 'text/event-stream';
  } else {
    const base =
      spec.family === 'openai' ? OPENAI_COMPLETION : spec.family === 'anthropic' ? ANTHROPIC_MESSAGE : GEMINI_RESPONSE;
    const body = spec.change ? replaced(base, spec.change[1], spec.change[2]) : base;
    payload = spec.body === 'not-json' ? '<html>bad gateway</html>' : spec.body === 'empty' ? '' : JSON.stringify(body);
    contentType = 'application/json';
  }
  if (spec.body === 'truncated') payload = payload.slice(0, Math.floor(payload.length / 2));
  const bytes = Buffer.from(payload, 'utf8').toString('latin1');
  const length = bytes.length;
  let head = `HTTP/1.1 ${String(spec.status).padStart(3, '0')} Whatever\r\n`;
  if (spec.header !== 'content-type-missing') head += `Content-Type: ${contentType}\r\n`;
  if (spec.header === 'ctl') head += 'X-Upstream: a\u0001b\r\n';
  if (spec.header === 'cr') head += 'X-Upstream: a\rSet-Cookie: stolen=1\r\n';
  if (spec.header === 'nul') head += 'X-Upstream: \u0000\r\n';
  head += `Content-Length: ${length}\r\n\r\n`;
  return { bytes: head + bytes };
}

let upstream: { url: string; close(): Promise<void> };
let current: { bytes: string; ending: string } = { bytes: '', ending: 'whole' };

beforeAll(async () => {
  upstream = await startRawUpstream((socket) => {
    const { bytes, ending } = current;
    const data = Buffer.from(bytes, 'latin1');
    if (ending === 'close-early') socket.end(data.subarray(0, Math.max(1, data.length - 5)));
    else if (ending === 'reset') {
      socket.write(data.subarray(0, Math.floor(data.length / 2)));
      setImmediate(() => socket.resetAndDestroy());
    } else socket.write(data);
  });
});

afterAll(() => upstream.close());

function requestFor(family: Family, streamed: boolean): { path: string; body: unknown } {
  if (family === 'openai') {
    return {
      path: '/openai/v1/chat/completions',
      body: {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hello' }],
        ...(streamed ? { stream: true, stream_options: { include_usage: true } } : {}),
      },
    };
  }
  if (family === 'anthropic') {
    return {
      path: '/anthropic/v1/messages',
      body: {
        model: 'claude-3-5-haiku-20241022',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'Hello' }],
        stream: streamed,
      },
    };
  }
  return {
    path: `/gemini/v1beta/models/gemini-2.0-flash:${streamed ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    body: { contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] },
  };
}

/** Posts through the proxy and reads whatever comes back (a cut-off answer is an ending, not a failure). */
async function post(proxy: ProxyServer, path: string, body: unknown) {
  try {
    const response = await fetch(`${proxy.url}${path}`, {
      method: 'POST',
      // A proxy that lost the request would leave it waiting: that is a failure, not a hang.
      signal: AbortSignal.timeout(5000),
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-fuzz-client-key' },
      body: JSON.stringify(body),
    });
    let bytes: Buffer | undefined;
    try {
      bytes = Buffer.from(await response.arrayBuffer());
    } catch {
      bytes = undefined;
    }
    return { status: response.status, headers: response.headers, bytes };
  } catch {
    return { status: 0, headers: new Headers(), bytes: undefined };
  }
}

describe('the proxy in front of an upstream that answers anything', () => {
  it.each([
    ['fail-open', true],
    ['fail-closed', false],
  ])(
    'never throws, answers every request with the upstream bytes or a provider-shaped error, and records each once (%s ledger)',
    async (_name, failOpen) => {
      const base = upstream.url;
      const run: TestLedger = testLedger({ failOpen });
      const proxy: ProxyServer = await startLedgerProxy(run.ledger, {
        port: 0,
        upstreams: { openai: `${base}/v1`, anthropic: `${base}/v1`, gemini: `${base}/v1beta` },
      });
      let requests = 0;
      const recorded = new Set<string>();
      try {
        await assertProperty(
          fc.asyncProperty(answerSpec, async (spec: AnswerSpec) => {
            const answer = answerBytes(spec);
            current = { bytes: answer.bytes, ending: spec.ending };
            const request = requestFor(spec.family, spec.streamed);
            const result = await post(proxy, request.path, request.body);
            requests++;
            const sentHead = answer.bytes.slice(0, answer.bytes.indexOf('\r\n\r\n'));
            // Characters no header may hold (a lone CR among them), or a status below 100.
            const invalid = /[^\t\x20-\x7e\x80-\xff]/.test(sentHead.split('\r\n').join('')) || spec.status < 100;
            if (invalid && spec.ending === 'whole') {
              // An answer no HTTP server may pass on: a 502 in the provider's shape, never a copy.
              expect(result.status).toBe(502);
              expect(result.headers.get('x-ledger-proxy-error')).toBe('upstream_invalid');
              expect(result.headers.get('set-cookie')).toBeNull();
              const error = JSON.parse(result.bytes!.toString('utf8')) as Record<string, unknown>;
              expect(error.error ?? error).toBeTruthy();
            } else if (spec.ending === 'whole') {
              expect(result.status).toBe(spec.status);
              const sentBody = Buffer.from(answer.bytes.slice(sentHead.length + 4), 'latin1');
              expect(result.bytes?.equals(sentBody)).toBe(true);
            } else {
              // Cut off: whatever arrived, then the connection ended (or the proxy's own 502).
              expect([0, 502, spec.status]).toContain(result.status);
              expect(result.headers.get('set-cookie')).toBeNull();
            }
            await run.ledger.flush();
            // Exactly one new record per request (the newest few are enough to see it).
            const { records } = await run.ledger.calls.list({ limit: 10, order: 'desc' });
            for (const record of records) recorded.add(record.id);
            expect(recorded.size).toBe(requests);
          }),
        );
        // Still serving after all of it.
        current = {
          bytes: answerBytes({
            family: 'openai',
            streamed: false,
            status: 200,
            change: null,
            body: 'json',
            header: 'none',
          }).bytes,
          ending: 'whole',
        };
        const last = await post(proxy, '/openai/v1/chat/completions', requestFor('openai', false).body);
        expect(last.status).toBe(200);
      } finally {
        await proxy.close();
        await run.ledger.close();
      }
    },
    FUZZ_TIMEOUT_MS,
  );
});
