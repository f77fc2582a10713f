import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger, type CreatedLedger } from '../../src/create-ledger.js';
import { EventHub } from '../../src/server/event-hub.js';
import { createPrometheusMetrics } from '../../src/observe/prometheus/index.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { CONTENT_SECURITY_POLICY } from '../../src/server/dashboard-assets.js';
import { makeRecord } from '../support/records.js';
import { readEvents, startServer, type TestServer } from './server-support.js';

function recordCall(ledger: CreatedLedger, init: { tenantId?: string; userId?: string; model?: string } = {}) {
  const call = ledger.start({
    provider: 'openai',
    model: init.model ?? 'gpt-4o-mini',
    tenantId: init.tenantId,
    userId: init.userId,
    messages: [{ role: 'user', content: 'hi' }],
  });
  call.complete({ responseMessage: { role: 'assistant', content: 'hello' }, tokens: { input: 3, output: 2 } });
  return call.id;
}

function openLedger(extra: Parameters<typeof createLedger>[0] = {}): CreatedLedger {
  return createLedger({
    store: new SqliteStore({ path: ':memory:' }),
    configFile: false,
    env: {},
    meter: false,
    shutdownHooks: false,
    ...extra,
  });
}

describe('live tail (GET /api/v1/events)', () => {
  let ledger: CreatedLedger;
  let server: TestServer;
  beforeAll(async () => {
    ledger = openLedger({
      monitor: { thresholds: { callCost: null, averageLatencyMs: null, errorRatePercent: 1 }, minSamples: 1 },
    });
    server = await startServer(ledger, { events: { heartbeatMs: 50 } });
  });
  afterAll(async () => {
    await server.close();
    await ledger.close();
  });

  it('receives a call recorded after subscribing, as SSE with the summary fields, and heartbeats', async () => {
    let id = '';
    const events = await readEvents(`${server.url}/api/v1/events`, {
      onOpen: () => {
        id = recordCall(ledger, { userId: 'u-1' });
      },
      until: (seen) =>
        seen.some((event) => event.event === 'call') && seen.some((event) => event.comment === 'heartbeat'),
    });
    const call = JSON.parse(events.find((event) => event.event === 'call')!.data);
    expect(call).toMatchObject({ id, userId: 'u-1', model: 'gpt-4o-mini', status: 'success' });
    expect(call.messages).toBeUndefined();
    expect(call.cost === null || typeof call.cost.total === 'string' || call.cost.total === null).toBe(true);
  });

  it('sends the monitor’s alerts', async () => {
    const events = await readEvents(`${server.url}/api/v1/events`, {
      onOpen: () => {
        const call = ledger.start({ provider: 'openai', model: 'gpt-4o-mini', messages: [] });
        call.fail(new Error('upstream 500'));
      },
      until: (seen) => seen.some((event) => event.event === 'alert'),
    });
    const alert = JSON.parse(events.find((event) => event.event === 'alert')!.data);
    expect(alert).toMatchObject({ source: 'monitor', name: 'high_error_rate' });
  });

  it('unsubscribes from the ledger when the last client disconnects', async () => {
    const handlers = () => (ledger as unknown as { handlerSet: { size: number } }).handlerSet.size;
    // The monitor is the ledger's one handler of its own; the live tail adds one while clients listen.
    const settle = async (expected: number) => {
      for (let i = 0; i < 250 && handlers() !== expected; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      return handlers();
    };
    expect(await settle(1)).toBe(1);
    await readEvents(`${server.url}/api/v1/events`, {
      until: (seen) => seen.length > 0,
      onOpen: () => expect(handlers()).toBe(2),
    });
    expect(await settle(1)).toBe(1);
  });
});

describe('event hub buffer', () => {
  it('keeps a slow client’s newest events and tells it how many were dropped', async () => {
    let attached = 0;
    const hub = new EventHub(
      () => (attached += 1),
      () => (attached -= 1),
      { bufferSize: 3, heartbeatMs: 60_000 },
    );
    const stream = hub.open({ tenantId: null }, undefined);
    expect(attached).toBe(1);
    for (let index = 0; index < 10; index++) hub.onEnd(makeRecord({ model: `model-${index}` }));
    const reader = stream.getReader();
    const { value } = await reader.read();
    const text = new TextDecoder().decode(value);
    expect(text).toContain('event: dropped\ndata: {"dropped":8}');
    expect(text).toContain('model-9');
    expect(text).not.toContain('model-6');
    await reader.cancel();
    expect(hub.clientCount).toBe(0);
    expect(attached).toBe(0);
  });
});

describe('meters and limits', () => {
  let ledger: CreatedLedger;
  let server: TestServer;
  beforeAll(async () => {
    ledger = openLedger({ meter: 'memory', logger: { debug() {}, info() {}, warn() {}, error() {} } });
    ledger.limits!.set({ subject: 'tenant:acme', period: 'day', maxCost: '10', maxRequests: 2, mode: 'soft' });
    ledger.limits!.set({ subject: 'user:*', period: 'day', maxRequests: 100 });
    server = await startServer(ledger, {
      tokens: [{ token: 'admin-0123456789abcdef' }, { token: 'acme-0123456789abcdef', tenantId: 'acme' }],
    });
  });
  afterAll(async () => {
    await server.close();
    await ledger.close();
  });

  it('serves a subject’s usage and each budget with used, reserved and remaining; meter alerts stream', async () => {
    const record = async () => {
      const call = await ledger.startAdmitted({
        provider: 'openai',
        model: 'gpt-4o-mini',
        tenantId: 'acme',
        userId: 'u-1',
        messages: [],
      });
      call.complete({ responseMessage: { role: 'assistant', content: 'ok' }, tokens: { input: 10, output: 5 } });
    };
    const events = await readEvents(`${server.url}/api/v1/events`, {
      token: 'acme-0123456789abcdef',
      onOpen: async () => {
        for (let i = 0; i < 3; i++) await record();
      },
      until: (seen) => seen.some((event) => event.event === 'alert'),
    });
    const alert = JSON.parse(events.find((event) => event.event === 'alert')!.data);
    expect(alert).toMatchObject({ source: 'meter', name: 'limit_alert' });
    expect(alert.fields.subject).toBe('tenant:acme');
    await ledger.flush();

    const usage = await server.get('/api/v1/meters/tenant%3Aacme?period=day', 'admin-0123456789abcdef');
    expect(usage.status).toBe(200);
    expect(usage.body.usage).toMatchObject({ subject: 'tenant:acme', period: 'day', requests: 3 });
    expect(typeof usage.body.usage.cost).toBe('string');

    const limits = await server.get('/api/v1/limits', 'admin-0123456789abcdef');
    expect(limits.status).toBe(200);
    const acme = limits.body.budgets.find((budget: { subject: string }) => budget.subject === 'tenant:acme');
    expect(acme.usage.requests).toBe(3);
    expect(acme.remaining.requests).toBe(-1);
    expect(acme.remaining.cost).toMatch(/^-?\d+(\.\d+)?$/);
    const perUser = limits.body.budgets.find((budget: { subject: string }) => budget.subject === 'user:*');
    expect(perUser).toMatchObject({ usage: null, remaining: null });

    const scoped = await server.get('/api/v1/limits', 'acme-0123456789abcdef');
    expect(scoped.body.budgets.map((budget: { subject: string }) => budget.subject)).toEqual(['tenant:acme']);
    const other = await server.get('/api/v1/meters/user%3Au-1', 'acme-0123456789abcdef');
    expect(other.status).toBe(403);
    const bad = await server.get('/api/v1/meters/tenant%3Aacme?period=fortnight', 'admin-0123456789abcdef');
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('period');
  });
});

describe('metrics', () => {
  it('serves the Prometheus text of the registry it is given', async () => {
    const metrics = createPrometheusMetrics();
    const ledger = openLedger({ handlers: [metrics] });
    const server = await startServer(ledger, { metrics });
    try {
      recordCall(ledger);
      await ledger.flush();
      const { status, text, headers } = await server.get('/metrics');
      expect(status).toBe(200);
      expect(headers.get('content-type')).toContain('text/plain');
      expect(text).toMatch(/llm_.*gpt-4o-mini/);
    } finally {
      await server.close();
      await ledger.close();
    }
  });
});

describe('health when the store is down', () => {
  it('answers 503 with the store’s error, its password redacted', async () => {
    const store = new PostgresStore({
      connectionString: 'postgres://postgres:hunter2secret@127.0.0.1:1/none',
      schema: 'llm_ledger_down',
    });
    const ledger = createLedger({
      store,
      configFile: false,
      env: {},
      meter: false,
      shutdownHooks: false,
      spool: false,
    });
    const server = await startServer(ledger);
    try {
      const { status, body, text } = await server.get('/healthz');
      expect(status).toBe(503);
      expect(body.status).toBe('unhealthy');
      expect(body.store.status).toBe('unhealthy');
      expect(text).not.toContain('hunter2secret');
      const calls = await server.get('/api/v1/calls');
      expect(calls.status).toBeGreaterThanOrEqual(500);
      expect(calls.text).not.toContain('hunter2secret');
    } finally {
      await server.close();
      await ledger.close().catch(() => undefined);
    }
  });
});

describe('dashboard assets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llm-ledger-dashboard-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not served');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves index.html with the CSP at / and the dashboard’s paths, and files under /assets', async () => {
    const ledger = openLedger();
    const server = await startServer(ledger, { dashboardDir: dir });
    try {
      const index = await fetch(`${server.url}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
      expect(CONTENT_SECURITY_POLICY).toContain("img-src 'self' data:");
      expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
      expect(await index.text()).toContain('/assets/app.js');
      const deep = await fetch(`${server.url}/calls/abc?model=x`, { headers: { Accept: 'text/html' } });
      expect(deep.status).toBe(200);
      expect(deep.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      const script = await fetch(`${server.url}/assets/app.js`);
      expect(script.headers.get('content-type')).toContain('text/javascript');
      expect(script.headers.get('x-content-type-options')).toBe('nosniff');
      for (const path of [
        '/assets/../secret.txt',
        '/assets/%2e%2e/secret.txt',
        '/assets/..%2fsecret.txt',
        '/assets/missing.js',
      ]) {
        const response = await fetch(`${server.url}${path}`);
        expect(response.status, path).toBe(404);
        expect(await response.text()).not.toContain('not served');
      }
    } finally {
      await server.close();
      await ledger.close();
    }
  });

  it('says the dashboard was not built when the folder is missing', async () => {
    const ledger = openLedger();
    const server = await startServer(ledger, { dashboardDir: join(dir, 'nope') });
    try {
      const page = await fetch(`${server.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(await page.text()).toContain('dashboard was not built');
    } finally {
      await server.close();
      await ledger.close();
    }
  });
});
