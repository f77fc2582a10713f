import type { Meter } from '../meters/meter.js';
import type { Access } from './access.js';
import type { AlertEventData } from './event-hub.js';
import type { AlertSource } from './server-options.js';

/** What `GET /api/v1/alerts` answers. */
export interface AlertsAnswer {
  at: string;
  /** Whether a performance monitor and a meter are attached: the dashboard says so when not. */
  monitor: boolean;
  meter: boolean;
  /** The monitor's alerts above their threshold now, as `event:key` (`high_error_rate:gpt-4o`). */
  active: string[];
  /** The latest crossings, newest first: monitor alerts and meter limit alerts. */
  recent: AlertEventData[];
}

interface Kept {
  alert: AlertEventData;
  /** The tenant a meter alert is about; null for monitor alerts (every tenant's calls). */
  tenantId: string | null;
}

/** A monitor that can also say what is above its threshold now (`PerformanceMonitor.snapshot()`). */
interface SnapshotSource {
  snapshot(): { activeAlerts: string[] };
}

/**
 * Keeps the latest alerts of the monitor and the meter from the moment the server is created, so
 * the Alerts page shows recent crossings, not only those raised while a live tail is open.
 */
export class RecentAlerts {
  private readonly kept: Kept[] = [];
  private readonly unsubscribers: Array<() => void> = [];

  constructor(
    private readonly monitor: AlertSource | undefined,
    private readonly meter: Meter | undefined,
    private readonly size = 200,
  ) {
    if (monitor) {
      this.unsubscribers.push(
        monitor.subscribe((event) => {
          if (event.level !== 'warn') return;
          this.keep({ source: 'monitor', name: event.event, at: new Date().toISOString(), fields: event.fields }, null);
        }),
      );
    }
    if (meter) {
      this.unsubscribers.push(
        meter.onAlert((alert) => {
          const tenant = alert.subject.startsWith('tenant:') ? alert.subject.slice('tenant:'.length) : null;
          this.keep(
            { source: 'meter', name: 'limit_alert', at: new Date().toISOString(), fields: { ...alert } },
            tenant,
          );
        }),
      );
    }
  }

  private keep(alert: AlertEventData, tenantId: string | null): void {
    this.kept.unshift({ alert, tenantId });
    if (this.kept.length > this.size) this.kept.length = this.size;
  }

  /** A tenant-scoped token sees its own tenant's meter alerts only: monitor alerts span every tenant. */
  answer(access: Access): AlertsAnswer {
    const scoped = access.tenantId !== null;
    const snapshot = (this.monitor as Partial<SnapshotSource> | undefined)?.snapshot;
    return {
      at: new Date().toISOString(),
      monitor: this.monitor !== undefined,
      meter: this.meter !== undefined,
      active: !scoped && typeof snapshot === 'function' ? [...snapshot.call(this.monitor).activeAlerts] : [],
      recent: this.kept
        .filter((entry) => !scoped || (entry.tenantId !== null && entry.tenantId === access.tenantId))
        .map((entry) => entry.alert),
    };
  }

  close(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
  }
}
