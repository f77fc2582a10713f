/**
 * The chaos suite's scenarios: each runs a worker process (chaos-worker.ts) that makes wrapped
 * calls while this process takes its store away and back (a foreign SQLite write lock, a cut
 * PostgreSQL connection), restarts its Redis, and sends it signals. Then it counts what reached the
 * store and the meter against what the application saw. `npm run chaos` runs the long version,
 * test/chaos/chaos.test.ts a bounded one in CI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { command as replayCommand } from '../../src/cli/commands/replay.js';
import { silentLogger } from '../../src/core/logger.js';
import { createLedger } from '../../src/create-ledger.js';
import { createMeter } from '../../src/meters/create-meter.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { TcpProxy } from '../delivery/tcp-proxy.js';
import { freePort, OwnRedisServer } from '../meters/support/own-redis-server.js';
import { adminQuery, dropSchema, PG_URL, uniqueSchema } from '../stores/postgres-support.js';
import type { WorkerConfig } from './chaos-config.js';

const WORKER = new URL('./chaos-worker.ts', import.meta.url).pathname;

export type Fault =
  | { at: number; kind: 'sqlite-lock'; holdMs: number }
  | { at: number; kind: 'postgres-cut'; downMs: number }
  | { at: number; kind: 'redis-restart'; downMs: number }
  | { at: number; kind: 'signal'; signal: 'SIGTERM' | 'SIGKILL' };

export interface Scenario {
  name: string;
  store: 'sqlite' | 'postgres';
  redis: boolean;
  calls: number;
  concurrency: number;
  durationMs: number;
  durability: 'batched' | 'sync';
  ownSignalHandler: boolean;
  hangEvery: number;
  /** With its own SIGTERM handler, the application goes on serving this long (its drain). */
  drainMs?: number;
  /** Fractions of durationMs at which each fault starts. */
  faults: Fault[];
  /** A budget as a fraction of what all calls would use (above 1: never reached). */
  budgetShare?: number;
}

export interface ScenarioResult {
  name: string;
  /** Calls that returned to the application (`ok`). */
  calls: number;
  refused: number;
  errors: number;
  /** Distinct calls found in the store. */
  records: number;
  /** Calls the application saw return that have no record. */
  missing: number;
  /** Records stored more than once (same call). */
  duplicates: number;
  /** Requests counted by the meter for the worker's user (null: no meter). */
  settled: number | null;
  budgetUsed: number | null;
  budgetLimit: number | null;
  /** Tokens the meter itself reports as used without a budget check while its backend was down. */
  reportedOverspend: number | null;
  /** The slowest call's wall time minus the raw SDK's median in the same process, ms. */
  worstAddedMs: number;
  p99AddedMs: number;
  exit: string;
  notes: string[];
}

const PROMPT_PLUS_COMPLETION = 7;

/** The suite's own redis-server, with an append-only file so a restart keeps its counters. */
async function startOwnRedis(dir: string): Promise<OwnRedisServer> {
  const redis = new OwnRedisServer(await freePort(), ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]);
  await redis.start();
  return redis;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface WorkerRun {
  ok: Map<number, number>;
  refused: number;
  errors: string[];
  done: Record<string, unknown> | undefined;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  ready: Promise<void>;
  child: ChildProcess;
}

function startWorker(config: WorkerConfig): WorkerRun {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LLM_LEDGER_CONFIG: '' },
  });
  const run: Partial<WorkerRun> & { ok: Map<number, number>; errors: string[] } = {
    ok: new Map(),
    errors: [],
    refused: 0,
    child,
  };
  let markReady: () => void = () => undefined;
  run.ready = new Promise((resolve) => (markReady = resolve));
  let buffer = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (data: string) => {
    buffer += data;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const [kind, seq, rest] = line.split(' ', 3);
      if (kind === 'ready') markReady();
      else if (kind === 'ok') run.ok.set(Number(seq), Number(rest));
      else if (kind === 'refused') run.refused! += 1;
      else if (kind === 'error') run.errors.push(line.slice(6, 200));
      else if (kind === 'done') run.done = JSON.parse(line.slice(5)) as Record<string, unknown>;
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (data: string) => {
    if (stderr.length < 4000) stderr += data;
  });
  run.exit = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      markReady();
      if (code !== 0 && signal === null && stderr) run.errors.push(`stderr: ${stderr.slice(0, 600)}`);
      resolve({ code, signal });
    }),
  );
  return run as WorkerRun;
}

/** Calls found in the store per sequence number (more than one means a duplicate). */
async function storedSeqs(
  scenario: Scenario,
  location: { path?: string; schema?: string },
): Promise<Map<number, number>> {
  const rows: Array<{ metadata: unknown }> =
    scenario.store === 'sqlite'
      ? (() => {
          const db = new Database(location.path!, { readonly: true });
          try {
            return db.prepare(`SELECT metadata FROM llm_request_logs WHERE user_id = 'chaos'`).all() as Array<{
              metadata: string;
            }>;
          } finally {
            db.close();
          }
        })()
      : await adminQuery<{ metadata: unknown }>(
          `SELECT metadata FROM "${location.schema}".llm_request_logs WHERE user_id = 'chaos'`,
        );
  const counts = new Map<number, number>();
  for (const row of rows) {
    const metadata = (typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata) as { seq?: number };
    if (typeof metadata.seq === 'number') counts.set(metadata.seq, (counts.get(metadata.seq) ?? 0) + 1);
  }
  return counts;
}

/** After a SIGKILL, a new process on the same store and spool replays what the dead one spooled. */
async function replayAfterKill(scenario: Scenario, location: { path?: string; schema?: string }, spool: string) {
  const store =
    scenario.store === 'postgres'
      ? new PostgresStore({ connectionString: PG_URL, schema: location.schema })
      : location.path!;
  const ledger = createLedger({ store, spool, configFile: false, env: {}, logger: silentLogger, shutdownHooks: false });
  await ledger.flush();
  await ledger.close();
}

export async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), `llm-ledger-chaos-${scenario.name}-`));
  const spool = join(dir, 'spool');
  const redis = scenario.redis ? await startOwnRedis(dir) : undefined;
  const keyPrefix = `chaos:${process.pid}:${scenario.name}:`;
  const proxy =
    scenario.store === 'postgres' ? new TcpProxy('127.0.0.1', Number(new URL(PG_URL).port || 5432)) : undefined;
  const location: { path?: string; schema?: string } =
    scenario.store === 'sqlite' ? { path: join(dir, 'ledger.db') } : { schema: uniqueSchema('chaos') };
  let storeUrl = PG_URL;
  if (proxy) {
    const address = await proxy.listen();
    const url = new URL(PG_URL);
    url.host = address;
    storeUrl = url.toString();
  }
  const budgetLimit =
    redis && scenario.budgetShare !== undefined
      ? Math.floor(scenario.calls * PROMPT_PLUS_COMPLETION * scenario.budgetShare)
      : undefined;
  const config: WorkerConfig = {
    store:
      scenario.store === 'sqlite'
        ? { kind: 'sqlite', path: location.path! }
        : { kind: 'postgres', url: storeUrl, schema: location.schema! },
    redisUrl: redis?.url,
    keyPrefix,
    budgetTokens: budgetLimit,
    spool,
    durability: scenario.durability,
    calls: scenario.calls,
    concurrency: scenario.concurrency,
    durationMs: scenario.durationMs,
    ownSignalHandler: scenario.ownSignalHandler,
    drainMs: scenario.drainMs ?? 0,
    hangEvery: scenario.hangEvery,
  };
  const worker = startWorker(config);
  const timers: NodeJS.Timeout[] = [];
  const faultsDone: Array<Promise<void>> = [];
  try {
    await worker.ready;
    for (const fault of scenario.faults) {
      faultsDone.push(
        new Promise<void>((resolve) => {
          timers.push(
            setTimeout(() => {
              void inject(fault).then(resolve, (error: unknown) => {
                notes.push(`fault ${fault.kind} failed: ${String(error)}`);
                resolve();
              });
            }, fault.at * scenario.durationMs),
          );
        }),
      );
    }
    async function inject(fault: Fault): Promise<void> {
      if (fault.kind === 'sqlite-lock') {
        const db = new Database(location.path!, { timeout: 10_000 });
        db.exec('BEGIN IMMEDIATE');
        await sleep(fault.holdMs);
        db.exec('COMMIT');
        db.close();
      } else if (fault.kind === 'postgres-cut') {
        proxy!.down();
        await sleep(fault.downMs);
        proxy!.up();
      } else if (fault.kind === 'redis-restart') {
        await redis!.stop('SIGTERM');
        await sleep(fault.downMs);
        await redis!.start();
      } else {
        worker.child.kill(fault.signal);
      }
    }
    const deadline = setTimeout(() => worker.child.kill('SIGKILL'), scenario.durationMs + 120_000);
    const exit = await worker.exit;
    clearTimeout(deadline);
    await Promise.all(faultsDone);
    if (exit.signal === 'SIGKILL' && scenario.durability === 'sync') await replayAfterKill(scenario, location, spool);
    // Calls that finished while a signal closed the ledger are in the dead-letter file: replayed as
    // an operator would, with `llm-ledger replay`.
    const deadLetters = join(dir, 'dead-letters');
    if (scenario.store === 'sqlite' && existsSync(deadLetters)) {
      const lines = readdirSync(deadLetters)
        .filter((name) => name.endsWith('.jsonl'))
        .reduce(
          (sum, name) => sum + readFileSync(join(deadLetters, name), 'utf8').split('\n').filter(Boolean).length,
          0,
        );
      let errors = '';
      const code = await replayCommand.run(['--db', location.path!, deadLetters], {
        env: {},
        cwd: dir,
        stdout: () => undefined,
        stderr: (text: string) => void (errors += text),
      });
      notes.push(
        `${lines} records replayed from the dead-letter file (replay exit ${code}${errors ? `: ${errors.trim()}` : ''})`,
      );
    }
    proxy?.up();

    const stored = await storedSeqs(scenario, location);
    let missing = 0;
    for (const seq of worker.ok.keys()) if (!stored.has(seq)) missing += 1;
    let duplicates = 0;
    for (const count of stored.values()) if (count > 1) duplicates += count - 1;

    let settled: number | null = null;
    let budgetUsed: number | null = null;
    if (redis) {
      const meter = createMeter({ backend: redis.url, keyPrefix, logger: silentLogger });
      try {
        const usage = await meter.get('user:chaos', 'day');
        settled = usage.requests;
        budgetUsed = usage.tokens.total;
      } finally {
        await meter.close();
      }
    }
    const rawMedian = Number(worker.done?.rawMedianMs ?? 0);
    const times = [...worker.ok.values()].sort((a, b) => a - b);
    const worst = times.length > 0 ? times[times.length - 1]! - rawMedian : 0;
    const p99 = times.length > 0 ? times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]! - rawMedian : 0;
    if (worker.errors.length > 0) notes.push(`errors: ${worker.errors.slice(0, 3).join(' | ')}`);
    const warnings = worker.done?.warnings as string[] | undefined;
    if (warnings && warnings.length > 0) notes.push(`ledger warnings: ${warnings.length} (first: ${warnings[0]})`);
    return {
      name: scenario.name,
      calls: worker.ok.size,
      refused: worker.refused,
      errors: worker.errors.length,
      records: stored.size,
      missing,
      duplicates,
      settled,
      budgetUsed,
      budgetLimit: budgetLimit ?? null,
      reportedOverspend:
        (worker.done?.meter as { overspend?: { tokens?: number } } | undefined)?.overspend?.tokens ?? null,
      worstAddedMs: worst,
      p99AddedMs: p99,
      exit: exit.signal ?? String(exit.code),
      notes,
    };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await redis?.stop('SIGTERM');
    await proxy?.close();
    if (location.schema) await dropSchema(location.schema).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The suite: at least `totalCalls` calls across every fault the ledger promises to survive. */
export function scenarios(totalCalls: number, durationMs: number): Scenario[] {
  const share = (fraction: number) => Math.max(40, Math.round(totalCalls * fraction));
  return [
    {
      name: 'sqlite-lock-redis-restart',
      store: 'sqlite',
      redis: true,
      calls: share(0.4),
      concurrency: 8,
      durationMs,
      durability: 'batched',
      ownSignalHandler: false,
      hangEvery: 50,
      budgetShare: 0.9,
      faults: [
        { at: 0.2, kind: 'sqlite-lock', holdMs: Math.min(5_000, durationMs / 4) },
        { at: 0.55, kind: 'redis-restart', downMs: Math.min(1_500, durationMs / 8) },
      ],
    },
    {
      name: 'postgres-cut-sigterm-own-handler',
      store: 'postgres',
      redis: false,
      calls: share(0.3),
      concurrency: 8,
      durationMs,
      durability: 'batched',
      ownSignalHandler: true,
      drainMs: Math.round(durationMs * 0.1),
      hangEvery: 0,
      faults: [
        { at: 0.15, kind: 'postgres-cut', downMs: Math.min(1_500, durationMs / 8) },
        { at: 0.5, kind: 'postgres-cut', downMs: Math.min(1_000, durationMs / 10) },
        { at: 0.8, kind: 'signal', signal: 'SIGTERM' },
      ],
    },
    {
      name: 'sqlite-sigterm-no-handler',
      store: 'sqlite',
      redis: false,
      calls: share(0.15),
      concurrency: 4,
      durationMs,
      durability: 'batched',
      ownSignalHandler: false,
      hangEvery: 0,
      faults: [{ at: 0.6, kind: 'signal', signal: 'SIGTERM' }],
    },
    {
      name: 'postgres-sigkill-sync',
      store: 'postgres',
      redis: false,
      calls: share(0.15),
      concurrency: 4,
      durationMs,
      durability: 'sync',
      ownSignalHandler: false,
      hangEvery: 0,
      faults: [{ at: 0.6, kind: 'signal', signal: 'SIGKILL' }],
    },
  ];
}

/**
 * Whether the budget held: used at most the limit, plus what the meter reported as spent without a
 * budget check while its backend was down (fail-open calls cannot be refused, only counted).
 */
export function budgetHeld(result: ScenarioResult): boolean {
  if (result.budgetLimit === null || result.budgetUsed === null) return true;
  return result.budgetUsed <= result.budgetLimit + (result.reportedOverspend ?? 0);
}

/** The figures as a table, one row per scenario. */
export function formatResults(results: readonly ScenarioResult[]): string {
  const header = [
    'scenario',
    'calls',
    'refused',
    'records',
    'missing',
    'dupes',
    'settled',
    'budget used/limit (+overspend while down)',
    'worst added ms',
    'p99 added ms',
    'exit',
  ];
  const rows = results.map((result) => [
    result.name,
    String(result.calls),
    String(result.refused),
    String(result.records),
    String(result.missing),
    String(result.duplicates),
    result.settled === null ? '-' : String(result.settled),
    result.budgetLimit === null
      ? '-'
      : `${result.budgetUsed}/${result.budgetLimit} (+${result.reportedOverspend ?? 0})`,
    result.worstAddedMs.toFixed(1),
    result.p99AddedMs.toFixed(1),
    result.exit,
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  const notes = results.flatMap((result) => result.notes.map((note) => `  ${result.name}: ${note}`));
  return [line(header), ...rows.map(line), ...notes].join('\n');
}
