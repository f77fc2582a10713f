import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createLedger, silentLogger, type CreatedLedger } from '../../src/index.js';
import { setDefaultMeter } from '../../src/meters/default-meter.js';
import { createDetailedTokenCallback, createTokenCallback } from '../../src/meters/callbacks/token-callback.js';
import { createMeter } from '../../src/meters/create-meter.js';
import type { Meter } from '../../src/meters/meter.js';
import { REDIS_URL, redisAvailable } from './support/redis-test-server.js';
import { usageRecord } from './support/meter-fixtures.js';

const REQUIRED = process.env.CI === 'true';
const AT = Date.parse('2031-03-14T12:00:00.000Z');
const messages = [{ role: 'user', content: 'Summarize our refund policy in one line.' }];

interface Backend {
  name: string;
  /** Two meters on one shared backend: the ledger's, and another process's or the default one. */
  open(): { first: Meter; second: Meter; cleanup: () => Promise<void> };
}

const backends: Backend[] = [
  {
    name: 'memory',
    open() {
      // One in-process meter: both roles share it (a second memory meter would share nothing).
      const meter = createMeter({ backend: 'memory', logger: silentLogger });
      return { first: meter, second: meter, cleanup: () => meter.close() };
    },
  },
  {
    name: 'sqlite',
    open() {
      const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-count-once-'));
      const path = `sqlite:${join(directory, 'meter.db')}`;
      const first = createMeter({ backend: path, logger: silentLogger });
      const second = createMeter({ backend: path, logger: silentLogger });
      return {
        first,
        second,
        cleanup: async () => {
          await Promise.all([first.close(), second.close()]);
          rmSync(directory, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'redis',
    open() {
      const keyPrefix = `strict-traces:${randomUUID()}:`;
      const first = createMeter({ backend: REDIS_URL, keyPrefix, logger: silentLogger });
      const second = createMeter({ backend: REDIS_URL, keyPrefix, logger: silentLogger });
      return {
        first,
        second,
        cleanup: async () => {
          await Promise.all([first.close(), second.close()]);
        },
      };
    },
  },
];

for (const backend of backends) {
  const skip = backend.name === 'redis' && !redisAvailable && !REQUIRED;
  describe.skipIf(skip)(`each counter holds a record once, settled and counted (${backend.name} meter)`, () => {
    let opened: ReturnType<Backend['open']> | undefined;
    let ledger: CreatedLedger | undefined;
    afterEach(async () => {
      setDefaultMeter(undefined);
      await ledger?.close();
      ledger = undefined;
      await opened?.cleanup();
      opened = undefined;
    });

    it('one 150-token call with both token callbacks on a metered ledger counts 1 request and 150 tokens', async () => {
      opened = backend.open();
      const { first, second } = opened;
      const user = `u-${randomUUID()}`;
      ledger = createLedger({ store: 'memory', meter: first, configFile: false, env: {}, logger: silentLogger });
      // The callbacks count on the other meter (the default one, from the same environment).
      setDefaultMeter(second);
      ledger.addHandler(createTokenCallback(user));
      ledger.addHandler(createDetailedTokenCallback(user));
      await ledger.logCall({ provider: 'openai', model: 'gpt-4o-mini', userId: user, messages }, async (call) => {
        call.complete({ tokens: { input: 100, output: 50 } });
      });
      await ledger.flush();
      await Promise.all([first.flush(), second.flush()]);
      for (const period of ['month', 'day'] as const) {
        expect(await first.get(`user:${user}`, period)).toMatchObject({
          requests: 1,
          tokens: { input: 100, output: 50, total: 150 },
        });
      }
    });

    it('a count that comes before the settlement is not added again by it; other counters still get it', async () => {
      opened = backend.open();
      const { first, second } = opened;
      const user = `u-${randomUUID()}`;
      const record = usageRecord(AT, { id: `rec-${randomUUID()}`, userId: user, tenantId: 't-count-once' });
      await second.count(record, { subject: `user:${user}`, period: 'month' });
      await second.count(record, { subject: `user:${user}`, period: 'month' });
      await second.flush();
      await first.settle(record);
      await first.settle(record);
      await first.flush();
      // A count on a window the settlement does not reach: counted there, once.
      await second.count(record, { subject: `user:${user}`, period: 'cycle:2031-01-15' });
      await second.count(record, { subject: `user:${user}`, period: 'month' });
      await second.flush();
      for (const [subject, period] of [
        [`user:${user}`, 'month'],
        [`user:${user}`, 'day'],
        ['tenant:t-count-once', 'month'],
        [`user:${user}`, 'cycle:2031-01-15'],
      ] as const) {
        expect(await first.get(subject, period, AT), `${subject} ${period}`).toMatchObject({
          requests: 1,
          tokens: { total: 150 },
        });
      }
    });

    it('a settlement before a count leaves the count nothing to add, in a batch with other settlements', async () => {
      opened = backend.open();
      const { first, second } = opened;
      const user = `u-${randomUUID()}`;
      const records = Array.from({ length: 20 }, (_, index) =>
        usageRecord(AT, { id: `rec-${randomUUID()}-${index}`, userId: user, tenantId: null }),
      );
      await Promise.all(records.map((record) => first.settle(record)));
      await first.flush();
      await Promise.all(records.map((record) => second.count(record, { subject: `user:${user}`, period: 'month' })));
      await second.flush();
      expect(await first.get(`user:${user}`, 'month', AT)).toMatchObject({ requests: 20, tokens: { total: 3000 } });
      expect(await first.get(`user:${user}`, 'day', AT)).toMatchObject({ requests: 20, tokens: { total: 3000 } });
    });
  });
}

describe.skipIf(!redisAvailable && !REQUIRED)('a ledger metered from REDIS_HOST with the seed-style callbacks', () => {
  let ledger: CreatedLedger | undefined;
  let meter: Meter | undefined;
  afterEach(async () => {
    setDefaultMeter(undefined);
    await ledger?.close();
    await meter?.close();
  });

  it('counts one call once in each counter, the default meter reading the same environment', async () => {
    const url = new URL(REDIS_URL);
    const env = { REDIS_HOST: url.hostname, REDIS_PORT: url.port || '6379' };
    const dir = mkdtempSync(join(tmpdir(), 'llm-ledger-count-once-'));
    try {
      ledger = createLedger({ store: 'memory', configFile: false, env, spool: false, logger: silentLogger });
      expect(ledger.meter?.kind).toBe('redis');
      meter = createMeter({ env, logger: silentLogger });
      setDefaultMeter(meter);
      const user = `u-${randomUUID()}`;
      ledger.addHandler(createTokenCallback(user));
      ledger.addHandler(createDetailedTokenCallback(user));
      await ledger.logCall({ provider: 'openai', model: 'gpt-4o-mini', userId: user, messages }, async (call) => {
        call.complete({ tokens: { input: 100, output: 50 } });
      });
      await ledger.flush();
      await Promise.all([ledger.meter!.flush(), meter.flush()]);
      expect(await meter.get(`user:${user}`, 'month')).toMatchObject({ requests: 1, tokens: { total: 150 } });
      expect(await ledger.meter!.get(`user:${user}`, 'day')).toMatchObject({ requests: 1, tokens: { total: 150 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a SQLite meter file from before counters were listed per applied id', () => {
  it('gets the column on open and counts once from then on', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-count-once-'));
    const file = join(directory, 'meter.db');
    const Database = (await import('better-sqlite3')).default;
    const old = new Database(file);
    old.exec('CREATE TABLE llm_meter_applied (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID');
    old.prepare('INSERT INTO llm_meter_applied (id, expires_at) VALUES (?, ?)').run('old-record', Date.now() + 60_000);
    old.close();
    const meter = createMeter({ backend: `sqlite:${file}`, logger: silentLogger });
    try {
      const record = usageRecord(AT, { id: 'new-record', userId: 'u-migrated', tenantId: null });
      await meter.settle(record);
      await meter.count(record, { subject: 'user:u-migrated', period: 'month' });
      // An id applied before the upgrade is still applied (a replay of it changes nothing).
      await meter.settle(usageRecord(AT, { id: 'old-record', userId: 'u-migrated', tenantId: null }));
      await meter.flush();
      expect(await meter.get('user:u-migrated', 'month', AT)).toMatchObject({ requests: 1, tokens: { total: 150 } });
    } finally {
      await meter.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
