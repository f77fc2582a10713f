import { ERROR_KIND, errorKind, isErrorInstance } from '../core/errors.js';

/**
 * An error the provider delivered inside a stream as an event rather than an HTTP status
 * (OpenAI Responses `response.failed` and flat `error` events). The SDK hands such events to the
 * application unchanged; the record gets this error so the call is classified and counted.
 */
export class ProviderStreamError extends Error {
  static readonly [ERROR_KIND]: string = errorKind('ProviderStreamError');

  /** Whether `value` is a ProviderStreamError, also one from another copy of llm-ledger. */
  static isInstance(value: unknown): value is ProviderStreamError {
    return isErrorInstance(ProviderStreamError, value);
  }

  readonly code: string | null;
  readonly type: string | null;

  constructor(message: string, code: string | null = null, type: string | null = null) {
    super(message);
    this.name = 'ProviderStreamError';
    this.code = code;
    this.type = type;
  }

  /** Reads `{ code, message, type }` from an error object of any provider shape. */
  static from(value: unknown, fallback: string): ProviderStreamError {
    const object = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    const message = typeof object.message === 'string' && object.message ? object.message : fallback;
    const code = typeof object.code === 'string' ? object.code : null;
    const type = typeof object.type === 'string' ? object.type : null;
    return new ProviderStreamError(message, code, type);
  }
}
