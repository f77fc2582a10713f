import type { Clock, Pricer } from './core/call.js';
import type { LedgerHandler } from './core/handlers.js';
import type { Pingable } from './core/health.js';
import type { Ledger, LedgerSettings } from './core/ledger.js';
import type { LedgerLogger } from './core/logger.js';
import type { Problem } from './core/problem-reporter.js';
import type { Durability } from './core/spool.js';
import type { Store } from './core/store.js';
import type { LoadedConfig } from './config/load.js';
import type { BatchOptions, BatchResult } from './meters/batch/run-batch.js';
import type { Meter } from './meters/meter.js';
import type { ResponseCache } from './cache/response-cache.js';
import type { CacheOptions } from './open-cache.js';
import type { TokenEstimationOptions } from './tokens/call-token-estimator.js';
import type { PerformanceMonitorOptions } from './observe/monitor/performance-monitor.js';

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
  /** Environment to read (`LLM_USAGE_LOGGING_ENABLED`, `LLM_USAGE_FAIL_OPEN`, `LLM_LEDGER_DB`, `TOKEN_ESTIMATION_RATIO`). Default `process.env`. */
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
  /**
   * How calls without provider usage are counted: per-family ratios of the o200k_base approximation
   * (`{ ratios: { anthropic: 1.16, gemini: 1.04, other: 1 } }`) or characters per token. Default:
   * the measured ratios; `TOKEN_ESTIMATION_RATIO` in the environment sets characters per token.
   */
  tokenEstimation?: Omit<TokenEstimationOptions, 'env'>;
  /** Adds a performance monitor as `ledger.monitor`: rolling latency, error-rate and cost alerts. */
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
  /**
   * Spool directory: records kept on disk while the store is down. A directory named here is this
   * ledger's alone (another process or ledger on it is a SpoolInUseError). Unset: one per process
   * under `.llm-ledger/spool` (`spool`, `spool-1`, ...), for PostgreSQL stores and `sync` durability;
   * `false` for none.
   */
  spool?: string | false;
  /**
   * Directory of the dead-letter files: records still pending at `close()` that the store (disk
   * full, locked, read-only) and the spool could not take, and records refused for good when
   * there is no spool. Default: `dead-letters` beside the spool directory (`.llm-ledger/dead-letters`);
   * `false` for none (such records are reported and lost). `llm-ledger replay` writes them back.
   */
  deadLetters?: string | false;
  /** `batched` (default) or `sync`: each record is fsynced to the spool before complete() returns. */
  durability?: Durability;
  /** Flush on SIGTERM, SIGINT and beforeExit. Default true; embedding apps that manage shutdown turn it off. */
  shutdownHooks?: boolean;
  /**
   * `false`: do not run `pricing.update` (reloading price data on an interval) even when
   * `llm_config.yaml` configures it; the CLI's short-lived ledgers use the data applied at start.
   */
  priceUpdates?: boolean;
  /**
   * The response cache: `true` (in memory) or its options. Identical requests (same provider,
   * model, messages, tools, response format and sampling parameters) are answered from it without
   * contacting the provider, and recorded with `cacheHit: true`, cost '0' and `costSaved`.
   */
  cache?: boolean | CacheOptions;
}

/** A ledger from createLedger(): the core Ledger plus the meter, its limits and the batch runner. */
export interface CreatedLedger extends Ledger {
  /** Counters per subject and period; undefined when no meter is configured. */
  readonly meter: Meter | undefined;
  readonly limits: Meter['limits'] | undefined;
  /** The response cache (`cache` option): its stats and `clear()`; undefined when off. */
  readonly cache: ResponseCache | undefined;
  /** A batch runner: bounded concurrency, per-item errors captured, a summary. */
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
