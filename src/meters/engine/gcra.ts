/**
 * Rate limits are GCRA token buckets: a subject may spend up to `perMinute` units in a burst, and
 * the room refills continuously at `perMinute` per minute. The state is one number per bucket, the
 * theoretical arrival time (`tat`, epoch ms): the bucket is full when `tat <= now`.
 *
 * A request heavier than the whole bucket (a prompt of more tokens than the per-minute limit) is
 * let through when the bucket is full and leaves it in debt, rather than never passing.
 *
 * The same arithmetic, in the same order, runs in Lua for Redis (both are IEEE doubles), so the
 * backends agree to the millisecond.
 */
export const RATE_WINDOW_MS = 60_000;

export type GcraDecision = { allowed: true; tat: number } | { allowed: false; retryAfterMs: number };

/**
 * @example
 * gcra(undefined, 0, 3, 1); // { allowed: true, tat: 20000 }
 */
export function gcra(tat: number | undefined, nowMs: number, perMinute: number, weight: number): GcraDecision {
  const interval = RATE_WINDOW_MS / perMinute;
  const start = tat === undefined || tat < nowMs ? nowMs : tat;
  const allowAt = start + Math.min(weight, perMinute) * interval - RATE_WINDOW_MS;
  if (nowMs < allowAt) return { allowed: false, retryAfterMs: Math.ceil(allowAt - nowMs) };
  return { allowed: true, tat: start + weight * interval };
}

/** The bucket after crediting or charging `delta` units; undefined when it is full again. */
export function gcraAdjust(tat: number, nowMs: number, perMinute: number, delta: number): number | undefined {
  const adjusted = tat + delta * (RATE_WINDOW_MS / perMinute);
  return adjusted > nowMs ? adjusted : undefined;
}

/** How long a bucket's state must be kept: until it is full again, plus a second of slack. */
export function gcraTtlMs(tat: number, nowMs: number): number {
  return Math.ceil(tat - nowMs) + 1000;
}
