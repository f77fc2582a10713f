import type { Ledger } from '../../core/ledger.js';
import type { Meter } from '../meter.js';

/**
 * Settles the ledger's recorded calls of a time range on the meter: recovers usage the meter
 * missed (a process that died with settlements in its replay queue, a queue that overflowed).
 * Idempotent per record id for as long as the meter remembers applied ids (`idempotencyTtlMs`,
 * default 24 hours): replay only ranges within that time, or counts may double.
 *
 * @example
 * await replayRecords(ledger, meter, { from: new Date(Date.now() - 3_600_000) });
 */
export async function replayRecords(
  ledger: Pick<Ledger, 'calls'>,
  meter: Meter,
  range: { from?: Date | string; to?: Date | string } = {},
): Promise<number> {
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await ledger.calls.list({ from: range.from, to: range.to, limit: 1000, order: 'asc', cursor });
    for (const record of page.records) void meter.settle(record);
    count += page.records.length;
    cursor = page.nextCursor ?? undefined;
    await meter.flush();
  } while (cursor);
  return count;
}
