import { dirname } from 'node:path';
import type { LedgerLogger } from '../core/logger.js';
import type { Problem } from '../core/problem-reporter.js';
import type { ResolvedLedgerConfig } from '../ledger-options.js';
import type { Catalog } from '../pricing/catalog-types.js';
import { createPricer, type LedgerPricer, type PricerOptions } from '../pricing/create-pricer.js';
import { pricerOptionsFromConfig } from '../pricing/pricer-config.js';
import { swappablePricer } from '../pricing/swappable-pricer.js';
import { loadSavedCatalog, priceDataPath } from './price-data-file.js';
import { startPriceUpdates, type PriceUpdater } from './price-updater.js';

export interface ConfigPricer {
  pricer: LedgerPricer;
  /** Where applied price data is kept for this ledger (undefined: nowhere, the bundled data is used). */
  dataPath: string | undefined;
  /** Running when `pricing.update` is configured and `withUpdates` was asked for. */
  updater?: PriceUpdater;
}

/**
 * The pricer a ledger builds from its configuration: the applied price data when there is some
 * (`pricing.data_file`, else `genai-prices.json` beside the SQLite ledger), else the bundled data;
 * plus the user's prices and rules. With `withUpdates` and `pricing.update`, the data is reloaded
 * on an interval and the pricer swapped (see `startPriceUpdates`).
 */
export function pricerFromConfig(
  resolved: ResolvedLedgerConfig,
  context: {
    cwd: string;
    logger: LedgerLogger;
    onError?: (problem: Problem) => void;
    withUpdates?: boolean;
    extra?: Partial<PricerOptions>;
  },
): ConfigPricer {
  const { file, path } = resolved.config;
  const dataPath = priceDataPath({
    configured: file.pricing?.data_file,
    configPath: path,
    storeLocation: resolved.storeLocation,
    cwd: context.cwd,
  });
  const base: PricerOptions = {
    ...pricerOptionsFromConfig(file, path ?? 'options'),
    baseCurrency: resolved.settings.baseCurrency,
    ...context.extra,
  };
  const saved = file.pricing?.custom_prices_only ? undefined : loadSavedCatalog(dataPath);
  const build = (catalog: Catalog | undefined) => createPricer(catalog === undefined ? base : { ...base, catalog });
  const update = file.pricing?.update;
  if (!context.withUpdates || !update || file.pricing?.custom_prices_only) return { pricer: build(saved), dataPath };
  const pricer = swappablePricer(build(saved));
  const updater = startPriceUpdates({
    from: update.from,
    everyMs: Math.round(update.every_minutes * 60_000),
    pricer,
    build,
    saveTo: dataPath,
    logger: context.logger,
    onError: context.onError,
    cwd: path ? dirname(path) : context.cwd,
  });
  return { pricer, dataPath, updater };
}
