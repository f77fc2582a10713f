import type { CallHandle, CallInit } from '../core/call.js';
import { currentContext } from '../core/context.js';
import type { Ledger, WrapDefaults } from '../core/ledger.js';
import { unknownKeyProblems } from '../core/unknown-keys.js';
import type { ResponseCache } from '../cache/response-cache.js';
import type { AdmissionMode } from './admission.js';
import type { StreamProgressOptions } from './stream-capture.js';

/** The part of a Ledger that capture needs; a structural type so tests and forks can pass their own. */
export type CaptureLedger = Pick<Ledger, 'start'> & {
  /** @internal See `Ledger.reportInvalidInput`. */
  reportInvalidInput(field: string, message: string): void;
  readonly enabled?: boolean;
  /** `failOpen: false`: the ledger's refusals reach the application's call or read. */
  readonly settings?: { readonly failOpen: boolean };
  /** Calls must be admitted (budgets, rate limits) before the provider is contacted. */
  readonly gated?: boolean;
  startAdmitted?: Ledger['startAdmitted'];
  /** @internal Finalizes a call whose response has arrived off the application's path (see `Ledger.finalizeSoon`). */
  finalizeSoon?(call: CallHandle, finalize: (mayWait: boolean) => void | Promise<void>): void;
  /** The token fallback chain configured for this ledger (createLedger's `tokenEstimation`). */
  readonly tokenEstimator?: Ledger['tokenEstimator'];
  /** The response cache (createLedger's `cache` option). */
  readonly cache?: ResponseCache;
  /** When streams emit `stream_progress` (createLedger's `streamProgress`); undefined: never. */
  readonly streamProgress?: StreamProgressOptions;
  emit?: Ledger['emit'];
  readonly hasHandlers?: boolean;
};

/** Defaults for every call a wrapped client makes: the same as `ledger.wrap(client, defaults)` takes. */
export type CaptureDefaults = WrapDefaults;

export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;

/** A ledger and the defaults one wrap was given; a wrapped method reads it on every call. */
export interface CaptureBinding {
  ledger: CaptureLedger;
  defaults: CaptureDefaults;
  /** True when `defaults` holds attribution, so the context must be consulted. */
  hasAttribution: boolean;
  /** How this client's calls wait for budget and rate-limit admission. */
  admission: AdmissionMode;
  /**
   * How a cached answer reaches the SDK: through the client's own `fetch` (openai-node,
   * @anthropic-ai/sdk) or a per-request fetch (@google/genai). Unset: the client is not cached.
   */
  replayVia?: 'client-fetch' | 'request-fetch';
}

/** The keys `ledger.wrap(client, defaults)` knows; any other is reported with a did-you-mean. */
export const CAPTURE_DEFAULT_KEYS: ReadonlySet<string> = new Set([
  'userId',
  'sessionId',
  'tenantId',
  'requestId',
  'traceId',
  'parentId',
  'tags',
  'metadata',
  'callType',
  'provider',
  'streamIdleTimeoutMs',
  'includeStreamUsage',
  'cache',
]);

export function createBinding(
  ledger: CaptureLedger,
  given: CaptureDefaults = {},
  admission: AdmissionMode = 'none',
): CaptureBinding {
  let defaults = given;
  if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults)) {
    ledger.reportInvalidInput('defaults', 'ledger.wrap(client, defaults): defaults must be an object; ignored');
    defaults = {};
  }
  for (const problem of unknownKeyProblems(defaults, CAPTURE_DEFAULT_KEYS, 'ledger.wrap() defaults')) {
    ledger.reportInvalidInput(problem.key, `${problem.message} The value is ignored.`);
  }
  const hasAttribution =
    defaults.userId !== undefined ||
    defaults.sessionId !== undefined ||
    defaults.tenantId !== undefined ||
    defaults.requestId !== undefined ||
    defaults.traceId !== undefined ||
    defaults.parentId !== undefined ||
    defaults.metadata !== undefined;
  return { ledger, defaults, hasAttribution, admission };
}

/**
 * Starts the record for one provider call. `ledger.start` lets explicit init fields win over the
 * context, so a default is passed only where the context has no value of its own.
 */
export function startCall(binding: CaptureBinding, init: CallInit) {
  return binding.ledger.start(applyDefaults(binding, init));
}

/** Fills in the wrap defaults where neither `init` nor the surrounding context has a value. */
export function applyDefaults(binding: CaptureBinding, init: CallInit): CallInit {
  const defaults = binding.defaults;
  if (defaults.callType !== undefined && init.callType === undefined) init.callType = defaults.callType;
  if (defaults.tags !== undefined) init.tags = defaults.tags;
  if (binding.hasAttribution) {
    const context = currentContext();
    if (context?.userId === undefined) init.userId = defaults.userId;
    if (context?.sessionId === undefined) init.sessionId = defaults.sessionId;
    if (context?.tenantId === undefined) init.tenantId = defaults.tenantId;
    if (context?.requestId === undefined) init.requestId = defaults.requestId;
    if (context?.traceId === undefined) init.traceId = defaults.traceId;
    if (context?.parentId === undefined && defaults.parentId !== undefined) init.parentId = defaults.parentId;
    if (defaults.metadata) {
      // The ledger spreads the context's metadata under init's; putting the context's last here
      // makes the context win key by key.
      init.metadata = context?.metadata ? { ...defaults.metadata, ...context.metadata } : defaults.metadata;
    }
  }
  return init;
}
