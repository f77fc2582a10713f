/**
 * The response cache: what a hit costs compared with a call that reaches the provider, and the hit
 * rate of a repeated workload.
 *
 * Latency, one run, interleaved in rounds so drift hits every mode alike (median over rounds, and
 * the process's CPU time per call, the wire server's worker thread included):
 * - `raw SDK miss`: the official `openai` client, unwrapped, against the local wire server (in a
 *   worker thread), the baseline;
 * - `wrap miss` / `wrap hit (memory)` / `wrap hit (sqlite)`: the same client wrapped by a ledger
 *   with a cache; a hit is answered through the SDK's own fetch (the SDK still parses it);
 * - `trackLLMCall miss` / `trackLLMCall hit`: the raw client called through `trackLLMCall`;
 * - `proxy miss` / `proxy hit`: the raw client pointed at `createLedgerProxy` (in this process)
 *   with `x-ledger-cache: on`, in front of the same wire server; `direct` is the raw SDK miss.
 * Hit rate: 10,000 requests drawn from 1,000 distinct prompts with Zipf(s=1) popularity, through a
 * memory cache bounded at 200 and at 1,000 entries.
 *
 * BENCH_ROUNDS (default 30) and BENCH_CALLS (calls per mode per round, default 20) tune it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { trackLLMCall } from '../src/capture/track-llm-call.js';
import { silentLogger } from '../src/core/logger.js';
import { startLedgerProxy } from '../src/proxy/listen.js';
import { createLedger, type CreatedLedger } from '../src/create-ledger.js';
import { startWireServerInWorker } from '../test/support/wire-server/server-worker.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS) || 30;
const CALLS = Number(process.env.BENCH_CALLS) || 20;

function ledgerWith(backend: 'memory' | 'sqlite', directory: string, maxEntries?: number, name = ''): CreatedLedger {
  return createLedger({
    store: join(directory, `${backend}-${maxEntries ?? 'all'}${name}.db`),
    configFile: false,
    env: {},
    logger: silentLogger,
    shutdownHooks: false,
    spool: false,
    deadLetters: false,
    cache: { backend, ...(maxEntries ? { maxEntries } : {}) },
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Zipf(s) sampler over 1..n by inverse CDF. */
function zipf(n: number, s: number, random: () => number): () => number {
  const weights = Array.from({ length: n }, (_, index) => 1 / (index + 1) ** s);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const cdf: number[] = [];
  let running = 0;
  for (const weight of weights) cdf.push((running += weight / total));
  return () => {
    const target = random();
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cdf[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export async function main(): Promise<void> {
  const server = await startWireServerInWorker();
  const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-bench-cache-'));
  const client = () => new OpenAI({ apiKey: 'sk-bench', baseURL: server.openaiBaseURL, maxRetries: 0 });
  const memoryLedger = ledgerWith('memory', directory);
  const sqliteLedger = ledgerWith('sqlite', directory);
  const trackLedger = ledgerWith('memory', directory, undefined, '-track');
  const proxyLedger = ledgerWith('memory', directory, undefined, '-proxy');
  const proxyServer = await startLedgerProxy(proxyLedger, {
    port: 0,
    upstreams: { openai: server.openaiBaseURL },
  });
  const raw = client();
  const viaProxy = new OpenAI({
    apiKey: 'sk-bench',
    baseURL: `${proxyServer.url}/openai/v1`,
    maxRetries: 0,
    defaultHeaders: { 'x-ledger-cache': 'on' },
  });
  const wrappedMemory = memoryLedger.wrap(client());
  const wrappedSqlite = sqliteLedger.wrap(client());
  const repeatedMessages = [{ role: 'user' as const, content: 'the repeated prompt' }];
  const repeated = { model: 'gpt-4o-mini', messages: repeatedMessages };
  const tracked = (messages: Array<{ role: 'user'; content: string }>) =>
    trackLLMCall(trackLedger, { provider: 'openai', model: 'gpt-4o-mini', messages, client: raw, stream: false });
  await wrappedMemory.chat.completions.create(repeated);
  await wrappedSqlite.chat.completions.create(repeated);
  await tracked(repeatedMessages);
  await viaProxy.chat.completions.create(repeated);
  for (const ledger of [memoryLedger, sqliteLedger, trackLedger, proxyLedger]) await ledger.flush();
  let unique = 0;
  const freshMessages = () => [{ role: 'user' as const, content: `new ${unique++}` }];
  const fresh = () => ({ model: 'gpt-4o-mini', messages: freshMessages() });

  const modes: Record<string, () => Promise<unknown>> = {
    'raw SDK miss (direct)': () => raw.chat.completions.create(fresh()),
    'wrap miss': () => wrappedMemory.chat.completions.create(fresh()),
    'wrap hit (memory)': () => wrappedMemory.chat.completions.create(repeated),
    'wrap hit (sqlite)': () => wrappedSqlite.chat.completions.create(repeated),
    'trackLLMCall miss': () => tracked(freshMessages()),
    'trackLLMCall hit': () => tracked(repeatedMessages),
    'proxy miss': () => viaProxy.chat.completions.create(fresh()),
    'proxy hit': () => viaProxy.chat.completions.create(repeated),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((name) => [name, []]));
  const cpu: Record<string, number> = Object.fromEntries(Object.keys(modes).map((name) => [name, 0]));
  for (let round = 0; round < ROUNDS + 3; round++) {
    for (const [name, run] of Object.entries(modes).sort(() => Math.random() - 0.5)) {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      for (let call = 0; call < CALLS; call++) await run();
      const perCall = (performance.now() - started) / CALLS;
      const used = process.cpuUsage(cpuBefore);
      if (round >= 3) {
        samples[name]!.push(perCall);
        cpu[name]! += (used.user + used.system) / CALLS;
      }
    }
    for (const ledger of [memoryLedger, sqliteLedger, trackLedger, proxyLedger]) await ledger.flush();
  }
  const baseline = median(samples['raw SDK miss (direct)']!);
  console.log(`cache latency (median per call over ${ROUNDS} rounds of ${CALLS}; machine shared, noisy)`);
  console.log(`  ${''.padEnd(24)} ${'wall'.padStart(9)}  ${'ratio'.padStart(6)}  CPU/call (process, server included)`);
  for (const [name, values] of Object.entries(samples)) {
    const value = median(values);
    console.log(
      `  ${name.padEnd(24)} ${(value * 1000).toFixed(0).padStart(6)} µs  ${(value / baseline).toFixed(2).padStart(6)}  ` +
        `${(cpu[name]! / ROUNDS).toFixed(0).padStart(6)} µs`,
    );
  }
  const proxyHit = median(samples['proxy hit']!);
  console.log(
    `  proxy hit vs direct: ${((proxyHit - baseline) * 1000).toFixed(0)} µs (${(proxyHit / baseline).toFixed(2)}x); ` +
      `the proxy runs in this process, beside the client`,
  );
  await proxyServer.close();

  const REQUESTS = 10_000;
  console.log(`hit rate: ${REQUESTS.toLocaleString('en')} requests over 1,000 prompts, Zipf(s=1)`);
  for (const maxEntries of [200, 1000]) {
    const ledger = ledgerWith('memory', directory, maxEntries);
    const wrapped = ledger.wrap(client());
    const pick = zipf(1000, 1, seeded(42));
    const started = performance.now();
    for (let index = 0; index < REQUESTS; index++) {
      await wrapped.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: `prompt ${pick()}` }],
      });
      // Answers are stored once the call is finalized, a turn later.
      if (index % 200 === 0) await ledger.flush();
    }
    const elapsed = performance.now() - started;
    await ledger.flush();
    const stats = ledger.cache!.stats;
    const rate = stats.hits / (stats.hits + stats.misses);
    console.log(
      `  maxEntries ${String(maxEntries).padEnd(5)} hit rate ${(rate * 100).toFixed(1)}%  (${stats.hits} hits, ${stats.misses} misses), ` +
        `${(elapsed / REQUESTS).toFixed(3)} ms per request on average`,
    );
    await ledger.close();
  }
  for (const ledger of [memoryLedger, sqliteLedger, trackLedger, proxyLedger]) await ledger.close();
  await server.close();
  rmSync(directory, { recursive: true, force: true });
}
