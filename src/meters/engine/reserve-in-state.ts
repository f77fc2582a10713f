import {
  LIMIT_FIELD_ORDER,
  LIMIT_FIELDS,
  type CounterField,
  type LimitAlertHit,
  type ReserveOutcome,
  type ReservePlan,
} from '../backend.js';
import { gcra } from './gcra.js';
import type { MeterState } from './meter-state.js';
import { sweepExpired } from './release-reservation.js';

/** Reservations expired per call, at most: bounds the work any one reservation does. */
export const SWEEP_LIMIT = 32;

/**
 * Checks every budget and rate limit of the plan and, only if all hard ones pass, reserves the
 * estimate on every limited counter and takes the rate-limit room. Soft limits that would be
 * crossed are returned as alerts. Budgets are checked before rate limits, so a call that can
 * never fit this window reports the budget rather than a retry time.
 */
export function reserveInState(state: MeterState, plan: ReservePlan): ReserveOutcome {
  const now = plan.nowMs;
  sweepExpired(state, now, SWEEP_LIMIT);
  const alerts: LimitAlertHit[] = [];
  for (let index = 0; index < plan.limits.length; index++) {
    const check = plan.limits[index]!;
    const counter = state.readCounter(check.counter.key, now);
    for (const field of LIMIT_FIELD_ORDER) {
      const hard = check.hard[field];
      const soft = check.soft[field];
      if (hard === null && soft === null) continue;
      const used = counter?.[LIMIT_FIELDS[field].used] ?? 0n;
      const reserved = counter?.[LIMIT_FIELDS[field].reserved] ?? 0n;
      const after = used + reserved + plan.estimate[field];
      if (hard !== null && after > hard) return { ok: false, kind: 'quota', index, field, used, reserved };
      if (soft !== null && after > soft) alerts.push({ index, field, used, reserved });
    }
  }
  const tats: number[] = [];
  for (let index = 0; index < plan.rates.length; index++) {
    const rate = plan.rates[index]!;
    const decision = gcra(state.readRate(rate.key, now), now, rate.perMinute, rate.weight);
    if (!decision.allowed) return { ok: false, kind: 'rate', index, retryAfterMs: decision.retryAfterMs };
    tats.push(decision.tat);
  }
  const deltas: Array<[CounterField, bigint]> = [];
  for (const field of LIMIT_FIELD_ORDER) {
    const amount = plan.estimate[field];
    if (amount !== 0n) deltas.push([LIMIT_FIELDS[field].reserved, amount]);
  }
  for (const check of plan.limits) state.addToCounter(check.counter, deltas, now);
  if (plan.reservation !== '') state.addReservation(plan.reservation, plan.expiresAtMs);
  plan.rates.forEach((rate, index) => state.writeRate(rate.key, tats[index]!, tats[index]! + 1000));
  return { ok: true, alerts };
}
