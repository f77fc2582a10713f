import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/core/record.js';
import { startLedgerProxy, type ProxyServer } from '../../src/proxy/index.js';
import { chatCompletion, generate, message, startWireServer, type WireServer } from '../support/wire-server/index.js';
import { testLedger, type TestLedger } from '../core/support.js';
import { rawRequest } from '../support/proxy.js';
import { assertProperty, FUZZ_TIMEOUT_MS } from './fuzz-settings.js';
import { anyJson, replaced } from './json-mutation.js';

/**
 * Clients sending anything: valid requests of the three APIs with any part replaced by any JSON
 * value, and attribution headers in any mix, some of them unreadable (sent twice, empty, too
 * long, not UTF-8, misspelt, a cache setting that is neither on nor off), API paths in a disguise
 * an upstream would see through (`/chat/./completions`) and method overrides. Whatever is sent,
 * the proxy answers with the upstream's answer or a 4xx of its own in the provider's shape, never
 * a 500; a request it cannot read one way is refused before anything is forwarded or recorded;
 * every forwarded request leaves exactly one record, attributed exactly as the headers said; the
 * proxy goes on serving.
 */

type Family = 'openai' | 'anthropic' | 'gemini';

const REQUESTS: Record<Family, { path: string; body: Record<string, unknown> }> = {
  openai: {
    path: '/openai/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], user: 'body-user', temperature: 0 },
  },
  anthropic: {
    path: '/anthropic/v1/messages',
    body: { model: 'claude-3-5-haiku-20241022', max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] },
  },
  gemini: {
    path: '/gemini/v1beta/models/gemini-2.0-flash:generateContent',
    body: { contents: [{ role: 'user', parts: [{ text: 'Hello' }] }], generationConfig: { temperature: 0 } },
  },
};
const KEYS: Record<Family, [string, string]> = {
  openai: ['authorization', 'Bearer sk-fuzz'],
  anthropic: ['x-api-key', 'sk-ant-fuzz'],
  gemini: ['x-goog-api-key', 'AIza-fuzz'],
};

/** Text a header can carry as it is: no control characters, nothing the parser trims at the ends. */
const headerText = fc
  .string({
    unit: fc.constantFrom('a', 'Z', '7', '-', '_', '.', ' ', 'é', '李', '🔎', '"', ';', '='),
    minLength: 1,
    maxLength: 12,
  })
  .filter((text) => text.trim() === text);
const tagText = headerText.filter((text) => !text.includes(','));

/** What the headers mean: the attribution a forwarded call must be recorded with. */
interface Intent {
  user?: string;
  tenant?: string;
  session?: string;
  tags?: string[][];
  metadata?: Record<string, string>;
  cache?: string;
  traceparent?: 'valid' | 'invalid';
}

type Defect =
  'twice' | 'empty' | 'too long' | 'not utf-8' | 'unknown name' | 'bad cache' | 'disguised path' | 'method override';

/**
 * The API path in a form an upstream may read as the same path (dot segments resolved, slashes
 * merged, escapes decoded, `;parameters` dropped): never forwarded, since the proxy would not see
 * the call it is.
 */
function disguised(path: string, pick: number): string {
  const cut = path.lastIndexOf('/');
  const head = path.slice(0, cut);
  const last = path.slice(cut + 1);
  const disguises = [
    `${head}/./${last}`,
    `${head}/x/../${last}`,
    `${head}//${last}`,
    `${path}/`,
    `${head}/%${last.charCodeAt(0).toString(16)}${last.slice(1)}`,
    `${path};v=1`,
    `${head}\\${last}`,
    `${head}/.`,
  ];
  return disguises[pick % disguises.length]!;
}

const intentArbitrary: fc.Arbitrary<Intent> = fc.record(
  {
    user: headerText,
    tenant: headerText,
    session: headerText,
    tags: fc.array(fc.array(tagText, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }),
    metadata: fc.dictionary(
      fc.oneof(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.constantFrom('__proto__', 'constructor', 'tostring')),
      headerText,
      { maxKeys: 2 },
    ),
    cache: fc.constantFrom('on', 'off', 'ON', 'Off'),
    traceparent: fc.constantFrom<'valid' | 'invalid'>('valid', 'invalid'),
  },
  { requiredKeys: [] },
);

const VALID_TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** The headers for `intent`, UTF-8 encoded one character per byte, as rawRequest sends them. */
function headersOf(intent: Intent): Array<[string, string]> {
  const bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
  const headers: Array<[string, string]> = [];
  if (intent.user !== undefined) headers.push(['x-ledger-user', bytes(intent.user)]);
  if (intent.tenant !== undefined) headers.push(['X-Ledger-Tenant', bytes(intent.tenant)]);
  if (intent.session !== undefined) headers.push(['x-ledger-session', bytes(intent.session)]);
  for (const list of intent.tags ?? []) headers.push(['x-ledger-tags', bytes(list.join(', '))]);
  for (const [key, value] of Object.entries(intent.metadata ?? {})) {
    headers.push([`x-ledger-metadata-${key}`, bytes(value)]);
  }
  if (intent.cache !== undefined) headers.push(['x-ledger-cache', intent.cache]);
  if (intent.traceparent === 'valid') headers.push(['traceparent', VALID_TRACEPARENT]);
  if (intent.traceparent === 'invalid') headers.push(['traceparent', '00-zz-00-01']);
  return headers;
}

/** `headers` with one unreadable header added (or one made unreadable). */
function withDefect(headers: Array<[string, string]>, defect: Defect, pick: number): Array<[string, string]> {
  const single = ['x-ledger-user', 'x-ledger-tenant', 'x-ledger-session', 'x-ledger-metadata-k'];
  const name = single[pick % single.length]!;
  switch (defect) {
    case 'twice':
      return [...headers, [name, 'one'], [name.toUpperCase(), 'one']];
    case 'empty':
      return [...headers, [name, '']];
    case 'too long':
      return [...headers, [pick % 2 === 0 ? name : 'x-ledger-tags', 'x'.repeat(1001)]];
    case 'not utf-8':
      // é as one latin1 byte, then a letter: never valid UTF-8.
      return [...headers, [name, 'j\u00e9x']];
    case 'unknown name':
      return [...headers, [['x-ledger-usr', 'x-ledger-', 'x-ledger-metadata', 'X-LEDGER-TAG'][pick % 4]!, 'v']];
    case 'bad cache':
      return [...headers.filter(([header]) => header !== 'x-ledger-cache'), ['x-ledger-cache', 'yes']];
    case 'disguised path':
      return headers;
    case 'method override':
      return [...headers, [['X-HTTP-Method-Override', 'x-http-method', 'X-Method-Override'][pick % 3]!, 'POST']];
  }
}

const requestSpec = fc.record({
  family: fc.constantFrom<Family>('openai', 'anthropic', 'gemini'),
  change: fc.option(fc.tuple(fc.nat(), anyJson), { freq: 3 }),
  intent: intentArbitrary,
  defect: fc.option(
    fc.constantFrom<Defect>(
      'twice',
      'empty',
      'too long',
      'not utf-8',
      'unknown name',
      'bad cache',
      'disguised path',
      'method override',
    ),
    { freq: 2 },
  ),
  pick: fc.nat(),
});

let server: WireServer;

beforeAll(async () => {
  server = await startWireServer();
  server.setDefault('openai.chat', chatCompletion());
  server.setDefault('anthropic.messages', message());
  server.setDefault('gemini.generate', generate());
});

afterAll(() => server.close());

/** The user the ledger is to record: the header's, else a non-empty `user` field of the body. */
function expectedUser(intent: Intent, body: unknown): string | null {
  if (intent.user !== undefined) return intent.user;
  const user = (body as { user?: unknown } | null)?.user;
  return typeof user === 'string' && user.length > 0 ? user : null;
}

function expectAttribution(record: CallRecord, intent: Intent, body: unknown): void {
  expect(record.userId).toBe(expectedUser(intent, body));
  expect(record.tenantId).toBe(intent.tenant ?? null);
  expect(record.sessionId).toBe(intent.session ?? null);
  expect(record.tags).toEqual((intent.tags ?? []).flat());
  expect(record.metadata).toMatchObject(intent.metadata ?? {});
  if (intent.traceparent === 'valid') {
    expect(record.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(record.parentId).toBe('00f067aa0ba902b7');
  } else {
    expect(record.parentId).toBeNull();
  }
}

describe('the proxy behind clients that send anything', () => {
  it.each([
    ['fail-open', true],
    ['fail-closed', false],
  ])(
    'answers every request with the upstream answer or a provider-shaped 4xx, refuses unreadable attribution before forwarding, and records each forwarded call once as attributed (%s ledger)',
    async (_name, failOpen) => {
      const run: TestLedger = testLedger({ failOpen });
      const proxy: ProxyServer = await startLedgerProxy(run.ledger, {
        port: 0,
        upstreams: {
          openai: server.openaiBaseURL,
          anthropic: `${server.url}/v1`,
          gemini: `${server.url}/v1beta`,
        },
      });
      const recorded = new Set<string>();
      try {
        await assertProperty(
          fc.asyncProperty(requestSpec, async (spec) => {
            const { path, body: base } = REQUESTS[spec.family];
            const body = spec.change ? replaced(base, spec.change[0], spec.change[1]) : base;
            // The cache is off in this proxy: asking for it is answered `unavailable`, nothing else.
            let headers = [KEYS[spec.family], ...headersOf(spec.intent)];
            if (spec.defect) headers = withDefect(headers, spec.defect, spec.pick);
            const forwardedBefore = server.requests.length;
            const sentPath = spec.defect === 'disguised path' ? disguised(path, spec.pick) : path;
            const answer = await rawRequest(`${proxy.url}${sentPath}`, headers, JSON.stringify(body));
            const forwarded = server.requests.length > forwardedBefore;
            await run.ledger.flush();
            const { records } = await run.ledger.calls.list({ limit: 1, order: 'desc' });
            const newest = records[0] !== undefined && !recorded.has(records[0].id) ? records[0] : undefined;
            if (newest) recorded.add(newest.id);

            expect(answer.status).not.toBe(500);
            if (spec.defect === 'disguised path' && answer.status === 404) {
              // No upstream's prefix left to see (`/anthropic/v1\\messages`): nothing anywhere.
              expect(forwarded).toBe(false);
              expect(newest).toBeUndefined();
              return;
            }
            if (spec.defect) {
              expect(answer.status).toBe(400);
              expect(answer.headers['x-ledger-proxy-error']).toBe('invalid_request');
            }
            if (answer.headers['x-ledger-proxy-error'] !== undefined) {
              // Refused by the proxy: in the provider's shape, nothing forwarded, nothing recorded.
              expect(answer.status).toBeGreaterThanOrEqual(400);
              expect(answer.status).toBeLessThan(500);
              const error = JSON.parse(answer.text) as { error?: { message?: unknown } };
              expect(typeof error.error?.message).toBe('string');
              expect(forwarded).toBe(false);
              expect(newest).toBeUndefined();
              return;
            }
            expect(forwarded).toBe(true);
            expect(newest).toBeDefined();
            expectAttribution(newest!, spec.intent, body);
          }),
        );
        const last = await rawRequest(
          `${proxy.url}${REQUESTS.openai.path}`,
          [KEYS.openai],
          JSON.stringify(REQUESTS.openai.body),
        );
        expect(last.status).toBe(200);
      } finally {
        await proxy.close();
        await run.ledger.close();
      }
    },
    FUZZ_TIMEOUT_MS,
  );
});
