import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { CommitEntry, CounterRef, LimitMaxima, ReservePlan } from '../../src/meters/backend.js';
import { RedisMeterBackend } from '../../src/meters/redis/redis-meter-backend.js';
import { encodeReservation } from '../../src/meters/engine/reservation-payload.js';
import { deletePrefix, describeWithRedis, openTestClient, uniquePrefix } from './support/redis-test-server.js';

// The scripts handle a batch in one pass (each counter read and written once; the usual settle
// batch summed per counter by the process): a batch must leave exactly what its entries, one at
// a time and in order, would have left.

const NOW = Date.parse('2031-03-14T12:00:00.000Z');
const NONE: LimitMaxima = { cost: null, tokens: null, requests: null };

function counter(key: string): CounterRef {
  return {
    key,
    dimension: 'user',
    subjectId: key,
    period: 'day',
    startMs: NOW,
    endMs: NOW + 1e6,
    expiresAtMs: NOW + 9e6,
  };
}

describeWithRedis('Redis meter batches', () => {
  let client: Redis;
  const prefixes: string[] = [];
  const backendFor = (label: string) => {
    const prefix = uniquePrefix(label);
    prefixes.push(prefix);
    return { prefix, backend: new RedisMeterBackend(client, { keyPrefix: prefix }) };
  };
  beforeAll(() => {
    client = openTestClient();
  });
  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(client, prefix);
    await client.quit();
  });

  async function counters(prefix: string, keys: readonly string[]) {
    const out: Record<string, Record<string, string>> = {};
    for (const key of keys) out[key] = await client.hgetall(`${prefix}c:${key}`);
    return out;
  }

  /** Entries on shared counters: reserved ones, replays (an id twice), a reservation already gone, a release only. */
  async function scenario(prefix: string, backend: RedisMeterBackend, reservationsHeld: boolean) {
    const keys = ['user:d:u-1', 'user:d:u-2', 'tenant:d:t-1'];
    const entries: CommitEntry[] = [];
    for (let index = 0; index < 24; index++) {
      const user = keys[index % 2]!;
      const amounts = { cost: 1_200_000_000n + BigInt(index), tokens: 800n, requests: 1n };
      const reservation = encodeReservation(`call-${index}`, [user], amounts);
      if (reservationsHeld || index % 5 !== 0) await client.zadd(`${prefix}reservations`, NOW + 60_000, reservation);
      await client.hincrby(`${prefix}c:${user}`, 'reservedRequests', 1);
      await client.hincrby(`${prefix}c:${user}`, 'reservedCost', String(amounts.cost));
      await client.hincrby(`${prefix}c:${user}`, 'reservedTokens', 800);
      entries.push({
        nowMs: NOW,
        applyId: `record-${index}`,
        applyTtlMs: 3_600_000,
        reservation,
        reserved: { keys: [user], amounts },
        counters: [counter(user), counter('tenant:d:t-1')],
        usage: [
          ['requests', 1n],
          ['input', 480n + BigInt(index)],
          ['output', 210n],
          ['total', 690n + BigInt(index)],
          ['cost', 198_000_000n * BigInt(index + 1)],
        ],
        rateAdjustments: [],
      });
    }
    return { keys, entries };
  }

  for (const held of [true, false]) {
    it(`a batch on shared counters leaves what one entry at a time leaves (${held ? 'all held, new' : 'replays, gone reservations'})`, async () => {
      const batched = backendFor('batched');
      const single = backendFor('single');
      const a = await scenario(batched.prefix, batched.backend, held);
      const b = await scenario(single.prefix, single.backend, held);
      const extra = (entries: CommitEntry[]) =>
        held
          ? entries
          : [
              ...entries,
              entries[3]!, // the same settlement twice in one batch
              { ...entries[7]!, applyId: null, counters: [], usage: [] }, // a release only, after its settle
            ];
      if (!held) {
        // Ids already applied earlier: replays change nothing.
        await client.set(`${batched.prefix}applied:record-2`, '1', 'PX', 60_000);
        await client.set(`${single.prefix}applied:record-2`, '1', 'PX', 60_000);
      }
      const batchReplies = await batched.backend.commit(extra(a.entries));
      const singleReplies: boolean[] = [];
      for (const entry of extra(b.entries)) singleReplies.push(...(await single.backend.commit([entry])));

      expect(batchReplies).toEqual(singleReplies);
      expect(batchReplies.filter((applied) => !applied).length).toBe(held ? 0 : 3);
      expect(await counters(batched.prefix, a.keys)).toEqual(await counters(single.prefix, b.keys));
      expect(await client.zcard(`${batched.prefix}reservations`)).toBe(0);
      expect(await client.zcard(`${single.prefix}reservations`)).toBe(0);
      const tenant = await client.hgetall(`${batched.prefix}c:tenant:d:t-1`);
      expect(tenant.requests).toBe(held ? '24' : '23');
      if (held) {
        // Every reservation released, every usage added once, exactly.
        const even = a.entries.filter((_, index) => index % 2 === 0);
        expect(await client.hgetall(`${batched.prefix}c:user:d:u-1`)).toEqual({
          requests: '12',
          input: String(even.reduce((total, entry) => total + entry.usage[1]![1], 0n)),
          output: String(210 * 12),
          total: String(even.reduce((total, entry) => total + entry.usage[3]![1], 0n)),
          cost: String(even.reduce((total, entry) => total + entry.usage[4]![1], 0n)),
          reservedRequests: '0',
          reservedCost: '0',
          reservedTokens: '0',
        });
      }
      expect(await client.pttl(`${batched.prefix}c:tenant:d:t-1`)).toBeGreaterThan(8_000_000);
    });
  }

  it('refuses the second call of a batch for the reservation the first made in it', async () => {
    const { backend } = backendFor('reserve');
    const limited = counter('user:d:u-9');
    const plan = (id: string): ReservePlan => ({
      nowMs: NOW,
      reservation: encodeReservation(id, [limited.key], { cost: 5n, tokens: 10n, requests: 1n }),
      expiresAtMs: NOW + 60_000,
      estimate: { cost: 5n, tokens: 10n, requests: 1n },
      limits: [{ counter: limited, hard: { cost: null, tokens: null, requests: 1n }, soft: NONE }],
      rates: [],
    });
    // Issued in the same tick: one script call.
    const [first, second] = await Promise.all([backend.reserve(plan('first')), backend.reserve(plan('second'))]);
    expect(first).toEqual({ ok: true, alerts: [] });
    expect(second).toEqual({ ok: false, kind: 'quota', index: 0, field: 'requests', used: 0n, reserved: 1n });
  });
});
