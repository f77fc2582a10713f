import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { FileSpool } from '../../src/delivery/file-spool.js';
import type { CreatedLedger } from '../../src/ledger-options.js';
import { createMeter } from '../../src/meters/create-meter.js';
import type { Meter } from '../../src/meters/meter.js';
import {
  ownRedisServerAvailable,
  REDIS_SERVER_REQUIRED,
  until,
  useOwnRedisServer,
} from '../support/own-redis-suite.js';

/**
 * How soon the meter notices that Redis is back. Until it does, every gated call goes ahead
 * fail-open, unreserved: the budget can be overspent by whatever those calls use. The calls here
 * keep coming at a steady pace through a 3 s outage (long enough for a backoff to grow to seconds)
 * and the restart, with a redis-server of the test's own on its own port.
 */
const available = await ownRedisServerAvailable('Redis recovery');

const DOWN_MS = 3_000;
const CALL_EVERY_MS = 10;
/** The breaker probes every 250 ms and the client reconnects within 250 ms: well under a second. */
const RECOVERY_GOAL_MS = 1_000;

describe.skipIf(!available && !REDIS_SERVER_REQUIRED)(
  'the meter when Redis comes back (a redis-server of its own)',
  () => {
    const redis = useOwnRedisServer(available, 'llm-ledger-redis-recovery-');

    const meterFor = (spool: string): Meter =>
      createMeter({
        backend: redis.server.url,
        logger: silentLogger,
        estimate: { countInputTokens: () => 100, defaultMaxOutputTokens: 50 },
        spool: new FileSpool({ directory: join(redis.directory, spool) }),
        limits: { budgets: [{ subject: 'user:*', period: 'day', maxTokens: 10_000_000, mode: 'hard' }] },
      });
    const ledgerWith = (meter: Meter): CreatedLedger => redis.ledgerWith(meter);
    const call150 = (ledger: CreatedLedger) =>
      ledger.logCall({ model: 'm', provider: 'p', userId: 'u-1' }, (call) => {
        call.complete({ responseMessage: 'ok', tokens: { input: 100, output: 50 } });
      });

    it('closes the breaker within a second of the restart, deciding each call in under a millisecond meanwhile, and applies the outage usage once', async () => {
      await redis.server.start();
      const meter = meterFor('spool-recovery');
      const ledger = ledgerWith(meter);
      for (let index = 0; index < 5; index++) await call150(ledger);
      await ledger.flush();

      await redis.server.stop();
      // Steady traffic through the outage and the restart; each call's meter decision is timed.
      let calls = 0;
      let stopping = false;
      const decisions: number[] = [];
      const traffic = (async () => {
        while (!stopping) {
          const started = performance.now();
          await call150(ledger);
          if (meter.stats().backendDown) decisions.push(performance.now() - started);
          calls += 1;
          await new Promise((resolve) => setTimeout(resolve, CALL_EVERY_MS));
        }
      })();
      await until(() => meter.stats().backendDown, 15_000, 5);
      await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
      // Read before the restart: the breaker may close and drain the spool between two polls below.
      const spooledAtRestart = meter.stats().spooled;
      await redis.server.start();
      const restarted = performance.now();
      const unreservedAtRestart = meter.stats().unreserved;
      await until(() => !meter.stats().backendDown, 15_000, 5);
      const recoveryMs = performance.now() - restarted;
      const unreservedAfterRestart = meter.stats().unreserved - unreservedAtRestart;
      await until(() => meter.stats().pendingReplay === 0 && meter.stats().spooled === 0, 15_000, 5);
      const drainMs = performance.now() - restarted - recoveryMs;
      stopping = true;
      await traffic;
      await ledger.flush();

      console.log(
        `Redis back after ${DOWN_MS} ms down: breaker closed ${recoveryMs.toFixed(0)} ms after the restart; ` +
          `${unreservedAfterRestart} calls (${unreservedAfterRestart * 150} tokens) went ahead unreserved meanwhile; ` +
          `median decision while down ${median(decisions).toFixed(3)} ms over ${decisions.length} calls; ` +
          `${spooledAtRestart} spooled settlements applied ${drainMs.toFixed(0)} ms after the breaker closed`,
      );
      expect(recoveryMs).toBeLessThan(RECOVERY_GOAL_MS);
      // The outage's settlements were spooled, and are applied as soon as Redis answers, while calls go on.
      expect(spooledAtRestart).toBeGreaterThan(0);
      expect(drainMs).toBeLessThan(RECOVERY_GOAL_MS);
      // A whole call (wrapper, record, meter) while the meter is down: the meter adds no wait.
      expect(median(decisions)).toBeLessThan(1);
      const stats = meter.stats();
      expect(stats).toMatchObject({ backendDown: false, duplicates: 0, pendingReplay: 0, spooled: 0 });
      // Every call's usage since the restart (Redis came back empty: no persistence) is counted once:
      // the outage's through the spool and the replay queue, the rest directly.
      expect((await meter.get('user:u-1', 'day')).requests).toBe(calls);
      expect(stats.overspend.calls).toBe(stats.unreserved);
    }, 30_000);
  },
);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
