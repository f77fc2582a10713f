/**
 * `npm run bench -- observe`: what logging (info, JSON to a file), Prometheus metrics and the
 * performance monitor add to each call. Each variant runs the same calls through a memory
 * ledger: start + complete, then `await ledger.flush()` per batch so the time includes the
 * handlers having run and the records being stored. Every batch gets a fresh ledger (made and
 * closed outside the timing; the handlers live on), so the memory store's growing heap does not
 * tax later batches. Variants are interleaved round by round so machine noise hits them alike;
 * the median and the fastest batch are reported.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LedgerHandler } from '../src/core/handlers.js';
import type { Ledger } from '../src/core/ledger.js';
import { silentLogger } from '../src/core/logger.js';
import { createLedger } from '../src/create-ledger.js';
import { createLogHandler, type LogHandler } from '../src/observe/logging/log-handler.js';
import { PerformanceMonitor } from '../src/observe/monitor/performance-monitor.js';
import { createPrometheusMetrics } from '../src/observe/prometheus/prometheus-metrics.js';

const CALLS_PER_BATCH = 2_000;
const WARMUP_ROUNDS = 5;
const ROUNDS = 25;
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'gemini-2.0-flash'];
const messages = [
  { role: 'system', content: 'You are a concise assistant.' },
  { role: 'user', content: 'Summarize the attached quarterly report in three bullet points.' },
];

interface Variant {
  name: string;
  handlers: LedgerHandler[];
  logs?: LogHandler;
  samples: number[];
}

function variant(name: string, handlers: LedgerHandler[], logs?: LogHandler): Variant {
  return { name, handlers, logs, samples: [] };
}

async function batch(entry: Variant, round: number): Promise<number> {
  const ledger = createLedger({
    store: 'memory',
    configFile: false,
    env: {},
    logger: silentLogger,
    handlers: entry.handlers,
  });
  const elapsed = await timedCalls(ledger, round);
  await ledger.close();
  return elapsed;
}

async function timedCalls(ledger: Ledger, round: number): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < CALLS_PER_BATCH; index++) {
    const call = ledger.start({
      provider: 'openai',
      model: MODELS[index % MODELS.length]!,
      messages,
      userId: `user-${index % 50}`,
    });
    call.complete({
      responseMessage: 'Revenue grew 12%; costs fell 3%; guidance raised.',
      tokens: { input: 120 + (index % 7), output: 40 + (round % 5) },
      finishReason: 'stop',
      cost: '0.000123',
    });
  }
  await ledger.flush();
  return ((performance.now() - started) * 1e6) / CALLS_PER_BATCH;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-bench-'));
  const logFile = (name: string) => join(directory, `${name}.jsonl`);
  const logHandler = (name: string) =>
    createLogHandler({ destination: logFile(name), level: 'info', format: 'json', env: {} });
  try {
    const loggingOnly = logHandler('logging');
    const allLogs = logHandler('all');
    const allMonitor = new PerformanceMonitor();
    const variants: Variant[] = [
      variant('bare ledger', []),
      variant('+ logging', [loggingOnly], loggingOnly),
      variant('+ metrics', [createPrometheusMetrics()]),
      variant('+ monitor', [new PerformanceMonitor()]),
      variant('+ logging + metrics + monitor', [allMonitor, createPrometheusMetrics(), allLogs], allLogs),
    ];
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      for (const entry of variants) {
        const nanoseconds = await batch(entry, round);
        if (round >= WARMUP_ROUNDS) entry.samples.push(nanoseconds);
      }
    }
    const bare = median(variants[0]!.samples);
    process.stdout.write(
      `${CALLS_PER_BATCH} calls per batch, ${ROUNDS} batches per variant (median), Node ${process.version}\n`,
    );
    const fastestBare = Math.min(...variants[0]!.samples);
    process.stdout.write(
      `${'variant'.padEnd(32)}${'ns/call'.padStart(10)}${'added'.padStart(8)}${'ratio'.padStart(8)}${'fastest'.padStart(10)}${'ratio'.padStart(8)}\n`,
    );
    for (const entry of variants) {
      const perCall = median(entry.samples);
      const fastest = Math.min(...entry.samples);
      process.stdout.write(
        `${entry.name.padEnd(32)}${perCall.toFixed(0).padStart(10)}${(perCall - bare).toFixed(0).padStart(8)}${(perCall / bare).toFixed(2).padStart(7)}x${fastest.toFixed(0).padStart(10)}${(fastest / fastestBare).toFixed(2).padStart(7)}x\n`,
      );
    }
    for (const entry of variants) await entry.logs?.close();
    const all = median(variants.at(-1)!.samples);
    const lines = statSync(logFile('all')).size;
    process.stdout.write(
      `logging + metrics + monitor: ${(all / bare).toFixed(2)}x the bare ledger (goal < 1.3x); ${lines} bytes of log written\n`,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
