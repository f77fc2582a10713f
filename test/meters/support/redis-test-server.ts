import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, it } from 'vitest';

/** The Redis the tests use. CI provides one at 127.0.0.1:6379 (see .ci/run). */
export const REDIS_URL = process.env.LLM_LEDGER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REQUIRED = process.env.CI === 'true';

/** Answers PING within half a second, without leaving a client reconnecting behind. */
export function probeRedis(url: string = REDIS_URL, timeoutMs = 500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export const redisAvailable = await probeRedis();

/**
 * `describe` for tests that need a real Redis. With CI=true a missing Redis is a failing test;
 * otherwise the suite is skipped with one line saying why.
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (!redisAvailable && REQUIRED) {
    describe(name, () => {
      it(`needs Redis at ${REDIS_URL} (CI=true)`, () => {
        throw new Error(`Redis is not reachable at ${REDIS_URL}; CI=true requires it`);
      });
    });
    return;
  }
  if (!redisAvailable) {
    console.warn(`[skipped] ${name}: no Redis at ${REDIS_URL} (set CI=true to make this a failure)`);
  }
  describe.skipIf(!redisAvailable)(name, body);
}

/** A key prefix no other test run shares. */
export function uniquePrefix(label: string): string {
  return `llm-ledger-test:${label}:${process.pid}:${randomUUID().slice(0, 8)}:`;
}

export function openTestClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: false });
}

/** Deletes every key under a prefix. */
export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}
