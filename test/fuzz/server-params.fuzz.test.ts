import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type CreatedLedger } from '../../src/create-ledger.js';
import { createLedgerServer, type LedgerServer } from '../../src/server/create-ledger-server.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { makeRecord } from '../support/records.js';
import { assertProperty, FUZZ_TIMEOUT_MS } from './fuzz-settings.js';

/**
 * Every query string the API can be sent is answered 200, or 400 naming a parameter that is in
 * the query with a message saying what to send (403 for a tenant token naming another tenant, 404
 * for an id no call has): never a 500, and a tenant token's answers hold its own tenant only.
 */

const ADMIN = 'admin-token-0123456789abcdef';
const ACME = 'acme-token-0123456789abcdef';
const DAY = Date.parse('2025-03-01T00:00:00.000Z');

const KEYS = [
  'sessionId',
  'userId',
  'tenantId',
  'traceId',
  'requestId',
  'callType',
  'status',
  'costStatus',
  'provider',
  'model',
  'tags',
  'from',
  'to',
  'limit',
  'cursor',
  'order',
  'groupBy',
  'top',
  'rankBy',
  'provider',
  'at',
];

const value = fc.oneof(
  fc.constantFrom(
    '',
    'acme',
    'globex',
    'gpt-4o-mini',
    'success',
    'error',
    'priced',
    'asc',
    'desc',
    'model,day',
    'tenant',
    'user',
    'cost',
    'calls',
    'tokens',
    '10',
    '1',
    '50',
    '0',
    '-1',
    '1.5',
    '1001',
    '2025-03-01',
    '2025-03-02T00:00:00Z',
    '2025-02-30',
    '2025-03-01T00:00:00+01:00',
    '1735689600',
    'null',
    'undefined',
    '%',
    '%zz',
    '%2',
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ maxLength: 12, unit: 'binary' }),
);
const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEYS) }, fc.string({ maxLength: 8 }));
/** A pair is sent encoded (a value the client meant) or raw (a hand-typed URL, percent signs and all). */
const pair = fc.record({ key, value, raw: fc.boolean() });

let ledger: CreatedLedger;
let server: LedgerServer;
let acmeId = '';

beforeAll(async () => {
  const records = Array.from({ length: 24 }, (_unused, index) =>
    makeRecord({
      tenantId: index % 3 === 0 ? 'globex' : 'acme',
      userId: `u${index % 4}`,
      traceId: `t${index % 5}`,
      startedAt: new Date(DAY + index * 3_600_000).toISOString(),
    }),
  );
  acmeId = records[1]!.id;
  ledger = createLedger({
    store: new SqliteStore({ path: ':memory:' }),
    configFile: false,
    env: {},
    meter: false,
    shutdownHooks: false,
  });
  await ledger.store.write(records);
  server = createLedgerServer(ledger, {
    dashboardDir: false,
    tokens: [{ token: ADMIN }, { token: ACME, tenantId: 'acme' }],
  });
});
afterAll(async () => {
  server.close();
  await ledger.close();
});

describe('API query parameters (fuzz)', () => {
  it(
    'answer 200 or a 400 naming a parameter of the query, never a 500, and never widen a tenant token',
    async () => {
      await assertProperty(
        fc.asyncProperty(
          fc.record({
            route: fc.constantFrom(
              '/api/v1/calls',
              '/api/v1/usage/summary',
              '/api/v1/prices/gpt-4o',
              '/api/v1/traces/t1',
              '/api/v1/alerts',
              '/healthz',
              'CALL',
            ),
            pairs: fc.array(pair, { maxLength: 4 }),
            token: fc.constantFrom(ADMIN, ACME),
          }),
          async ({ route, pairs, token }) => {
            const query = pairs
              .map((p) =>
                p.raw ? `${p.key}=${p.value}` : `${encodeURIComponent(p.key)}=${encodeURIComponent(p.value)}`,
              )
              .join('&');
            const path = route === 'CALL' ? `/api/v1/calls/${acmeId}` : route;
            let url: URL;
            try {
              url = new URL(`http://127.0.0.1${path}${query ? `?${query}` : ''}`);
            } catch {
              return; // not a URL a client could send
            }
            const response = await server(new Request(url, { headers: { Authorization: `Bearer ${token}` } }));
            const body = (await response.json()) as {
              error?: { type: string; message: string; param?: string };
              records?: Array<{ tenantId: string | null }>;
              rows?: Array<{ group: Record<string, string | null> }>;
              record?: { tenantId: string | null };
            };
            const context = `${url.pathname}${url.search} → ${response.status} ${JSON.stringify(body).slice(0, 300)}`;
            expect([200, 400, 403, 404], context).toContain(response.status);
            if (response.status === 400) {
              expect(body.error?.type, context).toBe('invalid_request');
              expect(typeof body.error?.param, context).toBe('string');
              // The parameter named is one the query has (as sent, or as decoded).
              const sent = `${url.search}&${[...url.searchParams.keys()].join('&')}`;
              expect(sent.includes(body.error!.param!) || body.error!.param === '', context).toBe(true);
              expect(body.error!.message.length, context).toBeGreaterThan(20);
            }
            if (response.status === 403) expect(body.error?.param, context).toBe('tenantId');
            if (response.status === 200 && token === ACME) {
              for (const record of body.records ?? []) expect(record.tenantId, context).toBe('acme');
              if (body.record) expect(body.record.tenantId, context).toBe('acme');
              for (const row of body.rows ?? []) {
                if ('tenant' in row.group) expect(row.group.tenant, context).toBe('acme');
              }
            }
          },
        ),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
