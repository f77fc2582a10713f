import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLedgerProxy, type ProxyServer } from '../../src/proxy/index.js';
import type { RecordedRequest } from '../../src/testing/index.js';
import {
  chatCompletionBody,
  chatStreamEvents,
  includesUsage,
  openaiUsage,
  startWireServer,
  type WireServer,
} from '../support/wire-server/index.js';
import type { CreatedLedger } from '../../src/create-ledger.js';
import { testLedger } from '../capture/capture-harness.js';
import { rawPost } from '../support/proxy.js';
import { assertProperty, FUZZ_TIMEOUT_MS } from './fuzz-settings.js';

/**
 * The response cache through the proxy, against an upstream whose answer depends on everything a
 * provider's answer depends on: the request body but not who asked (`user`, `metadata`), the
 * query string but not the API key in it, the beta header, and, for a stream, whether usage and
 * OpenAI's obfuscation padding were asked for. Clients send sequences of requests that differ in
 * any of these, every one with `x-ledger-cache: on`. Whatever the sequence, each answer the proxy
 * gives (from the upstream or from the cache) is byte for byte what the same request sent
 * directly gets; and requests that differ only in attribution are answered from the cache.
 */

interface Sent {
  query: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

const optional = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined });

/** What the answer depends on, one arbitrary per part. */
const answerParts = {
  content: fc.constantFrom('A', 'B'),
  temperature: optional(fc.constantFrom(0, 1)),
  stream: fc.boolean(),
  streamOptions: optional(
    fc.constantFrom({ include_usage: true }, { include_usage: false }, { include_obfuscation: false }),
  ),
  serviceTier: optional(fc.constant('flex')),
  apiVersion: optional(fc.constantFrom('1', '2')),
  beta: optional(fc.constantFrom('feature=1', 'feature=2')),
};
interface Answer {
  content: string;
  temperature?: number;
  stream: boolean;
  streamOptions?: { include_usage?: boolean; include_obfuscation?: boolean };
  serviceTier?: string;
  apiVersion?: string;
  beta?: string;
}
const anyAnswer: fc.Arbitrary<Answer> = fc.record(answerParts);
/** The same request with one part drawn again. */
const anyChange: fc.Arbitrary<Partial<Answer>> = fc.oneof(
  ...Object.entries(answerParts).map(([part, arbitrary]) => fc.record({ [part]: arbitrary as fc.Arbitrary<unknown> })),
) as fc.Arbitrary<Partial<Answer>>;
/** Who asks: never part of the answer. */
interface Asker {
  user?: string;
  metadata?: Record<string, string>;
  ledgerUser?: string;
  apiKey?: string;
}
const anyAsker: fc.Arbitrary<Asker> = fc.record({
  user: optional(fc.constantFrom('u-1', 'u-2')),
  metadata: optional(fc.constantFrom({ team: 'a' }, { team: 'b' })),
  ledgerUser: optional(fc.constantFrom('x', 'y')),
  apiKey: optional(fc.constantFrom('k-1', 'k-2')),
});

/**
 * A few requests that differ in one part each, sent in any order by any askers: sequences repeat
 * a request (a hit), and change one thing the answer depends on (a miss) or only who asks (a hit).
 */
const anySequence: fc.Arbitrary<Sent[]> = fc
  .record({
    first: anyAnswer,
    changes: fc.array(anyChange, { maxLength: 2 }),
    steps: fc.array(fc.record({ which: fc.nat(2), asker: anyAsker }), { minLength: 2, maxLength: 10 }),
  })
  .map(({ first, changes, steps }) => {
    const requests = [first, ...changes.map((change) => ({ ...first, ...change }))];
    return steps.map(({ which, asker }) => sent(requests[which % requests.length]!, asker));
  });

function sent(answer: Answer, asker: Asker): Sent {
  const body: Record<string, unknown> = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: answer.content }],
  };
  if (answer.temperature !== undefined) body.temperature = answer.temperature;
  if (answer.stream) body.stream = true;
  // OpenAI refuses stream_options without stream: true, and such an error is never cached.
  if (answer.stream && answer.streamOptions) body.stream_options = answer.streamOptions;
  if (answer.serviceTier) body.service_tier = answer.serviceTier;
  if (asker.user) body.user = asker.user;
  if (asker.metadata) body.metadata = asker.metadata;
  const query = new URLSearchParams();
  if (asker.apiKey) query.set('key', asker.apiKey);
  if (answer.apiVersion) query.set('api-version', answer.apiVersion);
  const headers: Record<string, string> = {};
  if (answer.beta) headers['openai-beta'] = answer.beta;
  if (asker.ledgerUser) headers['x-ledger-user'] = asker.ledgerUser;
  return { query: query.size > 0 ? `?${query.toString()}` : '', headers, body };
}

/**
 * The upstream's answer: its text is a digest of what the answer depends on. The proxy asks for
 * usage in every stream, so `stream_options` shapes the stream (usage chunk, padding) without
 * entering the text, as with the real API.
 */
function answerOf(request: RecordedRequest) {
  const { user: _user, metadata: _metadata, stream_options: streamOptions, ...rest } = request.body;
  const query = new URLSearchParams(request.query);
  query.delete('key');
  const text = createHash('sha256')
    .update(JSON.stringify([rest, query.toString(), request.headers['openai-beta'] ?? null]))
    .digest('hex')
    .slice(0, 16);
  if (request.body.stream !== true) {
    return { kind: 'json' as const, body: chatCompletionBody({ content: text, usage: openaiUsage(5, 2) }) };
  }
  const obfuscation = (streamOptions as { include_obfuscation?: boolean } | undefined)?.include_obfuscation !== false;
  return {
    kind: 'sse' as const,
    events: chatStreamEvents({ content: [text], usage: openaiUsage(5, 1), obfuscation }, includesUsage(request)),
  };
}

describe('the proxy cache answers exactly what the upstream would', () => {
  let server: WireServer;
  let ledger: CreatedLedger;
  let proxy: ProxyServer;
  let hits = 0;
  beforeAll(async () => {
    server = await startWireServer();
    server.setDefault('openai.chat', answerOf);
    ledger = testLedger({ cache: true }) as CreatedLedger;
    proxy = await startLedgerProxy(ledger, { port: 0, upstreams: { openai: `${server.url}/v1` } });
  });
  afterAll(async () => {
    await proxy.close();
    await ledger.close();
    await server.close();
  });

  it(
    'each answer, from the upstream or the cache, is the bytes the same request gets directly',
    async () => {
      await assertProperty(
        fc.asyncProperty(anySequence, async (requests) => {
          await ledger.cache!.clear();
          for (const request of requests) {
            const direct = await rawPost(
              `${server.url}/v1/chat/completions${request.query}`,
              request.body,
              request.headers,
            );
            const proxied = await rawPost(`${proxy.url}/openai/v1/chat/completions${request.query}`, request.body, {
              ...request.headers,
              'x-ledger-cache': 'on',
            });
            expect(direct.status).toBe(200);
            expect(proxied.status).toBe(200);
            expect(proxied.bytes.toString('utf8')).toBe(direct.bytes.toString('utf8'));
            if (proxied.headers.get('x-ledger-cache') === 'hit') hits++;
            // The entry of a miss is stored once its record completes.
            await ledger.flush();
          }
        }),
      );
      // Sequences repeat requests and differ in attribution alone: the cache answered some.
      expect(hits).toBeGreaterThan(0);
      server.requests.length = 0;
    },
    FUZZ_TIMEOUT_MS,
  );
});
