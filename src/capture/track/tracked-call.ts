import type { CallHandle } from '../../core/call.js';
import type { CallCost, CallRecord, CallStatus, TokenSource } from '../../core/record.js';

/** The standardized tracking payload, plus the response and the record's identity. */
export interface TrackedCall {
  provider: string;
  model: string;
  /** The version of the prices the cost came from; null when unpriced. */
  pricingVersion: string | null;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Exact decimal string (never a float), when the ledger's currency is USD; null when unpriced. */
  costUsd: string | null;
  /** The full cost, in the ledger's currency, with its breakdown and status. */
  cost: CallCost | null;
  /** When the call started, ISO 8601 UTC. */
  timestamp: string;
  /** The error message when the call failed, else null. */
  error: string | null;
  /** Non-streamed: the provider's response object. Streamed: the assembled assistant message. */
  response: unknown;
  /** The assistant's text. */
  text: string;
  callId: string;
  status: CallStatus;
  tokenSource: TokenSource | null;
  streamed: boolean;
}

/** Reads the payload from the finalized record: tokens and cost are the ledger's, priced by its pricer. */
export function trackedCall(
  call: CallHandle,
  fallback: { provider: string; model: string },
  response: unknown,
  error: unknown,
): TrackedCall {
  const record: CallRecord | undefined = call.record;
  const cost = record?.cost ?? null;
  const message = record?.responseMessage;
  const errorMessage =
    error !== undefined ? messageOf(error) : record?.status === 'error' ? (record.errorMessage ?? 'error') : null;
  return {
    provider: record?.provider ?? fallback.provider,
    model: record?.model ?? fallback.model,
    pricingVersion: cost?.pricingVersion ?? null,
    promptTokens: record?.tokens.input ?? 0,
    completionTokens: record?.tokens.output ?? 0,
    totalTokens: record?.tokens.total ?? 0,
    costUsd: cost && cost.currency === 'USD' ? cost.total : null,
    cost,
    timestamp: record?.startedAt ?? new Date().toISOString(),
    error: errorMessage,
    response: response !== undefined ? response : (message ?? null),
    text: typeof message?.content === 'string' ? message.content : '',
    callId: call.id,
    status: record?.status ?? (error === undefined ? 'success' : 'error'),
    tokenSource: record?.tokenSource ?? null,
    streamed: record?.streamed ?? false,
  };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
