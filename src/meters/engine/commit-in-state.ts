import type { CommitEntry } from '../backend.js';
import { gcraAdjust } from '../rate-limit/gcra.js';
import type { MeterState } from './meter-state.js';
import { releaseReservation } from './release-reservation.js';

/**
 * Releases the entry's reservation (if it is still held) and applies its usage to every counter,
 * once per `applyId`: a replayed or duplicated entry changes nothing. Returns whether the usage
 * was applied now.
 */
export function commitInState(state: MeterState, entry: CommitEntry): boolean {
  const now = entry.nowMs;
  if (entry.reservation !== '' && state.removeReservation(entry.reservation)) {
    releaseReservation(state, entry.reservation, now);
  }
  if (entry.applyId === null) return false;
  if (!state.markApplied(entry.applyId, now + entry.applyTtlMs, now)) return false;
  if (entry.usage.length > 0) {
    for (const counter of entry.counters) {
      // A window already past its retention is not recreated by a late replay.
      if (counter.expiresAtMs > now) state.addToCounter(counter, entry.usage, now);
    }
  }
  for (const adjustment of entry.rateAdjustments) {
    const tat = state.readRate(adjustment.key, now);
    if (tat === undefined) continue;
    const adjusted = gcraAdjust(tat, now, adjustment.perMinute, adjustment.delta);
    if (adjusted === undefined) state.deleteRate(adjustment.key);
    else state.writeRate(adjustment.key, adjusted, adjusted + 1000);
  }
  return true;
}
