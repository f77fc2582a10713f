import { ConfigError } from '../core/errors.js';
import { unknownKeyProblems } from '../core/unknown-keys.js';
import type { Meter } from '../meters/meter.js';
import type { MonitorListener } from '../observe/monitor/monitor-events.js';
import type { PriceExplanation } from '../pricing/explain.js';
import type { ServerToken } from './access.js';
import type { EventHubOptions } from './event-hub.js';

/** A prom-client Registry, or anything with its two members (`metrics.registry` of `llm-ledger/prometheus`). */
export interface MetricsRegistry {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** What `/api/v1/prices/:model` asks: the ledger's pricer has it. */
export interface PriceExplainer {
  explain(model: string, options?: { provider?: string; at?: Date | string | number }): PriceExplanation;
}

/** What the live tail takes alerts from: `ledger.monitor` (a PerformanceMonitor) has it. */
export interface AlertSource {
  subscribe(listener: MonitorListener): () => void;
}

export interface LedgerServerOptions {
  /**
   * Tokens accepted in `Authorization: Bearer TOKEN`; none means no token is asked (mount it on
   * loopback only: `llm-ledger serve` refuses any other address without one). A token with a
   * `tenantId` reads that tenant's calls, summaries, meters and events only.
   */
  tokens?: readonly ServerToken[];
  /** Budgets and usage counters for `/api/v1/meters` and `/api/v1/limits`. Default: the ledger's own (`createLedger` with limits). */
  meter?: Meter | null;
  /** Alerts for the live tail. Default: `ledger.monitor` when the ledger has one. */
  monitor?: AlertSource | null;
  /** The Prometheus registry `/metrics` serves (`createPrometheusMetrics().registry`); without it `/metrics` is 404. */
  metrics?: MetricsRegistry | { registry: MetricsRegistry } | null;
  /** Answers `/api/v1/prices/:model`. Default: the ledger's pricer. */
  pricer?: PriceExplainer | null;
  /** The built dashboard's folder; `false` serves the API only. Default: `dashboard/` beside the server module. */
  dashboardDir?: string | false;
  /** The live tail's per-client buffer, heartbeat and replay buffer (for `Last-Event-ID`). */
  events?: EventHubOptions;
}

const KNOWN = new Set(['tokens', 'meter', 'monitor', 'metrics', 'pricer', 'dashboardDir', 'events']);
const EVENT_KEYS = new Set(['bufferSize', 'heartbeatMs', 'replaySize']);

export function checkServerOptions(options: unknown): LedgerServerOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError({ source: 'options', path: '', expected: 'an options object' });
  }
  const problems = [
    ...unknownKeyProblems(options, KNOWN, 'createLedgerServer() options'),
    ...unknownKeyProblems((options as LedgerServerOptions).events, EVENT_KEYS, 'createLedgerServer() options.events'),
  ];
  if (problems.length > 0) {
    throw new ConfigError({ source: 'options', path: problems[0]!.key, expected: problems[0]!.message });
  }
  const checked = options as LedgerServerOptions;
  if (checked.tokens !== undefined && !Array.isArray(checked.tokens)) {
    throw new ConfigError({ source: 'options', path: 'tokens', expected: 'a list of { token, tenantId? }' });
  }
  for (const key of ['bufferSize', 'heartbeatMs', 'replaySize'] as const) {
    const value = checked.events?.[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new ConfigError({
        source: 'options',
        path: `events.${key}`,
        expected: 'a positive integer',
        received: String(value),
      });
    }
  }
  return checked;
}
