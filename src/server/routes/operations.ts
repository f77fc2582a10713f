import { redactSecrets } from '../../core/secret-redaction.js';
import type { HealthReport } from '../../core/health.js';
import type { Ledger } from '../../core/ledger.js';
import { ApiError } from '../api-error.js';
import { readParams } from '../query-params.js';
import type { ServerApp, ServerContext } from '../server-context.js';

const PROBE_TIMEOUT_MS = 2000;

export function registerOperationRoutes(app: ServerApp, context: ServerContext): void {
  app.get('/healthz', async (c) => {
    readParams(new URL(c.req.url), [], 'GET /healthz');
    const report = await serverHealth(context.ledger);
    const status = report.status === 'unhealthy' ? 503 : 200;
    // Without a valid token only the verdict is told: a store error may name hosts and paths.
    if (c.get('access') === undefined) return c.json({ status: report.status }, status);
    return c.json(JSON.parse(redactSecrets(JSON.stringify(report))) as unknown, status);
  });

  app.get('/metrics', async (c) => {
    readParams(new URL(c.req.url), [], 'GET /metrics');
    if (!context.metrics) {
      throw new ApiError(
        'not_configured',
        'no Prometheus registry is configured: pass createLedgerServer(ledger, { metrics }); `llm-ledger serve` has one when prom-client is installed',
      );
    }
    if (c.get('access').tenantId !== null) {
      throw new ApiError('forbidden', 'metrics cover every tenant: a tenant-scoped token cannot read them');
    }
    const text = await context.metrics.metrics();
    return c.body(text, 200, { 'Content-Type': context.metrics.contentType });
  });
}

/**
 * The ledger's health, plus a read of the store: a server that only reads never writes, so a store
 * that went away would not show in the write statistics. A store that does not answer a lookup
 * within two seconds makes the whole report unhealthy (503).
 */
export async function serverHealth(ledger: Ledger): Promise<HealthReport> {
  const report = await ledger.health();
  const probe = await probeStore(ledger);
  if (probe === undefined && report.store.status !== 'unhealthy' && !report.store.error) return report;
  return {
    ...report,
    status: 'unhealthy',
    store: { ...report.store, status: 'unhealthy', error: probe ?? report.store.error },
  };
}

async function probeStore(ledger: Ledger): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      ledger.store.get('llm-ledger-health-probe'),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the store did not answer within ${PROBE_TIMEOUT_MS} ms`)),
          PROBE_TIMEOUT_MS,
        );
      }),
    ]);
    return undefined;
  } catch (error) {
    return redactSecrets(error instanceof Error ? error.message : String(error)).slice(0, 500);
  } finally {
    clearTimeout(timer);
  }
}
