const MAX_RETRY_DELAY_MS = 30_000;
const FIRST_RETRY_DELAY_MS = 100;

/** Exponential backoff between retries of a failing store: 100 ms, doubling, at most 30 s. */
export function nextRetryDelayMs(previousMs: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, previousMs === 0 ? FIRST_RETRY_DELAY_MS : previousMs * 2);
}
