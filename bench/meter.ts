/**
 * Reserve + settle throughput of the Redis meter: 64 concurrent callers, each reserving a call's
 * estimate against a hard budget (one Lua script: check every limit, reserve) and settling it
 * (one Lua script: release, apply once per record id, batched into pipelines). The baseline is
 * the same 64 callers doing one raw HINCRBY each, auto-pipelined, on the same Redis in the same run.
 *
 * Two ways of settling, both timed until every settlement is applied in Redis:
 * - queued, as the ledger settles a finished call: the caller waits for its reservation (the
 *   provider call must not start before it) but not for its settlement, so one batch's settle
 *   script overlaps the next batch's reserve script;
 * - awaited, each caller waiting for its own settlement before its next reserve: the 64 callers
 *   move in lockstep and the process and Redis take turns, the slowest way to drive the meter.
 *
 * Goal: at least 20,000 reserve+settle operations per second. Skipped when Redis is unreachable
 * (REDIS_URL, default redis://127.0.0.1:6379).
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { silentLogger } from '../src/core/logger.js';
import { createMeter } from '../src/meters/create-meter.js';
import type { CallEstimate } from '../src/meters/limits/call-estimate.js';
import type { MeterableRecord } from '../src/meters/meter.js';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CALLERS = 64;
const OPS_PER_CALLER = 800;
const WARMUP_PER_CALLER = 100;
const ROUNDS = 5;
const GOAL_OPS = 20_000;

const ESTIMATE: CallEstimate = {
  inputTokens: 500,
  outputTokens: 300,
  totalTokens: 800,
  cost: '0.0012',
  costUnits: 1_200_000_000n,
};

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function callers(perCaller: number, op: (caller: number, index: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, caller) => {
      for (let index = 0; index < perCaller; index++) await op(caller, index);
    }),
  );
  return performance.now() - started;
}

async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}

interface Round {
  baseline: number;
  queued: number;
  awaited: number;
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function formatOps(ops: number): string {
  return `${Math.round(ops).toLocaleString('en-US')} ops/s`;
}

/** Best and median of one way of settling; the ratio to the baseline is taken within each round. */
function summaryLine(label: string, rounds: readonly Round[], mode: 'queued' | 'awaited'): string {
  const best = Math.max(...rounds.map((round) => round[mode]));
  const middle = median(rounds.map((round) => round[mode]));
  const ratio = median(rounds.map((round) => round[mode] / round.baseline));
  const goal = middle >= GOAL_OPS ? 'met' : best >= GOAL_OPS ? 'met by the best round only' : 'NOT met';
  return (
    `  ${label}: median ${formatOps(middle)}, best ${formatOps(best)}; ` +
    `${ratio.toFixed(3)} of raw HINCRBY (median of per-round ratios); goal >= ${GOAL_OPS.toLocaleString('en-US')} ops/s: ${goal}\n`
  );
}

export async function main(): Promise<void> {
  if (!(await reachable(URL_))) {
    process.stdout.write(`skipped: no Redis reachable at ${URL_} (set REDIS_URL to point at one)\n`);
    return;
  }
  const prefix = `llm-ledger-bench:${randomUUID().slice(0, 8)}:`;
  const raw = new Redis(URL_, { enableAutoPipelining: true });
  const meter = createMeter({
    backend: URL_,
    keyPrefix: prefix,
    dimensions: ['user'],
    periods: ['cycle'],
    logger: silentLogger,
    // A realistic budget, $500 per user per cycle: amounts stay on Lua's exact-double fast path.
    limits: { budgets: [{ subject: 'user:*', period: 'cycle', maxCost: '500', mode: 'hard' }] },
  });
  const startedAt = new Date().toISOString();
  const record = (id: string, caller: number): MeterableRecord => ({
    id,
    userId: `user-${caller % 16}`,
    tenantId: null,
    provider: 'openai',
    model: 'gpt-4o-mini',
    metadata: {},
    startedAt,
    tokens: { input: 480, output: 210, total: 690, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    cost: { total: '0.000198', breakdown: {}, currency: 'USD', pricingVersion: 'bench', status: 'priced' },
  });
  const reserve = async (caller: number) => {
    const id = randomUUID();
    await meter.reserve({ id, model: 'gpt-4o-mini', provider: 'openai', userId: `user-${caller % 16}` }, ESTIMATE);
    return record(id, caller);
  };
  // settle() never rejects: a settlement the backend refuses goes to the meter's replay queue.
  const settleQueued = async (caller: number) => void meter.settle(await reserve(caller));
  const settleAwaited = async (caller: number) => meter.settle(await reserve(caller));
  const timed = async (op: (caller: number) => Promise<unknown>, perCaller: number) => {
    const started = performance.now();
    await callers(perCaller, op);
    await meter.flush();
    return performance.now() - started;
  };
  const hincrby = (caller: number) => raw.hincrby(`${prefix}baseline:user-${caller % 16}`, 'requests', 1);

  try {
    await timed(settleQueued, WARMUP_PER_CALLER);
    await timed(settleAwaited, WARMUP_PER_CALLER);
    await callers(WARMUP_PER_CALLER, hincrby);
    const opsOf = (ms: number) => (CALLERS * OPS_PER_CALLER) / (ms / 1000);
    const rounds: Round[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternated within each round, so drift and noisy neighbours hit all three alike.
      const baseline = opsOf(await callers(OPS_PER_CALLER, hincrby));
      const queued = opsOf(await timed(settleQueued, OPS_PER_CALLER));
      const awaited = opsOf(await timed(settleAwaited, OPS_PER_CALLER));
      process.stdout.write(
        `round ${round}: settle queued ${formatOps(queued)}, settle awaited ${formatOps(awaited)}, ` +
          `raw HINCRBY ${formatOps(baseline)}\n`,
      );
      rounds.push({ baseline, queued, awaited });
    }
    const stats = meter.stats();
    process.stdout.write(
      `\n${CALLERS} callers x ${OPS_PER_CALLER} ops per round, ${ROUNDS} rounds (Lua scripts, hard budget):\n` +
        summaryLine('reserve+settle, settle queued (as the ledger does)', rounds, 'queued') +
        summaryLine('reserve+settle, settle awaited (lockstep)', rounds, 'awaited') +
        `  raw pipelined HINCRBY baseline: median ${formatOps(median(rounds.map((round) => round.baseline)))}\n` +
        `  (${stats.reservations.toLocaleString('en-US')} reservations, ${stats.applied.toLocaleString('en-US')} settlements applied, ` +
        `${stats.backendErrors} backend errors)\n`,
    );
  } finally {
    await meter.close();
    await deletePrefix(raw, prefix);
    raw.disconnect();
  }
}
