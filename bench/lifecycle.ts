/**
 * Per-call overhead of `ledger.start(init)` + `call.complete(result)` on the caller's path, with a
 * store attached (MemoryStore). Only the synchronous caller path is timed: the write queue flushes
 * between batches, outside the timed region. The baseline is the same loop building the init and
 * result objects the caller builds anyway.
 *
 * Goal: under 5 microseconds per call of overhead.
 *
 * Wall time is the figure the goal is about; CPU time (process.cpuUsage, which includes the GC
 * helper threads) is printed beside it because it is steadier on a busy machine.
 */
import { createLedger } from '../src/create-ledger.js';
import type { CallInit, CallResult } from '../src/core/call.js';
import { silentLogger } from '../src/core/logger.js';
import { MemoryStore } from '../src/stores/memory.js';

const TOTAL_CALLS = 200_000;
const BATCH = 10_000;
const ROUNDS = 3;
const GOAL_NS = 5_000;

const SYSTEM_PROMPT = 'You are a product analysis AI assistant.';
const QUESTION = 'What are the main product gaps for Gorgias compared with Zendesk and Freshdesk?';
const ANSWER = 'The main gaps are reporting depth, SLA management and multi-brand workflows.';

function buildInit(index: number): CallInit {
  return {
    provider: 'openai',
    model: 'gpt-4o-mini',
    callType: 'CHAT',
    systemPrompt: SYSTEM_PROMPT,
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: QUESTION },
    ],
    params: { temperature: 0.7, maxTokens: 500 },
    userId: `user-${index & 63}`,
    sessionId: `session-${index & 1023}`,
    tags: ['bench'],
  };
}

function buildResult(index: number): CallResult {
  return {
    responseMessage: { role: 'assistant', content: ANSWER },
    finishReason: 'stop',
    tokens: { prompt_tokens: 40 + (index & 7), completion_tokens: 18, total_tokens: 58 + (index & 7) },
  };
}

/** Keeps built objects reachable so the baseline loop cannot be optimized away. */
let sink: unknown;

interface Timing {
  wallNs: bigint;
  cpuMicros: number;
}

function timed(run: () => void): Timing {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  run();
  const wallNs = process.hrtime.bigint() - started;
  const used = process.cpuUsage(cpu);
  return { wallNs, cpuMicros: used.user + used.system };
}

interface PerCall {
  wall: number;
  cpu: number;
}

async function measureBaseline(): Promise<PerCall> {
  let wall = 0n;
  let cpu = 0;
  for (let offset = 0; offset < TOTAL_CALLS; offset += BATCH) {
    const timing = timed(() => {
      for (let index = offset; index < offset + BATCH; index++) {
        const init = buildInit(index);
        const result = buildResult(index);
        sink = init.model.length + (result.finishReason?.length ?? 0) > 0 ? result : init;
      }
    });
    wall += timing.wallNs;
    cpu += timing.cpuMicros;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { wall: Number(wall) / TOTAL_CALLS, cpu: (cpu * 1000) / TOTAL_CALLS };
}

async function measureLedger(): Promise<PerCall & { written: number }> {
  const store = new MemoryStore();
  const ledger = createLedger({ store, configFile: false, env: {}, logger: silentLogger });
  let wall = 0n;
  let cpu = 0;
  for (let offset = 0; offset < TOTAL_CALLS; offset += BATCH) {
    const timing = timed(() => {
      for (let index = offset; index < offset + BATCH; index++) {
        const call = ledger.start(buildInit(index));
        sink = call.complete(buildResult(index));
      }
    });
    wall += timing.wallNs;
    cpu += timing.cpuMicros;
    await ledger.flush();
  }
  const written = ledger.stats().written;
  await ledger.close();
  return { wall: Number(wall) / TOTAL_CALLS, cpu: (cpu * 1000) / TOTAL_CALLS, written };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function main(): Promise<void> {
  process.stdout.write(
    `start + complete, ${TOTAL_CALLS.toLocaleString('en-US')} calls per round, ${ROUNDS} rounds, MemoryStore attached\n`,
  );
  // warm-up: let the JIT settle on both loops
  await measureBaseline();
  await measureLedger();

  const baselines: PerCall[] = [];
  const ledgers: PerCall[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const baseline = await measureBaseline();
    const { written, ...withLedger } = await measureLedger();
    if (written !== TOTAL_CALLS) throw new Error(`expected ${TOTAL_CALLS} records written, got ${written}`);
    baselines.push(baseline);
    ledgers.push(withLedger);
    process.stdout.write(
      `  round ${round + 1}: baseline ${baseline.wall.toFixed(0)} ns/call, ` +
        `start + complete ${withLedger.wall.toFixed(0)} ns/call (cpu ${withLedger.cpu.toFixed(0)})\n`,
    );
  }
  const baseline = median(baselines.map((timing) => timing.wall));
  const withLedger = median(ledgers.map((timing) => timing.wall));
  const baselineCpu = median(baselines.map((timing) => timing.cpu));
  const withLedgerCpu = median(ledgers.map((timing) => timing.cpu));
  const overhead = withLedger - baseline;
  const lines = [
    `baseline (build init + result only): ${baseline.toFixed(0)} ns/call (cpu ${baselineCpu.toFixed(0)})`,
    `start + complete (caller path):      ${withLedger.toFixed(0)} ns/call (cpu ${withLedgerCpu.toFixed(0)})`,
    `overhead:                            ${overhead.toFixed(0)} ns/call = ${(overhead / 1000).toFixed(2)} µs ` +
      `(cpu ${((withLedgerCpu - baselineCpu) / 1000).toFixed(2)} µs)`,
    `ratio to baseline:                   ${(withLedger / baseline).toFixed(1)}x`,
    `goal: overhead under ${GOAL_NS / 1000} µs per call -> ${overhead < GOAL_NS ? 'met' : 'MISSED'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (sink === undefined) process.stdout.write('\n');
}
