import { dirname, join, resolve } from 'node:path';
import { trackModelLoad } from './capture/track-model-load.js';
import { wrapClient } from './capture/wrap-client.js';
import { ConfigError } from './core/errors.js';
import { Ledger } from './core/ledger.js';
import { consoleLogger, type LedgerLogger } from './core/logger.js';
import { DeadLetterDirectory } from './delivery/dead-letter-file.js';
import { FileSpool } from './delivery/file-spool.js';
import { DEFAULT_SPOOL_DIRECTORY, hasLeftoverSpool, openProcessSpool } from './delivery/process-spool.js';
import { installShutdownHooks } from './delivery/shutdown-hooks.js';
import type { Spool } from './core/spool.js';
import type { CreateLedgerOptions, CreatedLedger, ResolvedLedgerConfig } from './ledger-options.js';
import { runBatch, type BatchOptions } from './meters/batch/run-batch.js';
import { createMeterGate } from './meters/gate/meter-gate.js';
import { PerformanceMonitor, type PerformanceMonitorOptions } from './observe/monitor/performance-monitor.js';
import { openCache } from './open-cache.js';
import { openMeter } from './open-meter.js';
import { openStore } from './open-store.js';
import { pricerFromConfig, type ConfigPricer } from './price-data/config-pricer.js';
import { resolveLedgerConfig } from './resolve-config.js';
import { createCallTokenEstimator } from './tokens/call-token-estimator.js';

export { DEFAULT_DATABASE_PATH } from './ledger-options.js';
export type { CreateLedgerOptions, CreatedLedger, ResolvedLedgerConfig } from './ledger-options.js';
export { openStore } from './open-store.js';
export { resolveLedgerConfig } from './resolve-config.js';

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
export function createLedger(input: CreateLedgerOptions = {}): CreatedLedger {
  const resolved = resolveLedgerConfig(input);
  // Checked by resolveLedgerConfig: a plain object (null and non-objects throw ConfigError).
  const options: CreateLedgerOptions = input ?? {};
  const logger = options.logger ?? consoleLogger;
  const cwd = options.cwd ?? process.cwd();
  // Built before the store opens, so a price configuration error (a missing FX rate) fails first.
  const prices =
    options.pricer === false || options.pricer !== undefined
      ? undefined
      : defaultPricer(resolved, logger, cwd, options.onError, options.priceUpdates !== false);
  const pricer = options.pricer === false ? undefined : (options.pricer ?? prices?.pricer);
  const env = options.env ?? process.env;
  // Built now, so a bad ratio or TOKEN_ESTIMATION_RATIO is a ConfigError here, not a lost count later.
  const tokenEstimator = createCallTokenEstimator({ ...options.tokenEstimation, env });
  // Opened (and its options checked) before the store and meter; it reports to the ledger built below.
  const built: { ledger?: Ledger } = {};
  const cache = openCache(options.cache, resolved.storeLocation, cwd, () => {
    const target = built.ledger;
    return target && { emit: (event) => target.emit(event), report: (problem) => target.reportProblem(problem) };
  });
  const meter = openMeter(options, resolved, logger, pricer, env, cwd);
  const store =
    typeof options.store === 'object' && options.store !== null
      ? options.store
      : openStore(resolved.storeLocation, cwd, { maxFieldChars: resolved.settings.maxFieldChars });
  const spool = openSpool(options, store.kind, cwd);
  const deadLetterFile = openDeadLetters(options, cwd);
  const monitor = options.monitor
    ? new PerformanceMonitor({
        currency: resolved.settings.baseCurrency,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.monitor === true ? {} : options.monitor),
      })
    : undefined;
  let unregisterShutdownHooks: (() => void) | undefined;
  const ledger = new Ledger({
    settings: resolved.settings,
    store,
    handlers: monitor ? [monitor, ...(options.handlers ?? [])] : options.handlers,
    logger,
    onError: options.onError,
    pricer,
    tokenEstimator,
    clock: options.clock,
    meter: options.meterPing ?? (meter ? { ping: () => meter.get('health:probe', 'day') } : undefined),
    wrapClient,
    spool,
    deadLetterFile,
    durability: options.durability,
    gate: meter ? createMeterGate(meter) : undefined,
    onClose: async () => {
      unregisterShutdownHooks?.();
      prices?.updater?.stop();
      await meter?.close();
      await cache?.close();
    },
  });
  built.ledger = ledger;
  if (monitor) Object.defineProperty(ledger, 'monitor', { value: monitor, enumerable: true });
  // Before any wrap: capture reads it from the ledger.
  Object.defineProperty(ledger, 'cache', { value: cache, enumerable: true });
  if (options.streamProgress !== false) {
    Object.defineProperty(ledger, 'streamProgress', { value: Object.freeze({ ...options.streamProgress }) });
  }
  const created = Object.assign(ledger as Ledger & { readonly cache: typeof cache }, {
    meter,
    limits: meter?.limits,
    trackModelLoad: <T>(model: string, load: () => T | Promise<T>, fields?: Record<string, unknown>) =>
      trackModelLoad(ledger, model, load, fields),
    batch: <I, T>(items: readonly I[], fn: (item: I, index: number) => Promise<T>, batchOptions?: BatchOptions) =>
      runBatch(ledger, items, fn, batchOptions),
  });
  if (options.shutdownHooks !== false) {
    // Without a spool of its own, a ledger saving records at 'exit' opens one under the default
    // directory; the next ledger in this directory finds it and replays it (see openSpool).
    const exitSpool = () =>
      options.spool === false || store.kind === 'memory'
        ? undefined
        : openProcessSpool(resolve(cwd, DEFAULT_SPOOL_DIRECTORY));
    unregisterShutdownHooks = installShutdownHooks({
      close: () => ledger.close(),
      spoolPendingNow: () => ledger.spoolPendingNow(exitSpool),
    });
  }
  return created;
}

/**
 * The dead-letter directory: `deadLetters`, else `dead-letters` beside the spool directory (the
 * named `spool`, else .llm-ledger/spool), so one place holds everything awaiting a replay.
 */
function openDeadLetters(options: CreateLedgerOptions, cwd: string): DeadLetterDirectory | undefined {
  const chosen = deadLetterOption(options.deadLetters);
  if (chosen === false) return undefined;
  if (chosen !== undefined) return new DeadLetterDirectory(resolve(cwd, chosen));
  const spool = typeof options.spool === 'string' && options.spool !== '' ? options.spool : DEFAULT_SPOOL_DIRECTORY;
  return new DeadLetterDirectory(join(dirname(resolve(cwd, spool)), 'dead-letters'));
}

/**
 * A named `spool` directory is this ledger's alone (a conflict is a SpoolInUseError). Otherwise
 * the spool is one per process under .llm-ledger/spool, opened for PostgreSQL, for `sync`
 * durability, and whenever records left there by an earlier process wait to be replayed.
 */
function openSpool(options: CreateLedgerOptions, storeKind: string, cwd: string): Spool | undefined {
  if (options.spool === false) return undefined;
  if (typeof options.spool === 'string' && options.spool !== '') {
    return new FileSpool({ directory: resolve(cwd, options.spool) });
  }
  const base = resolve(cwd, DEFAULT_SPOOL_DIRECTORY);
  const wanted =
    options.spool !== undefined ||
    options.durability === 'sync' ||
    storeKind === 'postgres' ||
    (storeKind !== 'memory' && hasLeftoverSpool(base));
  return wanted ? openProcessSpool(base) : undefined;
}

function deadLetterOption(value: unknown): string | false | undefined {
  if (value === undefined || value === false || (typeof value === 'string' && value.trim() !== '')) return value;
  throw new ConfigError({
    source: 'options',
    path: 'deadLetters',
    expected: 'a directory path, or false for no dead-letter file',
    received: JSON.stringify(value) ?? String(value),
  });
}

function defaultPricer(
  resolved: ResolvedLedgerConfig,
  logger: LedgerLogger,
  cwd: string,
  onError: CreateLedgerOptions['onError'],
  withUpdates: boolean,
): ConfigPricer {
  return pricerFromConfig(resolved, {
    cwd,
    logger,
    onError,
    withUpdates,
    extra: {
      onUnpricedModel: ({ provider, model, reason }) =>
        logger.warn(
          { provider, model, reason },
          `no price for ${provider}/${model}: its calls are recorded as unpriced (cost null, not 0)`,
        ),
    },
  });
}
