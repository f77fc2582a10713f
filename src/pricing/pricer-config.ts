import type { ConfigFile } from '../config/schema.js';
import type { PricerOptions } from './create-pricer.js';

/**
 * The pricer's options from a parsed `llm_config.yaml`: `models:`, `pricing:` and
 * `settings.usage_logging.base_currency`. `source` (the file's path) is named in ConfigErrors.
 *
 * @example
 * const { path, file } = loadConfigFile(undefined, process.env);
 * const pricer = createPricer(pricerOptionsFromConfig(file, path ?? 'options'));
 */
export function pricerOptionsFromConfig(file: ConfigFile, source: string): PricerOptions {
  const options: PricerOptions = { configSource: source };
  if (file.models) options.models = file.models;
  if (file.pricing) {
    // Where the catalog comes from is not a price: the data's own label names it in every cost.
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { data_file, update, ...prices } = file.pricing;
    options.pricing = prices;
  }
  const baseCurrency = file.settings?.usage_logging?.base_currency;
  if (baseCurrency) options.baseCurrency = baseCurrency;
  return options;
}
