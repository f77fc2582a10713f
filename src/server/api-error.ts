import type { Context } from 'hono';
import { isLedgerError, ValidationError } from '../core/errors.js';
import { redactSecrets } from '../core/secret-redaction.js';

/**
 * Every error the API answers with has one shape, `{ "error": { "type", "message", "param"? } }`,
 * so a client branches on `type` and shows `message`; `param` names the query parameter at fault.
 */
export type ApiErrorType =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'not_configured'
  | 'method_not_allowed'
  | 'unavailable'
  | 'internal';

const STATUS: Readonly<Record<ApiErrorType, 400 | 401 | 403 | 404 | 405 | 500 | 503>> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  not_configured: 404,
  method_not_allowed: 405,
  unavailable: 503,
  internal: 500,
};

export interface ApiErrorBody {
  error: { type: ApiErrorType; message: string; param?: string };
}

/** Thrown by route code; turned into the JSON error by `errorResponse`. */
export class ApiError extends Error {
  constructor(
    readonly type: ApiErrorType,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return STATUS[this.type];
  }
}

export function errorBody(type: ApiErrorType, message: string, param?: string): ApiErrorBody {
  return { error: param === undefined ? { type, message } : { type, message, param } };
}

/**
 * The response for anything thrown while answering. A ValidationError from the library's query
 * checks is the caller's mistake (400, naming the parameter); anything else is ours (500), with
 * its message redacted since a driver error may quote a connection string.
 */
export function errorResponse(c: Context, error: unknown): Response {
  if (error instanceof ApiError) {
    return c.json(errorBody(error.type, error.message, error.param), error.status as 400);
  }
  if (error instanceof ValidationError || (isLedgerError(error) && error.code === 'VALIDATION_ERROR')) {
    const field = (error as ValidationError).field;
    return c.json(errorBody('invalid_request', error.message, field?.replace(/^where\./, '')), 400);
  }
  const message = error instanceof Error ? error.message : String(error);
  const storeDown = isLedgerError(error) && (error.code === 'STORE_ERROR' || error.code === 'LEDGER_CLOSED');
  return c.json(
    errorBody(storeDown ? 'unavailable' : 'internal', redactSecrets(message).slice(0, 500)),
    storeDown ? 503 : 500,
  );
}
