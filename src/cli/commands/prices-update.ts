import { isEmptyDiff, summarizeDiff, type CatalogDiff } from '../../pricing/catalog-diff.js';
import { loadGenaiPricesCatalog } from '../../pricing/genai-prices-source.js';
import { catalogFromGenaiData, GENAI_PRICES_DATA_URL, parseGenaiPricesData } from '../../pricing/genai-prices-data.js';
import { diffCatalogs } from '../../pricing/catalog-diff.js';
import { loadSavedCatalog, priceDataPath, savePriceData } from '../../price-data/price-data-file.js';
import { readPriceData } from '../../price-data/read-price-data.js';
import { resolveLedgerConfig } from '../../resolve-config.js';
import type { CliIo } from '../command.js';
import { UsageError } from '../command.js';
import { printable } from '../format/printable.js';
import { renderTable } from '../format/table.js';

/**
 * `llm-ledger prices update`: loads and validates a data file, prints what it changes against
 * the catalog the ledger uses now, and saves it only with --apply. An invalid file throws
 * PriceDataError before anything is written.
 */
export async function updatePrices(
  values: { config?: string; db?: string; from?: string; apply?: boolean; json?: boolean },
  io: CliIo,
): Promise<number> {
  const resolved = resolveLedgerConfig({ configFile: values.config, store: values.db, env: io.env, cwd: io.cwd });
  const dataPath = priceDataPath({
    configured: resolved.config.file.pricing?.data_file,
    configPath: resolved.config.path,
    storeLocation: resolved.storeLocation,
    cwd: io.cwd,
  });
  const from = values.from ?? GENAI_PRICES_DATA_URL;
  const text = await readPriceData(from, { cwd: io.cwd });
  const next = catalogFromGenaiData(parseGenaiPricesData(text, from));
  const current = loadSavedCatalog(dataPath) ?? loadGenaiPricesCatalog();
  const diff = diffCatalogs(current, next);
  if (values.apply && dataPath === undefined) {
    throw new UsageError(
      'this ledger is not a SQLite file: set pricing.data_file in llm_config.yaml to say where applied prices are kept',
    );
  }
  const applied = values.apply === true && current.label !== next.label;
  if (applied) savePriceData(dataPath!, text);
  if (values.json) {
    io.stdout(`${JSON.stringify({ from, dataFile: dataPath ?? null, applied, ...diff }, null, 2)}\n`);
    return 0;
  }
  io.stdout(renderDiff(diff, from));
  if (current.label === next.label) io.stdout('The data is the one in use: nothing to apply.\n');
  else if (applied)
    io.stdout(`Applied: saved to ${printable(dataPath!)}; ledgers started from now on price with it.\n`);
  else if (dataPath) io.stdout(`Not applied. Run again with --apply to save it to ${printable(dataPath)}.\n`);
  else io.stdout('Not applied. Set pricing.data_file in llm_config.yaml to apply it.\n');
  return 0;
}

export function renderDiff(diff: CatalogDiff, from: string): string {
  const lines = [
    `loaded:  ${printable(from)}`,
    `current: ${printable(diff.before)}`,
    `new:     ${printable(diff.after)}`,
    '',
    `${summarizeDiff(diff)}.`,
  ];
  if (isEmptyDiff(diff)) return `${lines.join('\n')}\n`;
  if (diff.added.length > 0) lines.push('', 'models added:', ...diff.added.map((model) => `  + ${printable(model)}`));
  if (diff.removed.length > 0)
    lines.push('', 'models removed:', ...diff.removed.map((model) => `  - ${printable(model)}`));
  if (diff.changed.length > 0) {
    const rows = diff.changed.flatMap(({ model, changes }) =>
      changes.map((change) => [
        printable(model),
        change.period,
        change.bucket,
        printable(change.before ?? '-'),
        printable(change.after ?? '-'),
      ]),
    );
    lines.push(
      '',
      'prices changed (per 1M tokens; period: from..until):',
      renderTable(
        [
          { header: 'model' },
          { header: 'period' },
          { header: 'bucket' },
          { header: 'before', align: 'right' },
          { header: 'after', align: 'right' },
        ],
        rows,
      ),
    );
  }
  return `${lines.join('\n')}\n\n`;
}
