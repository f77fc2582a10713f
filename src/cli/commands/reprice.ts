import { parseArgs } from 'node:util';
import { RepriceDiff, type RepriceSummary } from '../../pricing/reprice.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { malformedRowsWarning } from '../format/malformed-warning.js';
import { formatCost } from '../format/money-format.js';
import { formatInteger, renderTable } from '../format/table.js';
import { FILTER_OPTIONS, FILTER_USAGE, filterFromOptions, LEDGER_OPTIONS, openCliLedger } from '../open-ledger.js';

const USAGE = `llm-ledger reprice --since 30d [filters] [--dry-run] [--json] [--db PATH]

Recomputes stored costs with the current catalog and llm_config.yaml prices. Each changed call
keeps its previous cost in costHistory. Prints what changed per model.

${FILTER_USAGE}`;

const PAGE = 1000;

export const command: CliCommand = {
  name: 'reprice',
  summary: 'recompute stored costs with the current prices',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { ...LEDGER_OPTIONS, ...FILTER_OPTIONS, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
      strict: true,
    });
    if (!values.since) throw new UsageError('give --since (such as 30d) so that repricing has a bounded range');
    const filter = filterFromOptions(values);
    const ledger = openCliLedger(values, io);
    try {
      if (!ledger.pricer) throw new UsageError('pricing is turned off for this ledger');
      const diff = new RepriceDiff(ledger.pricer);
      let cursor: string | undefined;
      do {
        const page = await ledger.calls.list({ ...filter, limit: PAGE, cursor, order: 'asc' });
        const updates = diff.add(page.records);
        if (!values['dry-run'] && updates.length > 0) await ledger.store.updateCosts(updates);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const summary = diff.summary();
      io.stderr(
        malformedRowsWarning(
          summary.malformedRows,
          `they count as 0 in the old total and ${values['dry-run'] ? 'would be' : 'were'} repriced from the current prices`,
        ),
      );
      if (values.json) io.stdout(`${JSON.stringify({ dryRun: values['dry-run'] === true, ...summary }, null, 2)}\n`);
      else
        io.stdout(
          renderRepriceSummary(
            summary,
            values['dry-run'] === true,
            ledger.settings.baseCurrency,
            ledger.settings.roundingDecimals,
          ),
        );
      return 0;
    } finally {
      await ledger.close();
    }
  },
};

export function renderRepriceSummary(
  summary: RepriceSummary,
  dryRun: boolean,
  currency: string,
  decimals: number,
): string {
  const verb = dryRun ? 'would change' : 'changed';
  let text = `${formatInteger(summary.scanned)} calls scanned, ${formatInteger(summary.changed)} ${verb}`;
  if (summary.changed === 0) return `${text}.\n`;
  text += `: ${formatCost(summary.oldTotal, currency, decimals)} -> ${formatCost(summary.newTotal, currency, decimals)}\n`;
  if (summary.becameUnpriced > 0)
    text += `${formatInteger(summary.becameUnpriced)} calls lose their price (model no longer priced)\n`;
  if (summary.becamePriced > 0) text += `${formatInteger(summary.becamePriced)} calls priced for the first time\n`;
  text += `\n${renderTable(
    [
      { header: 'model' },
      { header: 'calls', align: 'right' },
      { header: 'old', align: 'right' },
      { header: 'new', align: 'right' },
      { header: 'delta', align: 'right' },
    ],
    summary.byModel.map((entry) => [
      entry.model,
      formatInteger(entry.changed),
      formatCost(entry.oldTotal, currency, decimals),
      formatCost(entry.newTotal, currency, decimals),
      formatCost(entry.delta, currency, decimals),
    ]),
  )}\n`;
  if (dryRun) text += '\nDry run: nothing was written.\n';
  return text;
}
