import { parseArgs } from 'node:util';
import type { TokenUsage } from '../../core/record.js';
import type { CostQuote } from '../../pricing/create-pricer.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { displayDecimals, EXACT_OPTION, formatCost } from '../format/money-format.js';
import { printable } from '../format/printable.js';
import { formatInteger, renderTable } from '../format/table.js';
import { parseAt, pricerForCli } from './prices.js';

const USAGE = `llm-ledger cost --model M --input N --output N [--cache-read N] [--cache-write N]
                [--cache-write-1h N] [--reasoning N] [--input-audio N] [--cache-audio-read N]
                [--output-audio N] [--input-image N] [--audio-seconds N] [--input-audio-seconds N]
                [--pages N] [--annotated-pages N] [--web-searches N]
                [--provider P] [--service-tier T] [--at DATE] [--exact] [--json] [--config PATH] [--db PATH]

Prices one call exactly, with the same catalog and llm_config.yaml prices the ledger uses
(the price data applied with "prices update --apply" for the ledger at --db, else the bundled data).
Counts are inclusive, as the ledger stores them: --input includes cache reads and writes,
--output includes reasoning (an Anthropic input_tokens of 20 with 3000 cache reads is --input 3020);
--cache-audio-read counts within both --cache-read and --input-audio. Transcription, OCR and
search are priced by --audio-seconds, --pages and --web-searches. A bucket the model has no
price for is not charged and is named (status estimated, or unpriced when nothing is priced).
Amounts show default_rounding_decimals places (--exact: every digit; --json is always exact).
Exit code 1 when the call is unpriced (an unknown model, or nothing it used has a price).`;

const COUNT_OPTIONS = {
  input: 'input',
  output: 'output',
  'cache-read': 'cacheRead',
  'cache-write': 'cacheWrite',
  'cache-write-1h': 'cacheWrite1h',
  reasoning: 'reasoning',
  'input-audio': 'inputAudio',
  'cache-audio-read': 'cacheAudioRead',
  'output-audio': 'outputAudio',
  'input-image': 'inputImage',
  'audio-seconds': 'audioSeconds',
  'input-audio-seconds': 'inputAudioSeconds',
  pages: 'pages',
  'annotated-pages': 'annotatedPages',
  'web-searches': 'webSearches',
} as const satisfies Record<string, keyof TokenUsage>;

const COUNT_ARGS = Object.fromEntries(
  Object.keys(COUNT_OPTIONS).map((option) => [option, { type: 'string' as const }]),
) as Record<keyof typeof COUNT_OPTIONS, { type: 'string' }>;

export const command: CliCommand = {
  name: 'cost',
  summary: 'price one call from token counts',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        provider: { type: 'string' },
        'service-tier': { type: 'string' },
        at: { type: 'string' },
        json: { type: 'boolean' },
        config: { type: 'string' },
        db: { type: 'string' },
        ...EXACT_OPTION,
        ...COUNT_ARGS,
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.model) throw new UsageError('--model is required');
    if (Object.keys(COUNT_OPTIONS).every((option) => values[option as keyof typeof COUNT_OPTIONS] === undefined)) {
      throw new UsageError('give at least --input or --output (or --audio-seconds, --pages, --web-searches)');
    }
    const tokens: Partial<TokenUsage> = {};
    for (const [option, bucket] of Object.entries(COUNT_OPTIONS)) {
      const raw = values[option as keyof typeof COUNT_OPTIONS];
      if (raw !== undefined) tokens[bucket] = parseCount(option, raw);
    }
    const { pricer, settings } = pricerForCli(values, io);
    const quote = pricer.quote({
      model: values.model,
      provider: values.provider ?? null,
      tokens,
      at: parseAt(values.at),
      serviceTier: values['service-tier'],
    });
    io.stdout(
      values.json
        ? `${JSON.stringify(toJson(quote, tokens), null, 2)}\n`
        : render(quote, tokens, displayDecimals(values, settings.roundingDecimals)),
    );
    return quote.cost.status === 'unpriced' ? 1 : 0;
  },
};

function parseCount(option: string, raw: string): number {
  const value = Number(raw.replace(/[_,]/g, ''));
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < 0) {
    throw new UsageError(`--${option} ${raw} is not a whole number`);
  }
  return value;
}

function toJson(quote: CostQuote, tokens: Partial<TokenUsage>) {
  return {
    cost: quote.cost,
    tokens,
    match: quote.match
      ? {
          kind: quote.match.kind,
          reason: quote.match.reason,
          provider: quote.match.model.provider,
          model: quote.match.model.id,
        }
      : null,
    notes: quote.notes,
  };
}

function render(quote: CostQuote, tokens: Partial<TokenUsage>, decimals: number | 'exact'): string {
  const { cost } = quote;
  const lines: string[] = [];
  lines.push(quote.match ? `matched: ${printable(quote.match.reason)}` : 'matched: nothing: the model is unknown');
  lines.push('');
  if (cost.total !== null) {
    const rows = Object.entries(cost.breakdown).flatMap(([bucket, amount]) =>
      amount ? [[bucket, formatCost(amount, cost.currency, decimals)]] : [],
    );
    rows.push(['total', formatCost(cost.total, cost.currency, decimals)]);
    lines.push(renderTable([{ header: 'bucket' }, { header: 'cost', align: 'right' }], rows));
  } else {
    lines.push('total: unpriced (cost null, not 0)');
  }
  const counts = Object.entries(tokens).map(([bucket, count]) => `${bucket} ${formatInteger(count as number)}`);
  lines.push('', `tokens: ${counts.join(', ')}`);
  lines.push(`status: ${cost.status}`);
  if (cost.unpricedBuckets) lines.push(`not priced (no price for this model): ${cost.unpricedBuckets.join(', ')}`);
  for (const note of quote.notes) lines.push(`note: ${printable(note)}`);
  lines.push(`pricing version: ${printable(cost.pricingVersion ?? '-')}`, '');
  return lines.join('\n');
}
