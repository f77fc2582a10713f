/**
 * One application under chaos: a process that makes wrapped OpenAI calls (half of them streamed)
 * against its own wire server, records them into SQLite or PostgreSQL, meters them in Redis under
 * a hard token budget, and runs a handler that sometimes never settles. The parent injects the
 * faults (store lock or cut, Redis restart, signals) and counts what reached the store.
 *
 * Protocol on stdout, one line each: `ready`, then `ok SEQ MS` for every call that returned to the
 * application (MS: the call's wall time), `refused SEQ` for a budget refusal, `error SEQ MESSAGE`
 * for anything else, and at the end `done JSON` with the ledger's and the meter's stats.
 * Usage: node --import tsx chaos-worker.ts '<WorkerConfig as JSON>'
 */
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { silentLogger, type LedgerLogger } from '../../src/core/logger.js';
import { createLedger } from '../../src/create-ledger.js';
import { createMeter } from '../../src/meters/create-meter.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import {
  chatCompletion,
  chatStream,
  openaiUsage,
  startWireServer,
  type RecordedRequest,
  type Reply,
} from '../../src/testing/index.js';
import type { WorkerConfig } from './chaos-config.js';

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
const out = (line: string) => process.stdout.write(`${line}\n`);

// The reply is small and fixed, and the request asks for at most 3 output tokens, so the ledger's
// reservation (input counted from the messages plus max_tokens) is never below the actual usage.
const PROMPT_TOKENS = 4;
const COMPLETION_TOKENS = 3;
const server = await startWireServer();
const usage = openaiUsage(PROMPT_TOKENS, COMPLETION_TOKENS);
const streamed = chatStream({ content: ['Hi', ' there', '!'], usage }) as (request: RecordedRequest) => Reply;
const whole = chatCompletion({ content: 'Hi there!', usage });
server.setDefault('openai.chat', (request) => (request.body.stream === true ? streamed(request) : whole));
const messages = [{ role: 'user' as const, content: 'Say hi to the chaos monkey.' }];

// The raw SDK's own wall time per call in this process, for "delay added" figures.
const raw = new OpenAI({ apiKey: 'sk-test', baseURL: server.openaiBaseURL, maxRetries: 0 });
const rawTimes: number[] = [];
for (let index = 0; index < 60; index++) {
  const started = performance.now();
  await raw.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: COMPLETION_TOKENS });
  rawTimes.push(performance.now() - started);
}
rawTimes.sort((a, b) => a - b);

const warnings: string[] = [];
const describe = (args: unknown[]) =>
  args
    .map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg)))
    .join(' ')
    .slice(0, 300);
const logger: LedgerLogger = {
  ...silentLogger,
  warn: (...args: unknown[]) => void warnings.push(describe(args)),
  error: (...args: unknown[]) => void warnings.push(describe(args)),
};

const store =
  config.store.kind === 'postgres'
    ? new PostgresStore({ connectionString: config.store.url, schema: config.store.schema })
    : config.store.path;
if (store instanceof PostgresStore) await store.migrate();
const meter = config.redisUrl
  ? createMeter({ backend: config.redisUrl, keyPrefix: config.keyPrefix, logger, operationTimeoutMs: 500 })
  : undefined;
if (meter && config.budgetTokens !== undefined) {
  meter.limits.set({ subject: 'user:chaos', period: 'day', maxTokens: config.budgetTokens, mode: 'hard' });
}
let handled = 0;
const ledger = createLedger({
  store,
  meter: meter ?? false,
  spool: config.spool,
  durability: config.durability,
  configFile: false,
  env: {},
  logger,
  handlerTimeoutMs: 200,
  handlers: [
    {
      name: 'sometimes-hangs',
      onEnd: () => {
        handled += 1;
        // Never settles: the ledger must time it out without holding anything else back.
        if (config.hangEvery > 0 && handled % config.hangEvery === 0) return new Promise<void>(() => undefined);
      },
    },
  ],
});
const openai = ledger.wrap(new OpenAI({ apiKey: 'sk-test', baseURL: server.openaiBaseURL, maxRetries: 0 }));

let stopping = false;
if (config.ownSignalHandler) {
  // The application's own graceful shutdown: it goes on serving for drainMs (requests already
  // accepted), then stops and closes. The ledger must keep recording during this drain instead of
  // closing under it.
  process.on('SIGTERM', () => {
    setTimeout(() => (stopping = true), config.drainMs);
  });
}

async function oneCall(seq: number): Promise<void> {
  const started = performance.now();
  try {
    await ledger.context({ userId: 'chaos', metadata: { seq } }, async () => {
      if (seq % 2 === 0) {
        const stream = await openai.chat.completions.create({
          model: 'gpt-4o-mini',
          messages,
          max_tokens: COMPLETION_TOKENS,
          stream: true,
        });
        for await (const chunk of stream) void chunk;
      } else {
        await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: COMPLETION_TOKENS });
      }
    });
    out(`ok ${seq} ${(performance.now() - started).toFixed(3)}`);
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'QUOTA_EXCEEDED') out(`refused ${seq}`);
    else
      out(
        `error ${seq} ${String((error as Error).message)
          .replace(/\s+/g, ' ')
          .slice(0, 200)}`,
      );
  }
}

out('ready');
let next = 0;
const started = performance.now();
async function lane(): Promise<void> {
  while (!stopping && next < config.calls) {
    const seq = next++;
    // Paced so that the run lasts about durationMs and the parent's faults land in the middle.
    const due = (seq / config.calls) * config.durationMs;
    const wait = due - (performance.now() - started);
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    if (stopping) {
      next = Math.min(next, seq);
      break;
    }
    await oneCall(seq);
  }
}
await Promise.all(Array.from({ length: config.concurrency }, () => lane()));
await ledger.flush();
const stats = { ledger: ledger.stats(), meter: meter?.stats(), warnings: warnings.slice(0, 20), stopped: stopping };
await ledger.close();
await meter?.close();
out(`done ${JSON.stringify({ ...stats, rawMedianMs: rawTimes[rawTimes.length >> 1] })}`);
await server.close();
