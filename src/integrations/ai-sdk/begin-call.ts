import type { ResponseCache } from '../../cache/response-cache.js';
import type { CallHandle, CallInit } from '../../core/call.js';
import type { Ledger } from '../../core/ledger.js';
import { classifyError } from '../../capture/error-classification.js';
import { pickRetryAfter } from '../../core/error-details.js';
import { isObject } from './convert-usage.js';

/** The part of a Ledger the middlewares use; structural, so tests and forks can pass their own. */
export type MiddlewareLedger = Pick<Ledger, 'start'> & {
  /** @internal See `Ledger.reportInvalidInput`. */
  reportInvalidInput(field: string, message: string): void;
  readonly enabled?: boolean;
  readonly gated?: boolean;
  startAdmitted?: Ledger['startAdmitted'];
  /** The ledger's token chain, for calls whose usage never arrives. */
  readonly tokenEstimator?: Ledger['tokenEstimator'];
  /** The response cache (createLedger's `cache` option). */
  readonly cache?: ResponseCache;
};

let warnedNoLedger = false;

/**
 * The ledger to record into: the one given, else the process-wide default, created on first use.
 * A default that cannot be created (an invalid `llm_config.yaml`) leaves calls unrecorded, with one
 * process warning, instead of failing them.
 */
export function resolveLedger(
  given: MiddlewareLedger | undefined,
  fallback: () => MiddlewareLedger,
): MiddlewareLedger | undefined {
  if (given) return given;
  try {
    return fallback();
  } catch (error) {
    if (!warnedNoLedger) {
      warnedNoLedger = true;
      const reason = error instanceof Error ? error.message : String(error);
      process.emitWarning(`llm-ledger/ai-sdk: no ledger, calls are not recorded: ${reason}`);
    }
    return undefined;
  }
}

/** Codes of the meter's refusals, which must reach the application: the provider was not contacted. */
const ADMISSION_CODES = new Set(['QUOTA_EXCEEDED', 'RATE_LIMITED']);

/**
 * Starts the record of one model call, after its admission against budgets and rate limits when the
 * ledger has any. A refusal (QuotaExceededError, RateLimitedError) is thrown: the model is then not
 * called. Any other problem (building the record, a closed ledger) is reported and the call runs
 * unrecorded: undefined.
 */
export async function beginCall(
  ledger: MiddlewareLedger,
  buildInit: () => CallInit,
  { admit = true }: { admit?: boolean } = {},
): Promise<CallHandle | undefined> {
  if (ledger.enabled === false) return undefined;
  let init: CallInit;
  try {
    init = buildInit();
  } catch (error) {
    reportProblem(ledger, error);
    return undefined;
  }
  try {
    return admit && ledger.gated === true && ledger.startAdmitted
      ? await ledger.startAdmitted(init)
      : ledger.start(init);
  } catch (error) {
    if (isAdmissionRefusal(error)) throw error;
    reportProblem(ledger, error);
    return undefined;
  }
}

function isAdmissionRefusal(error: unknown): boolean {
  return isObject(error) && typeof error.code === 'string' && ADMISSION_CODES.has(error.code);
}

/** The integration's own problems never reach the application: they go to the ledger's logger and `onError`. */
export function reportProblem(ledger: MiddlewareLedger, error: unknown): void {
  try {
    ledger.reportInvalidInput('ai-sdk', error instanceof Error ? error.message : String(error));
  } catch {
    // A fail-closed ledger throws here; the model call must still go on.
  }
}

/** Runs a recording step; a throw (a bug, a fail-closed ledger refusing a value) is reported, never raised. */
export function safely(ledger: MiddlewareLedger, step: () => void): void {
  try {
    step();
  } catch (error) {
    reportProblem(ledger, error);
  }
}

/** Classification of an AI SDK error: `APICallError` keeps the status in `statusCode` and the headers in `responseHeaders`. */
export function classifyAiSdkError(error: unknown): ReturnType<typeof classifyError> {
  const classified = classifyError(error);
  if (classified.retryAfterMs === null && isObject(error) && isObject(error.responseHeaders)) {
    return { ...classified, retryAfterMs: pickRetryAfter(error.responseHeaders, Date.now()) };
  }
  return classified;
}

/** A failed model or embedding call: classified, an abort recorded as cancelled; no tokens (nothing came back). */
export function failCall(call: CallHandle, error: unknown): void {
  const classified = classifyAiSdkError(error);
  const details = {
    errorType: classified.errorType,
    httpStatus: classified.httpStatus,
    retryAfterMs: classified.retryAfterMs,
  };
  if (classified.errorType === 'aborted') call.cancel(error, details);
  else call.fail(error, details);
}
