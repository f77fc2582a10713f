import type { LedgerLogger } from '../../core/logger.js';

/**
 * Whether the backend is reachable, as last seen, and the log lines about it: one warning when
 * it goes away, one line when it is back, so an outage cannot flood the host's logs.
 */
export class MeterHealth {
  private degraded = false;

  constructor(
    private readonly kind: string,
    private readonly failOpen: boolean,
    private readonly logger: LedgerLogger,
  ) {}

  degrade(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.warn(
      { error, failOpen: this.failOpen },
      `llm-ledger meter: the ${this.kind} backend is unavailable (${(error as Error)?.message ?? error}); ` +
        (this.failOpen
          ? 'calls go on without reservations and usage is replayed when it is back'
          : 'calls with limits are refused'),
    );
  }

  /**
   * The backend answers again. `overspend`: the calls let through unreserved since the meter
   * started (fail-open), the usage no budget checked; logged as a warning when there is any.
   */
  recovered(pendingReplay: number, overspend?: { calls: number; tokens: number; cost: string }): void {
    if (!this.degraded) return;
    this.degraded = false;
    try {
      this.logger.info(
        { pending: pendingReplay },
        `llm-ledger meter: the ${this.kind} backend is back; replaying ${pendingReplay} settlements`,
      );
    } catch {}
    if (overspend && overspend.calls > 0) {
      this.warn(
        { overspend },
        `llm-ledger meter: ${overspend.calls} calls ran without a budget check while the ${this.kind} backend ` +
          `was down (${overspend.tokens} tokens, cost ${overspend.cost}); budgets may be overspent by that much`,
      );
    }
  }

  warn(details: Record<string, unknown>, message: string): void {
    try {
      this.logger.warn(details, message);
    } catch {}
  }
}
