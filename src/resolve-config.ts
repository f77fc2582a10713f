import { ConfigError } from './core/errors.js';
import { DEFAULT_SETTINGS, type LedgerSettings } from './core/ledger.js';
import { envBoolean, loadConfigFile } from './config/load.js';
import { checkOptions, checkOptionsObject, describeValue, LEDGER_OPTION_SHAPES } from './config/options-schema.js';
import { DEFAULT_DATABASE_PATH, type CreateLedgerOptions, type ResolvedLedgerConfig } from './ledger-options.js';

/**
 * Merges, in rising order of precedence: defaults, `llm_config.yaml`, environment, options.
 * Throws ConfigError naming the file or variable and the key when anything is invalid.
 */
export function resolveLedgerConfig(input: CreateLedgerOptions = {}): ResolvedLedgerConfig {
  const options = checkOptionsObject(input, 'createLedger() options') as CreateLedgerOptions;
  // Only known settings are taken: a misspelt option (`failopen`) is an error, not silently ignored.
  checkOptions(options as Record<string, unknown>, LEDGER_OPTION_SHAPES, 'options', [...SETTING_KEYS]);
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const config = loadConfigFile(options.configFile, env, cwd);
  const usage = config.file.settings?.usage_logging ?? {};
  const own = config.file.settings?.ledger ?? {};
  const settings: LedgerSettings = { ...DEFAULT_SETTINGS };
  assign(settings, {
    enabled: usage.enabled,
    failOpen: usage.fail_open,
    baseCurrency: usage.base_currency,
    roundingDecimals: usage.default_rounding_decimals,
    maxFieldChars: own.max_field_chars,
    handlerTimeoutMs: own.handler_timeout_ms,
    batchSize: own.batch_size,
    flushIntervalMs: own.flush_interval_ms,
  });
  assign(settings, {
    enabled: envBoolean(env, 'LLM_USAGE_LOGGING_ENABLED'),
    failOpen: envBoolean(env, 'LLM_USAGE_FAIL_OPEN'),
  });
  const direct: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (SETTING_KEYS.has(key)) direct[key] = value;
  assign(settings, direct);
  validateSettings(settings);
  const storeLocation =
    (typeof options.store === 'string' ? options.store : undefined) ??
    nonBlank(env.LLM_LEDGER_DB) ??
    own.store ??
    DEFAULT_DATABASE_PATH;
  return { settings, storeLocation, config };
}

const SETTING_KEYS: ReadonlySet<string> = new Set(Object.keys(DEFAULT_SETTINGS));

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function assign(target: LedgerSettings, values: Partial<Record<keyof LedgerSettings, unknown>>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) (target as unknown as Record<string, unknown>)[key] = value;
  }
}

function validateSettings(settings: LedgerSettings): void {
  const positive: Array<keyof LedgerSettings> = [
    'maxFieldChars',
    'handlerTimeoutMs',
    'batchSize',
    'flushIntervalMs',
    'highWaterMark',
  ];
  for (const key of positive) {
    const value = settings[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new ConfigError({
        source: 'options',
        path: key,
        expected: 'a positive integer',
        received: describeValue(value),
      });
    }
  }
  for (const key of ['enabled', 'failOpen'] as const) {
    if (typeof settings[key] !== 'boolean') {
      throw new ConfigError({
        source: 'options',
        path: key,
        expected: 'a boolean',
        received: describeValue(settings[key]),
      });
    }
  }
  const rounding = settings.roundingDecimals;
  if (typeof rounding !== 'number' || !Number.isInteger(rounding) || rounding < 0 || rounding > 30) {
    throw new ConfigError({
      source: 'options',
      path: 'roundingDecimals',
      expected: 'an integer from 0 to 30',
      received: describeValue(rounding),
    });
  }
  if (typeof settings.baseCurrency !== 'string' || !/^[A-Z]{3}$/.test(settings.baseCurrency)) {
    throw new ConfigError({
      source: 'options',
      path: 'baseCurrency',
      expected: 'a three-letter ISO currency code such as USD',
      received: describeValue(settings.baseCurrency),
    });
  }
}
