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

  it('a client reconnecting with Last-Event-ID receives the calls recorded while it was away, and only those', async () => {
    let firstId = '';
    const first = await readEvents(`${server.url}/api/v1/events`, {
      onOpen: () => {
        firstId = recordCall(ledger, { userId: 'before-drop' });
      },
      until: (seen) => seen.some((event) => event.event === 'call' && event.data.includes(firstId)),
    });
    const lastEventId = first.find((event) => event.event === 'call' && event.data.includes(firstId))!.id;
    expect(lastEventId).toMatch(/^[0-9a-z]+-\d+$/);
    // The client is gone (the stream was aborted): these are recorded while nobody listens.
    const missedIds = [recordCall(ledger, { userId: 'away-1' }), recordCall(ledger, { userId: 'away-2' })];
    await new Promise((resolve) => setTimeout(resolve, 50));
    const resumed = await readEvents(`${server.url}/api/v1/events`, {
      lastEventId,
      until: (seen) => seen.filter((event) => event.event === 'call').length >= 2,
    });
    const calls = resumed.filter((event) => event.event === 'call').map((event) => JSON.parse(event.data).id);
    expect(calls).toEqual(missedIds);
    expect(resumed.some((event) => event.event === 'missed')).toBe(false);
  });

  it('says so with event: missed when Last-Event-ID is of another server process, then sends what it kept', async () => {
    const events = await readEvents(`${server.url}/api/v1/events`, {
      lastEventId: 'zz0000-5',
      until: (seen) => seen.some((event) => event.event === 'missed'),
    });
    const missed = JSON.parse(events.find((event) => event.event === 'missed')!.data);
    expect(missed).toMatchObject({ reason: 'restarted', lastEventId: 'zz0000-5' });
    expect(missed.message).toMatch(/restarted/);
  });

  it('refuses a malformed Last-Event-ID, or one naming an event not sent yet, with a 400 naming the header', async () => {
    for (const value of ['abc', '12', 'x-y', `${'a'.repeat(40)}-1`]) {
      const response = await fetch(`${server.url}/api/v1/events`, { headers: { 'Last-Event-ID': value } });
      expect(response.status, value).toBe(400);
      const body = (await response.json()) as { error: { param: string; message: string } };
      expect(body.error.param).toBe('Last-Event-ID');
      expect(body.error.message).toMatch(/reconnect without it/);
    }
    const first = await readEvents(`${server.url}/api/v1/events`, {
      onOpen: () => void recordCall(ledger),
      until: (seen) => seen.some((event) => event.event === 'call'),
    });
    const [epoch, sequence] = first.find((event) => event.event === 'call')!.id.split('-');
    const future = await fetch(`${server.url}/api/v1/events`, {
      headers: { 'Last-Event-ID': `${epoch}-${Number(sequence) + 1000}` },
    });
    expect(future.status).toBe(400);
    expect(((await future.json()) as { error: { message: string } }).error.message).toMatch(/has not sent/);
  });

  it('keeps listening after the last client leaves (for reconnects) and unsubscribes on close()', async () => {
    const own = openLedger();
    const ownServer = await startServer(own, { events: { heartbeatMs: 50 } });
    const ownHandlers = () => (own as unknown as { handlerSet: { size: number } }).handlerSet.size;
    const before = ownHandlers();
    await readEvents(`${ownServer.url}/api/v1/events`, {
      until: (seen) => seen.length > 0,
      onOpen: () => expect(ownHandlers()).toBe(before + 1),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ownHandlers()).toBe(before + 1);
    await ownServer.close();
    expect(ownHandlers()).toBe(before);
    await own.close();
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
    hub.close();
    expect(attached).toBe(0);
  });

  it('replays the newest events after Last-Event-ID, says when older ones are gone, and never replays another tenant’s', async () => {
    const hub = new EventHub(
      () => {},
      () => {},
      { replaySize: 3, heartbeatMs: 60_000 },
    );
    const read = async (stream: ReadableStream<Uint8Array>) => {
      const reader = stream.getReader();
      const text = new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      return text;
    };
    // The first client's stream carries the ids the later ones resume from.
    const watcher = hub.open({ tenantId: null }, undefined).getReader();
    for (let index = 0; index < 6; index++) {
      hub.onEnd(makeRecord({ model: `model-${index}`, tenantId: index % 2 === 0 ? 'acme' : 'globex' }));
    }
    const seen = new TextDecoder().decode((await watcher.read()).value);
    await watcher.cancel();
    const ids = [...seen.matchAll(/^id: (.+)$/gm)].map((match) => match[1]!);
    expect(ids).toHaveLength(6);

    // Within the kept events: exactly the ones after the id, no `missed`.
    const recent = await read(hub.open({ tenantId: null }, undefined, ids[3]));
    expect(recent).not.toContain('event: missed');
    expect(recent).toContain('model-4');
    expect(recent).toContain('model-5');
    expect(recent).not.toContain('model-3');

    // Older than the kept events: `missed` with reason expired, then the kept ones.
    const old = await read(hub.open({ tenantId: null }, undefined, ids[0]));
    expect(old).toMatch(/event: missed\ndata: \{"reason":"expired","lastEventId":"[^"]+"/);
    expect(old.indexOf('event: missed')).toBeLessThan(old.indexOf('model-3'));
    expect(old).not.toContain('model-2');

    // A tenant's token gets its own tenant's events only, replayed or not.
    const scoped = await read(hub.open({ tenantId: 'acme' }, undefined, ids[2]));
    expect(scoped).toContain('model-4');
    expect(scoped).not.toContain('model-3');
    expect(scoped).not.toContain('model-5');
    hub.close();
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
