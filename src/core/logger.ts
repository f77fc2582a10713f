import { redactSecrets } from './secret-redaction.js';
import { printable } from './terminal-text.js';

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

/**
 * Writes warnings and errors to stderr as one line each; debug and info are dropped. Messages
 * carry content (model names, provider error text): secrets are redacted and control characters
 * shown as visible escapes, so that a line can neither clear the screen nor forge another line.
 */
export const consoleLogger: LedgerLogger = {
  debug() {},
  info() {},
  warn(object, message) {
    process.stderr.write(logLine('warn', message, object));
  },
  error(object, message) {
    process.stderr.write(logLine('error', message, object));
  },
};

/** One terminal-safe, redacted log line: `[llm-ledger] LEVEL: message {details}\n`. */
export function logLine(level: string, message: string, object: Record<string, unknown>): string {
  const details = safeDetails(object);
  const text = details === '{}' ? String(message) : `${String(message)} ${details}`;
  return `[llm-ledger] ${level}: ${printable(redactSecrets(text))}\n`;
}

export const silentLogger: LedgerLogger = { debug() {}, info() {}, warn() {}, error() {} };

function safeDetails(object: Record<string, unknown>): string {
  try {
    return JSON.stringify(object, (_key, value: unknown) =>
      value instanceof Error
        ? { name: value.name, message: redactSecrets(value.message) }
        : typeof value === 'bigint'
          ? String(value)
          : typeof value === 'string'
            ? redactSecrets(value)
            : value,
    );
  } catch {
    return '{}';
  }
}
