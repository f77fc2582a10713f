/**
 * A health check for the ledger: the state of the store, the meter (a Redis ping),
 * the write queue and the spool, with one overall status. Pure: it reads a stats function and
 * calls a ping function it is given, so it works with any ledger, store and Redis client.
 */

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** What health needs from `ledger.stats()`; later fields are optional so older ledgers fit. */
export interface HealthStats {
  /** Records waiting in memory for the store. */
  pending: number;
  written?: number;
  failedWrites?: number;
  /** The store's last failure, until a write succeeds again. */
  storeError?: unknown;
  /** Records kept on disk while the store is unavailable. */
  spool?: { pending: number; bytes?: number };
  handlers?: { errors: number; timeouts: number };
}

/** Anything with `ping()`: an ioredis or node-redis client, or a meter exposing its client's ping. */
export interface Pingable {
  ping(): Promise<unknown>;
}

export interface HealthOptions {
  stats: () => HealthStats;
  /** The meter's connection check (Redis `PING`). Absent: the meter is reported as not configured. */
  meter?: Pingable | (() => Promise<unknown>);
  /** A ping slower than this counts as failed. Default 1000 ms. */
  pingTimeoutMs?: number;
  /** Pending records above which the queue is degraded. Default 100,000 (the ledger's high-water mark). */
  queueHighWaterMark?: number;
  /** Epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

export interface ComponentHealth {
  status: HealthStatus;
  error?: string;
}

export interface HealthReport {
  status: HealthStatus;
  store: ComponentHealth & { written: number | null; failedWrites: number | null };
  /** `configured: false` when no ping was given (nothing to check, so healthy). */
  meter: ComponentHealth & { configured: boolean; latencyMs?: number };
  queue: ComponentHealth & { pending: number };
  spool: ComponentHealth & { pending: number; bytes: number | null };
  /** ISO 8601. */
  timestamp: string;
}

/**
 * Builds the health report. Overall status: `unhealthy` when the meter does not answer (a failed
 * Redis ping) or stats cannot be read; `degraded` when the store is failing, records wait in the
 * spool, or the queue is above its high-water mark (nothing is lost yet, but it is not keeping
 * up); `healthy` otherwise.
 *
 * @example
 * const report = await checkHealth({ stats: () => ledger.stats(), meter: redis });
 * response.statusCode = report.status === 'unhealthy' ? 503 : 200;
 */
export async function checkHealth(options: HealthOptions): Promise<HealthReport> {
  const now = options.now ?? Date.now;
  const meter = await pingMeter(options.meter, options.pingTimeoutMs ?? 1000, now);
  let stats: HealthStats;
  try {
    stats = options.stats();
  } catch (error) {
    const failed = { status: 'unhealthy' as const, error: `stats unavailable: ${message(error)}` };
    return {
      status: 'unhealthy',
      store: { ...failed, written: null, failedWrites: null },
      meter,
      queue: { ...failed, pending: 0 },
      spool: { ...failed, pending: 0, bytes: null },
      timestamp: new Date(now()).toISOString(),
    };
  }
  const highWaterMark = options.queueHighWaterMark ?? 100_000;
  const store =
    stats.storeError !== undefined && stats.storeError !== null
      ? { status: 'degraded' as const, error: message(stats.storeError) }
      : { status: 'healthy' as const };
  const queue =
    stats.pending > highWaterMark
      ? { status: 'degraded' as const, error: `${stats.pending} records pending (high-water mark ${highWaterMark})` }
      : { status: 'healthy' as const };
  const spoolPending = stats.spool?.pending ?? 0;
  const spool =
    spoolPending > 0
      ? { status: 'degraded' as const, error: `${spoolPending} records waiting in the spool` }
      : { status: 'healthy' as const };
  return {
    status: worst([store.status, meter.status, queue.status, spool.status]),
    store: { ...store, written: stats.written ?? null, failedWrites: stats.failedWrites ?? null },
    meter,
    queue: { ...queue, pending: stats.pending },
    spool: { ...spool, pending: spoolPending, bytes: stats.spool?.bytes ?? null },
    timestamp: new Date(now()).toISOString(),
  };
}

async function pingMeter(
  meter: HealthOptions['meter'],
  timeoutMs: number,
  now: () => number,
): Promise<HealthReport['meter']> {
  if (meter === undefined) return { status: 'healthy', configured: false };
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const ping = typeof meter === 'function' ? meter() : meter.ping();
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`meter ping did not answer within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    await Promise.race([ping, timeout]);
    return { status: 'healthy', configured: true, latencyMs: now() - started };
  } catch (error) {
    return { status: 'unhealthy', configured: true, error: message(error) };
  } finally {
    clearTimeout(timer);
  }
}

const RANK: Readonly<Record<HealthStatus, number>> = { healthy: 0, degraded: 1, unhealthy: 2 };

function worst(statuses: readonly HealthStatus[]): HealthStatus {
  return statuses.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'healthy');
}

function message(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
