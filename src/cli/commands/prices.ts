import { parseArgs } from 'node:util';
import type { LedgerSettings } from '../../core/ledger.js';
import type { LedgerPricer } from '../../pricing/create-pricer.js';
import { GENAI_PRICES_DATA_URL } from '../../pricing/genai-prices-data.js';
import { pricerFromConfig, type ConfigPricer } from '../../price-data/config-pricer.js';
import { resolveLedgerConfig } from '../../resolve-config.js';
import { stderrLogger } from '../open-ledger.js';
import { updatePrices } from './prices-update.js';
import { PRICE_BUCKETS, type PriceBucket } from '../../pricing/catalog-types.js';
import type { ExplainedMatch, PriceExplanation } from '../../pricing/explain.js';
import type { CliCommand, CliIo } from '../command.js';
import { UsageError } from '../command.js';
import { printable } from '../format/printable.js';
import { formatInteger, renderTable } from '../format/table.js';

const USAGE = `llm-ledger prices [MODEL] [--provider P] [--at DATE] [--json] [--config PATH] [--db PATH]
llm-ledger prices update [--from URL|FILE] [--apply] [--json] [--config PATH] [--db PATH]

Without MODEL: the price catalog in use, its version, and the models priced in llm_config.yaml.
With MODEL: what matched and why (an exact id, an alias, a pattern, or a guess that names the
model it used), the prices per bucket per 1M tokens (per request, hour of audio, page or search
for the buckets named so), each period's effective dates and which one is in force (now, or at
--at DATE).
Exit code 1 when the model is unknown (its calls are recorded as unpriced, cost null).

update: loads a genai-prices data file (default: ${GENAI_PRICES_DATA_URL}),
validates it and shows what it changes against the catalog in use (models added and removed,
prices changed with their dates). --apply saves it where the ledger reads it at start
(pricing.data_file, else genai-prices.json beside the SQLite ledger). Exit code 1 when the
file is invalid or cannot be read: nothing is applied then.`;

/**
 * A pricer built like the ledger's: the config file (`--config`, LLM_LEDGER_CONFIG,
 * ./llm_config.yaml) and the applied price data of the ledger (`--db`, LLM_LEDGER_DB, ...).
 */
export function pricerForCli(
  values: { config?: string; db?: string },
  io: CliIo,
): ConfigPricer & { settings: LedgerSettings } {
  const resolved = resolveLedgerConfig({ configFile: values.config, store: values.db, env: io.env, cwd: io.cwd });
  return { ...pricerFromConfig(resolved, { cwd: io.cwd, logger: stderrLogger(io) }), settings: resolved.settings };
}

/** `--at 2025-06-10` or an ISO timestamp; undefined means now. */
export function parseAt(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(time)) throw new UsageError(`--at ${value} is not a date (use 2025-06-10 or an ISO timestamp)`);
  return new Date(time).toISOString();
}

export const command: CliCommand = {
  name: 'prices',
  summary: 'show the price catalog, or what a model matches and its prices',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        provider: { type: 'string' },
        at: { type: 'string' },
        json: { type: 'boolean' },
        config: { type: 'string' },
        db: { type: 'string' },
        from: { type: 'string' },
        apply: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals[0] === 'update' && positionals.length === 1) return updatePrices(values, io);
    if (values.from !== undefined || values.apply) throw new UsageError('--from and --apply belong to "prices update"');
    if (positionals.length > 1) throw new UsageError('give at most one model name');
    const { pricer } = pricerForCli(values, io);
    const model = positionals[0];
    if (model === undefined) {
      const summary = summarize(pricer);
      io.stdout(values.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary));
      return 0;
    }
    const explanation = pricer.explain(model, { provider: values.provider, at: parseAt(values.at) });
    io.stdout(values.json ? `${JSON.stringify(explanation, null, 2)}\n` : renderExplanation(explanation));
    return explanation.matches.length > 0 ? 0 : 1;
  },
};

interface CatalogSummary {
  pricingVersion: string;
  baseCurrency: string;
  catalog: string | null;
  providers: Array<{ id: string; name: string; models: number }>;
  configModels: string[];
}

function summarize(pricer: LedgerPricer): CatalogSummary {
  return {
    pricingVersion: pricer.pricingVersion,
    baseCurrency: pricer.baseCurrency,
    catalog: pricer.catalog?.label ?? null,
    providers: (pricer.catalog?.providers ?? []).map((provider) => ({
      id: provider.id,
      name: provider.name,
      models: provider.models.length,
    })),
    configModels: pricer.configModels.map((model) => model.id),
  };
}

function renderSummary(summary: CatalogSummary): string {
  const total = summary.providers.reduce((sum, provider) => sum + provider.models, 0);
  const lines = [
    `pricing version: ${summary.pricingVersion}`,
    `base currency:   ${summary.baseCurrency}`,
    summary.catalog
      ? `catalog:         ${summary.catalog}: ${formatInteger(total)} models from ${summary.providers.length} providers`
      : 'catalog:         off (pricing.custom_prices_only): only llm_config.yaml prices apply',
    `llm_config.yaml: ${summary.configModels.length === 0 ? 'no model prices' : printable(summary.configModels.join(', '))}`,
    '',
  ];
  if (summary.providers.length > 0) {
    const rows = summary.providers.map((provider) => [provider.id, provider.name, formatInteger(provider.models)]);
    lines.push(renderTable([{ header: 'provider' }, { header: 'name' }, { header: 'models', align: 'right' }], rows));
    lines.push('', 'llm-ledger prices MODEL shows what a name matches and its prices.', '');
  }
  return lines.join('\n');
}

function renderExplanation(explanation: PriceExplanation): string {
  const lines = [
    `${printable(explanation.model)}${explanation.provider ? ` (provider ${printable(explanation.provider)})` : ''}`,
    '',
    'how it was looked up:',
    ...explanation.steps.map((step) => `  - ${printable(step)}`),
    '',
  ];
  if (explanation.matches.length === 0) {
    lines.push('unknown: calls to this model are recorded as unpriced (cost null, never 0).');
    lines.push('Add it under models: in llm_config.yaml, or map it under pricing.deployments.');
  }
  for (const [index, match] of explanation.matches.entries()) {
    if (index > 0) lines.push('', 'outside the dates above, the catalog applies:');
    lines.push(...renderMatch(match, explanation.at));
  }
  lines.push('', `prices in force at ${explanation.at}; pricing version ${printable(explanation.pricingVersion)}`, '');
  return lines.join('\n');
}

/** Buckets not priced per 1M tokens, with their unit. */
const UNIT_OF_BUCKET: Partial<Record<PriceBucket, string>> = {
  request: 'per request',
  audioHour: 'per hour of audio',
  inputAudioHour: 'per hour of input audio',
  page: 'per page',
  annotatedPage: 'per annotated page',
  webSearch: 'per search',
};

function renderMatch(match: ExplainedMatch, at: string): string[] {
  const name = `${match.provider ? `${match.provider}/` : ''}${match.id}${match.name ? ` "${match.name}"` : ''}`;
  const lines = [
    `matched: ${printable(match.reason)}${match.guessed ? ' (a guess: costs are marked estimated)' : ''}`,
    `model:   ${printable(name)}` +
      (match.contextWindow ? `, context window ${formatInteger(match.contextWindow)} tokens` : ''),
    `source:  ${match.origin === 'config' ? 'llm_config.yaml' : 'built-in catalog'}`,
  ];
  if (match.aliases.length > 0) lines.push(`aliases: ${printable(match.aliases.join(', '))}`);
  if (match.pattern) lines.push(`pattern: ${printable(match.pattern)}`);
  const buckets = PRICE_BUCKETS.filter((bucket) => match.periods.some((period) => period.prices[bucket] !== undefined));
  const units = buckets
    .filter((bucket) => UNIT_OF_BUCKET[bucket])
    .map((bucket) => `${bucket}: ${UNIT_OF_BUCKET[bucket]}`);
  lines.push('', `prices per 1M tokens${units.length > 0 ? ` (${units.join(', ')})` : ''}:`);
  const rows = match.periods.map((period) => [
    period.inForce ? '*' : '',
    period.from ? period.from.slice(0, 10) : 'always',
    period.to ? period.to.slice(0, 10) : '-',
    period.timeOfDay ? `${period.timeOfDay.start}-${period.timeOfDay.end} UTC` : '-',
    period.currency,
    ...buckets.map((bucket) => period.prices[bucket] ?? '-'),
  ]);
  lines.push(
    renderTable(
      [
        { header: 'now' },
        { header: 'from' },
        { header: 'until' },
        { header: 'hours' },
        { header: 'currency' },
        ...buckets.map((bucket: PriceBucket) => ({ header: bucket, align: 'right' as const })),
      ],
      rows,
    ),
  );
  if (!match.periods.some((period) => period.inForce)) lines.push(`(no period is in force at ${at})`);
  for (const period of match.periods) {
    for (const [tier, prices] of Object.entries(period.serviceTiers)) {
      const listed = Object.entries(prices).map(([bucket, price]) => `${bucket} ${price}`);
      lines.push(printable(`service tier ${tier}: ${listed.join(', ')}`));
    }
    const unmetered = Object.entries(period.unmetered).map(([unit, price]) => `${unit} ${price}`);
    if (unmetered.length > 0 && period.inForce) lines.push(`also priced, not metered here: ${unmetered.join(', ')}`);
  }
  if (match.comments) lines.push(`note from the source: ${printable(match.comments)}`);
  return lines;
}
