import { z } from 'zod';
import { ConfigError } from '../core/errors.js';

/**
 * Every environment variable the library reads, with its contract. A value that does not fit is
 * a ConfigError naming the variable and what it takes, never a silent fallback to the default.
 * Unset or blank means "not set".
 */
type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'silent'] as const;

const booleanWords = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.enum(['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off']))
  .transform((value) => ['1', 'true', 'yes', 'on'].includes(value));

const integer = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));

const milliseconds = z
  .string()
  .trim()
  .regex(/^\d+(?:\.\d+)?$/)
  .transform(Number)
  .pipe(z.number().finite().nonnegative());

/** `memory`, `sqlite`, `sqlite:PATH`, a file path, or a parseable `redis://` / `rediss://` URL. */
const meterLocation = z
  .string()
  .trim()
  .refine((value) => {
    if (!/^rediss?:\/\//i.test(value)) return !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^(sqlite|file):/i.test(value);
    try {
      const url = new URL(value);
      const db = url.pathname.replace(/^\//, '');
      return url.hostname !== '' && (db === '' || /^\d+$/.test(db));
    } catch {
      return false;
    }
  });

export const ENV_VARIABLES = {
  LLM_LEDGER_CONFIG: [z.string(), 'a path to a YAML file'],
  LLM_LEDGER_DB: [z.string(), 'memory, a SQLite path, sqlite:PATH or postgres://...'],
  LLM_USAGE_LOGGING_ENABLED: [booleanWords, 'true or false'],
  LLM_USAGE_FAIL_OPEN: [booleanWords, 'true or false'],
  LLM_LEDGER_METER: [
    meterLocation,
    'memory, sqlite, sqlite:PATH, or a valid redis://[:password@]host[:port][/db] URL (port 1-65535, db an integer)',
  ],
  REDIS_HOST: [
    z
      .string()
      .trim()
      .regex(/^[^\s/@]+$/),
    'a host name or address (no scheme, no spaces)',
  ],
  REDIS_PORT: [integer(1, 65_535), 'an integer from 1 to 65535'],
  REDIS_DB: [integer(0, 1_000_000), 'a database number: an integer from 0 (Redis has 0-15 by default)'],
  REDIS_PASSWORD: [z.string(), 'a password'],
  LOG_LEVEL: [
    z
      .string()
      .trim()
      .transform((value) => value.toLowerCase())
      .pipe(z.enum(LOG_LEVELS))
      .transform((value) => (value === 'warning' ? 'warn' : value)),
    `one of ${LOG_LEVELS.join(', ')}`,
  ],
  LOG_FORMAT: [
    z
      .string()
      .trim()
      .transform((value) => value.toLowerCase())
      .pipe(z.enum(['json', 'pretty'])),
    'json or pretty',
  ],
  PERFORMANCE_LOG_THRESHOLD: [milliseconds, 'a number of milliseconds such as 1000'],
  ENABLE_PERFORMANCE_MONITORING: [booleanWords, 'true or false'],
  CALLBACK_RETRY_ATTEMPTS: [integer(0, 100), 'an integer from 0 to 100 (retries after the first try)'],
  CALLBACK_RETRY_DELAY: [milliseconds, 'a number of milliseconds such as 100'],
} as const satisfies Record<string, readonly [z.ZodType, string]>;

export type EnvVariable = keyof typeof ENV_VARIABLES;
export type EnvValue<N extends EnvVariable> = z.output<(typeof ENV_VARIABLES)[N][0]>;

/** The variable's parsed value, undefined when unset or blank; ConfigError when invalid. */
export function readEnv<N extends EnvVariable>(env: Env, name: N): EnvValue<N> | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const [schema, expected] = ENV_VARIABLES[name];
  const parsed = (schema as z.ZodType).safeParse(raw);
  if (!parsed.success) {
    const shown = name === 'REDIS_PASSWORD' || name === 'LLM_LEDGER_METER' ? redactForMessage(raw) : raw;
    throw new ConfigError({
      source: 'environment',
      path: name,
      expected,
      received: JSON.stringify(shown.length > 80 ? `${shown.slice(0, 80)}…` : shown),
    });
  }
  return parsed.data as EnvValue<N>;
}

/** Credentials in a URL are never echoed: `redis://:secret@host` -> `redis://***@host`. */
function redactForMessage(value: string): string {
  return value.replace(/\/\/[^@/]*@/, '//***@');
}
