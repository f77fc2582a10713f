import { nextBackoffDelayMs } from './backoff.js';

/** A failing store is retried after 100 ms, doubling, at most 30 s apart. */
const STORE_RETRY = { baseMs: 100, maxMs: 30_000 } as const;

/** The write queue's delay before its next store retry, after `previousMs` (0: the first retry). */
export function nextRetryDelayMs(previousMs: number): number {
  return nextBackoffDelayMs(previousMs, STORE_RETRY);
}
