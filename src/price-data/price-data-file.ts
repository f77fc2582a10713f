import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PriceDataError } from '../core/errors.js';
import { sqlitePathOf } from '../open-store.js';
import type { Catalog } from '../pricing/catalog-types.js';
import { catalogFromGenaiData, parseGenaiPricesData } from '../pricing/genai-prices-data.js';

/** The applied data's name beside a SQLite ledger: `.llm-ledger/ledger.db` -> `.llm-ledger/genai-prices.json`. */
export const PRICE_DATA_FILE_NAME = 'genai-prices.json';

/**
 * Where applied price data is kept: `pricing.data_file` (relative to the config file's
 * directory), else beside the ledger's SQLite file. Undefined for a PostgreSQL or in-memory
 * ledger without `pricing.data_file`: such a ledger uses the bundled data.
 */
export function priceDataPath(args: {
  configured: string | undefined;
  configPath: string | null;
  storeLocation: string;
  cwd: string;
}): string | undefined {
  if (args.configured !== undefined) {
    return resolve(args.configPath ? dirname(args.configPath) : args.cwd, args.configured);
  }
  const database = sqlitePathOf(args.storeLocation, args.cwd);
  return database === undefined ? undefined : join(dirname(database), PRICE_DATA_FILE_NAME);
}

/**
 * The catalog of the applied data at `path`, or undefined when there is none (nothing was ever
 * applied: the bundled data is used). A file that is there but invalid throws PriceDataError:
 * the prices it was meant to apply are not silently replaced by older ones.
 */
export function loadSavedCatalog(path: string | undefined): Catalog | undefined {
  if (path === undefined || !existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PriceDataError({ source: path, path: '', problem: `cannot be read (${(error as Error).message})` });
  }
  return catalogFromGenaiData(parseGenaiPricesData(text, path));
}

/** Writes validated data atomically (a temporary file renamed over the old one): a reader sees the old or the new file, whole. */
export function savePriceData(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
