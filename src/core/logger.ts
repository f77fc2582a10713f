/**
 * The ledger reports its own problems (a failing store, a throwing handler, sanitized input)
 * through this interface. It matches pino's `(object, message)` call shape, so a pino logger
 * can be passed as is.
 */
export interface LedgerLogger {
  debug(object: Record<string, unknown>, message: string): void;
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
  error(object: Record<string, unknown>, message: string): void;
}

/** Writes warnings and errors to stderr as one line each; debug and info are dropped. */
export const consoleLogger: LedgerLogger = {
  debug() {},
  info() {},
  warn(object, message) {
    process.stderr.write(`[llm-ledger] warn: ${message} ${safeDetails(object)}\n`);
  },
  error(object, message) {
    process.stderr.write(`[llm-ledger] error: ${message} ${safeDetails(object)}\n`);
  },
};

export const silentLogger: LedgerLogger = { debug() {}, info() {}, warn() {}, error() {} };

function safeDetails(object: Record<string, unknown>): string {
  try {
    return JSON.stringify(object, (_key, value: unknown) =>
      value instanceof Error
        ? { name: value.name, message: value.message }
        : typeof value === 'bigint'
          ? String(value)
          : value,
    );
  } catch {
    return '{}';
  }
}
