import { countMarker, type CommitEntry, type CounterRef } from '../backend.js';
import { gcraAdjust } from './gcra.js';
import type { MeterState } from './meter-state.js';
import { releaseReservation } from './release-reservation.js';

/**
 * Releases the entry's reservation (if it is still held) and applies its usage to every counter,
 * once per `applyId`: a replayed or duplicated entry changes nothing. Each counter holds a record
 * once even when it is both settled and counted (a token callback beside the ledger's meter): the
 * settlement's marker lists its counters, a count leaves a marker per counter, and each side skips
 * what the other did first. Returns whether the usage was applied now.
 */
export function commitInState(state: MeterState, entry: CommitEntry): boolean {
  const now = entry.nowMs;
  if (entry.reservation !== '' && state.removeReservation(entry.reservation)) {
    releaseReservation(state, entry.reservation, now);
  }
  if (entry.applyId === null) return false;
  if (entry.counting) return countInState(state, entry, entry.applyId);
  // A window already past its retention is not recreated by a late replay.
  const counters = entry.usage.length === 0 ? [] : entry.counters.filter((counter) => counter.expiresAtMs > now);
  const expiresAtMs = now + entry.applyTtlMs;
  if (!state.markApplied(entry.applyId, expiresAtMs, now, keysText(counters))) return false;
  const countedBefore = state.appliedCounters(countMarker(entry.applyId, ''), now) !== undefined;
  for (const counter of counters) {
    if (countedBefore && state.appliedCounters(countMarker(entry.applyId, counter.key), now) !== undefined) continue;
    state.addToCounter(counter, entry.usage, now);
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

/** A count: the record on its one counter, unless its settlement or an earlier count put it there. */
function countInState(state: MeterState, entry: CommitEntry, recordId: string): boolean {
  const now = entry.nowMs;
  const counter = entry.counters[0];
  if (counter === undefined || counter.expiresAtMs <= now) return false;
  const expiresAtMs = now + entry.applyTtlMs;
  const settled = state.appliedCounters(recordId, now);
  if (settled !== undefined && settled.split('\n').includes(counter.key)) return false;
  if (!state.markApplied(countMarker(recordId, counter.key), expiresAtMs, now)) return false;
  state.markApplied(countMarker(recordId, ''), expiresAtMs, now);
  if (entry.usage.length > 0) state.addToCounter(counter, entry.usage, now);
  return true;
}

function keysText(counters: readonly CounterRef[]): string {
  if (counters.length === 1) return counters[0]!.key;
  let text = '';
  for (const counter of counters) text += text === '' ? counter.key : `\n${counter.key}`;
  return text;
}
