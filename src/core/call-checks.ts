import type { CallInit, CallProgress, CallResult, FailureDetails } from './call-types.js';
import type { CallStatus, ResponseMessage, TokenSource } from './record.js';
import type { FieldOwner } from './record-fields.js';
import { hasOnlyKnownKeys, printableKey, unknownKeyProblems, type KeyAliases } from './unknown-keys.js';

/*
 * What a caller hands to start / update / complete / fail, checked by type and range before the
 * call uses it. Every refusal goes through `problems.invalid` (listed on the record, counted,
 * reported once, or thrown as a ValidationError when the ledger is fail-closed); what is left is
 * only what is valid. Objects given where text is expected are refused, never stringified.
 * A well-formed argument costs a key walk and a few typeof checks.
 */

export const INIT_KEYS: ReadonlySet<string> = new Set([
  'model',
  'provider',
  'callType',
  'systemPrompt',
  'messages',
  'tools',
  'toolChoice',
  'params',
  'requestMode',
  'id',
  'traceId',
  'parentId',
  'sessionId',
  'userId',
  'tenantId',
  'requestId',
  'tags',
  'metadata',
  'signal',
  'startedAt',
]);

/**
 * Request parameters belong in `params` (kept as given, camelCase or the provider's names);
 * the Python examples' top-level names are pointed there.
 */
export const INIT_ALIASES: KeyAliases = {
  system_prompt: 'systemPrompt',
  max_tokens: 'params.maxTokens',
  maxTokens: 'params.maxTokens',
  max_output_tokens: 'params.maxTokens',
  temperature: 'params.temperature',
  top_p: 'params.topP',
  topP: 'params.topP',
  seed: 'params.seed',
  stop: 'params.stop',
  response_format: 'params.response_format',
  stream: "requestMode: 'streaming'",
  prompt: 'messages',
  input: 'messages',
  user: 'userId',
  session: 'sessionId',
  tenant: 'tenantId',
  trace_id: 'traceId',
};

export const RESULT_KEYS: ReadonlySet<string> = new Set([
  'responseMessage',
  'responseModel',
  'finishReason',
  'tokens',
  'tokenSource',
  'cost',
  'status',
  'metadata',
  'ttftMs',
  'cacheHit',
  'toolCalls',
  'tool_calls',
]);

export const RESULT_ALIASES: KeyAliases = {
  usage: 'tokens',
  usageMetadata: 'tokens',
  token_usage: 'tokens',
  response: 'responseMessage',
  message: 'responseMessage',
  text: 'responseMessage',
  content: 'responseMessage',
  output: 'responseMessage',
  model: 'responseModel',
  estimated_cost: 'cost',
  estimatedCost: 'cost',
  error: 'fail(error)',
};

export const PROGRESS_KEYS: ReadonlySet<string> = new Set([
  'appendText',
  'firstToken',
  'responseMessage',
  'responseModel',
  'finishReason',
  'tokens',
  'tokenSource',
]);

export const PROGRESS_ALIASES: KeyAliases = {
  text: 'appendText',
  delta: 'appendText',
  usage: 'tokens',
  model: 'responseModel',
};

export const FAILURE_KEYS: ReadonlySet<string> = new Set([
  'errorType',
  'errorMessage',
  'httpStatus',
  'retryAfterMs',
  'tokens',
  'tokenSource',
  'responseMessage',
  'partial',
  'metadata',
]);

export const FAILURE_ALIASES: KeyAliases = {
  status: 'httpStatus',
  statusCode: 'httpStatus',
  message: 'errorMessage',
  type: 'errorType',
  usage: 'tokens',
  retryAfter: 'retryAfterMs',
};

const REQUEST_MODES: ReadonlySet<string> = new Set(['sync', 'streaming']);
const TOKEN_SOURCES: ReadonlySet<string> = new Set(['provider', 'tokenizer', 'estimate']);
const STATUSES: ReadonlySet<string> = new Set(['success', 'partial', 'error', 'cancelled']);
/** Any duration past this (about 11.5 days) is garbage rather than a slow call. */
const MAX_DURATION_MS = 1e9;

/** Reports every unknown key of `value` (an object) at `place`; the values are ignored. */
export function reportUnknownKeys(
  problems: FieldOwner,
  value: object,
  known: ReadonlySet<string>,
  place: string,
  aliases: KeyAliases,
): void {
  if (hasOnlyKnownKeys(value, known)) return;
  for (const problem of unknownKeyProblems(value, known, place, aliases)) {
    problems.invalid(printableKey(problem.key), `${problem.message} The value is ignored.`);
  }
}

/** `value` as an object argument; anything else is reported and replaced by `{}`. */
export function objectArgument<T extends object>(problems: FieldOwner, value: unknown, place: string): Partial<T> {
  if (value === undefined) return EMPTY as Partial<T>;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Partial<T>;
  problems.invalid(place, `expected an object, got ${kindOf(value)}; recorded without it`);
  return EMPTY as Partial<T>;
}

const EMPTY: object = Object.freeze({});

/** The checked init: unknown keys reported, each field valid or left out. */
export function checkInit(problems: FieldOwner, given: unknown): CallInit {
  if (isWellFormedInit(given)) return given;
  const init = objectArgument<CallInit>(problems, given, 'start()');
  reportUnknownKeys(problems, init, INIT_KEYS, 'start()', INIT_ALIASES);
  const checked: CallInit = { ...(init as CallInit) };
  for (const key in checked) if (!INIT_KEYS.has(key)) delete (checked as unknown as Record<string, unknown>)[key];
  if (typeof checked.model !== 'string' || checked.model.length === 0) {
    problems.invalid(
      'model',
      `a non-empty model name is required, got ${kindOf(checked.model)}; recorded as "unknown"`,
    );
    checked.model = 'unknown';
  }
  if (checked.requestMode !== undefined && !REQUEST_MODES.has(checked.requestMode as string)) {
    const hint = checked.requestMode === ('stream' as unknown) ? ' Did you mean "streaming"?' : '';
    problems.invalid(
      'requestMode',
      `expected "sync" or "streaming", got ${kindOf(checked.requestMode)}.${hint} Recorded as "sync"`,
    );
    delete checked.requestMode;
  }
  if (checked.systemPrompt !== undefined && checked.systemPrompt !== null && typeof checked.systemPrompt !== 'string') {
    problems.invalid('systemPrompt', `expected a string, got ${kindOf(checked.systemPrompt)}; ignored`);
    delete checked.systemPrompt;
  }
  if (checked.signal !== undefined && !isAbortSignal(checked.signal)) {
    problems.invalid('signal', `expected an AbortSignal, got ${kindOf(checked.signal)}; ignored`);
    delete checked.signal;
  }
  const startedAt: unknown = checked.startedAt;
  if (
    startedAt !== undefined &&
    !(startedAt instanceof Date) &&
    typeof startedAt !== 'string' &&
    typeof startedAt !== 'number'
  ) {
    problems.invalid('startedAt', `expected a Date, an ISO string or epoch milliseconds, got ${kindOf(startedAt)}`);
    delete checked.startedAt;
  }
  return checked;
}

/** The checked result of `complete()`: a string is the response text; unknown keys reported. */
export function checkResult(problems: FieldOwner, given: unknown): CallResult {
  if (typeof given === 'string') return { responseMessage: given };
  if (isWellFormedResult(given)) return given;
  const result = objectArgument<CallResult>(problems, given, 'complete()');
  if (result === EMPTY) return result;
  reportUnknownKeys(problems, result, RESULT_KEYS, 'complete()', RESULT_ALIASES);
  const checked: CallResult = {
    responseMessage: responseMessageField(problems, result.responseMessage),
    responseModel: optionalText(problems, 'responseModel', result.responseModel),
    finishReason: optionalText(problems, 'finishReason', result.finishReason),
    tokens: result.tokens,
    tokenSource: tokenSourceField(problems, result.tokenSource),
    cost: result.cost,
    metadata: result.metadata,
  };
  if (result.toolCalls !== undefined) checked.toolCalls = result.toolCalls;
  if (result.tool_calls !== undefined) checked.tool_calls = result.tool_calls;
  if (result.status !== undefined) checked.status = statusField(problems, result.status);
  if (result.ttftMs !== undefined) checked.ttftMs = duration(problems, 'ttftMs', result.ttftMs) ?? undefined;
  if (result.cacheHit !== undefined) checked.cacheHit = cacheHitField(problems, result.cacheHit);
  return checked;
}

/** `cacheHit` of complete(): `{ costSaved }` with a decimal string or null; anything else is reported and dropped. */
function cacheHitField(problems: FieldOwner, value: unknown): CallResult['cacheHit'] {
  const saved = (value as { costSaved?: unknown } | null)?.costSaved;
  if (typeof value === 'object' && value !== null && (saved === null || isDecimalText(saved))) {
    return { costSaved: saved as string | null };
  }
  problems.invalid(
    'cacheHit',
    'expected { costSaved: a decimal string or null }; the call is recorded as no cache hit',
  );
  return undefined;
}

function isDecimalText(value: unknown): boolean {
  return typeof value === 'string' && /^\d{1,15}(\.\d{1,20})?$/.test(value);
}

/** A status given to complete(): success or partial; `error` and `cancelled` are kept but reported. */
function statusField(problems: FieldOwner, status: unknown): CallResult['status'] {
  if (status === 'success' || status === 'partial') return status;
  if (status === 'error' || status === 'cancelled') {
    problems.invalid(
      'status',
      `complete() records a success or a partial stream; "${status}" was given: call ${status === 'error' ? 'fail(error)' : 'cancel()'} instead. Recorded as "${status}"`,
    );
    return status as CallResult['status'];
  }
  problems.invalid(
    'status',
    `expected one of ${[...STATUSES].join(', ')}, got ${kindOf(status)}; recorded as "success"`,
  );
  return 'success';
}

/** The checked progress of `update()`. */
export function checkProgress(problems: FieldOwner, given: unknown): CallProgress {
  if (isWellFormedProgress(given)) return given;
  const progress = objectArgument<CallProgress>(problems, given, 'update()');
  if (progress === EMPTY) return progress;
  reportUnknownKeys(problems, progress, PROGRESS_KEYS, 'update()', PROGRESS_ALIASES);
  const checked: CallProgress = {
    responseModel: optionalText(problems, 'responseModel', progress.responseModel) ?? undefined,
    finishReason: optionalText(problems, 'finishReason', progress.finishReason) ?? undefined,
    tokens: progress.tokens ?? undefined,
    tokenSource: tokenSourceField(problems, progress.tokenSource),
  };
  const message = responseMessageField(problems, progress.responseMessage);
  if (message !== undefined && message !== null) checked.responseMessage = message as ResponseMessage;
  if (progress.appendText !== undefined && progress.appendText !== null) {
    if (typeof progress.appendText === 'string') checked.appendText = progress.appendText;
    else problems.invalid('appendText', `expected a string, got ${kindOf(progress.appendText)}; ignored`);
  }
  if (progress.firstToken !== undefined) {
    if (typeof progress.firstToken === 'boolean') checked.firstToken = progress.firstToken;
    else problems.invalid('firstToken', `expected a boolean, got ${kindOf(progress.firstToken)}; ignored`);
  }
  return checked;
}

/** The checked details of `fail()` / `cancel()`. */
export function checkFailure(problems: FieldOwner, given: unknown, place: string): FailureDetails {
  const details = objectArgument<FailureDetails>(problems, given === null ? undefined : given, place);
  if (given === null) problems.invalid(place, 'expected an object of failure details, got null; ignored');
  if (details === EMPTY) return details;
  reportUnknownKeys(problems, details, FAILURE_KEYS, place, FAILURE_ALIASES);
  const checked: FailureDetails = {
    tokens: details.tokens,
    tokenSource: tokenSourceField(problems, details.tokenSource),
    responseMessage: responseMessageField(problems, details.responseMessage),
    metadata: details.metadata,
  };
  const errorType = optionalText(problems, 'errorType', details.errorType);
  if (errorType !== undefined && errorType !== null) checked.errorType = errorType;
  const errorMessage = optionalText(problems, 'errorMessage', details.errorMessage);
  if (errorMessage !== undefined && errorMessage !== null) checked.errorMessage = errorMessage;
  if (details.httpStatus !== undefined) {
    const status = details.httpStatus;
    if (status === null || (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599)) {
      checked.httpStatus = status;
    } else {
      problems.invalid('httpStatus', `expected an HTTP status code (100-599) or null, got ${kindOf(status)}; ignored`);
    }
  }
  if (details.retryAfterMs !== undefined) {
    checked.retryAfterMs =
      details.retryAfterMs === null ? null : duration(problems, 'retryAfterMs', details.retryAfterMs);
    if (checked.retryAfterMs === undefined) delete checked.retryAfterMs;
  }
  if (details.partial !== undefined) {
    if (typeof details.partial === 'boolean') checked.partial = details.partial;
    else problems.invalid('partial', `expected a boolean, got ${kindOf(details.partial)}; ignored`);
  }
  return checked;
}

/*
 * The fast paths: a well-formed argument, the common case on every call, is returned as it is
 * after a key walk and a few typeof checks, without a copy. Anything they do not accept takes the
 * careful path above, which reports each problem.
 */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isWellFormedInit(value: unknown): value is CallInit {
  if (!isPlainObject(value) || !hasOnlyKnownKeys(value, INIT_KEYS)) return false;
  const { model, requestMode, systemPrompt, signal, startedAt } = value;
  return (
    typeof model === 'string' &&
    model.length > 0 &&
    (requestMode === undefined || requestMode === 'sync' || requestMode === 'streaming') &&
    (systemPrompt === undefined || systemPrompt === null || typeof systemPrompt === 'string') &&
    (signal === undefined || isAbortSignal(signal)) &&
    (startedAt === undefined ||
      typeof startedAt === 'string' ||
      typeof startedAt === 'number' ||
      startedAt instanceof Date)
  );
}

function isWellFormedResult(value: unknown): value is CallResult {
  if (!isPlainObject(value) || !hasOnlyKnownKeys(value, RESULT_KEYS)) return false;
  const { responseMessage, responseModel, finishReason, tokenSource, status, ttftMs, cacheHit } = value;
  return (
    cacheHit === undefined &&
    isMessageOrNothing(responseMessage) &&
    isTextOrNothing(responseModel) &&
    isTextOrNothing(finishReason) &&
    (tokenSource === undefined || (typeof tokenSource === 'string' && TOKEN_SOURCES.has(tokenSource))) &&
    (status === undefined || status === 'success' || status === 'partial') &&
    (ttftMs === undefined || isDuration(ttftMs))
  );
}

function isWellFormedProgress(value: unknown): value is CallProgress {
  if (!isPlainObject(value) || !hasOnlyKnownKeys(value, PROGRESS_KEYS)) return false;
  const { appendText, firstToken, responseMessage, responseModel, finishReason, tokenSource, tokens } = value;
  return (
    (appendText === undefined || typeof appendText === 'string') &&
    (firstToken === undefined || typeof firstToken === 'boolean') &&
    isMessageOrNothing(responseMessage) &&
    responseMessage !== null &&
    isTextOrNothing(responseModel) &&
    isTextOrNothing(finishReason) &&
    tokens !== null &&
    (tokenSource === undefined || (typeof tokenSource === 'string' && TOKEN_SOURCES.has(tokenSource)))
  );
}

function isMessageOrNothing(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string' || isPlainObject(value);
}

function isTextOrNothing(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

function isDuration(value: unknown): boolean {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= 0 &&
    value <= MAX_DURATION_MS &&
    !Object.is(value, -0)
  );
}

/** A duration in milliseconds: finite, ≥ 0 and below MAX_DURATION_MS; otherwise reported and left out. */
function duration(problems: FieldOwner, field: string, value: unknown): number | undefined {
  // `+ 0` turns -0 into 0, which every store gives back.
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_DURATION_MS) return value + 0;
  problems.invalid(
    field,
    `expected a duration in milliseconds between 0 and ${MAX_DURATION_MS}, got ${kindOf(value)}; ignored`,
  );
  return undefined;
}

function optionalText(problems: FieldOwner, field: string, value: unknown): string | null | undefined {
  if (value === undefined || value === null || typeof value === 'string') return value;
  problems.invalid(field, `expected a string, got ${kindOf(value)}; ignored`);
  return undefined;
}

function tokenSourceField(problems: FieldOwner, value: unknown): TokenSource | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && TOKEN_SOURCES.has(value)) return value as TokenSource;
  problems.invalid('tokenSource', `expected one of ${[...TOKEN_SOURCES].join(', ')}, got ${kindOf(value)}; ignored`);
  return undefined;
}

function responseMessageField(problems: FieldOwner, value: unknown): ResponseMessage | string | null | undefined {
  if (value === undefined || value === null || typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value)) return value as ResponseMessage;
  problems.invalid('responseMessage', `expected a message object or a string, got ${kindOf(value)}; ignored`);
  return undefined;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return true;
  // A signal from another realm or polyfill: what the call uses of it.
  const candidate = value as { aborted?: unknown; addEventListener?: unknown; removeEventListener?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.aborted === 'boolean' &&
    typeof candidate.addEventListener === 'function' &&
    typeof candidate.removeEventListener === 'function'
  );
}

/** A value described for a message, without printing all of it. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value).toWellFormed();
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return value instanceof Date ? 'a Date' : 'an object';
    default:
      return `a ${typeof value}`;
  }
}

export type { CallStatus };
