import { ConfigError } from '../core/errors.js';
import { unknownKeyMessage } from '../core/key-suggestions.js';

/**
 * The option objects of the integrations (LangChain's handler, the AI SDK middlewares) are checked
 * when they are built, like createLedger's: an unknown key (`user_id`, `calltype`) or a value of
 * the wrong type is a ConfigError naming the option, with a did-you-mean, never a setting that is
 * silently not applied to every record after it.
 */

type OptionCheck = readonly [accepts: (value: unknown) => boolean, expected: string];

const isString = (value: unknown) => typeof value === 'string';
const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

export const STRING: OptionCheck = [isString, 'a string'];
export const BOOLEAN: OptionCheck = [(value) => typeof value === 'boolean', 'true or false'];
export const NON_EMPTY_STRING: OptionCheck = [
  (value) => isString(value) && (value as string).trim() !== '',
  'a non-empty string',
];
export const STRING_LIST: OptionCheck = [(value) => Array.isArray(value) && value.every(isString), 'a list of strings'];
export const PLAIN_OBJECT: OptionCheck = [isObject, 'an object'];
export const REQUEST_MODE: OptionCheck = [
  (value) => value === 'sync' || value === 'streaming',
  '"sync" or "streaming"',
];
export const DURATION_MS: OptionCheck = [
  (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0,
  'a duration in milliseconds, 0 or more (0 turns it off)',
];
/** A Ledger (or the structural part an integration uses): an object with `start()`. */
export const LEDGER: OptionCheck = [
  (value) => isObject(value) && typeof (value as { start?: unknown }).start === 'function',
  'a ledger from createLedger()',
];

/** Attribution every integration applies to its records. */
export const ATTRIBUTION_CHECKS: Readonly<Record<string, OptionCheck>> = {
  callType: NON_EMPTY_STRING,
  userId: STRING,
  sessionId: STRING,
  tenantId: STRING,
  tags: STRING_LIST,
  metadata: PLAIN_OBJECT,
};

/**
 * Throws ConfigError (source `source`, such as `ledgerMiddleware() options`) for a value that is not
 * an options object, an unknown key or a wrong type. `undefined` values count as absent.
 */
export function checkIntegrationOptions(
  options: unknown,
  checks: Readonly<Record<string, OptionCheck>>,
  source: string,
): void {
  if (options === undefined) return;
  if (!isObject(options)) {
    throw new ConfigError({
      source,
      path: '',
      expected: 'an options object (or nothing)',
      received: describe(options),
    });
  }
  const known = Object.keys(checks);
  for (const [key, value] of Object.entries(options as Record<string, unknown>)) {
    if (value === undefined) continue;
    const check = Object.prototype.hasOwnProperty.call(checks, key) ? checks[key] : undefined;
    if (check === undefined) {
      throw new ConfigError({ source, path: key, expected: `no ${unknownKeyMessage(key, known, 'option')}` });
    }
    if (!check[0](value)) throw new ConfigError({ source, path: key, expected: check[1], received: describe(value) });
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
