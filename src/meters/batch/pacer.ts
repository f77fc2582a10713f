/**
 * Spaces item starts evenly: at most `perSecond` (or `perMinute`) starts, each at least one
 * interval after the previous. Works with the real clock; the batch's items wait their turn.
 */
export class Pacer {
  private readonly intervalMs: number;
  private next = 0;

  constructor(rate: { perSecond?: number; perMinute?: number }) {
    const perMs = rate.perSecond !== undefined ? rate.perSecond / 1000 : (rate.perMinute ?? 0) / 60_000;
    if (!Number.isFinite(perMs) || perMs <= 0)
      throw new RangeError('rateLimit needs a positive perSecond or perMinute');
    this.intervalMs = 1 / perMs;
  }

  /** Resolves when this start's slot comes. */
  wait(): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.next);
    this.next = slot + this.intervalMs;
    const delay = slot - now;
    return delay <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, delay));
  }
}
