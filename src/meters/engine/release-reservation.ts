import type { CounterField } from '../backend.js';
import { decodeReservation } from './reservation-payload.js';
import type { MeterState } from './meter-state.js';

/** Gives back what a reservation held on each of its counters. */
export function releaseReservation(state: MeterState, text: string, nowMs: number): void {
  const payload = decodeReservation(text);
  if (!payload) return;
  const deltas: Array<[CounterField, bigint]> = [];
  if (payload.c !== '0') deltas.push(['reservedCost', -BigInt(payload.c)]);
  if (payload.t !== '0') deltas.push(['reservedTokens', -BigInt(payload.t)]);
  if (payload.r !== '0') deltas.push(['reservedRequests', -BigInt(payload.r)]);
  if (deltas.length === 0) return;
  for (const key of payload.k) state.adjustCounter(key, deltas, nowMs);
}

/** Releases reservations that expired unsettled (their process died or their call hung). */
export function sweepExpired(state: MeterState, nowMs: number, limit: number): void {
  for (const text of state.expiredReservations(nowMs, limit)) {
    if (state.removeReservation(text)) releaseReservation(state, text, nowMs);
  }
}
