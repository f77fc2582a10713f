import type { LedgerLogger } from '../core/logger.js';

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

  recovered(pendingReplay: number): void {
    if (!this.degraded) return;
    this.degraded = false;
    try {
      this.logger.info(
        { pending: pendingReplay },
        `llm-ledger meter: the ${this.kind} backend is back; replaying ${pendingReplay} settlements`,
      );
    } catch {}
  }

  warn(details: Record<string, unknown>, message: string): void {
    try {
      this.logger.warn(details, message);
    } catch {}
  }
}
