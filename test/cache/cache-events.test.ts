import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CacheBackend } from '../../src/cache/index.js';
import { ConfigError } from '../../src/core/errors.js';
import type { Problem } from '../../src/core/problem-reporter.js';
import { createLedger, type CreatedLedger, type CreateLedgerOptions } from '../../src/create-ledger.js';
import { silentLogger } from '../../src/core/logger.js';
import { createLogHandler } from '../../src/observe/logging/log-handler.js';
import { chatCompletion, chatStream, openaiUsage } from '../support/wire-server/index.js';
import {
  collect,
  records,
  sdkClients,
  startWireServer,
  testPricer,
  type WireServer,
} from '../capture/capture-harness.js';
import { LineSink } from '../observe/support.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const messages = [{ role: 'user' as const, content: 'Say hello' }];

function loggedLedger(options: CreateLedgerOptions = {}) {
  const sink = new LineSink();
  const logs = createLogHandler({ destination: sink, level: 'debug', env: {} });
  const ledger = createLedger({
    store: 'memory',
    configFile: false,
    env: {},
    logger: silentLogger,
    pricer: testPricer,
    handlers: [logs],
    ...options,
  });
  return { ledger, sink };
}

describe('cache events through the emoji log handler', () => {
  it('logs cache_miss, response_cached, then cache_hit with the key prefix and the saved cost', async () => {
    const { ledger, sink } = loggedLedger({ cache: true });
    const openai = ledger.wrap(sdkClients(server).openai);
    server.script('openai.chat', chatCompletion({ usage: openaiUsage(12, 3) }));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await ledger.flush();
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await ledger.close();
    const [miss] = sink.byEvent('cache_miss');
    const [stored] = sink.byEvent('response_cached');
    const [hit] = sink.byEvent('cache_hit');
    expect(miss).toMatchObject({ model: 'gpt-4o-mini', provider: 'openai', backend: 'memory' });
    expect(String(miss!.cache_key)).toMatch(/^[0-9a-f]{16}$/);
    expect(stored).toMatchObject({ cache_key: miss!.cache_key, streamed: false });
    expect(hit).toMatchObject({ cache_key: miss!.cache_key, cost_saved: '0.000018' });
    expect(sink.json().map((line) => line.event)).toEqual(
      expect.arrayContaining(['cache_miss', 'response_cached', 'cache_hit', 'inference_completed']),
    );
  });

  it('a backend that fails is a miss, the call goes on, and the problem is reported once', async () => {
    const problems: Problem[] = [];
    const broken: CacheBackend = {
      name: 'broken',
      get: () => Promise.reject(new Error('cache backend down')),
      set: () => Promise.reject(new Error('cache backend down')),
      delete: () => Promise.resolve(),
      clear: () => Promise.resolve(),
    };
    const warnings: string[] = [];
    const { ledger } = loggedLedger({
      cache: { backend: broken },
      onError: (problem) => problems.push(problem),
      logger: { ...silentLogger, warn: (_details: unknown, message?: string) => warnings.push(String(message)) },
    });
    const openai = ledger.wrap(sdkClients(server).openai);
    server.script('openai.chat', chatCompletion(), chatCompletion(), chatCompletion());
    for (let index = 0; index < 3; index++) {
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
      await ledger.flush();
    }
    expect(server.requests).toHaveLength(3);
    expect((await records(ledger)).every((record) => record.status === 'success')).toBe(true);
    expect(problems.filter((problem) => problem.kind === 'cache').length).toBeGreaterThanOrEqual(3);
    expect(warnings.filter((line) => line.includes('cache backend down'))).toHaveLength(2); // get and set, once each
    expect((ledger as CreatedLedger).cache?.stats.errors).toBeGreaterThanOrEqual(3);
    await ledger.close();
  });
});

describe('stream_progress', () => {
  it('a 160-chunk stream emits progress every 50 chunks', async () => {
    const { ledger, sink } = loggedLedger({ streamProgress: { everyChunks: 50, everyMs: 0 } });
    const openai = ledger.wrap(sdkClients(server).openai);
    const pieces = Array.from({ length: 158 }, (_, index) => `t${index} `);
    server.script('openai.chat', chatStream({ content: pieces, usage: openaiUsage(5, 158) }));
    await collect(await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }));
    await ledger.close();
    const progress = sink.byEvent('stream_progress');
    expect(progress.map((line) => line.chunks_streamed)).toEqual([50, 100, 150]);
    expect(progress[0]).toMatchObject({ emoji: '⚡', model: 'gpt-4o-mini', provider: 'openai', level: 20 });
    expect(progress[0]!.call_id).toEqual(expect.any(String));
  });

  it('by time: a slow stream emits progress when everyMs passed', async () => {
    const { ledger, sink } = loggedLedger({ streamProgress: { everyChunks: 0, everyMs: 30 } });
    const openai = ledger.wrap(sdkClients(server).openai);
    server.script('openai.chat', chatStream({ content: ['a', 'b', 'c', 'd'], intervalMs: 40 }));
    await collect(await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }));
    await ledger.close();
    expect(sink.byEvent('stream_progress').length).toBeGreaterThanOrEqual(2);
  });

  it('streamProgress: false emits none', async () => {
    const { ledger, sink } = loggedLedger({ streamProgress: false });
    const openai = ledger.wrap(sdkClients(server).openai);
    server.script('openai.chat', chatStream({ content: Array.from({ length: 120 }, () => 'x') }));
    await collect(await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }));
    await ledger.close();
    expect(sink.byEvent('stream_progress')).toHaveLength(0);
  });
});

describe('model_load events and batch request events', () => {
  it('trackModelLoad logs started and completed with 🤖, failed with 💥, and rethrows', async () => {
    const { ledger, sink } = loggedLedger();
    const created = ledger as CreatedLedger;
    expect(await created.trackModelLoad('llama-3-8b', async () => 'weights')).toBe('weights');
    await expect(
      created.trackModelLoad('mistral-7b', () => {
        throw new Error('file not found');
      }),
    ).rejects.toThrow('file not found');
    await ledger.close();
    expect(sink.byEvent('model_load_started').map((line) => [line.model, line.emoji])).toEqual([
      ['llama-3-8b', '🤖'],
      ['mistral-7b', '🤖'],
    ]);
    expect(sink.byEvent('model_load_completed')[0]).toMatchObject({ model: 'llama-3-8b', emoji: '🤖' });
    expect(sink.byEvent('model_load_completed')[0]!.duration_ms).toEqual(expect.any(Number));
    expect(sink.byEvent('model_load_failed')[0]).toMatchObject({
      model: 'mistral-7b',
      emoji: '💥',
      error: 'file not found',
      level: 50,
    });
  });

  it('the batch runner logs batch_request_started / _completed / _failed per item', async () => {
    const { ledger, sink } = loggedLedger();
    const created = ledger as CreatedLedger;
    await created.batch([1, 2, 3], async (item) => {
      if (item === 2) throw new Error('bad item');
      return item;
    });
    await ledger.close();
    expect(sink.byEvent('batch_request_started').map((line) => line.request_id)).toEqual([0, 1, 2]);
    expect(sink.byEvent('batch_request_completed').map((line) => line.request_id)).toEqual([0, 2]);
    expect(sink.byEvent('batch_request_failed')).toMatchObject([{ request_id: 1, error: 'bad item', emoji: '💥' }]);
    expect(sink.byEvent('batch_processing_completed')).toHaveLength(1);
  });
});

describe('createLedger({ cache }) is checked', () => {
  const base = { store: 'memory', configFile: false, env: {}, logger: silentLogger } as const;
  it.each([
    [{ cache: 'yes' }, /"cache"/],
    [{ cache: { ttlMs: -5 } }, /cache.*ttlMs/s],
    [{ cache: { ttlMs: 1.5 } }, /ttlMs/],
    [{ cache: { backnd: 'memory' } }, /backend/],
    [{ cache: { backend: 'redis://localhost' } }, /RedisCacheBackend/],
    [{ cache: { backend: 'sqlite' } }, /ledger has none/],
    [{ cache: { key: 'model' } }, /a function/],
    [{ cache: { maxEntries: 0 } }, /maxEntries/],
    [{ streamProgress: { everyChunks: -1 } }, /streamProgress/],
  ])('%j is a ConfigError naming the field', (options, message) => {
    expect(() => createLedger({ ...base, ...(options as CreateLedgerOptions) })).toThrow(ConfigError);
    expect(() => createLedger({ ...base, ...(options as CreateLedgerOptions) })).toThrow(message);
  });
});

describe('metrics and the monitor count hits', () => {
  it('Prometheus counts hits and the saved cost; the monitor reports the hit rate and keeps hits out of latency', async () => {
    const { createPrometheusMetrics } = await import('../../src/observe/prometheus/index.js');
    const metrics = createPrometheusMetrics();
    const ledger = createLedger({
      store: 'memory',
      configFile: false,
      env: {},
      logger: silentLogger,
      pricer: testPricer,
      handlers: [metrics],
      monitor: true,
      cache: true,
    });
    const openai = ledger.wrap(sdkClients(server).openai);
    server.script('openai.chat', chatCompletion({ usage: openaiUsage(12, 3) }));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await ledger.flush();
    for (let index = 0; index < 3; index++) await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await ledger.flush();
    const text = await metrics.metrics();
    expect(text).toMatch(/llm_ledger_cache_hits_total\{[^}]*\} 3/);
    expect(text).toMatch(/llm_ledger_cost_saved_total\{[^}]*currency="USD"[^}]*\} 0\.000054/);
    const snapshot = ledger.monitor.snapshot();
    expect(snapshot.cache).toEqual({ hits: 3, calls: 4, hitRatePercent: 75, saved: '0.000054' });
    await ledger.close();
  });
});
