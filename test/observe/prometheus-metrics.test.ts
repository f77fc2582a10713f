import { request } from 'node:http';
import { createServer, type Server } from 'node:http';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerHandler } from '../../src/core/handlers.js';
import type { Ledger } from '../../src/core/ledger.js';
import { createMetricsHandler } from '../../src/observe/prometheus/metrics-handler.js';
import { createPrometheusMetrics, PrometheusMetrics } from '../../src/observe/prometheus/prometheus-metrics.js';
import { timeHandler } from '../../src/observe/timing/timed-handler.js';
import { parseExposition, sampleValue, type Sample } from './exposition.js';
import { ManualClock, observedLedger, tablePricer } from './support.js';

const GPT = { gen_ai_operation_name: 'chat', gen_ai_provider_name: 'openai', gen_ai_request_model: 'gpt-4o' };
const CLAUDE = {
  gen_ai_operation_name: 'chat',
  gen_ai_provider_name: 'anthropic',
  gen_ai_request_model: 'claude-sonnet-4',
};
const GEMINI = {
  gen_ai_operation_name: 'chat',
  gen_ai_provider_name: 'gcp.gemini',
  gen_ai_request_model: 'gemini-2.0-flash',
};
const EMBED = {
  gen_ai_operation_name: 'embeddings',
  gen_ai_provider_name: 'openai',
  gen_ai_request_model: 'text-embedding-3-small',
};

/** A handler that throws on its first call end, to produce handler and callback errors. */
class FlakyHandler implements LedgerHandler {
  private calls = 0;
  onEnd(): void {
    this.calls += 1;
    if (this.calls === 1) throw new Error('flaky');
  }
}

/** The known set of calls the expected values below are computed from. */
async function knownCalls(ledger: Ledger, clock: ManualClock): Promise<void> {
  const a = ledger.start({ provider: 'openai', model: 'gpt-4o', userId: 'ada' });
  clock.advance(500);
  a.complete({ tokens: { input: 100, output: 20 }, cost: '0.1' });

  const b = ledger.start({ provider: 'openai', model: 'gpt-4o', userId: 'bob', requestMode: 'streaming' });
  clock.advance(250);
  b.update({ appendText: 'Hi' });
  clock.advance(1250);
  b.complete({ tokens: { input: 200, output: 30 }, cost: '0.2' });

  const c = ledger.start({ provider: 'openai', model: 'gpt-4o', userId: 'ada' });
  clock.advance(100);
  c.fail(Object.assign(new Error('bad gateway'), { status: 502 }));

  const d = ledger.start({ provider: 'anthropic', model: 'claude-sonnet-4' });
  clock.advance(2000);
  d.complete({ tokens: { input: 50, output: 10 } });

  const e = ledger.start({ provider: 'google', model: 'gemini-2.0-flash' });
  clock.advance(40);
  e.complete({ tokens: { input: 5, output: 1 } });

  const f = ledger.logEmbedding({ provider: 'openai', model: 'text-embedding-3-small', input: 'hello' });
  clock.advance(20);
  f.complete({ tokens: { input: 8, output: 0 } });
  await ledger.flush();
}

describe('PrometheusMetrics', () => {
  let ledger: Ledger | undefined;
  afterEach(async () => {
    await ledger?.close();
    ledger = undefined;
  });

  async function scrape(metrics: PrometheusMetrics): Promise<Sample[]> {
    return parseExposition(await metrics.registry.metrics());
  }

  it('exposes the expected series and values after a known set of calls', async () => {
    const clock = new ManualClock();
    const registry = new Registry();
    let stats: () => ReturnType<Ledger['stats']> = () => {
      throw new Error('not yet');
    };
    const metrics = createPrometheusMetrics({ registry, stats: () => stats() });
    const flaky = timeHandler(new FlakyHandler(), { observer: metrics, env: {} });
    ledger = observedLedger([metrics, flaky], {
      clock,
      pricer: tablePricer({ 'text-embedding-3-small': '0.000001', 'gemini-2.0-flash': '0.0000075' }),
    });
    const current = ledger;
    stats = () => current.stats();
    await knownCalls(ledger, clock);
    const samples = await scrape(metrics);
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);

    // Calls by status.
    expect(value('llm_ledger_calls_total', { ...GPT, status: 'success' })).toBe(2);
    expect(value('llm_ledger_calls_total', { ...GPT, status: 'error' })).toBe(1);
    expect(value('llm_ledger_calls_total', { ...CLAUDE, status: 'success' })).toBe(1);
    expect(value('llm_ledger_calls_total', { ...GEMINI, status: 'success' })).toBe(1);
    expect(value('llm_ledger_calls_total', { ...EMBED, status: 'success' })).toBe(1);

    // Cost, summed exactly: 0.1 + 0.2 is 0.3, not 0.30000000000000004.
    expect(value('llm_ledger_cost_total', { ...GPT, currency: 'USD' })).toBe(0.3);
    expect(value('llm_ledger_cost_total', { ...EMBED, currency: 'USD' })).toBe(0.000001);
    expect(value('llm_ledger_cost_total', { ...GEMINI, currency: 'USD' })).toBe(0.0000075);
    expect(value('llm_ledger_unpriced_calls_total', CLAUDE)).toBe(1);
    expect(() => value('llm_ledger_unpriced_calls_total', GPT)).toThrow(/0 samples/);

    // gen_ai.client.token.usage, by token type; the failed call had no usage and is not observed.
    expect(value('gen_ai_client_token_usage_count', { ...GPT, gen_ai_token_type: 'input' })).toBe(2);
    expect(value('gen_ai_client_token_usage_sum', { ...GPT, gen_ai_token_type: 'input' })).toBe(300);
    expect(value('gen_ai_client_token_usage_sum', { ...GPT, gen_ai_token_type: 'output' })).toBe(50);
    expect(value('gen_ai_client_token_usage_bucket', { ...GPT, gen_ai_token_type: 'input', le: '64' })).toBe(0);
    expect(value('gen_ai_client_token_usage_bucket', { ...GPT, gen_ai_token_type: 'input', le: '256' })).toBe(2);
    expect(value('gen_ai_client_token_usage_bucket', { ...GPT, gen_ai_token_type: 'output', le: '16' })).toBe(0);
    expect(value('gen_ai_client_token_usage_bucket', { ...GPT, gen_ai_token_type: 'output', le: '64' })).toBe(2);
    expect(value('gen_ai_client_token_usage_sum', { ...CLAUDE, gen_ai_token_type: 'input' })).toBe(50);

    // gen_ai.client.operation.duration, seconds; failures included.
    expect(value('gen_ai_client_operation_duration_seconds_count', GPT)).toBe(3);
    expect(value('gen_ai_client_operation_duration_seconds_sum', GPT)).toBeCloseTo(2.1, 12);
    expect(value('gen_ai_client_operation_duration_seconds_bucket', { ...GPT, le: '0.16' })).toBe(1);
    expect(value('gen_ai_client_operation_duration_seconds_bucket', { ...GPT, le: '0.64' })).toBe(2);
    expect(value('gen_ai_client_operation_duration_seconds_bucket', { ...GPT, le: '+Inf' })).toBe(3);
    expect(value('gen_ai_client_operation_duration_seconds_sum', CLAUDE)).toBe(2);

    // Time to first chunk: the streamed call only.
    expect(value('gen_ai_client_operation_time_to_first_chunk_seconds_count', GPT)).toBe(1);
    expect(value('gen_ai_client_operation_time_to_first_chunk_seconds_sum', GPT)).toBe(0.25);
    expect(() => value('gen_ai_client_operation_time_to_first_chunk_seconds_count', CLAUDE)).toThrow(/0 samples/);

    // Seed 002's token_usage_total by type, without user ids.
    expect(value('token_usage_total', { ...GPT, type: 'input' })).toBe(300);
    expect(value('token_usage_total', { ...GPT, type: 'output' })).toBe(50);
    expect(value('token_usage_total', { ...EMBED, type: 'input' })).toBe(8);
    expect(() => value('token_usage_total', { ...EMBED, type: 'output' })).toThrow(/0 samples/);

    // Seed 002's callback metrics, fed by the timed handler: 6 invocations, the first threw.
    expect(value('callback_duration_seconds_count', { handler_type: 'FlakyHandler' })).toBe(6);
    expect(value('callback_errors_total', { handler_type: 'FlakyHandler' })).toBe(1);

    // Gauges and counters read from the ledger's stats at scrape time.
    expect(value('llm_ledger_queue_depth')).toBe(0);
    expect(value('llm_ledger_spool_size')).toBe(0);
    expect(value('llm_ledger_handler_errors_total')).toBe(1);
    expect(value('llm_ledger_handler_timeouts_total')).toBe(0);
    expect(value('llm_ledger_label_sets_overflow_total')).toBe(0);

    // No user id anywhere by default, although every call had one.
    expect(samples.some((sample) => 'user_id' in sample.labels)).toBe(false);
    // Registered in the registry that was passed in.
    expect(registry.getSingleMetric('llm_ledger_calls_total')).toBeDefined();
  });

  it('reads queue depth and spool size from the stats function', async () => {
    const metrics = createPrometheusMetrics({
      stats: () => ({ pending: 42, spool: { pending: 7 }, handlers: { errors: 3, timeouts: 2 } }),
    });
    const samples = await scrape(metrics);
    expect(sampleValue(samples, 'llm_ledger_queue_depth')).toBe(42);
    expect(sampleValue(samples, 'llm_ledger_spool_size')).toBe(7);
    expect(sampleValue(samples, 'llm_ledger_handler_errors_total')).toBe(3);
    expect(sampleValue(samples, 'llm_ledger_handler_timeouts_total')).toBe(2);
  });

  it('adds allowlisted labels and caps the label sets', async () => {
    const clock = new ManualClock();
    const metrics = createPrometheusMetrics({ labels: ['user_id'], maxLabelSets: 2 });
    ledger = observedLedger([metrics], { clock });
    for (const userId of ['ada', 'bob', 'cyd', 'dan', 'ada']) {
      ledger.start({ provider: 'openai', model: 'gpt-4o', userId }).complete({ tokens: { input: 1, output: 1 } });
    }
    await ledger.flush();
    const samples = await scrape(metrics);
    const calls = (labels: Record<string, string>) => sampleValue(samples, 'llm_ledger_calls_total', labels);
    expect(calls({ ...GPT, user_id: 'ada', status: 'success' })).toBe(2);
    expect(calls({ ...GPT, user_id: 'bob', status: 'success' })).toBe(1);
    const other = {
      gen_ai_operation_name: 'other',
      gen_ai_provider_name: 'other',
      gen_ai_request_model: 'other',
      user_id: 'other',
    };
    expect(calls({ ...other, status: 'success' })).toBe(2);
    expect(sampleValue(samples, 'llm_ledger_label_sets_overflow_total')).toBe(2);
    expect(samples.filter((sample) => sample.name === 'llm_ledger_calls_total')).toHaveLength(3);
  });

  describe('createMetricsHandler', () => {
    let server: Server | undefined;
    afterEach(async () => {
      await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
      server = undefined;
    });

    function fetchText(port: number, method: string): Promise<{ status: number; type: string; body: string }> {
      return new Promise((resolve, reject) => {
        const outgoing = request({ host: '127.0.0.1', port, path: '/metrics', method }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), body }),
          );
        });
        outgoing.on('error', reject);
        outgoing.end();
      });
    }

    it('serves the registry to GET and refuses other methods', async () => {
      const clock = new ManualClock();
      const metrics = createPrometheusMetrics();
      ledger = observedLedger([metrics], { clock });
      ledger.start({ provider: 'openai', model: 'gpt-4o' }).complete({ tokens: { input: 3, output: 4 } });
      await ledger.flush();
      server = createServer(createMetricsHandler(metrics));
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;

      const got = await fetchText(port, 'GET');
      expect(got.status).toBe(200);
      expect(got.type).toBe(metrics.registry.contentType);
      expect(sampleValue(parseExposition(got.body), 'token_usage_total', { ...GPT, type: 'output' })).toBe(4);
      expect(got.body).toContain('# TYPE gen_ai_client_token_usage histogram');

      const posted = await fetchText(port, 'POST');
      expect(posted.status).toBe(405);
    });
  });
});
