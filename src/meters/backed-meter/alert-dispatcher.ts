import { BoundedMap } from '../../core/bounded-map.js';
import type { LedgerLogger } from '../../core/logger.js';
import type { LimitAlert } from '../meter.js';

const MAX_REMEMBERED = 10_000;

/**
 * Delivers soft-limit alerts to listeners and the logger, once per limit, quantity and window in
 * this process: a subject over its soft budget would otherwise alert on every call until the
 * window resets. A throwing listener is logged and does not stop the others.
 */
export class AlertDispatcher {
  private readonly listeners = new Set<(alert: LimitAlert) => void>();
  private readonly sent = new BoundedMap<string, true>({ maxEntries: MAX_REMEMBERED });

  constructor(private readonly logger: LedgerLogger) {}

  subscribe(listener: (alert: LimitAlert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(alert: LimitAlert): void {
    const key = `${alert.subject}\u0000${alert.limit.period}\u0000${alert.limit.subject}\u0000${alert.field}\u0000${alert.windowStart.getTime()}`;
    if (this.sent.has(key)) return;
    this.sent.set(key, true);
    try {
      this.logger.warn(
        { event: 'limit-alert', ...alert },
        `llm-ledger soft limit crossed: ${alert.subject} ${alert.field} would reach ${alert.used} used + ` +
          `${alert.reserved} reserved + ${alert.estimate} over ${alert.max} (${alert.limit.period}, resets ${alert.resetsAt.toISOString()})`,
      );
    } catch {}
    for (const listener of this.listeners) {
      try {
        listener(alert);
      } catch (error) {
        try {
          this.logger.warn({ error }, 'llm-ledger limit alert listener threw');
        } catch {}
      }
    }
  }
}
