import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Pricer } from '../../src/core/call.js';
import type { LedgerHandler } from '../../src/core/handlers.js';
import type { Ledger } from '../../src/core/ledger.js';
import { silentLogger } from '../../src/core/logger.js';
import type { CallCost, CallRecord } from '../../src/core/record.js';
import { createLedger, type CreateLedgerOptions } from '../../src/create-ledger.js';

/** Prices nothing: costs come only from `complete({ cost })`, so tests do not depend on a price list. */
export const NO_PRICES: Pricer = { price: () => null };

/** A memory ledger that reads no config file or environment, with the given handlers. */
export function observedLedger(handlers: LedgerHandler[], options: CreateLedgerOptions = {}): Ledger {
  return createLedger({
    store: 'memory',
    configFile: false,
    env: {},
    logger: silentLogger,
    pricer: NO_PRICES,
    handlers,
    ...options,
  });
}

/** Wall and monotonic time moved by hand, so latencies and days are exact. */
export { ManualClock } from '../core/support.js';

/** Prices by model from a table of decimal strings; models not in it are unpriced. */
export function tablePricer(prices: Record<string, string>): Pricer {
  return {
    price(record: CallRecord): CallCost {
      const total = prices[record.model];
      return total === undefined
        ? { total: null, breakdown: {}, currency: 'USD', pricingVersion: null, status: 'unpriced' }
        : { total, breakdown: {}, currency: 'USD', pricingVersion: 'test', status: 'priced' };
    },
  };
}

/** A pino destination that keeps every line. */
export class LineSink {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
  }

  json(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  byEvent(event: string): Array<Record<string, unknown>> {
    return this.json().filter((line) => line.event === event);
  }

  get text(): string {
    return this.lines.join('');
  }
}

/** Sends one Redis command over RESP and resolves with the first reply line. */
export function redisCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis at 127.0.0.1:${port} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (!reply.includes('\r\n')) return;
      clearTimeout(timer);
      socket.end();
      const line = reply.slice(0, reply.indexOf('\r\n'));
      if (line.startsWith('-')) reject(new Error(line.slice(1)));
      else resolve(line);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** A minimal Redis client with `ping()`, the shape health expects from ioredis or node-redis. */
export function redisClient(port: number): { ping(): Promise<string> } {
  return {
    async ping() {
      const reply = await redisCommand(port, 'PING');
      if (reply !== '+PONG') throw new Error(`unexpected PING reply ${reply}`);
      return 'PONG';
    },
  };
}

export async function redisReachable(port: number): Promise<boolean> {
  try {
    return (await redisCommand(port, 'PING', 500)) === '+PONG';
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) => existsSync(path));

/** Starts a private redis-server on a free port (nothing persisted), or undefined when none is installed. */
export async function startRedis(): Promise<{ port: number; process: ChildProcess } | undefined> {
  if (!REDIS_SERVER) return undefined;
  const port = await freePort();
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await redisReachable(port)) return { port, process: child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill();
  return undefined;
}

/** Stops a redis-server started by `startRedis` and waits for its port to close. */
export async function stopRedis(server: { port: number; process: ChildProcess }): Promise<void> {
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGTERM');
  await exited;
}
