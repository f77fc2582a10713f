import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type CreatedLedger } from '../../src/create-ledger.js';
import { ConfigError } from '../../src/core/errors.js';
import type { CallRecord } from '../../src/core/record.js';
import type { Store } from '../../src/core/store.js';
import { createLedgerServer } from '../../src/server/create-ledger-server.js';
import { isLoopbackHost } from '../../src/server/access.js';
import { listenLedgerServer } from '../../src/server/listen.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { makeCost, makeRecord } from '../support/records.js';
import { dropSchema, PG_URL, postgresAvailable, uniqueSchema } from '../stores/postgres-support.js';
import { readEvents, startServer, type TestServer } from './server-support.js';

const ADMIN = 'admin-token-0123456789abcdef';
const ACME = 'acme-token-0123456789abcdef';
const GLOBEX = 'globex-token-0123456789abcdef';

const pgAvailable = await postgresAvailable();
const schema = uniqueSchema('server_access');
afterAll(async () => {
  if (pgAvailable) await dropSchema(schema);
});

const stores: Array<[string, () => Store, boolean]> = [
  ['sqlite', () => new SqliteStore({ path: ':memory:' }), true],
  ['postgres', () => new PostgresStore({ connectionString: PG_URL, schema }), pgAvailable],
];

for (const [kind, makeStore, available] of stores) {
  describe.skipIf(!available)(`tokens and tenant scoping (${kind})`, () => {
    let ledger: CreatedLedger;
    let server: TestServer;
    let acmeCall: CallRecord;
    let globexCall: CallRecord;

    beforeAll(async () => {
      const store = makeStore();
      acmeCall = makeRecord({ tenantId: 'acme', traceId: 'shared-trace', cost: makeCost('1.5') });
      globexCall = makeRecord({ tenantId: 'globex', traceId: 'globex-trace', cost: makeCost('2.25') });
      await store.write([
        acmeCall,
        globexCall,
        makeRecord({ tenantId: 'globex', traceId: 'shared-trace', parentId: acmeCall.id, cost: makeCost('0.75') }),
      ]);
      ledger = createLedger({ store, configFile: false, env: {}, meter: false, shutdownHooks: false });
      server = await startServer(ledger, {
        tokens: [{ token: ADMIN }, { token: ACME, tenantId: 'acme' }, { token: GLOBEX, tenantId: 'globex' }],
      });
    });
    afterAll(async () => {
      await server?.close();
      await ledger?.close();
    });

    it('answers 401 without a token or with a wrong one, and 200 with a right one', async () => {
      const none = await server.get('/api/v1/calls');
      expect(none.status).toBe(401);
      expect(none.body.error.type).toBe('unauthorized');
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      const wrong = await server.get('/api/v1/calls', `${ADMIN}x`);
      expect(wrong.status).toBe(401);
      expect(wrong.text).not.toContain(ADMIN);
      const prefix = await server.get('/api/v1/calls', ADMIN.slice(0, -1));
      expect(prefix.status).toBe(401);
      const basic = await fetch(`${server.url}/api/v1/calls`, { headers: { Authorization: `Basic ${ADMIN}` } });
      expect(basic.status).toBe(401);
      expect((await server.get('/api/v1/calls', ADMIN)).body.records).toHaveLength(3);
      expect((await server.get('/metrics')).status).toBe(401);
    });

    it('tells health to anyone, details only with a token', async () => {
      const open = await server.get('/healthz');
      expect(open.status).toBe(200);
      expect(Object.keys(open.body)).toEqual(['status']);
      const detailed = await server.get('/healthz', ADMIN);
      expect(detailed.body.store.status).toBe('healthy');
    });

    it('forces a tenant token’s list and summary to its tenant', async () => {
      const list = await server.get('/api/v1/calls', ACME);
      expect(list.body.records.map((r: CallRecord) => r.id)).toEqual([acmeCall.id]);
      const summary = await server.get('/api/v1/usage/summary?groupBy=tenant', ACME);
      expect(summary.body.rows.map((row: { group: { tenant: string } }) => row.group.tenant)).toEqual(['acme']);
      expect(summary.body.totals.cost).toBe('1.5');
      const globex = await server.get('/api/v1/usage/summary', GLOBEX);
      expect(globex.body.totals.cost).toBe('3');
      const admin = await server.get('/api/v1/usage/summary', ADMIN);
      expect(admin.body.totals.cost).toBe('4.5');
    });

    it('refuses a tenant token’s filter naming another tenant (403), accepts its own', async () => {
      for (const path of [
        '/api/v1/calls?tenantId=globex',
        '/api/v1/usage/summary?tenantId=globex',
        '/api/v1/calls?tenantId=',
        '/api/v1/calls?tenantId=acme&tenantId=globex',
        '/api/v1/usage/summary?tenantId=acme&tenantId=globex',
      ]) {
        const { status, body } = await server.get(path, ACME);
        expect(status, path).toBe(403);
        expect(body.error).toMatchObject({ type: 'forbidden', param: 'tenantId' });
      }
      expect((await server.get('/api/v1/calls?tenantId=acme', ACME)).body.records).toHaveLength(1);
    });

    it('refuses another tenant’s call as a cursor exactly like a made-up one (its existence is not told)', async () => {
      const other = await server.get(`/api/v1/calls?cursor=${globexCall.id}`, ACME);
      const madeUp = await server.get('/api/v1/calls?cursor=no-such-id', ACME);
      expect(other.status).toBe(400);
      expect(other.body.error.param).toBe('cursor');
      expect(other.body.error.message.replace(globexCall.id.slice(0, 40), 'X')).toBe(
        madeUp.body.error.message.replace('no-such-id', 'X'),
      );
      expect((await server.get(`/api/v1/calls?cursor=${globexCall.id}`, ADMIN)).status).toBe(200);
    });

    it('hides another tenant’s call and trace as not found', async () => {
      const other = await server.get(`/api/v1/calls/${globexCall.id}`, ACME);
      expect(other.status).toBe(404);
      const missing = await server.get('/api/v1/calls/no-such-id', ACME);
      expect(other.body).toEqual({ error: { ...missing.body.error, message: expect.any(String) } });
      expect((await server.get(`/api/v1/calls/${acmeCall.id}`, ACME)).status).toBe(200);
      expect((await server.get('/api/v1/traces/globex-trace', ACME)).status).toBe(404);
      // A trace spanning tenants shows each tenant its own calls only.
      const shared = await server.get('/api/v1/traces/shared-trace', ACME);
      expect(shared.body.records.map((r: CallRecord) => r.id)).toEqual([acmeCall.id]);
      expect(shared.body.totals.cost).toEqual([{ currency: 'USD', total: '1.5' }]);
      expect((await server.get('/api/v1/traces/shared-trace', ADMIN)).body.records).toHaveLength(2);
    });

    it('keeps a tenant token off metrics', async () => {
      const metrics = await server.get('/metrics', ACME);
      // No registry here: not configured comes first only for unscoped tokens.
      expect([403, 404]).toContain(metrics.status);
    });

    it('streams a tenant token its own tenant’s calls only', async () => {
      const record = (tenantId: string) => {
        const call = ledger.start({
          provider: 'openai',
          model: 'gpt-4o-mini',
          tenantId,
          messages: [{ role: 'user', content: 'hi' }],
        });
        call.complete({ responseMessage: { role: 'assistant', content: 'hello' }, tokens: { input: 3, output: 2 } });
        return call.id;
      };
      let globexId = '';
      let acmeId = '';
      const [acmeEvents, adminEvents] = await Promise.all([
        readEvents(`${server.url}/api/v1/events`, {
          token: ACME,
          until: (events) =>
            events.some((event) => event.event === 'call' && event.data.includes(acmeId) && acmeId !== ''),
          onOpen: async () => {
            await new Promise((resolve) => setTimeout(resolve, 100));
            globexId = record('globex');
            acmeId = record('acme');
          },
        }),
        readEvents(`${server.url}/api/v1/events`, {
          token: ADMIN,
          until: (events) => events.filter((event) => event.event === 'call').length >= 2,
        }),
      ]);
      const acmeCalls = acmeEvents.filter((event) => event.event === 'call').map((event) => JSON.parse(event.data));
      expect(acmeCalls.map((call) => call.id)).toEqual([acmeId]);
      expect(acmeCalls.every((call) => call.tenantId === 'acme')).toBe(true);
      const adminIds = adminEvents.filter((event) => event.event === 'call').map((event) => JSON.parse(event.data).id);
      expect(adminIds).toEqual(expect.arrayContaining([globexId, acmeId]));
    });
  });
}

describe('binding', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.4', 'example.com', '10.0.0.1'])
      expect(isLoopbackHost(host)).toBe(false);
  });

  it('refuses to listen off loopback without a token, and listens with one', async () => {
    const ledger = createLedger({
      store: new SqliteStore({ path: ':memory:' }),
      configFile: false,
      env: {},
      meter: false,
      shutdownHooks: false,
    });
    try {
      const open = createLedgerServer(ledger, { dashboardDir: false });
      await expect(listenLedgerServer(open, { host: '0.0.0.0', port: 0 })).rejects.toThrow(ConfigError);
      const tokens = [{ token: ADMIN }];
      const guarded = await listenLedgerServer(createLedgerServer(ledger, { tokens, dashboardDir: false }), {
        host: '0.0.0.0',
        port: 0,
        tokens,
      });
      const response = await fetch(`http://127.0.0.1:${guarded.port}/api/v1/calls`);
      expect(response.status).toBe(401);
      await guarded.close();
    } finally {
      await ledger.close();
    }
  });

  it('rejects short tokens and unknown options', () => {
    const ledger = createLedger({
      store: new SqliteStore({ path: ':memory:' }),
      configFile: false,
      env: {},
      meter: false,
      shutdownHooks: false,
    });
    expect(() => createLedgerServer(ledger, { tokens: [{ token: 'short' }] })).toThrow(/at least 16 characters/);
    expect(() => createLedgerServer(ledger, { token: ADMIN } as never)).toThrow(/unknown key "token"/);
    void ledger.close();
  });
});
