import type { Ledger } from '../core/ledger.js';

/** The proxy's own counters, served at `/metrics` in the Prometheus text format. */
export class ProxyMetrics {
  requests = 0;
  refused = 0;
  cancelled = 0;
  upstreamErrors = 0;
  upstreamFailures = 0;
  internalErrors = 0;
  inFlight = 0;

  text(ledger: Ledger): string {
    const stats = ledger.stats();
    const lines = [
      counter('llm_ledger_proxy_requests_total', 'Requests received on upstream routes.', this.requests),
      counter(
        'llm_ledger_proxy_refused_total',
        'Requests refused by budgets, rate limits or virtual key limits (429).',
        this.refused,
      ),
      counter(
        'llm_ledger_proxy_cancelled_total',
        'Requests whose client disconnected before the answer was complete.',
        this.cancelled,
      ),
      counter('llm_ledger_proxy_upstream_errors_total', 'Upstream answers with an error status.', this.upstreamErrors),
      counter(
        'llm_ledger_proxy_upstream_failures_total',
        'Upstream connection failures and timeouts.',
        this.upstreamFailures,
      ),
      counter('llm_ledger_proxy_internal_errors_total', "The proxy's own failures.", this.internalErrors),
      gauge('llm_ledger_proxy_in_flight', 'Requests forwarded and not yet answered.', this.inFlight),
      gauge('llm_ledger_proxy_records_pending', 'Records waiting to be stored.', stats.pending),
      counter('llm_ledger_proxy_records_stored_total', 'Records stored by the ledger.', stats.written),
    ];
    return lines.join('');
  }
}

function counter(name: string, help: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name} ${value}\n`;
}

function gauge(name: string, help: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`;
}
