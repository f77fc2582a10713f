/**
 * One error base class with a stable `code`, so callers can branch on `error.code`
 * and `isLedgerError()` works across duplicated copies of the package.
 */
const LEDGER_ERROR_MARKER = Symbol.for('llm-ledger.error');

export type LedgerErrorCode =
  | 'LEDGER_ERROR'
  | 'CONFIG_ERROR'
  | 'VALIDATION_ERROR'
  | 'CALL_ALREADY_FINALIZED'
  | 'STORE_ERROR'
  | 'STORE_READ_ONLY'
  | 'LEDGER_CLOSED'
  | 'PRICE_DATA_ERROR';

/**
 * The class of an error, by a name that every copy of the package shares. `instanceof` fails when
 * an application ends up with two copies (one bundled, one from node_modules); `isInstance` walks
 * the value's prototype chain comparing these names instead.
 */
export const ERROR_KIND = Symbol.for('llm-ledger.error-kind');

type ErrorClass = abstract new (...args: never[]) => Error;

function kindOf(value: unknown): string | undefined {
  if (typeof value !== 'function' || !Object.hasOwn(value, ERROR_KIND)) return undefined;
  return (value as unknown as Record<symbol, string>)[ERROR_KIND];
}

/**
 * Whether `value` is an instance of `errorClass` from any copy of llm-ledger: marker-based, so it
 * works where `instanceof` does not (two copies of the package in one process).
 */
export function isErrorInstance<C extends ErrorClass>(errorClass: C, value: unknown): value is InstanceType<C> {
  if (typeof value !== 'object' || value === null) return false;
  const kind = kindOf(errorClass);
  if (kind === undefined) return value instanceof errorClass;
  for (let proto: unknown = Object.getPrototypeOf(value); proto; proto = Object.getPrototypeOf(proto)) {
    if (kindOf((proto as { constructor?: unknown }).constructor) === kind) return true;
  }
  return false;
}

/** Names an error class for `isInstance`; `llm-ledger/<ClassName>`, the same in every copy. */
export function errorKind(name: string): string {
  return `llm-ledger/${name}`;
}

export class LedgerError extends Error {
  static readonly [ERROR_KIND]: string = errorKind('LedgerError');

  /**
   * Whether `value` is an instance of this class (or a subclass), also when it was thrown by
   * another copy of llm-ledger in the same process, where `instanceof` is false. The way to check
   * an error: `if (QuotaExceededError.isInstance(error)) ...`.
   */
  static isInstance<C extends ErrorClass>(this: C, value: unknown): value is InstanceType<C> {
    return isErrorInstance(this, value);
  }

  readonly code: LedgerErrorCode;
  readonly [LEDGER_ERROR_MARKER] = true;

  constructor(message: string, options: { code?: LedgerErrorCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LedgerError';
    this.code = options.code ?? 'LEDGER_ERROR';
  }
}

export function isLedgerError(value: unknown): value is LedgerError {
  return typeof value === 'object' && value !== null && LEDGER_ERROR_MARKER in value;
}

/** A configuration file, environment variable or option is invalid. */
export class ConfigError extends LedgerError {
  static override readonly [ERROR_KIND]: string = errorKind('ConfigError');

  /** Where the bad value came from: a file path, `env`, or `options`. */
  readonly source: string;
  /** Key path inside the source, such as `settings.usage_logging.fail_open`. */
  readonly path: string;
  /** What a valid value looks like. */
  readonly expected: string;

  constructor(args: { source: string; path: string; expected: string; received?: string; cause?: unknown }) {
    const received = args.received === undefined ? '' : `, received ${args.received}`;
    super(
      `Invalid configuration in ${args.source} at "${args.path || '(root)'}": expected ${args.expected}${received}`,
      {
        code: 'CONFIG_ERROR',
        cause: args.cause,
      },
    );
    this.name = 'ConfigError';
    this.source = args.source;
    this.path = args.path;
    this.expected = args.expected;
  }
}

/** A value passed to the ledger (token counts, record fields) is not acceptable. */
export class ValidationError extends LedgerError {
  static override readonly [ERROR_KIND]: string = errorKind('ValidationError');

  readonly field: string;

  constructor(field: string, message: string) {
    super(`Invalid ${field}: ${message}`, { code: 'VALIDATION_ERROR' });
    this.name = 'ValidationError';
    this.field = field;
  }
}

/** `complete`, `fail` or `cancel` was called on a call that already has its record. */
export class CallAlreadyFinalizedError extends LedgerError {
  static override readonly [ERROR_KIND]: string = errorKind('CallAlreadyFinalizedError');

  readonly callId: string;
  readonly status: string;

  constructor(callId: string, status: string) {
    super(
      `Call ${callId} was already finalized with status "${status}"; each call produces exactly one record. ` +
        'Call complete(), fail() or cancel() once.',
      { code: 'CALL_ALREADY_FINALIZED' },
    );
    this.name = 'CallAlreadyFinalizedError';
    this.callId = callId;
    this.status = status;
  }
}

/** The store could not read or write. `retryable` says whether trying again may help. */
export class StoreError extends LedgerError {
  static override readonly [ERROR_KIND]: string = errorKind('StoreError');

  readonly retryable: boolean;

  constructor(message: string, options: { retryable: boolean; cause?: unknown; code?: 'STORE_READ_ONLY' }) {
    super(message, { code: options.code ?? 'STORE_ERROR', cause: options.cause });
    this.name = 'StoreError';
    this.retryable = options.retryable;
  }
}

/**
 * The store can read its database but not write it (a read-only file, directory or connection).
 * Thrown when the store opens, so the application learns it at start instead of finding every
 * record set aside later.
 */
export class StoreReadOnlyError extends StoreError {
  static override readonly [ERROR_KIND]: string = errorKind('StoreReadOnlyError');

  /** The database file, or the connection's name. */
  readonly location: string;

  constructor(location: string, reason: string, cause?: unknown) {
    super(
      `The ledger database ${location} is read-only (${reason}); make the file and its directory writable by this process (SQLite also creates ${location}-wal and -shm beside it), or point the ledger at another path`,
      { retryable: false, cause, code: 'STORE_READ_ONLY' },
    );
    this.name = 'StoreReadOnlyError';
    this.location = location;
  }
}

/** The ledger was closed; it accepts no more calls. */
export class LedgerClosedError extends LedgerError {
  static override readonly [ERROR_KIND]: string = errorKind('LedgerClosedError');

  constructor() {
    super('The ledger is closed; create a new one with createLedger()', { code: 'LEDGER_CLOSED' });
    this.name = 'LedgerClosedError';
  }
}

/** A price data file (genai-prices' data format, from a URL or a file) is missing, unreadable or invalid. */
export class PriceDataError extends LedgerError {
  static override readonly [ERROR_KIND]: string = errorKind('PriceDataError');

  /** The URL or path the data came from. */
  readonly source: string;
  /** JSON path of the first problem inside the data, such as `[0].models[3].prices.input_mtok`; empty for the whole file. */
  readonly path: string;
  readonly problem: string;

  constructor(args: { source: string; path: string; problem: string; cause?: unknown }) {
    super(
      `Invalid price data from ${args.source}${args.path ? ` at ${args.path}` : ''}: ${args.problem}. ` +
        'Nothing of it was applied; the current prices stay in use.',
      { code: 'PRICE_DATA_ERROR', cause: args.cause },
    );
    this.name = 'PriceDataError';
    this.source = args.source;
    this.path = args.path;
    this.problem = args.problem;
  }
}
