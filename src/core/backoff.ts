/**
 * The one backoff of the codebase: exponential from `baseMs`, capped at `maxMs`, with optional
 * jitter, and the sleep that waits it out. Every retry loop (the write queue's store retries, the
 * meter's settlements, the batch runner's waits) uses these, so their timing reads the same.
 */
export interface BackoffOptions {
  /** The first delay. */
  baseMs: number;
  /** No delay is longer than this (before jitter). */
  maxMs: number;
  /**
   * Spread as a fraction: 0.2 makes each delay 80% to 120% of its value, so processes that lost a
   * backend at the same moment do not retry in step. Default 0: exact delays.
   */
  jitter?: number;
}

/** The delay before retry number `attempt` (1 for the first retry): `baseMs * 2^(attempt-1)`, capped. */
export function backoffDelayMs(attempt: number, options: BackoffOptions): number {
  const delay = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
  const jitter = options.jitter ?? 0;
  return jitter === 0 ? delay : delay * (1 - jitter + Math.random() * 2 * jitter);
}

/** The delay after `previousMs` (0: none yet), for loops that keep the last delay rather than a count. */
export function nextBackoffDelayMs(previousMs: number, options: BackoffOptions): number {
  return previousMs === 0 ? options.baseMs : Math.min(options.maxMs, previousMs * 2);
}

/** Resolves after `ms`. `unref`: the wait does not keep the process alive on its own. */
export function sleep(ms: number, options: { unref?: boolean } = {}): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (options.unref) timer.unref();
  });
}
