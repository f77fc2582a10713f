import type { LedgerLogger } from '../core/logger.js';
import { ProblemReporter, type Problem } from '../core/problem-reporter.js';
import { diffCatalogs, summarizeDiff, type CatalogDiff } from '../pricing/catalog-diff.js';
import type { Catalog } from '../pricing/catalog-types.js';
import type { LedgerPricer } from '../pricing/create-pricer.js';
import { catalogFromGenaiData, parseGenaiPricesData } from '../pricing/genai-prices-data.js';
import type { SwappablePricer } from '../pricing/swappable-pricer.js';
import { savePriceData } from './price-data-file.js';
import { readPriceData } from './read-price-data.js';

export interface PriceUpdaterOptions {
  /** URL or file of a genai-prices data file. */
  from: string;
  /** Time between two loads. */
  everyMs: number;
  /** The pricer the ledger uses; a newer catalog replaces its current pricer. */
  pricer: SwappablePricer;
  /** Builds a pricer like the current one over another catalog (the user's prices and rules stay). */
  build: (catalog: Catalog) => LedgerPricer;
  /** Where applied data is written, so that the next start uses it too. */
  saveTo?: string;
  logger: LedgerLogger;
  onError?: (problem: Problem) => void;
  cwd?: string;
  timeoutMs?: number;
}

export interface PriceUpdater {
  /** Loads now; resolves with what changed (null when the data is unchanged or could not be used). Never rejects. */
  updateNow(): Promise<CatalogDiff | null>;
  /** Stops the interval and aborts a load in flight. */
  stop(): void;
}

/**
 * Keeps a long-running process's catalog current: loads the data file at start and then every
 * `everyMs`, validates it, and swaps the pricer in one assignment when the data changed, logging
 * the difference. A failure (network, invalid file, a pricer that cannot be built) keeps the
 * current prices and is reported to the logger and `onError`; it never reaches the application.
 *
 * @example
 * const updater = startPriceUpdates({ from: GENAI_PRICES_DATA_URL, everyMs: 86_400_000, pricer, build, logger });
 * // ... later
 * updater.stop();
 */
export function startPriceUpdates(options: PriceUpdaterOptions): PriceUpdater {
  const reporter = new ProblemReporter(options.logger, options.onError);
  const controller = new AbortController();
  let running: Promise<CatalogDiff | null> | undefined;
  let stopped = false;

  const load = async (): Promise<CatalogDiff | null> => {
    try {
      const text = await readPriceData(options.from, {
        cwd: options.cwd,
        signal: controller.signal,
        timeoutMs: options.timeoutMs,
      });
      if (stopped) return null;
      const catalog = catalogFromGenaiData(parseGenaiPricesData(text, options.from));
      const current = options.pricer.current.catalog;
      if (current && current.label === catalog.label) {
        options.logger.debug({ catalog: catalog.label }, `llm-ledger prices: ${options.from} is unchanged`);
        return null;
      }
      const next = options.build(catalog);
      const diff = current ? diffCatalogs(current, catalog) : null;
      options.pricer.replace(next);
      if (options.saveTo) savePriceData(options.saveTo, text);
      options.logger.info(
        { before: current?.label ?? null, after: catalog.label, diff },
        `llm-ledger prices updated from ${current?.label ?? 'none'} to ${catalog.label}` +
          (diff ? `: ${summarizeDiff(diff)}` : ''),
      );
      return diff;
    } catch (error) {
      if (!stopped) reporter.report({ kind: 'pricing', subject: 'pricing.update', error });
      return null;
    }
  };

  const updateNow = (): Promise<CatalogDiff | null> => {
    if (stopped) return Promise.resolve(null);
    // One load at a time: a slow server does not pile up requests.
    running ??= load().finally(() => (running = undefined));
    return running;
  };

  void updateNow();
  const timer = setInterval(() => void updateNow(), options.everyMs);
  timer.unref();
  return {
    updateNow,
    stop() {
      stopped = true;
      clearInterval(timer);
      controller.abort();
    },
  };
}
