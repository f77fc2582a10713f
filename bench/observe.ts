/**
 * `npm run bench -- observe`: what logging (info, JSON lines to a file under the OS temp
 * directory), Prometheus metrics and the performance monitor add to each call.
 *
 * Each variant runs the same calls through a memory ledger: start + complete, then
 * `await ledger.flush()` per batch, so the time includes the handlers having run and the records
 * being stored. Every batch gets a fresh ledger (made and closed outside the timing; the handlers
 * live on), so the memory store's growing heap does not tax later batches. Variants are
 * interleaved batch by batch so machine noise hits them alike. Reported per call: process CPU
 * time (user + system, so file writes count; steadier than wall time on a shared machine),
 * wall time, and the caller's path alone (the synchronous start + complete loop, before the flush:
 * what the application waits for, since handlers run on a later turn of the event loop), medians
 * over the batches, each with its ratio to the bare ledger.
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
const ROUNDS = 30;
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'gemini-2.0-flash'];
const messages = [
  { role: 'system', content: 'You are a concise assistant.' },
  { role: 'user', content: 'Summarize the attached quarterly report in three bullet points.' },
];

interface Variant {
  name: string;
  handlers: LedgerHandler[];
  logs?: LogHandler;
  cpu: number[];
  wall: number[];
  caller: number[];
}

function variant(name: string, handlers: LedgerHandler[], logs?: LogHandler): Variant {
  return { name, handlers, logs, cpu: [], wall: [], caller: [] };
}

async function batch(entry: Variant, round: number, keep: boolean): Promise<void> {
  const ledger = createLedger({
    store: 'memory',
    configFile: false,
    env: {},
    logger: silentLogger,
    // Costs are given with each call; no price list is loaded or consulted.
    pricer: { price: () => null },
    handlers: entry.handlers,
  });
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const callerPath = await calls(ledger, round);
  const wall = performance.now() - wallBefore;
  const cpu = process.cpuUsage(cpuBefore);
  await ledger.close();
  if (!keep) return;
  entry.wall.push((wall * 1e6) / CALLS_PER_BATCH);
  entry.cpu.push(((cpu.user + cpu.system) * 1e3) / CALLS_PER_BATCH);
  entry.caller.push((callerPath * 1e6) / CALLS_PER_BATCH);
}

/** Returns the milliseconds the caller spent in start + complete. */
async function calls(ledger: Ledger, round: number): Promise<number> {
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
      cost: `0.000${100 + (index % 97)}`,
    });
  }
  const callerPath = performance.now() - started;
  await ledger.flush();
  return callerPath;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-bench-'));
  const logFile = join(directory, 'calls.jsonl');
  try {
    const fileLogs = createLogHandler({ destination: logFile, level: 'info', format: 'json', env: {} });
    // The same lines serialized but not written: pino's CPU cost apart from the file writes.
    const unwritten = createLogHandler({ destination: { write() {} }, level: 'info', format: 'json', env: {} });
    // Level warn: per-call lines are disabled, only failures and alerts would be written.
    const quietLogs = createLogHandler({ destination: join(directory, 'warn.jsonl'), level: 'warn', env: {} });
    const allLogs = createLogHandler({ destination: join(directory, 'all.jsonl'), level: 'info', env: {} });
    const variants: Variant[] = [
      variant('bare ledger', []),
      // Any handler at all makes the ledger queue and dispatch events: the floor under the rest.
      variant('+ one no-op handler', [{ name: 'noop', onStart() {}, onEnd() {} }]),
      variant('+ logging (file)', [fileLogs], fileLogs),
      variant('+ logging (not written)', [unwritten]),
      variant('+ logging at warn (file)', [quietLogs], quietLogs),
      variant('+ metrics', [createPrometheusMetrics()]),
      variant('+ monitor', [new PerformanceMonitor()]),
      variant('+ logging + metrics + monitor', [new PerformanceMonitor(), createPrometheusMetrics(), allLogs], allLogs),
    ];
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      for (const entry of variants) await batch(entry, round, round >= WARMUP_ROUNDS);
    }
    for (const entry of variants) await entry.logs?.close();

    const bareCpu = median(variants[0]!.cpu);
    const bareWall = median(variants[0]!.wall);
    const bareCaller = median(variants[0]!.caller);
    const out = (text: string) => process.stdout.write(`${text}\n`);
    out(`${CALLS_PER_BATCH} calls per batch, ${ROUNDS} batches per variant, medians; Node ${process.version}`);
    out(
      `${'variant'.padEnd(31)}${'cpu ns'.padStart(8)}${'added'.padStart(8)}${'ratio'.padStart(8)}` +
        `${'wall ns'.padStart(9)}${'added'.padStart(8)}${'ratio'.padStart(8)}` +
        `${'caller ns'.padStart(11)}${'ratio'.padStart(8)}`,
    );
    for (const entry of variants) {
      const cpu = median(entry.cpu);
      const wall = median(entry.wall);
      out(
        `${entry.name.padEnd(31)}${cpu.toFixed(0).padStart(8)}${(cpu - bareCpu).toFixed(0).padStart(8)}` +
          `${(cpu / bareCpu).toFixed(2).padStart(7)}x${wall.toFixed(0).padStart(9)}` +
          `${(wall - bareWall).toFixed(0).padStart(8)}${(wall / bareWall).toFixed(2).padStart(7)}x` +
          `${median(entry.caller).toFixed(0).padStart(11)}${(median(entry.caller) / bareCaller).toFixed(2).padStart(7)}x`,
      );
    }
    const all = variants.at(-1)!;
    out(
      `logging + metrics + monitor on the caller's path: ${(median(all.caller) / bareCaller).toFixed(2)}x ` +
        `the bare ledger (goal < 1.3x); total work including the handlers: ` +
        `${(median(all.cpu) / bareCpu).toFixed(2)}x CPU, ${(median(all.wall) / bareWall).toFixed(2)}x wall; ` +
        `${statSync(logFile).size} bytes logged by the file variant`,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
