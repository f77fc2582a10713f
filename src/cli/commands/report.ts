import { parseArgs } from 'node:util';
import { mergeMalformedRows } from '../../core/malformed-rows.js';
import { sumDecimalStrings } from '../../core/money.js';
import { GROUP_KEYS, type GroupKey, type SummaryRow } from '../../core/store.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { malformedRowsWarning } from '../format/malformed-warning.js';
import { displayDecimals, EXACT_OPTION, formatCost } from '../format/money-format.js';
import { formatInteger, formatMs, renderTable, type Column } from '../format/table.js';
import { FILTER_OPTIONS, FILTER_USAGE, filterFromOptions, LEDGER_OPTIONS, openCliLedger } from '../open-ledger.js';

const USAGE = `llm-ledger report [--by KEY[,KEY]] [--since 7d] [filters] [--exact] [--json] [--db PATH]

Usage per group: calls, errors, tokens per bucket, cost, latency p50/p95.
Group keys: ${GROUP_KEYS.join(', ')} (default: model).
Unpriced calls (unknown model) are counted apart: their cost is unknown, not zero.
Costs show default_rounding_decimals places (--exact: every digit; --json is always exact).

${FILTER_USAGE}`;

export const command: CliCommand = {
  name: 'report',
  summary: 'usage and cost grouped by model, user, day, ...',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        ...LEDGER_OPTIONS,
        ...FILTER_OPTIONS,
        ...EXACT_OPTION,
        by: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    const groupBy = parseGroupBy(values.by ?? 'model');
    const where = filterFromOptions(values);
    const ledger = openCliLedger(values, io);
    try {
      const rows = await ledger.usage.summary({ groupBy, where });
      const malformedRows = mergeMalformedRows(rows.map((row) => row.malformedRows));
      io.stderr(malformedRowsWarning(malformedRows, 'their cost is not included in the totals'));
      if (values.json) {
        const report = {
          groupBy,
          where,
          currency: ledger.settings.baseCurrency,
          rows,
          ...(malformedRows && { malformedRows }),
        };
        io.stdout(`${JSON.stringify(report, null, 2)}\n`);
        return 0;
      }
      io.stdout(
        renderReport(
          rows,
          groupBy,
          ledger.settings.baseCurrency,
          displayDecimals(values, ledger.settings.roundingDecimals),
        ),
      );
      return 0;
    } finally {
      await ledger.close();
    }
  },
};

export function parseGroupBy(value: string): GroupKey[] {
  const keys = value
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  for (const key of keys) {
    if (!GROUP_KEYS.includes(key as GroupKey))
      throw new UsageError(`--by ${key} is not one of ${GROUP_KEYS.join(', ')}`);
  }
  return keys as GroupKey[];
}

export function renderReport(
  rows: readonly SummaryRow[],
  groupBy: readonly GroupKey[],
  currency: string,
  decimals: number | 'exact',
): string {
  if (rows.length === 0) return 'No calls recorded for this selection.\n';
  const columns: Column[] = [
    ...groupBy.map((key) => ({ header: key })),
    { header: 'calls', align: 'right' },
    { header: 'errors', align: 'right' },
    { header: 'input', align: 'right' },
    { header: 'cache read', align: 'right' },
    { header: 'cache write', align: 'right' },
    { header: 'output', align: 'right' },
    { header: 'reasoning', align: 'right' },
    { header: 'cost', align: 'right' },
    { header: 'unpriced', align: 'right' },
    { header: 'p50 ms', align: 'right' },
    { header: 'p95 ms', align: 'right' },
  ];
  const totals = { calls: 0, errors: 0, unpriced: 0 };
  const body = rows.map((row) => {
    totals.calls += row.calls;
    totals.errors += row.errors;
    totals.unpriced += row.unpricedCalls;
    return [
      ...groupBy.map((key) => row.group[key] ?? '(none)'),
      formatInteger(row.calls),
      formatInteger(row.errors),
      formatInteger(row.tokens.input),
      formatInteger(row.tokens.cacheRead),
      formatInteger(row.tokens.cacheWrite),
      formatInteger(row.tokens.output),
      formatInteger(row.tokens.reasoning),
      row.unpricedCalls === row.calls && row.calls > 0 ? 'unpriced' : formatCost(row.cost, currency, decimals),
      formatInteger(row.unpricedCalls),
      formatMs(row.latencyMs.p50),
      formatMs(row.latencyMs.p95),
    ];
  });
  const totalCost = sumDecimalStrings(rows.map((row) => row.cost));
  let text = `${renderTable(columns, body)}\n\n${formatInteger(totals.calls)} calls, ${formatInteger(totals.errors)} errors, total cost ${formatCost(totalCost, currency, decimals)}`;
  if (totals.unpriced > 0) {
    text += `\n${formatInteger(totals.unpriced)} unpriced calls (unknown model): their cost is not included above`;
  }
  return `${text}\n`;
}
