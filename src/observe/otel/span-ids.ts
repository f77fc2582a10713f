import { createHash } from 'node:crypto';
import { TraceFlags, type SpanContext } from '@opentelemetry/api';

const HEX32 = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INVALID_TRACE = '0'.repeat(32);
const INVALID_SPAN = '0'.repeat(16);

/**
 * An OTel trace id (32 hex) for a ledger trace id: a UUID loses its dashes, an OTel trace id is
 * kept as is (so a trace id taken from an incoming request maps back to that trace), anything
 * else is hashed. The same ledger id always gives the same OTel id.
 *
 * @example
 * otelTraceId('0190f5c2-7d3a-7b1e-9c4d-2f6a8b0c1d2e'); // '0190f5c27d3a7b1e9c4d2f6a8b0c1d2e'
 */
export function otelTraceId(ledgerId: string): string {
  const lower = ledgerId.toLowerCase();
  let id: string;
  if (HEX32.test(lower)) id = lower;
  else if (UUID.test(lower)) id = lower.replaceAll('-', '');
  else id = digest(ledgerId).slice(0, 32);
  return id === INVALID_TRACE ? digest(ledgerId).slice(0, 32) : id;
}

/**
 * An OTel span id (16 hex) for a ledger call id: the random tail of a UUIDv7 (its head is a
 * timestamp, shared by calls started in the same millisecond), else a hash.
 *
 * @example
 * otelSpanId('0190f5c2-7d3a-7b1e-9c4d-2f6a8b0c1d2e'); // '9c4d2f6a8b0c1d2e'
 */
export function otelSpanId(ledgerId: string): string {
  const lower = ledgerId.toLowerCase();
  const id = UUID.test(lower) ? lower.replaceAll('-', '').slice(16) : digest(ledgerId).slice(0, 16);
  return id === INVALID_SPAN ? digest(ledgerId).slice(32, 48) : id;
}

/** A remote, sampled span context standing for a ledger call that has no span of ours. */
export function remoteSpanContext(traceId: string, callId: string): SpanContext {
  return { traceId: otelTraceId(traceId), spanId: otelSpanId(callId), traceFlags: TraceFlags.SAMPLED, isRemote: true };
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
