import { resolve } from 'node:path';
import { wrapClient } from './capture/wrap-client.js';
import type { Pricer } from './core/call.js';
import { Ledger } from './core/ledger.js';
import { consoleLogger, type LedgerLogger } from './core/logger.js';
import { FileSpool } from './delivery/file-spool.js';
import { DEFAULT_SPOOL_DIRECTORY, hasLeftoverSpool, openProcessSpool } from './delivery/process-spool.js';
import { installShutdownHooks } from './delivery/shutdown-hooks.js';
import type { Spool } from './core/spool.js';
import type { CreateLedgerOptions, CreatedLedger, ResolvedLedgerConfig } from './ledger-options.js';
import { runBatch, type BatchOptions } from './meters/batch/run-batch.js';
import { createMeterGate } from './meters/meter-gate.js';
import { PerformanceMonitor, type PerformanceMonitorOptions } from './observe/monitor/performance-monitor.js';
import { openMeter } from './open-meter.js';
import { openStore } from './open-store.js';
import { createPricer } from './pricing/create-pricer.js';
import { pricerOptionsFromConfig } from './pricing/pricer-config.js';
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
  // Built before the store opens, so a price configuration error (a missing FX rate) fails first.
  const pricer = options.pricer === false ? undefined : (options.pricer ?? defaultPricer(resolved, logger));
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  // Built now, so a bad ratio or TOKEN_ESTIMATION_RATIO is a ConfigError here, not a lost count later.
  const tokenEstimator = createCallTokenEstimator({ ...options.tokenEstimation, env });
  const meter = openMeter(options, resolved, logger, pricer, env, cwd);
  const store =
    typeof options.store === 'object' && options.store !== null
      ? options.store
      : openStore(resolved.storeLocation, cwd, { maxFieldChars: resolved.settings.maxFieldChars });
  const spool = openSpool(options, store.kind, cwd);
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
    durability: options.durability,
    gate: meter ? createMeterGate(meter) : undefined,
    onClose: async () => {
      unregisterShutdownHooks?.();
      await meter?.close();
    },
  });
  if (monitor) Object.defineProperty(ledger, 'monitor', { value: monitor, enumerable: true });
  const created = Object.assign(ledger, {
    meter,
    limits: meter?.limits,
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
