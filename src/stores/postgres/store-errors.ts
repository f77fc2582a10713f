/**
 * SQLSTATE classes after which the same statement may succeed later: connection failures (08),
 * transaction rollbacks such as serialization failures and deadlocks (40), insufficient
 * resources (53), operator intervention such as a server restart (57) and lock timeouts (55P03).
 * Data and constraint errors (22, 23) will fail again the same way. Errors without a SQLSTATE
 * are network failures (ECONNREFUSED, ECONNRESET, a timeout): retryable.
 */
export function isRetryablePgError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return ['08', '40', '53', '57', '58'].includes(code.slice(0, 2)) || code === '55P03' || code === '55006';
}
