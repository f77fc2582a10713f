import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Clock, Pricer } from './core/call.js';
import { ConfigError } from './core/errors.js';
import type { LedgerHandler } from './core/handlers.js';
import { DEFAULT_SETTINGS, Ledger, type LedgerSettings } from './core/ledger.js';
import { consoleLogger, type LedgerLogger } from './core/logger.js';
import type { Problem } from './core/problem-reporter.js';
import type { Store } from './core/store.js';
import { envBoolean, loadConfigFile, type LoadedConfig } from './config/load.js';
import { createPricer } from './pricing/create-pricer.js';
import { pricerOptionsFromConfig } from './pricing/pricer-config.js';
import { wrapClient } from './capture/wrap-client.js';
import type { Pingable } from './core/health.js';
import type { Durability } from './core/spool.js';
import { FileSpool } from './delivery/file-spool.js';
import { installShutdownHooks } from './delivery/shutdown-hooks.js';
import { runBatch, type BatchOptions, type BatchResult } from './meters/batch/run-batch.js';
import { createMeter } from './meters/create-meter.js';
import type { CostCalculator } from './meters/limits/call-estimate.js';
import { limitsFromConfig } from './meters/limits/limits-config.js';
import type { Meter } from './meters/meter.js';
import { createMeterGate } from './meters/meter-gate.js';
import { meterOptionsFromConfig } from './meters/meter-config.js';
import { meterLocationFromEnv } from './meters/redis/open-redis.js';
import { PostgresStore } from './stores/postgres/postgres-store.js';
import { PerformanceMonitor, type PerformanceMonitorOptions } from './observe/monitor/performance-monitor.js';
import { MemoryStore } from './stores/memory.js';
import { SqliteStore } from './stores/sqlite/sqlite-store.js';

export const DEFAULT_DATABASE_PATH = '.llm-ledger/ledger.db';

export interface CreateLedgerOptions extends Partial<LedgerSettings> {
  /**
   * A Store instance, or where to keep records: `memory`, a SQLite file path, `sqlite:PATH` or
   * `:memory:`. Default: `LLM_LEDGER_DB`, then `settings.ledger.store` in the config file, then
   * `./.llm-ledger/ledger.db`.
   */
  store?: Store | string;
  /** Path of `llm_config.yaml`; `false` reads no file. Default: `LLM_LEDGER_CONFIG`, then `./llm_config.yaml` if present. */
  configFile?: string | false;
  /** Environment to read (`LLM_USAGE_LOGGING_ENABLED`, `LLM_USAGE_FAIL_OPEN`, `LLM_LEDGER_DB`). Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Base directory for relative paths. Default `process.cwd()`. */
  cwd?: string;
  handlers?: readonly LedgerHandler[];
  logger?: LedgerLogger;
  onError?: (problem: Problem) => void;
  /**
   * Prices each call. Default: the built-in catalog plus `llm_config.yaml` prices; `false`
   * records no cost at all.
   */
  pricer?: Pricer | false;
  clock?: Clock;
  /** Adds seed 003's performance monitor as `ledger.monitor`: rolling latency, error-rate and cost alerts. */
  monitor?: boolean | PerformanceMonitorOptions;
  /**
   * Counters, budgets and rate limits: a Meter, or where counters live (`memory`, `sqlite` for the
   * ledger's own file, `sqlite:PATH`, `redis://host:port/db`); `false` for none. Default:
   * `LLM_LEDGER_METER`, then `REDIS_HOST`/`REDIS_PORT`/`REDIS_PASSWORD`/`REDIS_DB`, then
   * `settings.meter.backend`; with a `limits:` section and none of those, the ledger's SQLite file.
   */
  meter?: Meter | string | false;
  /** The meter's connection check for `ledger.health()`. Default: a read from the meter's backend. */
  meterPing?: Pingable;
  /** Spool directory: records kept on disk while the store is down. Default `.llm-ledger/spool` for PostgreSQL stores; `false` for none. */
  spool?: string | false;
  /** `batched` (default) or `sync`: each record is fsynced to the spool before complete() returns. */
  durability?: Durability;
  /** Flush on SIGTERM, SIGINT and beforeExit. Default true; embedding apps that manage shutdown turn it off. */
  shutdownHooks?: boolean;
}

/** A ledger from createLedger(): the core Ledger plus the meter, its limits and the batch runner. */
export interface CreatedLedger extends Ledger {
  /** Counters per subject and period; undefined when no meter is configured. */
  readonly meter: Meter | undefined;
  readonly limits: Meter['limits'] | undefined;
  /** Seed 003's batch runner: bounded concurrency, per-item errors captured, a summary. */
  batch<I, T>(
    items: readonly I[],
    fn: (item: I, index: number) => Promise<T>,
    options?: BatchOptions,
  ): Promise<BatchResult<I, T>>;
}

export interface ResolvedLedgerConfig {
  settings: LedgerSettings;
  /** The store location when given as a string. */
  storeLocation: string;
  config: LoadedConfig;
}

/**
 * Merges, in rising order of precedence: defaults, `llm_config.yaml`, environment, options.
 * Throws ConfigError naming the file or variable and the key when anything is invalid.
 */
export function resolveLedgerConfig(options: CreateLedgerOptions = {}): ResolvedLedgerConfig {
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
  // Only known settings are taken: a misspelt option (`failopen`) is an error, not silently ignored.
  for (const [key, value] of Object.entries(options)) {
    if (OTHER_OPTION_KEYS.includes(key)) continue;
    direct[key] = value;
    if (value !== undefined && !SETTING_KEYS.has(key)) {
      throw new ConfigError({
        source: 'options',
        path: key,
        expected: `a known option (${[...SETTING_KEYS, ...OTHER_OPTION_KEYS].join(', ')})`,
        received: 'an unknown option',
      });
    }
  }
  assign(settings, direct);
  validateSettings(settings);
  const storeLocation =
    (typeof options.store === 'string' ? options.store : undefined) ??
    nonBlank(env.LLM_LEDGER_DB) ??
    own.store ??
    DEFAULT_DATABASE_PATH;
  return { settings, storeLocation, config };
}

/**
 * Creates a ledger. With no options it records into `./.llm-ledger/ledger.db` (SQLite).
 *
 * @example
 * import { createLedger } from 'llm-ledger';
 * const ledger = createLedger({ store: 'memory' });
 * await ledger.logCall({ provider: 'openai', model: 'gpt-4o-mini', messages }, async (call) => {
 *   call.complete({ responseMessage: 'Hi!', tokens: { input: 12, output: 3 } });
 * });
 * await ledger.close();
 */
export function createLedger(
  options: CreateLedgerOptions & { monitor: true | PerformanceMonitorOptions },
): CreatedLedger & { readonly monitor: PerformanceMonitor };
export function createLedger(options?: CreateLedgerOptions): CreatedLedger;
export function createLedger(options: CreateLedgerOptions = {}): CreatedLedger {
  const resolved = resolveLedgerConfig(options);
  const logger = options.logger ?? consoleLogger;
  // Built before the store opens, so a price configuration error (a missing FX rate) fails first.
  const pricer = options.pricer === false ? undefined : (options.pricer ?? defaultPricer(resolved, logger));
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const meter = openMeter(options, resolved, logger, pricer, env, cwd);
  const store =
    typeof options.store === 'object' && options.store !== null
      ? options.store
      : openStore(resolved.storeLocation, cwd, { maxFieldChars: resolved.settings.maxFieldChars });
  const wantsSpool =
    options.spool !== false &&
    (options.spool !== undefined || options.durability === 'sync' || store.kind === 'postgres');
  const spool = wantsSpool
    ? new FileSpool({ directory: resolve(cwd, options.spool || '.llm-ledger/spool') })
    : undefined;
  const monitor = options.monitor
    ? new PerformanceMonitor({
        currency: resolved.settings.baseCurrency,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.monitor === true ? {} : options.monitor),
      })
    : undefined;
  const ledger = new Ledger({
    settings: resolved.settings,
    store,
    handlers: monitor ? [monitor, ...(options.handlers ?? [])] : options.handlers,
    logger,
    onError: options.onError,
    pricer,
    clock: options.clock,
    meter: options.meterPing ?? (meter ? { ping: () => meter.get('health:probe', 'day') } : undefined),
    wrapClient,
    spool,
    durability: options.durability,
    gate: meter ? createMeterGate(meter) : undefined,
    onClose: meter ? () => meter.close() : undefined,
  });
  if (monitor) Object.defineProperty(ledger, 'monitor', { value: monitor, enumerable: true });
  const created = Object.assign(ledger, {
    meter,
    limits: meter?.limits,
    batch: <I, T>(items: readonly I[], fn: (item: I, index: number) => Promise<T>, batchOptions?: BatchOptions) =>
      runBatch(ledger, items, fn, batchOptions),
  });
  if (options.shutdownHooks !== false) {
    const unregister = installShutdownHooks(ledger);
    const close = ledger.close.bind(ledger);
    ledger.close = async () => {
      unregister();
      await close();
    };
  }
  return created;
}

function openMeter(
  options: CreateLedgerOptions,
  resolved: ResolvedLedgerConfig,
  logger: LedgerLogger,
  pricer: Pricer | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
): Meter | undefined {
  if (options.meter === false) return undefined;
  if (typeof options.meter === 'object' && options.meter !== null) return options.meter;
  const source = resolved.config.path ?? 'llm_config.yaml';
  const limits = limitsFromConfig(resolved.config.file.limits, source);
  const ledgerDatabase = sqlitePathOf(resolved.storeLocation, cwd);
  const fromConfig = meterOptionsFromConfig(resolved.config.file.settings?.meter, source, ledgerDatabase);
  const hasLimits = limits.budgets.length > 0 || limits.rates.length > 0;
  let location: string | undefined = options.meter ?? meterLocationFromEnv(env);
  if (location === undefined && fromConfig.backend === undefined) {
    if (!hasLimits) return undefined;
    location = ledgerDatabase ? 'sqlite' : 'memory';
  }
  const backend =
    location === undefined
      ? fromConfig.backend
      : location === 'sqlite' && ledgerDatabase
        ? `sqlite:${ledgerDatabase}`
        : location;
  return createMeter({
    ...fromConfig,
    backend,
    env,
    cwd,
    logger,
    clock: options.clock,
    cycleStartDate: limits.cycleStartDate,
    limits,
    currency: resolved.settings.baseCurrency,
    failOpen: fromConfig.failOpen ?? resolved.settings.failOpen,
    estimate: {
      pricer: pricer && 'calculate' in pricer ? (pricer as unknown as CostCalculator) : undefined,
      defaultMaxOutputTokens: limits.defaultMaxOutputTokens,
    },
  });
}

/** The ledger's SQLite file, when its store is one. */
function sqlitePathOf(location: string, cwd: string): string | undefined {
  if (location === 'memory' || /^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    return location.startsWith('sqlite:') || location.startsWith('file:')
      ? resolve(cwd, location.replace(/^(sqlite|file):(\/\/)?/, ''))
      : undefined;
  }
  const path = location.replace(/^(sqlite|file):(\/\/)?/, '');
  return path === ':memory:' ? undefined : resolve(cwd, path);
}

function defaultPricer(resolved: ResolvedLedgerConfig, logger: LedgerLogger): Pricer {
  return createPricer({
    ...pricerOptionsFromConfig(resolved.config.file, resolved.config.path ?? 'options'),
    baseCurrency: resolved.settings.baseCurrency,
    onUnpricedModel: ({ provider, model, reason }) =>
      logger.warn(
        { provider, model, reason },
        `no price for ${provider}/${model}: its calls are recorded as unpriced (cost null, not 0)`,
      ),
  });
}

/** Opens a store from its location string. */
export function openStore(
  location: string,
  cwd: string = process.cwd(),
  options: { maxFieldChars?: number } = {},
): Store {
  if (location === 'memory') return new MemoryStore();
  if (/^postgres(ql)?:\/\//i.test(location)) return new PostgresStore({ connectionString: location });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.startsWith('sqlite:') && !location.startsWith('file:')) {
    const scheme = location.slice(0, location.indexOf(':'));
    throw new ConfigError({
      source: 'store',
      path: 'store',
      expected: `"memory", a SQLite file path, "sqlite:PATH" or a Store instance or a postgres:// URL (the ${scheme} scheme is unknown)`,
      received: JSON.stringify(redactUrl(location)),
    });
  }
  const path = location.replace(/^(sqlite|file):(\/\/)?/, '');
  if (path === ':memory:') return new SqliteStore({ path, maxFieldChars: options.maxFieldChars });
  const absolute = resolve(cwd, path);
  mkdirSync(dirname(absolute), { recursive: true });
  return new SqliteStore({ path: absolute, maxFieldChars: options.maxFieldChars });
}

function redactUrl(location: string): string {
  return location.replace(/\/\/([^@/]*)@/, '//***@');
}

const SETTING_KEYS: ReadonlySet<string> = new Set(Object.keys(DEFAULT_SETTINGS));
const OTHER_OPTION_KEYS = [
  'store',
  'configFile',
  'env',
  'cwd',
  'handlers',
  'logger',
  'onError',
  'pricer',
  'clock',
  'monitor',
  'meter',
  'meterPing',
  'spool',
  'durability',
  'shutdownHooks',
];

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
      throw new ConfigError({ source: 'options', path: key, expected: 'a positive integer', received: String(value) });
    }
  }
  for (const key of ['enabled', 'failOpen'] as const) {
    if (typeof settings[key] !== 'boolean') {
      throw new ConfigError({ source: 'options', path: key, expected: 'a boolean', received: String(settings[key]) });
    }
  }
  const rounding = settings.roundingDecimals;
  if (typeof rounding !== 'number' || !Number.isInteger(rounding) || rounding < 0 || rounding > 30) {
    throw new ConfigError({
      source: 'options',
      path: 'roundingDecimals',
      expected: 'an integer from 0 to 30',
      received: String(rounding),
    });
  }
  if (typeof settings.baseCurrency !== 'string' || !/^[A-Z]{3}$/.test(settings.baseCurrency)) {
    throw new ConfigError({
      source: 'options',
      path: 'baseCurrency',
      expected: 'a three-letter ISO currency code such as USD',
      received: JSON.stringify(settings.baseCurrency),
    });
  }
}
