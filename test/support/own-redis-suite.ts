import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { createLedger } from '../../src/create-ledger.js';
import type { CreatedLedger } from '../../src/ledger-options.js';
import type { Meter } from '../../src/meters/meter.js';
import { canRunRedisServer, freePort, OwnRedisServer } from '../meters/support/own-redis-server.js';

/**
 * The set-up shared by the suites that stop and restart Redis: a redis-server of the suite's own
 * on a free port (never the shared one at 6379), a temporary directory for spools, and whatever the
 * test opened closed after each test, before the server is stopped.
 */

/** Under CI a missing redis-server fails the suite instead of skipping it. */
export const REDIS_SERVER_REQUIRED = process.env.CI === 'true';

/** Whether the suite can run; says on stderr why it is skipped when it cannot. */
export async function ownRedisServerAvailable(suite: string): Promise<boolean> {
  const available = await canRunRedisServer();
  if (!available && !REDIS_SERVER_REQUIRED)
    console.warn(`[skipped] ${suite}: no redis-server binary (set CI=true to make this a failure)`);
  return available;
}

export interface OwnRedisSuite {
  /** The suite's server (started by each test that needs it, stopped after each test). */
  readonly server: OwnRedisServer;
  /** A temporary directory, removed after the suite. */
  readonly directory: string;
  /** A memory-store ledger on `meter`, closed after the test. */
  ledgerWith(meter: Meter): CreatedLedger;
  /** Closes `item` after the test, before the server stops. */
  track<T extends { close(): Promise<void> }>(item: T): T;
  /** Closes a tracked `item` now (it is not closed again after the test). */
  closeNow(item: { close(): Promise<void> }): Promise<void>;
}

/** Registers the hooks in the calling describe block. `available` comes from ownRedisServerAvailable. */
export function useOwnRedisServer(available: boolean, directoryPrefix: string): OwnRedisSuite {
  let server: OwnRedisServer | undefined;
  let directory: string | undefined;
  const opened: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    if (!available) throw new Error('redis-server is not installed; CI=true requires it');
    server = new OwnRedisServer(await freePort());
    directory = mkdtempSync(join(tmpdir(), directoryPrefix));
  });
  afterEach(async () => {
    for (const item of opened.splice(0).reverse()) await item.close();
    await server?.stop();
  });
  afterAll(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });
  const track = <T extends { close(): Promise<void> }>(item: T): T => {
    opened.push(item);
    return item;
  };
  return {
    get server() {
      if (!server) throw new Error('the Redis suite has not started (use it inside a test)');
      return server;
    },
    get directory() {
      if (!directory) throw new Error('the Redis suite has not started (use it inside a test)');
      return directory;
    },
    ledgerWith: (meter) =>
      track(createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger, meter })),
    track,
    closeNow: async (item) => {
      const index = opened.indexOf(item);
      if (index >= 0) opened.splice(index, 1);
      await item.close();
    },
  };
}

/** Waits until `condition` holds, polling every `pollMs`; throws after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  pollMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
